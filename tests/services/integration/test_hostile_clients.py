"""Clients that dribble, stall, invent methods or claim to be a proxy, on real sockets."""

import contextlib
import json
import re
import secrets
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from http_raw import multipart
from samples import photo
from stack import backend

pytestmark = pytest.mark.integration

SLOW_CLIENTS = 24
DECLARED_BODY = 1024 * 1024


class Dribblers:
    """Upload clients that send their headers, then one byte at a time, every `interval`."""

    def __init__(self, url: str, count: int, interval: float = 0.5, limit: float = 60):
        parts = urlsplit(url)
        content_type, head, _ = multipart("file", "slow.jpg")
        request = (
            f"POST /image HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {DECLARED_BODY}\r\n\r\n"
        ).encode() + head
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
            sock.sendall(request)
            self.sockets.append(sock)
        self.answers: dict[int, tuple[float, bytes]] = {}
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, args=(interval, limit), daemon=True)
        self._thread.start()

    def _dribble(self, interval: float, limit: float) -> None:
        deadline = self.started + limit  # bounded, whatever the server does
        while not self._stop.is_set() and time.monotonic() < deadline:
            for index, sock in enumerate(self.sockets):
                if index in self.answers:
                    continue
                try:
                    sock.sendall(b"\xff")
                    sock.setblocking(False)
                    with contextlib.suppress(BlockingIOError):
                        answer = sock.recv(65536)
                        self.answers[index] = (time.monotonic() - self.started, answer)
                except OSError as error:
                    self.answers.setdefault(index, (time.monotonic() - self.started, b""))
                    del error
                finally:
                    with contextlib.suppress(OSError):
                        sock.setblocking(True)
            if len(self.answers) == len(self.sockets):
                return
            self._stop.wait(interval)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()


@contextlib.contextmanager
def dribbling(url: str, count: int, **kwargs):
    clients = Dribblers(url, count, **kwargs)
    try:
        yield clients
    finally:
        clients.close()


def timed_get(url: str) -> float:
    started = time.monotonic()
    response = requests.get(url, timeout=5)
    assert response.status_code == 200
    return time.monotonic() - started


def test_dribbling_uploaders_do_not_stall_the_backend(stack):
    """Issue 9: 20 one-byte-at-a-time uploaders left /health unanswered for 10 s."""
    with dribbling(stack.backend_url, SLOW_CLIENTS):
        time.sleep(1)  # every slow client is now inside a request
        health = [timed_get(stack.backend_url + "/health") for _ in range(5)]
        started = time.monotonic()
        upload = requests.post(
            stack.backend_url + "/image", files={"file": ("a.jpg", photo((64, 64)))}, timeout=5
        )
        upload_seconds = time.monotonic() - started
        assert upload.status_code == 201, upload.text
        index = timed_get(stack.backend_url + "/")
    print(
        f"\n{SLOW_CLIENTS} dribbling uploaders connected: /health max {max(health) * 1000:.1f} ms,"
        f" upload {upload_seconds * 1000:.1f} ms, / {index * 1000:.1f} ms"
    )


@pytest.fixture(scope="module")
def strict_backend(stack):
    """A second backend on the same S3 and broker: 2 s body deadline, behind one proxy."""
    env = {**stack.env, "REQUEST_BODY_TIMEOUT": "2", "TRUSTED_PROXY_HOPS": "1"}
    # Its own directory: other tests read the session backend's log by globbing.
    workdir = stack.workdir / "strict-backend"
    workdir.mkdir(exist_ok=True)
    with backend(env, workdir, workers=1) as url:
        log = workdir / f"backend-{urlsplit(url).port}.log"
        yield url, log


def test_stalled_upload_is_cut_off_at_the_body_deadline(stack, strict_backend):
    url, _ = strict_backend
    before = stack.object_keys()
    with dribbling(url, 3, interval=0.2, limit=15) as clients:
        deadline = time.monotonic() + 12
        while len(clients.answers) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        answers = dict(clients.answers)
    assert len(answers) == 3, "a slow client was never answered"
    for seconds, answer in answers.values():
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b'"reason":"body_timeout"' in answer
        assert seconds < 10
    print(f"\nbody deadline 2 s: answered 408 after {max(s for s, _ in answers.values()):.2f} s")
    assert not {key for key in stack.object_keys() - before if key.startswith("original/")}
    assert requests.get(url + "/health", timeout=5).ok


def test_metrics_labels_do_not_grow_with_made_up_methods_and_paths(stack):
    """Issue 9: 30 requests with invented methods and paths added ~465 lines to /metrics."""

    def hostile_requests(count: int) -> None:
        for _ in range(count):
            method = "X" + secrets.token_hex(4).upper()
            path = "/" + secrets.token_hex(6)
            requests.request(method, stack.backend_url + path, timeout=5)
            requests.request(method, stack.backend_url + "/health", timeout=5)
            requests.get(stack.backend_url + path, timeout=5)

    def metrics() -> str:
        return requests.get(stack.backend_url + "/metrics", timeout=5).text

    metrics()  # the first scrape adds its own route's series
    hostile_requests(3)
    before = metrics()
    hostile_requests(30)
    after = metrics()
    labelled = re.findall(r"^imagehost_http_requests_total\{([^}]*)\}", after, re.M)
    methods = {re.search(r'method="([^"]*)"', labels).group(1) for labels in labelled}
    routes = {re.search(r'route="([^"]*)"', labels).group(1) for labels in labelled}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"}
    assert "other" in methods and "other" in routes
    assert all(route == "other" or (route.startswith("/") and len(route) < 40) for route in routes)
    assert len(after.splitlines()) == len(before.splitlines())


def access_lines(log: Path, path: str) -> list[dict]:
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict) and record.get("path") == path:
                lines.append(record)
    return lines


def test_client_address_comes_from_trusted_proxy_hops(stack, strict_backend):
    url, log = strict_backend
    marker = "/" + secrets.token_hex(6)
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"}
    requests.get(url + marker, headers=headers, timeout=5)
    requests.get(stack.backend_url + marker, headers=headers, timeout=5)
    # One trusted hop: the address that proxy saw, not what the client wrote before it.
    (behind_proxy,) = access_lines(log, marker)
    assert behind_proxy["remote"] == "203.0.113.9"
    # The default (0 hops): the header is the client's claim and is ignored.
    default_log = Path(stack.workdir) / f"backend-{urlsplit(stack.backend_url).port}.log"
    (direct,) = access_lines(default_log, marker)
    assert direct["remote"] == "127.0.0.1"


def test_dribbled_headers_are_cut_off_too(stack):
    """Headers must all arrive within gunicorn's keepalive (2 s) under the gevent worker."""
    parts = urlsplit(stack.backend_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        started = time.monotonic()
        closed = None
        for _ in range(60):  # at most ~18 s of dribbling
            try:
                sock.sendall(b"X")
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    if sock.recv(1024) == b"":
                        closed = time.monotonic() - started
                        break
            except OSError:
                closed = time.monotonic() - started
                break
            finally:
                with contextlib.suppress(OSError):
                    sock.setblocking(True)
            time.sleep(0.3)
    assert closed is not None, "a client dribbling its headers was never cut off"
    print(f"\nheaders dribbled: connection closed after {closed:.1f} s")
