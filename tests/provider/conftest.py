"""Fixtures of the provider tests: the imgr/provider image (scripts/build-images.sh),
one provider container for the session, and the service (backend + worker on loopback,
as tests/stack.py runs them) using the provider's S3 and Redis instead of moto's."""

import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TESTS = HERE.parent
# The service tests' samples and contract modules.
for folder in ("services", "services/integration"):
    sys.path.insert(0, str(TESTS / folder))

from provider import Provider  # noqa: E402
from stack import Stack, running_stack  # noqa: E402

REPO = TESTS.parent


def require_docker() -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker client (scripts/bootstrap.sh installs docker.io)")
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine answers (scripts/ensure-docker.sh starts one)")


@pytest.fixture(scope="session")
def provider_image() -> str:
    require_docker()
    start = time.monotonic()
    script = subprocess.run(
        [REPO / "scripts" / "build-images.sh", "provider"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = f"{script.stdout[-3000:]}\n{script.stderr[-3000:]}"
    assert script.returncode == 0, f"scripts/build-images.sh provider failed:\n{output}"
    print(f"scripts/build-images.sh provider: {time.monotonic() - start:.1f} s")
    with open(REPO / "services" / "pyproject.toml", "rb") as file:
        version = tomllib.load(file)["project"]["version"]
    return f"imgr/provider:{version}"


@pytest.fixture(scope="session")
def provider(provider_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """A fresh provider (empty volumes). `provider.figures` holds its start-up numbers."""
    running = Provider(provider_image, tmp_path_factory.mktemp("provider"))
    try:
        cold_start = running.run()
        running.figures["cold start to healthy (empty volumes)"] = f"{cold_start:.1f} s"
        running.figures["idle memory"] = running.memory()
        yield running
    finally:
        running.remove()


@pytest.fixture(scope="session")
def stack(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The service (gunicorn + one Celery worker) on the provider's S3 and Redis."""
    workdir = tmp_path_factory.mktemp("provider-stack")
    with running_stack(workdir, broker_url=provider.broker_url, s3=provider.s3) as running:
        yield running
