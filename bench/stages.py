"""Where the JPEG pipeline's time goes, against its own decode, and what the ways of
cutting it cost in quality: `python -m bench.stages` (issue 9's decode-alone target).

On the full corpus's 24-megapixel JPEGs, in one process, one thread, CPU time per
call (`process_time`), every variant interleaved in each round and each image's
fastest round kept. Prints:

- the stages of today's pipeline (decode at 1/4, Lanczos to each size, the four
  encodes) and the floors they set: decode + the stages no variant can skip;
- variants, each a whole pipeline (other encoder settings, cheaper resampling filters
  for some sizes, reducing_gap, no cascade): its time over the decode's, its output
  bytes against today's, and its quality per size, against today's output (SSIM on luma /
  mean |difference| in levels of 255, 1.0000 / 0.0 = the same pixels) and against
  the bench's reference (Lanczos from the full-resolution decode, bench/quality.py).
"""

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path

from imagehost import resize
from imagehost.sizes import SIZES, fit
from PIL import Image

from bench import contenders, corpus, quality
from bench.run import DEFAULT_CACHE

LANCZOS, BICUBIC, HAMMING, BILINEAR = (
    Image.Resampling.LANCZOS,
    Image.Resampling.BICUBIC,
    Image.Resampling.HAMMING,
    Image.Resampling.BILINEAR,
)
PROGRESSIVE = resize.SAVE_OPTIONS["JPEG"]  # quality 85, optimised Huffman tables, progressive
BASELINE_OPTIMISED = {**PROGRESSIVE, "progressive": False}
BASELINE_STANDARD = {**PROGRESSIVE, "progressive": False, "optimize": False}
# Per size, as render_sizes encodes: progressive for the biggest, baseline for the rest.
TODAY = tuple(
    BASELINE_OPTIMISED if name in resize.BASELINE_JPEG_SIZES else PROGRESSIVE for name in SIZES
)


def encode(image: Image.Image, options: dict) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def pipeline(
    data: bytes,
    options: tuple[dict, ...] = TODAY,
    gap: float = resize.REDUCING_GAP,
    cascade: bool = True,
    filters: tuple[Image.Resampling, ...] = (LANCZOS,) * len(SIZES),
) -> list[bytes]:
    """Today's render_sizes for a JPEG, with one choice changed (`options` and
    `filters`: one per size, biggest first)."""
    image, full_size, _, profile = resize.decode(data)
    bodies, previous, decoded = [], image, image
    for position, longest_side in enumerate(SIZES.values()):
        source = previous if cascade else decoded
        target = fit(full_size, longest_side)
        current = source
        if source.size != target:
            current = source.resize(target, filters[position], None, gap)
        if position == 0:
            current = resize.to_srgb(current, profile)
        bodies.append(encode(current, options[position]))
        previous = current
    return bodies


def every(option: dict) -> tuple[dict, ...]:
    return (option,) * len(SIZES)


def big_then(big: Image.Resampling, rest: Image.Resampling) -> tuple[Image.Resampling, ...]:
    return (big,) + (rest,) * (len(SIZES) - 1)


VARIANTS: dict[str, Callable[[bytes], list[bytes]]] = {
    "today (render_sizes)": lambda data: [r.body for r in resize.render_sizes(data)],
    "progressive at every size": lambda data: pipeline(data, every(PROGRESSIVE)),
    "baseline, optimised tables": lambda data: pipeline(data, every(BASELINE_OPTIMISED)),
    "baseline, standard tables": lambda data: pipeline(data, every(BASELINE_STANDARD)),
    "reducing_gap 1.0 (box 2x first)": lambda data: pipeline(data, gap=1.0),
    "no reducing_gap (pure Lanczos)": lambda data: pipeline(data, gap=None),
    "every size from the decode": lambda data: pipeline(data, cascade=False),
    # A draft-decoded image is already low-pass filtered by the DCT scaling: do the
    # shorter filters lose anything against the full-resolution reference?
    "big bicubic, rest Lanczos": lambda data: pipeline(data, filters=big_then(BICUBIC, LANCZOS)),
    "big Hamming, rest Lanczos": lambda data: pipeline(data, filters=big_then(HAMMING, LANCZOS)),
    "big bilinear, rest Lanczos": lambda data: pipeline(data, filters=big_then(BILINEAR, LANCZOS)),
    "big Lanczos, rest bicubic": lambda data: pipeline(data, filters=big_then(LANCZOS, BICUBIC)),
    "big Lanczos, rest Hamming": lambda data: pipeline(data, filters=big_then(LANCZOS, HAMMING)),
    "bicubic at every size": lambda data: pipeline(data, filters=big_then(BICUBIC, BICUBIC)),
    "Hamming at every size": lambda data: pipeline(data, filters=big_then(HAMMING, HAMMING)),
}


