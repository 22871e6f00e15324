"""How close each contender's sizes are to the best this original allows: Lanczos from
the full-resolution decode, not encoded. A speed-up that costs quality shows here.

SSIM (Wang et al. 2004: Gaussian window sigma 1.5, K1 0.01, K2 0.03) on luma, 1 when
identical; mean |difference| over the RGB channels in levels of 255. Averaged per
format and size over the corpus. Computed with libvips (float arithmetic).
"""

import io
from collections.abc import Callable
from pathlib import Path

from imagehost.sizes import SIZES
from PIL import Image, ImageChops, ImageStat

from bench import contenders

LANCZOS = Image.Resampling.LANCZOS
CONTENDERS: dict[str, Callable[[bytes], list[bytes]]] = {
    "ours": contenders.ours_sizes,
    "pyvips cascade": contenders.pyvips_cascade_sizes,
    "upstream": contenders.upstream_sizes,
}


def ssim(a: Image.Image, b: Image.Image) -> float:
    x, y = _luma(a), _luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image):
        return image.gaussblur(1.5, precision="float")

    mean_x, mean_y = blur(x), blur(y)
    var_x = blur(x * x) - mean_x * mean_x
    var_y = blur(y * y) - mean_y * mean_y
    covariance = blur(x * y) - mean_x * mean_y
    top = (2 * mean_x * mean_y + c1) * (2 * covariance + c2)
    bottom = (mean_x * mean_x + mean_y * mean_y + c1) * (var_x + var_y + c2)
    return (top / bottom).avg()


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    difference = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return sum(ImageStat.Stat(difference).mean) / 3


def _luma(image: Image.Image):
    import pyvips

    grey = image.convert("L")
    pixels = pyvips.Image.new_from_memory(grey.tobytes(), grey.width, grey.height, 1, "uchar")
    return pixels.cast("float")


def measure(files: list[Path]) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(contender, format) -> per size, (mean SSIM, mean |difference|) over the files."""
    sums: dict[tuple[str, str], list[list[float]]] = {}
    counts: dict[str, int] = {}
    for path in files:
        data = path.read_bytes()
        original = Image.open(io.BytesIO(data))
        original.load()
        references: dict[tuple[int, int], Image.Image] = {}
        counts[original.format] = counts.get(original.format, 0) + 1
        for name, sizes in CONTENDERS.items():
            totals = sums.setdefault((name, original.format), [[0.0, 0.0] for _ in SIZES])
            for total, body in zip(totals, sizes(data), strict=True):
                with Image.open(io.BytesIO(body)) as made:
                    made.load()
                    # At the size made: rounding a side differs by a pixel between contenders.
                    if made.size not in references:
                        references[made.size] = original.resize(made.size, LANCZOS)
                    total[0] += ssim(made, references[made.size])
                    total[1] += mean_difference(made, references[made.size])
    return {
        key: [(s / counts[key[1]], d / counts[key[1]]) for s, d in totals]
        for key, totals in sums.items()
    }


def report(files: list[Path]) -> None:
    figures = measure(files)
    print(
        "\nquality against Lanczos from the full-resolution decode"
        " (SSIM on luma / mean |difference| in levels of 255):"
    )
    print(f"{'contender':22}" + "".join(f"{name:>16}" for name in SIZES))
    for (name, image_format), per_size in figures.items():
        cells = "".join(f"{s:>10.4f} /{d:4.1f}" for s, d in per_size)
        print(f"{name + ' ' + image_format:22}{cells}")
