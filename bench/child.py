"""Run one contender over the corpus in this (fresh) process and print its figures as JSON.

A process per contender keeps their memory apart. Peak memory is the kernel's high-water
mark of this process's resident set (VmHWM), C allocations (libjpeg, libvips) included,
which tracemalloc would miss. Not `ru_maxrss`: Linux carries the parent's high-water
mark over fork+exec into it (and RUSAGE_CHILDREN is a maximum over all children), so a
big parent would hide every child's figure.

    python -m bench.child ours FILE...
    python -m bench.child stored-ours --s3 URL --bucket NAME ID...
"""

import argparse
import json
import time
from pathlib import Path

from bench import contenders

IN_MEMORY = {
    "ours": contenders.ours,
    "upstream": contenders.upstream,
    "pyvips": contenders.pyvips_thumbnail,
    "pyvips-cascade": contenders.pyvips_cascade,
    "decode-alone": contenders.decode_alone,
}
STORED = {"stored-ours": contenders.StoredOurs, "stored-upstream": contenders.StoredUpstream}


def peak_rss_mib() -> float:
    """VmHWM: the peak resident set of this process since its exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=[*IN_MEMORY, *STORED])
    parser.add_argument("items", nargs="+", help="corpus files, or image ids when stored")
    parser.add_argument("--s3")
    parser.add_argument("--bucket")
    args = parser.parse_args()

    if args.contender in STORED:
        from stack import s3_client

        run = STORED[args.contender](s3_client(args.s3), args.bucket)
        works = iter(args.items)  # image ids: the contender downloads the original itself
    else:
        run = IN_MEMORY[args.contender]
        # One original in memory at a time, read outside the timed section.
        works = (Path(item).read_bytes() for item in args.items)
        # Load the libraries before measuring the baseline.
        if args.contender.startswith("pyvips"):
            import pyvips  # noqa: F401
        import PIL.Image

        PIL.Image.init()

    baseline = peak_rss_mib()
    items = []
    for work in works:
        # CPU time of the whole process (every thread): steadier than wall time when
        # other jobs share the cores, and shows libvips' extra threads.
        started, started_cpu = time.perf_counter(), time.process_time()
        produced = run(work)
        items.append(
            {
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - started_cpu,
                "produced_bytes": produced,
            }
        )
    figures = {"items": items, "baseline_rss_mib": baseline, "peak_rss_mib": peak_rss_mib()}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
