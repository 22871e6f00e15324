"""A deterministic corpus of large, photo-like images, generated once and cached on disk.

Content matters for honest numbers: flat colours decode and compress far faster than
photographs. Each image mixes smooth gradients, soft blurred shapes ("objects") and
fine grain, which gives JPEG files of the size a camera writes (~0.3 bytes/pixel).
"""

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

CORPUS_VERSION = 1  # bump when the generator changes, so caches are rebuilt


@dataclass(frozen=True)
class CorpusSpec:
    """How many images of which kind; the name keys the cache directory."""

    name: str
    jpegs: int
    jpeg_size: tuple[int, int]
    pngs: int
    png_size: tuple[int, int]


FULL = CorpusSpec("full", jpegs=10, jpeg_size=(6000, 4000), pngs=3, png_size=(4000, 3000))
QUICK = CorpusSpec("quick", jpegs=3, jpeg_size=(6000, 4000), pngs=1, png_size=(2000, 1500))
# 12-megapixel JPEGs for the upload-latency stream.
LATENCY_SIZE = (4000, 3000)


def photo(size: tuple[int, int], seed: int) -> Image.Image:
    """A photo-like RGB image, identical for the same size and seed."""
    rng = random.Random(seed)
    width, height = size
    # Work at 1/4 scale for the smooth parts (fast), then upscale: they have no detail anyway.
    small = (max(1, width // 4), max(1, height // 4))
    bands = []
    for _ in range(3):
        gradient = Image.linear_gradient("L").rotate(rng.uniform(0, 360), fillcolor=128)
        gradient = gradient.resize(small)
        radial = Image.radial_gradient("L").resize(small)
        bands.append(Image.blend(gradient, radial, rng.uniform(0.2, 0.8)))
    scene = Image.merge("RGB", bands)
    draw = ImageDraw.Draw(scene)
    for _ in range(300):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        radius = rng.randrange(small[0] // 200 + 1, small[0] // 15 + 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    scene = scene.filter(ImageFilter.GaussianBlur(1)).resize(size, Image.Resampling.BICUBIC)
    # Grain: seeded noise, slightly blurred so it looks like texture rather than static.
    grain = Image.frombytes("L", size, rng.randbytes(width * height))
    grain = grain.filter(ImageFilter.GaussianBlur(0.6))
    return Image.blend(scene, Image.merge("RGB", (grain, grain, grain)), 0.25)


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, fmt, quality=90)
    else:
        image.save(buffer, fmt, compress_level=6)
    return buffer.getvalue()


def ensure_corpus(spec: CorpusSpec, cache_dir: Path, log=print) -> list[Path]:
    """The corpus files (generating missing ones), JPEGs first."""
    folder = cache_dir / f"v{CORPUS_VERSION}-{spec.name}"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = [(f"photo-{i:02d}.jpg", "JPEG", spec.jpeg_size, i) for i in range(spec.jpegs)]
    wanted += [(f"photo-{i:02d}.png", "PNG", spec.png_size, 1000 + i) for i in range(spec.pngs)]
    return [ensure_file(folder / name, fmt, size, seed, log) for name, fmt, size, seed in wanted]


def ensure_latency_corpus(count: int, cache_dir: Path, log=print) -> list[Path]:
    """`count` 12-megapixel JPEGs (a few distinct ones, reused round-robin)."""
    folder = cache_dir / f"v{CORPUS_VERSION}-latency"
    folder.mkdir(parents=True, exist_ok=True)
    distinct = [
        ensure_file(folder / f"photo-{i:02d}.jpg", "JPEG", LATENCY_SIZE, 2000 + i, log)
        for i in range(min(count, 8))
    ]
    return [distinct[i % len(distinct)] for i in range(count)]


def ensure_file(path: Path, fmt: str, size: tuple[int, int], seed: int, log) -> Path:
    if not path.exists():
        log(f"  generating {path.name} ({size[0]}x{size[1]} {fmt})")
        partial = path.with_suffix(".partial")
        partial.write_bytes(encode(photo(size, seed), fmt))
        partial.rename(path)
    return path
