"""Smoke test of the three images: built by scripts/build-images.sh, run together with a
Redis and an S3 on their own Docker network, they serve an upload end to end."""

import io
import json
import re
import time

import pytest
import requests
from imagehost.sizes import SIZES
from PIL import Image
from smoke_stack import Smoke
from stack import docker

pytestmark = pytest.mark.images

OUR_SERVICES = ["backend", "worker", "frontend"]
CREDENTIAL_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY|CREDENTIAL", re.IGNORECASE)
CREDENTIAL_ASSIGNMENT = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY)\w*[=:]\s*\S|://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE
)


def generated_jpeg(width: int, height: int) -> bytes:
    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    body = io.BytesIO()
    picture.save(body, "JPEG", quality=85)
    return body.getvalue()


def fetch_when_ready(url: str, timeout: float) -> requests.Response:
    """The worker needs a moment: 404 until the size is stored."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(url, timeout=5)
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def test_containers_are_healthy_and_backend_ready(smoke: Smoke) -> None:
    assert {role: smoke.stack.health(role) for role in OUR_SERVICES} == dict.fromkeys(
        OUR_SERVICES, "healthy"
    )
    assert requests.get(f"{smoke.backend_url}/health", timeout=5).text == "ok"
    assert requests.get(f"{smoke.backend_url}/ready", timeout=5).status_code == 200


def test_upload_produces_all_four_sizes(smoke: Smoke) -> None:
    width, height = 2000, 1500
    response = requests.post(
        f"{smoke.backend_url}/image",
        files={"file": ("photo.jpg", generated_jpeg(width, height), "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    urls = response.json()

    for size, longest_side in SIZES.items():
        resized = fetch_when_ready(smoke.backend_url + urls[size], timeout=60)
        assert resized.status_code == 200, (
            f"{size}: {resized.status_code}\n{smoke.stack.logs('worker')}"
        )
        assert resized.headers["Content-Type"] == "image/jpeg"
        scale = longest_side / max(width, height)
        expected = (round(width * scale), round(height * scale))
        assert Image.open(io.BytesIO(resized.content)).size == expected


def test_frontend_serves_the_ui_and_its_config(smoke: Smoke) -> None:
    index = requests.get(f"{smoke.frontend_url}/", timeout=5)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert "<html" in index.text.lower()

    config = requests.get(f"{smoke.frontend_url}/config.json", timeout=5)
    assert config.status_code == 200
    assert config.json() == {"endpoint": smoke.backend_url, "max_upload_bytes": 20 * 1024 * 1024}


@pytest.mark.parametrize("role", OUR_SERVICES)
def test_processes_run_as_non_root(smoke: Smoke, role: str) -> None:
    # Real, effective, saved and filesystem uid of every process in the container
    # (the exec'd shell and grep included: they run as the image's user too).
    uid_lines = smoke.stack.exec(role, "sh", "-c", "grep -h '^Uid:' /proc/[0-9]*/status")
    uids = {int(uid) for line in uid_lines.splitlines() for uid in line.split()[1:]}
    assert len(uid_lines.splitlines()) >= 3, uid_lines  # the service, plus sh and grep
    assert 0 not in uids


@pytest.mark.parametrize("role", OUR_SERVICES)
def test_image_carries_no_secrets(smoke: Smoke, role: str) -> None:
    image = getattr(smoke.images, role)
    config = json.loads(docker("image", "inspect", "--format", "{{json .Config}}", image))
    assert config["User"] not in ("", "0", "root", "0:0")
    env_names = [item.split("=", 1)[0] for item in config["Env"] or []]
    assert not [name for name in env_names if CREDENTIAL_NAME.search(name)]

    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
    assert not CREDENTIAL_ASSIGNMENT.search(history), history
    assert smoke.secret not in history + json.dumps(config)
