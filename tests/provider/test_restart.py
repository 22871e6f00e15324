"""The provider restarted or stopped under the running service: stored images and queued
tasks survive a restart, and an upload during an outage gets a clear 503 in seconds."""

import hashlib
import time

import pytest
import requests
from imagehost.celery_app import QUEUE
from imagehost.sizes import SIZES
from provider import PUBLIC_PORT, PUBLIC_TLS_PORT, Provider
from samples import photo
from stack import Stack

pytestmark = pytest.mark.provider

KEYS = ["original", *SIZES]


def served(stack: Stack, image_id: str) -> dict[str, tuple[str, str]]:
    """Every size of an upload as the backend serves it: (ETag, SHA-256 of the bytes)."""
    result = {}
    for key in KEYS:
        path = f"/image/{image_id}" if key == "original" else f"/image/{image_id}/{key}"
        response = requests.get(stack.backend_url + path, timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        result[key] = (response.headers["ETag"], hashlib.sha256(response.content).hexdigest())
    return result


def upload(stack: Stack, data: bytes) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.post(
        stack.backend_url + "/image", files={"file": ("p.jpg", data)}, timeout=60
    )
    return response, time.monotonic() - started


def ids_in(keys: set[str]) -> set[str]:
    return {key.rsplit("/", 1)[-1] for key in keys}


def report(capsys, title: str, figures: dict[str, str]) -> None:
    with capsys.disabled():
        print(f"\n{title}:")
        for name, value in figures.items():
            print(f"  {name}: {value}")


def test_restart_keeps_stored_images_and_queued_tasks(stack: Stack, provider: Provider, capsys):
    done = stack.upload(photo((1600, 1200)))["id"]
    stack.wait_for_status(done)
    before = served(stack, done)
    # No worker: the next upload's task waits in Redis across the restart.
    for worker in stack.workers:
        worker.stop()
    stack.workers.clear()
    try:
        queued = stack.upload(photo((1200, 900)))["id"]
        assert provider.redis().llen(QUEUE) == 1
        restart_seconds = provider.restart()
        assert provider.redis().llen(QUEUE) == 1, "the queued task was lost"
        assert served(stack, done) == before
        status = requests.get(f"{stack.backend_url}/image/{queued}/status", timeout=30).json()
        assert status["state"] == "pending"
    finally:
        stack.start_worker()
    started = time.monotonic()
    stack.wait_for_status(queued, timeout=90)
    report(
        capsys,
        "provider restart",
        {
            "docker restart to healthy": f"{restart_seconds:.1f} s",
            "queued task resized after the restart in": f"{time.monotonic() - started:.1f} s",
        },
    )


def test_outage_gets_quick_503_and_loses_nothing(stack: Stack, provider: Provider, capsys):
    kept = stack.upload(photo((800, 600)))["id"]
    stack.wait_for_status(kept)
    kept_sizes = served(stack, kept)
    keys_before = stack.object_keys()

    stop_seconds = provider.stop()
    try:
        refused, upload_seconds = upload(stack, photo((640, 480)))
        assert refused.status_code == 503, refused.text
        assert refused.json()["reason"] == "unavailable"
        started = time.monotonic()
        read = requests.get(f"{stack.backend_url}/image/{kept}/small", timeout=60)
        read_seconds = time.monotonic() - started
        assert read.status_code == 503
        assert requests.get(f"{stack.backend_url}/ready", timeout=60).status_code == 503
    finally:
        restarted = time.monotonic()
        start_seconds = provider.start()

    # A client retrying every half second (bounded) until its upload is accepted.
    failed = 0
    deadline = time.monotonic() + 120
    while True:
        response, _ = upload(stack, photo((640, 480)))
        if response.status_code == 201:
            break
        assert response.status_code == 503, response.text
        assert time.monotonic() < deadline, "uploads still refused 120 s after the restart"
        failed += 1
        time.sleep(0.5)
    back_seconds = time.monotonic() - restarted
    accepted = response.json()["id"]
    stack.wait_for_status(accepted, timeout=90)
    assert served(stack, kept) == kept_sizes
    # Refused uploads stored nothing: the accepted one is the only new id.
    assert ids_in(stack.object_keys()) - ids_in(keys_before) == {accepted}
    report(
        capsys,
        "provider outage (docker stop, then start)",
        {
            "docker stop took": f"{stop_seconds:.1f} s",
            "upload during the outage: 503 after": f"{upload_seconds:.1f} s",
            "read during the outage: 503 after": f"{read_seconds:.1f} s",
            "docker start to healthy": f"{start_seconds:.1f} s",
            "uploads refused after the start": str(failed),
            "docker start to the first accepted upload": f"{back_seconds:.1f} s",
            "accepted uploads lost": "0",
        },
    )


def test_a_new_container_on_the_same_volumes_serves_the_same_images(
    stack: Stack, provider: Provider, capsys
):
    kept = stack.upload(photo((640, 480)))["id"]
    stack.wait_for_status(kept)
    kept_sizes = served(stack, kept)
    seconds = provider.recreate()
    assert served(stack, kept) == kept_sizes
    stack.wait_for_status(stack.upload(photo((640, 480)))["id"], timeout=90)
    report(capsys, "provider re-created on its volumes", {
        "docker rm + run to healthy": f"{seconds:.1f} s",
    })  # fmt: skip


def test_a_crashed_service_restarts_the_whole_provider(stack: Stack, provider: Provider, capsys):
    kept = stack.upload(photo((640, 480)))["id"]
    stack.wait_for_status(kept)
    kept_sizes = served(stack, kept)
    restarts = provider.restart_count()

    started = time.monotonic()
    provider.kill("redis-server")
    deadline = time.monotonic() + 60
    while provider.restart_count() == restarts:
        assert time.monotonic() < deadline, f"no restart after the crash:\n{provider.logs()}"
        time.sleep(0.2)
    provider.wait_healthy(120)
    healthy_seconds = time.monotonic() - started

    assert "redis exited" in provider.logs()
    assert served(stack, kept) == kept_sizes
    stack.wait_for_status(stack.upload(photo((640, 480)))["id"], timeout=90)
    report(capsys, "provider crash (redis-server killed)", {
        "Docker restarted it, healthy again after": f"{healthy_seconds:.1f} s",
    })  # fmt: skip


def test_forward_mode_forwards_the_public_ports(provider: Provider):
    entry = provider.run_forward()
    # Plain TCP both: what the TLS port carries is the target's business.
    for port in (PUBLIC_PORT, PUBLIC_TLS_PORT):
        response = requests.get(f"http://{entry}:{port}/healthcheck", timeout=10)
        assert (response.status_code, response.text) == (200, "OK"), port
