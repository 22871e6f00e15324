"""Real servers on loopback for the tests: Redis, RabbitMQ, moto's S3, gunicorn, Celery.

Every server is a real process in its own process group, on a free port, with its files
and log under a work directory. Stopping one terminates its whole group (then kills it
if it lingers), so nothing outlives the test that started it.

    with running_stack(workdir, broker="redis", workers=1) as stack:
        requests.post(stack.backend_url + "/image", files={"file": data})
        stack.wait_for_sizes(image_id)

The pieces (`redis_server`, `rabbitmq_server`, `moto_s3`, `backend`, `Stack.start_worker`)
can be used on their own by other tests (browser, benchmark, container smoke test).
A broker and an S3 store running elsewhere (the lab provider's) can be handed in:

    with running_stack(workdir, broker_url=url, s3=S3Store(endpoint, key, secret)) as stack:
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

BIN = Path(sys.executable).parent
SERVICES_SRC = Path(__file__).resolve().parents[1] / "services" / "src"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def require_binaries(*names: str) -> None:
    """Skip the calling test (with the reason) when a server binary is not installed."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (scripts/bootstrap.sh installs them)")


def docker(*args: str, timeout: float = 120) -> str:
    """Run the docker CLI; its output, or RuntimeError with docker's message."""
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        # Only the subcommand: arguments may carry values that belong in no log.
        raise RuntimeError(f"docker {args[0]} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def container_logs(name: str) -> str:
    """The last lines a container wrote (stdout and stderr), for failure messages."""
    result = subprocess.run(
        ["docker", "logs", "--tail", "60", name],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def wait_healthy(name: str, timeout: float) -> None:
    """Until the container's own HEALTHCHECK passes; AssertionError with its logs if it
    stops or does not pass within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        state = docker("inspect", "--format", "{{.State.Status}}/{{.State.Health.Status}}", name)
        if state == "running/healthy":
            return
        if state.startswith(("exited", "dead")) or time.monotonic() > deadline:
            raise AssertionError(f"{name} not healthy ({state}):\n{container_logs(name)}")
        time.sleep(0.2)


def free_port() -> int:
    """A loopback port free right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


class Server:
    """One process started in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            argv,
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the whole group now: a crash, as the resilience tests need."""
        self._signal_group(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the group, wait, then SIGKILL whatever is left."""
        self._signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout)
        # Children may outlive the group leader (e.g. Celery's pool): kill the rest.
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._log.close()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


def wait_until(
    check: Callable[[], bool], what: str, timeout: float = 30, server: Server | None = None
) -> None:
    """Poll `check` until true; fail with the server's log tail if it dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        if server is not None and not server.alive():
            tail = server.log_tail()
            raise RuntimeError(f"{server.name} exited while waiting for {what}:\n{tail}")
        time.sleep(0.1)
    tail = f":\n{server.log_tail()}" if server else ""
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}{tail}")


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A throw-away Redis (no persistence); yields its redis:// URL."""
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(workdir), "--daemonize", "no"]
    with running(Server(f"redis-{port}", argv, dict(os.environ), workdir)) as server:
        wait_until(lambda: port_open(port), "redis to listen", 20, server)
        yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def rabbitmq_server(workdir: Path) -> Iterator[str]:
    """A private RabbitMQ node (own epmd, node name, ports, data dir); yields its amqp:// URL.

    Debian's /usr/sbin/rabbitmq-server switches to the rabbitmq user, which cannot write
    into our temp dir: run the real script from /usr/lib/rabbitmq/bin instead.
    """
    home = workdir / f"rabbitmq-{secrets.token_hex(3)}"
    home.mkdir()
    port, dist_port, epmd_port = free_port(), free_port(), free_port()
    (home / "enabled_plugins").write_text("[].\n")
    (home / "rabbitmq.conf").write_text(f"listeners.tcp.default = {port}\n")
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        ERL_EPMD_PORT=str(epmd_port),
        RABBITMQ_NODENAME=f"imagehost{port}@localhost",
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_DIST_PORT=str(dist_port),
        RABBITMQ_MNESIA_BASE=str(home / "mnesia"),
        RABBITMQ_LOG_BASE=str(home / "log"),
        RABBITMQ_PID_FILE=str(home / "rabbitmq.pid"),
        RABBITMQ_CONFIG_FILE=str(home / "rabbitmq"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(home / "enabled_plugins"),
    )
    script = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    if not Path(script).exists():
        script = shutil.which("rabbitmq-server") or "rabbitmq-server"
    # Our own epmd in the foreground, so it is in a group we stop (a daemonised one is not).
    epmd = Server(f"epmd-{epmd_port}", ["epmd", "-port", str(epmd_port)], env, home)
    with running(epmd):
        wait_until(lambda: port_open(epmd_port), "epmd to listen", 10, epmd)
        with running(Server(f"rabbitmq-{port}", [script], env, home)) as server:
            wait_until(lambda: port_open(port), "rabbitmq to listen", 60, server)
            yield f"amqp://guest:guest@127.0.0.1:{port}//"


@contextlib.contextmanager
def moto_s3(workdir: Path) -> Iterator[str]:
    """moto's in-memory S3 server; yields its endpoint URL."""
    port = free_port()
    argv = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with running(Server(f"moto-{port}", argv, dict(os.environ), workdir)) as server:
        wait_until(lambda: port_open(port), "moto_server to listen", 30, server)
        yield f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class S3Store:
    """An S3 endpoint and the credentials it accepts (moto accepts any)."""

    endpoint: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY


def s3_client(endpoint: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
        config=BotoConfig(s3={"addressing_style": "path"}),
    )


def service_env(
    broker_url: str,
    s3_endpoint: str,
    bucket: str,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    **extra: str,
) -> dict[str, str]:
    """The environment the backend and the worker read (the upstream names plus ours)."""
    env = dict(os.environ)
    env.update(
        CELERY_BROKER_URL=broker_url,
        S3_ENDPOINT_URL=s3_endpoint,
        AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_REGION_NAME=REGION,
        S3_BUCKET_NAME=bucket,
        PYTHONUNBUFFERED="1",
        # Short, so a task held by a SIGKILLed worker comes back quickly on Redis.
        CELERY_VISIBILITY_TIMEOUT="5",
        WORKER_METRICS_PORT="0",
    )
    # Source checkout first, so the processes run the code under test.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SERVICES_SRC), env.get("PYTHONPATH")) if p)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


def metrics_dir(workdir: Path, name: str) -> Path:
    """Where one service's processes share their Prometheus values (not in /tmp)."""
    directory = workdir / f"metrics-{name}"
    directory.mkdir(exist_ok=True)
    return directory


@contextlib.contextmanager
def backend(env: dict[str, str], workdir: Path, workers: int = 2) -> Iterator[str]:
    """gunicorn serving `imagehost.backend:create_app()`; yields its base URL."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "-c", "python:imagehost.backend.gunicorn_conf"]
    argv += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    argv += ["imagehost.backend:create_app()"]
    url = f"http://127.0.0.1:{port}"
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir(workdir, f"backend-{port}"))}
    with running(Server(f"backend-{port}", argv, env, workdir)) as server:
        wait_until(lambda: requests.get(url + "/health", timeout=1).ok, "the backend", 30, server)
        yield url


def start_worker(
    env: dict[str, str],
    workdir: Path,
    name: str,
    concurrency: int = 1,
    app: str = "imagehost.worker",
) -> Server:
    """A Celery worker process (prefork pool); returns once it consumes from the broker.
    `app`: the module holding the Celery app (a test's variant of the worker)."""
    argv = [str(BIN / "celery"), "-A", app, "worker", "--loglevel=INFO"]
    argv += [f"--concurrency={concurrency}", f"--hostname={name}@%h"]
    # Gossip/mingle only slow a test worker's start; nothing here uses them.
    argv += ["--without-gossip", "--without-mingle"]
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir(workdir, name))}
    server = Server(name, argv, env, workdir)
    try:
        wait_until(lambda: " ready." in server.log(), f"worker {name}", 60, server)
    except Exception:
        server.stop()
        raise
    return server


