"""The lab provider container (imgr/provider: Swift's S3, Redis) as the tests run it.

One container on a Docker network of its own, with a pinned address (so a restart keeps
it) and its data on volumes of its own. Every name starts with a per-run `prov-…-`
prefix, and `remove()` deletes exactly what this object created. The credentials are
made per run and reach the container through an env file, never a command line.
"""

import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from stack import S3Store, container_logs, docker, s3_client, wait_healthy

ACCESS_KEY = "imgr:app"
S3_PORT = 8080
REDIS_PORT = 6379
PUBLIC_PORT = 8081
PUBLIC_TLS_PORT = 8443


@dataclass
class Provider:
    image: str
    workdir: Path
    prefix: str = field(default_factory=lambda: f"prov-{secrets.token_hex(3)}-")
    secret_key: str = field(default_factory=lambda: secrets.token_hex(20), repr=False)
    redis_password: str = field(default_factory=lambda: secrets.token_hex(20), repr=False)
    ip: str = ""
    created: list[tuple[str, str]] = field(default_factory=list)
    # Measured figures (start-up time, memory) for the tests to print.
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.prefix}provider"

    @property
    def s3(self) -> S3Store:
        return S3Store(f"http://{self.ip}:{S3_PORT}", ACCESS_KEY, self.secret_key)

    @property
    def broker_url(self) -> str:
        return f"redis://:{self.redis_password}@{self.ip}:{REDIS_PORT}/0"

    def client(self, secret_key: str | None = None):
        """boto3 S3 client (SigV4, path-style) with the right secret unless told otherwise."""
        return s3_client(self.s3.endpoint, ACCESS_KEY, secret_key or self.secret_key)

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.broker_url, socket_timeout=5)

    def run(self) -> float:
        """Create the network, volumes and container; seconds until it is healthy."""
        network = f"{self.prefix}net"
        subnet = create_network(network)
        self.created.append(("network", network))
        self.ip = f"{subnet}.10"
        for volume in ("node", "redis"):
            docker("volume", "create", f"{self.prefix}{volume}")
            self.created.append(("volume", f"{self.prefix}{volume}"))
        env_file = self.workdir / "provider.env"
        env_file.touch(mode=0o600)
        env_file.write_text(
            f"S3_ACCESS_KEY={ACCESS_KEY}\n"
            f"S3_SECRET_KEY={self.secret_key}\n"
            f"REDIS_PASSWORD={self.redis_password}\n"
        )
        self.created.append(("container", self.name))
        return self.start_container()

    def start_container(self) -> float:
        """`docker run` on our network and volumes; seconds until healthy."""
        start = time.monotonic()
        docker(
            "run", "--detach", "--init", "--restart", "unless-stopped",
            "--name", self.name, "--network", f"{self.prefix}net", "--ip", self.ip,
            "--env-file", str(self.workdir / "provider.env"),
            "--volume", f"{self.prefix}node:/srv/node",
            "--volume", f"{self.prefix}redis:/var/lib/redis",
            # The image's own health command, checked every second instead of every 10 s
            # so the start-up time is measured to the second.
            "--health-interval", "1s",
            self.image,
        )  # fmt: skip
        self.wait_healthy(120)
        return time.monotonic() - start

    def run_forward(self) -> str:
        """The image's other mode, the public entry, in a container beside the provider
        forwarding its public ports (plain and TLS) to the provider's S3 port (the one
        target in reach that this test created); returns its address once healthy."""
        name, ip = f"{self.prefix}entry", self.ip.rsplit(".", 1)[0] + ".11"
        self.created.append(("container", name))
        docker(
            "run", "--detach", "--init", "--name", name,
            "--network", f"{self.prefix}net", "--ip", ip,
            "--env", f"PUBLIC_FORWARD={self.ip}:{S3_PORT}",
            "--env", f"PUBLIC_TLS_FORWARD={self.ip}:{S3_PORT}", "--health-interval", "1s",
            self.image, "forward",
        )  # fmt: skip
        wait_healthy(name, 60)
        return ip

    def recreate(self) -> float:
        """A new container on the same volumes (as an image upgrade does); seconds until
        healthy, rings rebuilt included."""
        docker("rm", "--force", self.name)
        return self.start_container()

    def restart(self) -> float:
        """`docker restart`; seconds until healthy again."""
        start = time.monotonic()
        docker("restart", self.name)
        self.wait_healthy(120)
        return time.monotonic() - start

    def stop(self) -> float:
        start = time.monotonic()
        docker("stop", self.name)
        return time.monotonic() - start

    def start(self) -> float:
        """`docker start` after `stop()`; seconds until healthy."""
        start = time.monotonic()
        docker("start", self.name)
        self.wait_healthy(120)
        return time.monotonic() - start

    def kill(self, command: str) -> None:
        """SIGKILL one service inside the container (by its process name), as a crash."""
        script = f"kill -KILL $(grep -lx {command} /proc/[0-9]*/comm | cut -d/ -f3)"
        docker("exec", self.name, "bash", "-c", script)

    def restart_count(self) -> int:
        return int(docker("inspect", "--format", "{{.RestartCount}}", self.name))

    def wait_healthy(self, timeout: float) -> None:
        wait_healthy(self.name, timeout)

    def memory(self) -> str:
        """The container's anonymous memory (its cgroup: v1 `rss`, v2 `anon`), and the
        sum of its processes' RSS (which counts pages shared after a fork twice)."""
        anon, rss = docker(
            "exec", self.name, "bash", "-c",
            "cat /sys/fs/cgroup/memory/memory.stat /sys/fs/cgroup/memory.stat 2>/dev/null"
            " | awk '/^(rss|anon) / { print $2; exit }';"
            " cat /proc/[0-9]*/status 2>/dev/null | awk '/^VmRSS/ { kib += $2 } END { print kib }'",
        ).split()  # fmt: skip
        return f"{int(anon) / 2**20:.0f} MiB (cgroup), {int(rss) / 1024:.0f} MiB (sum of RSS)"

    def logs(self) -> str:
        return container_logs(self.name)

    def remove(self) -> None:
        """Remove what we created (container, volumes, network); keep its log in workdir."""
        for kind, name in reversed(self.created):
            if kind == "container":
                (self.workdir / f"{name}.log").write_text(container_logs(name))
                command = ["docker", "rm", "--force", "--volumes", name]
            else:
                command = ["docker", kind, "rm", name]
            subprocess.run(command, capture_output=True, timeout=60, check=False)


def create_network(name: str) -> str:
    """A bridge network with a /24 of its own (a pinned address needs a given subnet);
    returns its first three octets. Tries another subnet when one is taken."""
    for _ in range(20):
        prefix = f"172.30.{secrets.randbelow(256)}"
        result = subprocess.run(
            ["docker", "network", "create", "--subnet", f"{prefix}.0/24", name],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if result.returncode == 0:
            return prefix
        if "overlap" not in result.stderr:
            raise RuntimeError(f"docker network create failed: {result.stderr.strip()}")
    raise RuntimeError("no free 172.30.x.0/24 subnet for the test network")
