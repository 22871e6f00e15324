"""Upload-to-all-sizes-ready latency for a stream of uploads, on the real service.

Real processes on loopback (tests/stack.py): Redis as broker, moto's S3, the gunicorn
backend and TWO Celery worker processes. Uploads are posted at a fixed interval by one
thread; the main thread polls each pending upload's status endpoint. Latency is from
the moment the backend accepted the upload (201 received) to the first poll that saw
every size ready, so it includes queueing, the worker's download, resize and uploads,
and up to one poll interval (POLL_SECONDS) of polling delay.
"""

import queue
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

from bench import corpus

POLL_SECONDS = 0.02
# Celery's line for a finished task: "Task imagehost.resize[<uuid>] succeeded in 0.25s: ..."
TASK_SUCCEEDED = re.compile(r"Task \S+ succeeded in ([0-9.]+)s")
ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def post_stream(
    backend_url: str, files: list[Path], interval: float, accepted: queue.Queue
) -> None:
    """Upload each file on schedule; put (id, accepted time, request seconds) or an error."""
    session = requests.Session()
    start = time.monotonic()
    for number, path in enumerate(files):
        delay = start + number * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent = time.monotonic()
        try:
            response = session.post(
                backend_url + "/image",
                files={"file": (path.name, path.read_bytes(), "image/jpeg")},
                timeout=60,
            )
        except requests.RequestException as error:
            accepted.put(error)
            continue
        done = time.monotonic()
        if response.status_code != 201:
            accepted.put(RuntimeError(f"upload {number}: {response.status_code} {response.text}"))
            continue
        accepted.put((response.json()["id"], done, done - sent))


def measure(backend_url: str, files: list[Path], interval: float, timeout: float) -> dict:
    accepted: queue.Queue = queue.Queue()
    uploader = threading.Thread(
        target=post_stream, args=(backend_url, files, interval, accepted), daemon=True
    )
    started = time.monotonic()
    uploader.start()
    session = requests.Session()
    pending: dict[str, float] = {}
    latencies, upload_seconds, failures = [], [], []
    seen = 0
    deadline = started + timeout
    while seen < len(files) or pending:
        if time.monotonic() > deadline:
            failures.append(f"timed out with {len(pending)} uploads pending")
            break
        while not accepted.empty():
            item = accepted.get()
            seen += 1
            if isinstance(item, Exception):
                failures.append(str(item))
                continue
            image_id, accepted_at, request_seconds = item
            pending[image_id] = accepted_at
            upload_seconds.append(request_seconds)
        for image_id in list(pending):
            status = session.get(f"{backend_url}/image/{image_id}/status", timeout=10).json()
            if status.get("state") == "ready":
                latencies.append(time.monotonic() - pending.pop(image_id))
            elif status.get("state") == "failed":
                failures.append(f"{image_id}: {status.get('error')}")
                pending.pop(image_id)
        time.sleep(POLL_SECONDS)
    uploader.join(timeout=5)
    return {
        "latencies": latencies,
        "upload_seconds": upload_seconds,
        "failures": failures,
        "span": time.monotonic() - started,
    }


def run(uploads: int, interval: float, cache_dir: Path, workdir: Path) -> None:
    """Start the stack, stream `uploads` 12-megapixel JPEGs through it, print the latencies."""
    sys.path.insert(0, str(ROOT / "tests"))
    from stack import running_stack

    megapixels = corpus.LATENCY_SIZE[0] * corpus.LATENCY_SIZE[1] / 1e6
    print(f"\nupload latency: {uploads} x {megapixels:.0f}-megapixel JPEGs", flush=True)
    files = corpus.ensure_latency_corpus(uploads, cache_dir)
    with running_stack(workdir / "stack", broker="redis", workers=2) as stack:
        # One upload first, so imports and connections are warm before measuring.
        measure(stack.backend_url, files[:1], 0, timeout=120)
        log_offsets = [len(worker.log()) for worker in stack.workers]
        figures = measure(stack.backend_url, files, interval, timeout=uploads * interval + 300)
        task_seconds = [
            float(seconds)
            for worker, offset in zip(stack.workers, log_offsets, strict=True)
            for seconds in TASK_SUCCEEDED.findall(worker.log()[offset:])
        ]
    latencies = figures["latencies"]
    print(
        f"2 workers (Redis, moto S3, gunicorn), one upload every {interval:g} s,"
        f" {len(latencies)}/{uploads} ready in {figures['span']:.1f} s"
    )
    if latencies:
        print(
            f"accepted -> all sizes ready: p50 {percentile(latencies, 0.5) * 1000:.0f} ms,"
            f" p95 {percentile(latencies, 0.95) * 1000:.0f} ms,"
            f" max {max(latencies) * 1000:.0f} ms,"
            f" mean {statistics.fmean(latencies) * 1000:.0f} ms"
        )
        uploads_ms = [seconds * 1000 for seconds in figures["upload_seconds"]]
        print(
            f"upload request (POST /image until 201): p50 {percentile(uploads_ms, 0.5):.0f} ms,"
            f" p95 {percentile(uploads_ms, 0.95):.0f} ms"
        )
    if task_seconds:
        print(
            f"worker task (download, resize, 4 uploads; Celery's own timing):"
            f" p50 {percentile(task_seconds, 0.5) * 1000:.0f} ms,"
            f" p95 {percentile(task_seconds, 0.95) * 1000:.0f} ms"
        )
    for failure in figures["failures"]:
        print(f"FAILED: {failure}")
