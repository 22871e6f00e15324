"""The real frontend container (nginx, its CSP, fingerprinted assets, `--read-only`) as a
deployment runs it, built by scripts/build-images.sh and published on loopback.

The browser runs on this host, so it reaches both the container's published port and
the backend under test on loopback: BACKEND_ENDPOINT is the backend's loopback URL.
"""

from __future__ import annotations

import contextlib
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
from stack import docker

REPO = Path(__file__).resolve().parents[2]
# Unique per run, so parallel runs and leftovers never collide.
PREFIX = os.environ.get("IMGR_BROWSER_PREFIX", "imgr-browser")


def frontend_image() -> str:
    """imgr/frontend at this checkout's version, (re)built from the tree (cached: seconds)."""
    if shutil.which("docker") is None:
        pytest.skip("no docker client: the UI is tested in its real container")
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine answers (scripts/ensure-docker.sh starts one)")
    script = subprocess.run(
        [REPO / "scripts" / "build-images.sh", "frontend"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert script.returncode == 0, f"build-images.sh frontend failed:\n{script.stderr[-3000:]}"
    with open(REPO / "services" / "pyproject.toml", "rb") as file:
        version = tomllib.load(file)["project"]["version"]
    return f"imgr/frontend:{version}"


@contextlib.contextmanager
def running_frontend(image: str, backend_url: str, **env: str) -> Iterator[str]:
    """Yields the UI's base URL; the container is removed afterwards."""
    name = f"{PREFIX}-{secrets.token_hex(3)}"
    env = {"BACKEND_ENDPOINT": backend_url, **env}
    variables = [f"--env={key}={value}" for key, value in env.items()]
    docker(
        "run", "--detach", "--name", name, "--read-only",
        "--tmpfs", "/run/imgr-frontend:uid=10001,gid=10001",
        "--publish", "127.0.0.1::8080", *variables, image,
    )  # fmt: skip
    try:
        url = "http://" + docker("port", name, "8080").splitlines()[0]
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + "/config.json", timeout=2).ok:
                    break
            if time.monotonic() > deadline:
                logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
                raise TimeoutError(f"{name} not serving after 30 s:\n{logs.stderr[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
