"""Fixtures of the image smoke test: the images (ours from scripts/build-images.sh, plus
a test-only Redis and S3), and the five containers running from them."""

import hashlib
import os
import secrets
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from smoke_stack import Images, Smoke, SmokeStack, wait_for_port
from stack import docker

HERE = Path(__file__).parent
REPO = HERE.parents[1]
MOTO_WHEELHOUSE = HERE / "build" / "moto-wheelhouse"
BACKEND_PORT = 8080
FRONTEND_PORT = 8080


def require_docker() -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker client (scripts/bootstrap.sh installs docker.io)")
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine answers (scripts/ensure-docker.sh starts one)")


def services_version() -> str:
    with open(REPO / "services" / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["version"]


def build_moto_wheelhouse() -> None:
    """moto[server] wheels at the pinned versions, rebuilt only when the pins change."""
    pins = hashlib.sha256((REPO / "constraints.txt").read_bytes()).hexdigest()[:16]
    stamp = MOTO_WHEELHOUSE / f".stamp-{pins}"
    if stamp.exists():
        return
    fresh = MOTO_WHEELHOUSE.with_name("moto-wheelhouse.new")
    shutil.rmtree(fresh, ignore_errors=True)
    pip_wheel = [REPO / ".venv/bin/pip", "wheel", "-q", "-c", REPO / "constraints.txt"]
    # Our pins are the whole truth: ignore a machine-wide pip constraint file.
    env = {**os.environ, "PIP_CONSTRAINT": ""}
    pip = subprocess.run(
        [*pip_wheel, "-w", fresh, "moto[server]"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert pip.returncode == 0, f"pip wheel moto[server] failed:\n{pip.stderr[-3000:]}"
    shutil.rmtree(MOTO_WHEELHOUSE, ignore_errors=True)
    fresh.rename(MOTO_WHEELHOUSE)
    stamp.touch()


def build_test_image(name: str) -> str:
    tag = f"imgr-test/{name}:smoke"
    dockerfile = str(HERE / f"{name}.Dockerfile")
    docker("build", "--quiet", "--file", dockerfile, "--tag", tag, str(HERE), timeout=900)
    return tag


@pytest.fixture(scope="session")
def images() -> Images:
    require_docker()
    start = time.monotonic()
    script = subprocess.run(
        [REPO / "scripts" / "build-images.sh"], capture_output=True, text=True, timeout=1800
    )
    assert script.returncode == 0, (
        f"scripts/build-images.sh failed:\n{script.stdout[-3000:]}\n{script.stderr[-3000:]}"
    )
    # Shown with `pytest -s`: the sizes the script ends with, and the build times.
    print(script.stdout.split("\n\n")[-1])
    print(f"scripts/build-images.sh: {time.monotonic() - start:.1f} s")
    start = time.monotonic()
    build_moto_wheelhouse()
    built = {name: build_test_image(name) for name in ("redis", "moto")}
    print(f"test-only images (redis, moto): {time.monotonic() - start:.1f} s")
    version = services_version()
    return Images(
        backend=f"imgr/backend:{version}",
        worker=f"imgr/worker:{version}",
        frontend=f"imgr/frontend:{version}",
        **built,
    )


def wait_until_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not 200 after {timeout} s")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def smoke(images: Images, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Smoke]:
    # Unique per run so parallel runs and leftovers never collide.
    prefix = f"{os.environ.get('IMGR_SMOKE_PREFIX', 'imgr-smoke')}-{secrets.token_hex(3)}-"
    stack = SmokeStack(prefix=prefix, workdir=tmp_path_factory.mktemp("smoke"))
    secret = secrets.token_urlsafe(24)
    try:
        stack.create_network()
        stack.run("redis", images.redis)
        stack.run("s3", images.moto)
        wait_for_port(stack.ip("redis"), 6379, timeout=30)
        wait_for_port(stack.ip("s3"), 5000, timeout=60)
        env = {
            "CELERY_BROKER_URL": f"redis://{stack.name('redis')}:6379/0",
            "S3_ENDPOINT_URL": f"http://{stack.name('s3')}:5000",
            "AWS_ACCESS_KEY_ID": f"smoke{secrets.token_hex(4)}",
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION_NAME": "us-east-1",
            "S3_BUCKET_NAME": "smoke-images",
        }
        stack.run("backend", images.backend, env, hardened=True)
        stack.run("worker", images.worker, env, hardened=True)
        backend_url = f"http://{stack.ip('backend')}:{BACKEND_PORT}"
        stack.run("frontend", images.frontend, {"BACKEND_ENDPOINT": backend_url})
        stack.wait_healthy(["backend", "worker", "frontend"], timeout=120)
        wait_until_ready(f"{backend_url}/ready", timeout=60)
        yield Smoke(
            stack=stack,
            images=images,
            backend_url=backend_url,
            frontend_url=f"http://{stack.ip('frontend')}:{FRONTEND_PORT}",
            secret=secret,
        )
    finally:
        stack.remove()