@dataclass
class Stack:
    """A running service: backend, broker, S3 and workers, with helpers for tests."""

    backend_url: str
    broker_url: str
    s3_endpoint: str
    bucket: str
    env: dict[str, str]
    workdir: Path
    s3: object = field(repr=False)
    workers: list[Server] = field(default_factory=list)

    def start_worker(self, concurrency: int = 1, **extra_env: str) -> Server:
        name = f"worker{len(self.workers) + 1}-{secrets.token_hex(2)}"
        worker = start_worker({**self.env, **extra_env}, self.workdir, name, concurrency)
        self.workers.append(worker)
        return worker

    def object_keys(self) -> set[str]:
        """Every object key in the bucket."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {obj["Key"] for page in pages for obj in page.get("Contents", [])}

    def upload(self, data: bytes, filename: str = "photo.jpg") -> dict:
        response = requests.post(
            self.backend_url + "/image", files={"file": (filename, data)}, timeout=30
        )
        assert response.status_code == 201, response.text
        return response.json()

    def wait_for_status(self, image_id: str, state: str = "ready", timeout: float = 60) -> dict:
        """Poll the status endpoint until the upload reaches `state`; returns the status."""
        url = f"{self.backend_url}/image/{image_id}/status"
        seen: dict = {}

        def reached() -> bool:
            seen.update(requests.get(url, timeout=5).json())
            return seen.get("state") == state

        try:
            wait_until(reached, f"{image_id} to be {state}", timeout)
        except TimeoutError as error:
            logs = "\n".join(f"--- {w.name}\n{w.log_tail(20)}" for w in self.workers)
            raise TimeoutError(f"{error}; last status {seen}\n{logs}") from None
        return seen


@contextlib.contextmanager
def running_stack(
    workdir: Path,
    broker: str = "redis",
    workers: int = 1,
    backend_workers: int = 2,
    broker_url: str | None = None,
    s3: S3Store | None = None,
    **extra_env: str,
) -> Iterator[Stack]:
    """Broker (`redis` or `rabbitmq`), S3 with a fresh bucket, the backend and N workers.

    `broker_url` and `s3`: use these instead of starting a broker and moto.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if broker_url is None:
            broker_cm = rabbitmq_server(workdir) if broker == "rabbitmq" else redis_server(workdir)
            broker_url = stack.enter_context(broker_cm)
        if s3 is None:
            s3 = S3Store(stack.enter_context(moto_s3(workdir)))
        bucket = f"images-{secrets.token_hex(4)}"
        client = s3_client(s3.endpoint, s3.access_key, s3.secret_key)
        client.create_bucket(Bucket=bucket)
        env = service_env(
            broker_url, s3.endpoint, bucket, s3.access_key, s3.secret_key, **extra_env
        )
        backend_url = stack.enter_context(backend(env, workdir, backend_workers))
        result = Stack(backend_url, broker_url, s3.endpoint, bucket, env, workdir, client)
        try:
            for _ in range(workers):
                result.start_worker()
            yield result
        finally:
            for worker in result.workers:
                worker.stop()