def stages(data: bytes) -> dict[str, float]:
    """CPU seconds of each step of today's pipeline on one original."""
    spent: dict[str, float] = {}

    def timed(name, call, *args):
        start = time.process_time()
        result = call(*args)
        spent[name] = spent.get(name, 0.0) + time.process_time() - start
        return result

    image, full_size, _, _ = timed("decode at 1/4 (+ orientation, mode)", resize.decode, data)
    made = []
    for name, side in SIZES.items():
        made.append(timed(f"Lanczos to {name}", resize.shrink, image, fit(full_size, side)))
        image = made[-1]
    for label, options in (
        ("encode 4 sizes: progressive, optimised", every(PROGRESSIVE)),
        ("encode 4 sizes: progressive big only (today)", TODAY),
        ("encode 4 sizes: baseline, optimised", every(BASELINE_OPTIMISED)),
        ("encode 4 sizes: baseline, standard tables", every(BASELINE_STANDARD)),
    ):
        for size, option in zip(made, options, strict=True):
            timed(label, encode, size, option)
    return spent


def cpu(call: Callable, data: bytes) -> float:
    start = time.process_time()
    call(data)
    return time.process_time() - start


def decoded(body: bytes) -> Image.Image:
    with Image.open(io.BytesIO(body)) as image:
        image.load()
        return image.copy()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="each image's fastest is kept")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="corpus cache")
    args = parser.parse_args(argv)
    report(corpus.ensure_corpus(corpus.FULL, args.cache_dir), args.rounds)


def report(files: list[Path], rounds: int) -> None:
    """Measure the JPEGs among `files` and print the figures."""
    originals = [f.read_bytes() for f in files if f.suffix == ".jpg"]
    calls = {"decode alone (the bench's row)": contenders.decode_alone, **VARIANTS}
    best = {name: [float("inf")] * len(originals) for name in calls}
    best_stages: list[dict[str, float]] = [{} for _ in originals]
    for _ in range(rounds):
        for index, data in enumerate(originals):
            for name, call in calls.items():
                best[name][index] = min(best[name][index], cpu(call, data))
            for stage, seconds in stages(data).items():
                kept = best_stages[index].get(stage, float("inf"))
                best_stages[index][stage] = min(kept, seconds)
    decode = sum(best["decode alone (the bench's row)"])
    count = len(originals)

    print(f"{count} JPEGs, {rounds} rounds, CPU ms per image (fastest round)")
    print(f"\n{'stage of today':50}{'ms':>8}{'/ decode':>10}")
    stage_totals = {s: sum(b[s] for b in best_stages) for s in best_stages[0]}
    for stage, total in stage_totals.items():
        print(f"{stage:50}{total / count * 1000:8.1f}{total / decode:9.2f}x")
    resizes = sum(total for stage, total in stage_totals.items() if stage.startswith("Lanczos"))
    cheapest_encode = stage_totals["encode 4 sizes: baseline, standard tables"]
    big = stage_totals["Lanczos to big"]
    print(
        f"floors: decode + Lanczos to big alone {1 + big / decode:.2f}x;"
        f" decode + the four encodes alone (cheapest tables) {1 + cheapest_encode / decode:.2f}x;"
        f" decode + all Lanczos + cheapest encodes {1 + (resizes + cheapest_encode) / decode:.2f}x"
        " (target <= 1.25x)"
    )

    today_bodies = [VARIANTS["today (render_sizes)"](data) for data in originals]
    today_pixels = [[decoded(body) for body in bodies] for bodies in today_bodies]
    # Lanczos from the full-resolution decode, per original and output size (the bench's
    # reference, bench/quality.py), made once: 24 megapixels take a while to resize.
    references: list[dict[tuple[int, int], Image.Image]] = [{} for _ in originals]

    def full_resolution(index: int, size: tuple[int, int]) -> Image.Image:
        if size not in references[index]:
            references[index][size] = decoded(originals[index]).resize(size, LANCZOS)
        return references[index][size]

    print(
        f"\n{'variant':34}{'ms':>7}{'/ dec':>7}{'bytes':>7}"
        "   vs today's output (SSIM / mean |diff|) per size;"
        " then vs full-resolution Lanczos"
    )
    for name, call in VARIANTS.items():
        against_today = [[0.0, 0.0] for _ in SIZES]
        against_full = [[0.0, 0.0] for _ in SIZES]
        size_ratio = 0.0
        for index, data in enumerate(originals):
            bodies = call(data)
            size_ratio += sum(map(len, bodies)) / sum(map(len, today_bodies[index])) / count
            for position, body in enumerate(bodies):
                made, reference = decoded(body), today_pixels[index][position]
                ideal = full_resolution(index, made.size)
                for sums, other in ((against_today, reference), (against_full, ideal)):
                    sums[position][0] += quality.ssim(made, other) / count
                    sums[position][1] += quality.mean_difference(made, other) / count
        total = sum(best[name])
        cells = [
            " ".join(f"{s:.4f}/{d:.2f}" for s, d in sums) for sums in (against_today, against_full)
        ]
        print(
            f"{name:34}{total / count * 1000:7.1f}{total / decode:6.2f}x{size_ratio:7.3f}"
            f"   {cells[0]};  {cells[1]}"
        )
    print(f"{'decode alone':34}{decode / count * 1000:7.1f}{1:6.2f}x")


if __name__ == "__main__":
    main()
