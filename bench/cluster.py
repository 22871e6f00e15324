"""The cluster's cost: the same load through the lab's floating IP and on one backend.

    .venv/bin/python -m bench.cluster            # needs the lab: make up
    .venv/bin/python -m bench.cluster --seconds 10 --readers 8 --uploaders 4

Through the floating IP a request crosses the provider's forward, the node holding
the IP, HAProxy and possibly another node; directly it goes to one backend container
(borie's, a container of the lab). Both runs write to the same S3 store and broker,
and the lab's workers make the sizes either way. Prints figures, asserts nothing:
the client and the cluster share this machine's cores.
"""

import argparse
import threading
import time
from pathlib import Path

import requests

from bench import corpus
from bench.latency import measure, percentile

TARGETS = {
    "floating IP (provider -> HAProxy -> backend)": "http://127.0.0.1:8081",
    "one backend container, directly": "http://172.29.10.3:8080",
}


def saturate(url: str, clients: int, seconds: float, request) -> tuple[float, int]:
    """Requests per second that `clients` threads complete in `seconds`, and failures."""
    done, failed = [0], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            try:
                ok = request(session, url)
            except requests.RequestException:
                ok = False
            with lock:
                done[0] += ok
                failed[0] += not ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - start), failed[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--uploaders", type=int, default=4)
    parser.add_argument("--latency-uploads", type=int, default=20)
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "imgr-bench")
    args = parser.parse_args()

    # Saturation uploads: a 1024x768 photo-like JPEG; latency: the 12-megapixel corpus.
    body = corpus.encode(corpus.photo((1024, 768), seed=7), "JPEG")
    latency_files = corpus.ensure_latency_corpus(args.latency_uploads, args.cache_dir)
    image_id = requests.post(
        TARGETS["one backend container, directly"] + "/image",
        files={"file": ("p.jpg", body)},
        timeout=60,
    ).json()["id"]

    def read(session, url):
        return session.get(f"{url}/image/{image_id}", timeout=10).status_code == 200

    def upload(session, url):
        response = session.post(url + "/image", files={"file": ("p.jpg", body)}, timeout=60)
        return response.status_code == 201

    # Latency first, on an idle cluster, for both targets; then saturation, which
    # leaves a backlog of resize work behind it.
    latency = {
        label: measure(url, latency_files, 0.5, 300)["latencies"] for label, url in TARGETS.items()
    }
    rows = {}
    for label, url in TARGETS.items():
        reads, read_failed = saturate(url, args.readers, args.seconds, read)
        uploads, upload_failed = saturate(url, args.uploaders, args.seconds, upload)
        ready = latency[label]
        rows[label] = (reads, uploads, ready)
        print(
            f"{label}: reads/s {reads:.0f} ({read_failed} failed), uploads/s {uploads:.1f}"
            f" ({upload_failed} failed) of a {len(body) / 1e6:.1f} MB JPEG;"
            f" accepted -> all sizes ready p50 {percentile(ready, 0.5) * 1000:.0f} ms,"
            f" p95 {percentile(ready, 0.95) * 1000:.0f} ms ({len(ready)} uploads)",
            flush=True,
        )
    (via, direct) = rows.values()
    print(
        f"floating IP / direct: reads {via[0] / direct[0]:.2f}x, uploads {via[1] / direct[1]:.2f}x,"
        f" p50 latency {percentile(via[2], 0.5) / percentile(direct[2], 0.5):.2f}x"
    )


if __name__ == "__main__":
    main()
