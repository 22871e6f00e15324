"""Benchmark: our resize pipeline against the upstream algorithm and libvips.

    .venv/bin/python -m bench            # full corpus, then the upload-latency stream
    .venv/bin/python -m bench --quick    # small corpus, < 1 minute

Prints figures; asserts nothing about time. See bench/README.md for what is measured.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import corpus, quality

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"  # tests/stack.py starts the real servers
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "imgr-bench"

# label, child contender, extra environment
IN_MEMORY = [
    ("ours (storage excluded)", "ours", {}),
    ("upstream: 4 x open+thumbnail", "upstream", {}),
    ("pyvips thumbnail_buffer x 4", "pyvips", {}),
    ("pyvips, 1 thread", "pyvips", {"VIPS_CONCURRENCY": "1"}),
    ("pyvips cascade, 1 thread", "pyvips-cascade", {"VIPS_CONCURRENCY": "1"}),
    ("decode alone (ours' draft)", "decode-alone", {}),
]
STORED = [
    ("ours + S3 (1 get, 4 puts)", "stored-ours"),
    ("upstream + S3 (4 gets, 4 puts)", "stored-upstream"),
]
UPSTREAM, STORED_UPSTREAM, PYVIPS = IN_MEMORY[1][0], STORED[1][0], IN_MEMORY[2][0]
OURS, CASCADE, DECODE = IN_MEMORY[0][0], IN_MEMORY[4][0], IN_MEMORY[5][0]


@dataclass
class Result:
    """One contender over the corpus: per image wall and CPU seconds, bytes written."""

    label: str
    seconds: list[float]
    cpu_seconds: list[float]
    produced_bytes: list[int]
    baseline_rss_mib: float
    peak_rss_mib: float

    @property
    def images(self) -> int:
        return len(self.seconds)

    @property
    def per_second(self) -> float:
        return self.images / sum(self.seconds)

    def mean_ms(self, which: list[bool]) -> float | None:
        """Mean wall milliseconds per image over the images selected by `which`."""
        return _mean_ms(self.seconds, which)

    def mean_cpu_ms(self, which: list[bool]) -> float | None:
        """Mean CPU milliseconds per image over the images selected by `which`."""
        return _mean_ms(self.cpu_seconds, which)


def _mean_ms(seconds: list[float], which: list[bool]) -> float | None:
    chosen = [value for value, keep in zip(seconds, which, strict=True) if keep]
    return 1000 * sum(chosen) / len(chosen) if chosen else None


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT), str(TESTS), str(ROOT / "services" / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.update(extra)
    return env


def run_child(label: str, argv: list[str], extra_env: dict[str, str]) -> Result:
    """One contender in a fresh interpreter; its figures come back as JSON on stdout."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.child", *argv],
        env=child_env(extra_env),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{completed.stderr[-3000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    items = figures["items"]
    return Result(
        label,
        [item["seconds"] for item in items],
        [item["cpu_seconds"] for item in items],
        [item["produced_bytes"] for item in items],
        figures["baseline_rss_mib"],
        figures["peak_rss_mib"],
    )


def best(results: list[Result]) -> Result:
    """Each image's fastest round (other jobs on the machine only ever add time);
    the highest peak memory of any round."""
    return Result(
        results[0].label,
        [min(times) for times in zip(*(result.seconds for result in results), strict=True)],
        [min(times) for times in zip(*(result.cpu_seconds for result in results), strict=True)],
        results[0].produced_bytes,
        min(result.baseline_rss_mib for result in results),
        max(result.peak_rss_mib for result in results),
    )


def throughput(files: list[Path], rounds: int, workdir: Path) -> list[Result]:
    results: dict[str, list[Result]] = {}
    names = [str(path) for path in files]
    for round_number in range(rounds):
        # Interleaved rounds: a burst of load from elsewhere hits every contender alike.
        print(f"round {round_number + 1}/{rounds}", flush=True)
        for label, contender, env in IN_MEMORY:
            results.setdefault(label, []).append(run_child(label, [contender, *names], env))
        with stored_originals(files, workdir) as (endpoint, bucket, ids):
            for label, contender in STORED:
                argv = [contender, *ids, "--s3", endpoint, "--bucket", bucket]
                results.setdefault(label, []).append(run_child(label, argv, {}))
    return [best(rounds_of_one) for rounds_of_one in results.values()]


@contextlib.contextmanager
def stored_originals(files: list[Path], workdir: Path):
    """A real moto S3 server on loopback holding the corpus as uploaded originals."""
    sys.path.insert(0, str(TESTS))
    from stack import moto_s3, s3_client

    with moto_s3(workdir) as endpoint:
        s3 = s3_client(endpoint)
        bucket = "bench"
        s3.create_bucket(Bucket=bucket)
        ids = []
        for number, path in enumerate(files):
            image_id = f"bench{number:03d}"
            content_type = "image/png" if path.suffix == ".png" else "image/jpeg"
            s3.put_object(
                Bucket=bucket,
                Key=f"original/{image_id}",
                Body=path.read_bytes(),
                ContentType=content_type,
            )
            ids.append(image_id)
        yield endpoint, bucket, ids


def report(results: list[Result], files: list[Path]) -> None:
    megapixels = corpus_megapixels(files)
    total_mib = sum(path.stat().st_size for path in files) / 2**20
    print(f"\ncorpus: {len(files)} images, {megapixels:.0f} megapixels, {total_mib:.0f} MiB")
    by_label = {result.label: result for result in results}
    jpegs = [path.suffix == ".jpg" for path in files]
    pngs = [path.suffix == ".png" for path in files]
    header = f"{'contender':31} {'JPEG ms':>7} {'PNG ms':>7} {'img/s':>6} {'vs upstream':>11}"
    header += f" {'vs pyvips':>9} {'CPU ms':>7} {'CPU vs up':>9} {'peak RSS':>8} {'over base':>9}"
    header += f" {'output':>8}"
    print(header)
    for result in results:
        stored = "S3" in result.label
        reference = by_label[STORED_UPSTREAM if stored else UPSTREAM]
        # pyvips has no storage row: comparing a stored row with it would mislead.
        pyvips = by_label[PYVIPS].per_second
        vs_pyvips = "-" if stored else f"{result.per_second / pyvips:.2f}x"
        cpu_ms = 1000 * sum(result.cpu_seconds) / result.images
        cpu_vs_upstream = sum(reference.cpu_seconds) / sum(result.cpu_seconds)
        over_base = result.peak_rss_mib - result.baseline_rss_mib
        print(
            f"{result.label:31} {milliseconds(result.mean_ms(jpegs)):>7}"
            f" {milliseconds(result.mean_ms(pngs)):>7}"
            f" {result.per_second:6.2f} {result.per_second / reference.per_second:10.2f}x"
            f" {vs_pyvips:>9} {cpu_ms:7.0f} {cpu_vs_upstream:8.2f}x"
            f" {result.peak_rss_mib:4.0f} MiB {over_base:5.0f} MiB"
            f" {sum(result.produced_bytes) / result.images / 1024:4.0f} KiB"
        )
    ours, cascade, decode = by_label[OURS], by_label[CASCADE], by_label[DECODE]
    for name, which in (("JPEG", jpegs), ("PNG", pngs)):
        if not any(which):
            continue
        ours_ms = ours.mean_ms(which)
        print(
            f"{name}: ours is {cascade.mean_ms(which) / ours_ms:.2f}x the speed of the libvips"
            f" cascade (target >= 1.25x) and takes {ours_ms / decode.mean_ms(which):.2f}x the"
            f" time of its decode alone (target <= 1.25x; in CPU time"
            f" {ours.mean_cpu_ms(which) / decode.mean_cpu_ms(which):.2f}x)"
        )
    print(
        "JPEG/PNG ms: mean wall time per original of that format, each image's best round."
        " CPU ms: process CPU time per original (all threads; S3 rows exclude moto's),"
        " steadier than wall time when other jobs share the cores."
        "\nS3 rows are compared with the upstream S3 row. Peak RSS per process; 'over base'"
        " excludes the interpreter and imports. Output: bytes written per original."
    )


def milliseconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def corpus_megapixels(files: list[Path]) -> float:
    from PIL import Image

    total = 0
    for path in files:
        with Image.open(path) as image:
            total += image.width * image.height
    return total / 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus, < 1 minute")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="corpus cache")
    parser.add_argument("--rounds", type=int, help="rounds per contender (best one is kept)")
    parser.add_argument("--no-latency", action="store_true", help="skip the upload stream")
    parser.add_argument("--uploads", type=int, help="uploads in the latency stream")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between uploads in the stream"
    )
    args = parser.parse_args(argv)
    spec = corpus.QUICK if args.quick else corpus.FULL
    rounds = args.rounds or (1 if args.quick else 2)

    print(f"corpus '{spec.name}' in {args.cache_dir}", flush=True)
    files = corpus.ensure_corpus(spec, args.cache_dir)
    with tempfile.TemporaryDirectory(prefix="imgr-bench-") as workdir:
        report(throughput(files, rounds, Path(workdir)), files)
        quality.report(files)
        if not args.no_latency:
            from bench import latency

            uploads = args.uploads or (6 if args.quick else 40)
            latency.run(uploads, args.interval, args.cache_dir, Path(workdir))


if __name__ == "__main__":
    main()
