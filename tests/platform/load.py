"""A steady, bounded stream of uploads and reads on the lab's loopback URL.

    with Load(uploaders=2, readers=4, seconds=60, read_ids=ids) as load:
        ...  # break something
    load.report()  # requests sent, failed, longest outage, accepted ids

Each client stops at the deadline or after `max_requests`, whichever comes first.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field

import requests
from lab_view import SIZES, URL
from samples import photo


@dataclass
class Result:
    kind: str
    start: float
    end: float
    ok: bool
    detail: str = ""


@dataclass
class Load:
    uploaders: int
    readers: int
    seconds: float
    read_ids: list[str]
    max_requests: int = 5000
    timeout: float = 10
    # A steady stream, not a flood: each client pauses this long between requests.
    # Unpaced, one uploader sent ~12 uploads/s and kept the lab's 2 cores ~91% busy
    # (every upload is four resizes and five S3 writes); paced, ~3/s and ~62%, so
    # the operation under test is what the machine mostly runs.
    read_pause: float = 0.05
    upload_pause: float = 0.25
    # A client that got an error waits before its next try, as real clients back off
    # (and so an outage answered at once does not spend `max_requests` in seconds).
    failure_pause: float = 0.2
    results: list[Result] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Small, distinct photos: each upload is real work for a worker.
        self._bodies = [photo((320 + i, 240)) for i in range(8)]

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds
        for n in range(self.uploaders):
            self._spawn(self._upload_loop, n)
        for n in range(self.readers):
            self._spawn(self._read_loop, n)
        return self

    def __exit__(self, *exc) -> None:
        for thread in self._threads:
            thread.join(self.seconds + self.timeout + 5)

    def stop(self) -> None:
        self._stop.set()

    def _spawn(self, target, n: int) -> None:
        thread = threading.Thread(target=target, args=(n,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _running(self, sent: int) -> bool:
        return (
            not self._stop.is_set()
            and time.monotonic() < self.deadline
            and sent < self.max_requests
        )

    def _record(self, kind: str, start: float, ok: bool, detail: str = "") -> None:
        with self._lock:
            self.results.append(Result(kind, start, time.monotonic(), ok, detail))
        if not ok:
            time.sleep(self.failure_pause)

    def _upload_loop(self, n: int) -> None:
        session = requests.Session()
        sent = 0
        while self._running(sent):
            sent += 1
            body = self._bodies[(n + sent) % len(self._bodies)]
            start = time.monotonic()
            try:
                response = session.post(
                    URL + "/image", files={"file": ("p.jpg", body)}, timeout=self.timeout
                )
            except requests.RequestException as error:
                self._record("upload", start, False, type(error).__name__)
                session = requests.Session()
                continue
            if response.status_code == 201:
                with self._lock:
                    self.accepted.append(response.json()["id"])
            self._record("upload", start, response.status_code == 201, str(response.status_code))
            time.sleep(self.upload_pause)

    def _read_loop(self, n: int) -> None:
        session = requests.Session()
        rng = random.Random(n)
        sent = 0
        while self._running(sent):
            sent += 1
            image_id = rng.choice(self.read_ids)
            path = f"/image/{image_id}" + rng.choice(["", *(f"/{size}" for size in SIZES)])
            start = time.monotonic()
            try:
                response = session.get(URL + path, timeout=self.timeout)
            except requests.RequestException as error:
                self._record("read", start, False, type(error).__name__)
                session = requests.Session()
                continue
            self._record("read", start, response.status_code == 200, str(response.status_code))
            time.sleep(self.read_pause)

    def longest_outage(self) -> float:
        """The longest time no request succeeded, in seconds (while the load ran)."""
        successes = sorted(r.end for r in self.results if r.ok)
        if not successes:
            return self.seconds
        marks = [self.started, *successes]
        return max(b - a for a, b in itertools.pairwise(marks))

    def report(self) -> dict:
        failed = [r for r in self.results if not r.ok]
        return {
            "requests": len(self.results),
            "failed": len(failed),
            "failed_by_kind": {
                kind: sum(1 for r in failed if r.kind == kind) for kind in ("upload", "read")
            },
            "failures": sorted({r.detail for r in failed}),
            # When they were sent, seconds after the load started (the first 20).
            "failed_at_s": sorted(round(r.start - self.started, 1) for r in failed)[:20],
            "accepted_uploads": len(self.accepted),
            "longest_outage_s": round(self.longest_outage(), 2),
            "max_latency_s": round(max((r.end - r.start for r in self.results), default=0), 2),
        }
