"""The containers of the image smoke test: Redis, S3 (moto), backend, worker and
frontend on a Docker network of their own. Every name starts with a per-run prefix,
and `remove()` deletes exactly what this object created.
"""

import json
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from stack import docker

# `State.Status/State.Health.Status` while all is well.
OK_STATES = ("running/starting", "running/healthy")
# How a careful deployment runs the backend and worker.
HARDENED = [
    "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"
]  # fmt: skip


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s") from None
            time.sleep(0.2)


@dataclass
class SmokeStack:
    prefix: str
    workdir: Path
    network: str = ""
    containers: list[str] = field(default_factory=list)

    def name(self, role: str) -> str:
        return f"{self.prefix}{role}"

    def create_network(self) -> None:
        self.network = self.name("net")
        docker("network", "create", self.network)

    def run(
        self, role: str, image: str, env: dict[str, str] | None = None, hardened: bool = False
    ) -> None:
        """Start `image` as `role`. Values go through an env file, never the command line.

        `hardened`: read-only root filesystem, no capabilities, no privilege gain; the
        image must work that way.
        """
        env_file = self.workdir / f"{role}.env"
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{key}={value}\n" for key, value in (env or {}).items()))
        name = self.name(role)
        self.containers.append(name)
        docker(
            "run", "--detach", "--name", name, "--network", self.network,
            "--env-file", str(env_file),
            # The image's own health command, checked more often than in production
            # so the test does not wait a full interval.
            "--health-interval", "2s",
            *(HARDENED if hardened else []),
            image,
        )  # fmt: skip

    def ip(self, role: str) -> str:
        networks = json.loads(
            docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", self.name(role))
        )
        return networks[self.network]["IPAddress"]

    def health(self, role: str) -> str:
        return docker("inspect", "--format", "{{.State.Health.Status}}", self.name(role))

    def wait_healthy(self, roles: list[str], timeout: float) -> None:
        """Wait for the HEALTHCHECK verdicts; fail at once on a crash or `unhealthy`."""
        deadline = time.monotonic() + timeout
        waiting = list(roles)
        while waiting:
            states = {role: self.state(role) for role in waiting}
            broken = [role for role, state in states.items() if state not in OK_STATES]
            if broken or time.monotonic() > deadline:
                raise AssertionError(f"containers not healthy: {states}\n{self.logs_of(waiting)}")
            waiting = [role for role, state in states.items() if state != "running/healthy"]
            time.sleep(1)

    def state(self, role: str) -> str:
        return docker(
            "inspect", "--format", "{{.State.Status}}/{{.State.Health.Status}}", self.name(role)
        )

    def logs_of(self, roles: list[str]) -> str:
        return "\n".join(f"--- {role}:\n{self.logs(role)}" for role in roles)

    def logs(self, role: str) -> str:
        result = subprocess.run(
            ["docker", "logs", "--tail", "50", self.name(role)],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        return result.stdout + result.stderr

    def exec(self, role: str, *command: str) -> str:
        return docker("exec", self.name(role), *command)

    def remove(self) -> None:
        """Remove our containers, then our network; keep the logs in workdir."""
        for name in reversed(self.containers):
            role = name.removeprefix(self.prefix)
            (self.workdir / f"{role}.log").write_text(self.logs(role))
            subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
        if self.network:
            subprocess.run(
                ["docker", "network", "rm", self.network], capture_output=True, check=False
            )


@dataclass(frozen=True)
class Images:
    backend: str
    worker: str
    frontend: str
    redis: str
    moto: str


@dataclass(frozen=True)
class Smoke:
    """What the tests get: the running stack and where to reach it."""

    stack: SmokeStack
    images: Images
    backend_url: str
    frontend_url: str
    # The S3 secret handed to the containers at run time: it must never be in an image.
    secret: str
