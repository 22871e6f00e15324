"""Render every size of one upload from a single decode of the original.

Pipeline: open once (only the formats we accept), refuse more than
`Image.MAX_IMAGE_PIXELS`, let libjpeg scale JPEGs down while decoding (`draft`,
to the smallest DCT scale still at least as big as the biggest size), apply the
EXIF orientation, normalise the mode, convert an embedded colour profile to
sRGB, then a cascade: big from the decoded image, medium from big, small from
medium, tiny from small. Never enlarged, aspect ratio kept (longest side <= size).

Metadata: none is written (no EXIF, XMP, comments or ICC profile). Colour images
with an embedded profile (Display P3 from phones, Adobe RGB, CMYK) are first
converted to sRGB, so stripping the profile keeps their colours (browsers treat
untagged images as sRGB) and saves the profile's bytes on every thumbnail.
Greyscale profiles and unusable profiles are dropped without conversion.

Formats: JPEG (and MPO, the multi-picture JPEG of cameras) -> JPEG; PNG -> PNG;
WebP -> WebP; AVIF -> AVIF. GIF -> PNG: a GIF, animated or not, is rendered as
a still PNG of its first frame (lossless, keeps transparency, no re-quantising
to 256 colours; resizing every frame would multiply the work and memory by the
frame count, for thumbnails). Animated WebP/AVIF/APNG also give their first frame.

The output is deterministic: the same bytes in give the same bytes out, so the
worker's task can be re-run safely.
"""

import contextlib
import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, ImageOps

from imagehost.sizes import SIZES, fit

# Formats Pillow may try when opening; anything else is refused as corrupt.
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF")
# What each source format is written as.
OUTPUT_FORMAT = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "GIF": "PNG",
    "WEBP": "WEBP",
    "AVIF": "AVIF",
}
CONTENT_TYPE = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    # zlib level 3: 2.5x faster than the default 6 on photos for +0.1% bytes (and no
    # bigger on flat graphics); PNG encoding is most of the time a PNG upload costs.
    "PNG": {"compress_level": 3},
    "WEBP": {"quality": 85, "method": 4},
    # AVIF: speed 8 encodes ~7x faster than the default 6 for ~10% more bytes; one
    # thread because the encoder's output depends on the thread count (determinism),
    # and the worker gets its parallelism from processes.
    "AVIF": {"quality": 70, "speed": 8, "max_threads": 1},
}
# JPEG sizes saved baseline rather than progressive (same pixels): progressive encoding
# takes 2-2.5x the time of baseline for 1-3.5% fewer bytes; kept where the bytes and the
# progressive display count, the biggest size. Saves ~2 ms per 24-megapixel JPEG (3-4% of
# its decode) for +0.8% bytes over the four sizes (bench/README.md, issue 9).
BASELINE_JPEG_SIZES = frozenset(list(SIZES)[1:])
# Shrinking by more than this factor starts with a fast integer box reduction, then
# Lanczos does the rest. 1.5 rather than thumbnail()'s 2.0: a 12-megapixel PNG to
# 1024 px takes 2.4x less time, and differs from a pure Lanczos by 0.5 levels on
# average (max 4 of 255), as much as thumbnail() itself does. No effect on
# DCT-scaled JPEGs, which are already within 2x of the biggest size.
REDUCING_GAP = 1.5
# Modes every output format and the resampler handle without surprises.
WORKING_MODES = ("L", "LA", "RGB", "RGBA")

# What Pillow raises on garbage, truncated or unsupported input.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)

SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class CorruptImage(ValueError):
    """The original cannot be decoded (garbage, truncated, unsupported or too large)."""


@dataclass(frozen=True)
class Rendition:
    """One resized size of an upload, ready to be stored."""

    name: str
    body: bytes
    content_type: str
    width: int
    height: int


def render_sizes(data: bytes) -> list[Rendition]:
    """Every entry of `SIZES`, in order, rendered from the original's bytes."""
    image, full_size, source_format, profile = decode(data)
    output_format = OUTPUT_FORMAT[source_format]
    renditions = []
    previous = image
    for position, (name, longest_side) in enumerate(SIZES.items()):
        # Sized from the full original, not the DCT-scaled decode, so rounding matches it.
        current = shrink(previous, fit(full_size, longest_side))
        if position == 0:
            # Cheapest place for the colour conversion: the biggest size, before the cascade.
            current = to_srgb(current, profile)
        renditions.append(encode(name, current, output_format))
        previous = current
    return renditions


def decode(data: bytes) -> tuple[Image.Image, tuple[int, int], str, bytes | None]:
    """The oriented image in a working mode, the original's oriented size, format and profile."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        source_format = image.format
        if source_format not in OUTPUT_FORMAT:
            raise CorruptImage(f"unsupported format {source_format}")
        limit = Image.MAX_IMAGE_PIXELS
        if limit is not None and image.width * image.height > limit:
            raise CorruptImage(f"{image.width}x{image.height} is more than {limit} pixels")
        full_size = image.size
        if source_format in ("JPEG", "MPO"):
            # DCT scaling: decode at 1/2, 1/4 or 1/8 while still >= the biggest size.
            image.draft(None, fit(image.size, max(SIZES.values())))
        image.load()
    except Image.DecompressionBombError as error:
        raise CorruptImage(str(error)) from error
    except DECODE_ERRORS as error:
        if isinstance(error, CorruptImage):
            raise
        raise CorruptImage(f"cannot decode image: {error}") from error
    decoded_size = image.size
    orient(image)
    if image.size != decoded_size:
        full_size = full_size[::-1]
    profile = image.info.get("icc_profile")
    image = working_mode(image, profile)
    return image, full_size, source_format, profile


def orient(image: Image.Image) -> None:
    """Apply the EXIF orientation in place; unreadable EXIF is ignored, not fatal."""
    with contextlib.suppress(*DECODE_ERRORS):
        ImageOps.exif_transpose(image, in_place=True)


def working_mode(image: Image.Image, profile: bytes | None) -> Image.Image:
    """The image in L, LA, RGB or RGBA: alpha kept, palettes and CMYK expanded."""
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    # L or RGB with a transparent colour key (PNG tRNS, GIF) needs a real alpha channel.
    if image.mode in WORKING_MODES and not (has_alpha and image.mode in ("L", "RGB")):
        return image
    if image.mode == "CMYK" and profile:
        converted = convert_profile(image, profile, "RGB")
        if converted is not None:
            return converted
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        # 16-bit greyscale: scale to 8 bits rather than clip.
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    return image.convert("RGBA" if has_alpha else "RGB")


def to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """The image converted from its embedded profile to sRGB (unchanged without one)."""
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    converted = convert_profile(image, profile, image.mode)
    return image if converted is None else converted


def convert_profile(image: Image.Image, profile: bytes, output_mode: str) -> Image.Image | None:
    """The image in sRGB, or None when the profile is unusable."""
    transform = srgb_transform(profile, image.mode, output_mode)
    if transform is None:
        return None
    return transform.apply(image)


@lru_cache(maxsize=32)
def srgb_transform(
    profile: bytes, input_mode: str, output_mode: str
) -> ImageCms.ImageCmsTransform | None:
    """A cached transform from `profile` to sRGB; None for a broken or mismatched profile."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.buildTransform(
            source,
            SRGB_PROFILE,
            input_mode,
            output_mode,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def shrink(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """The image resized to `target` with Lanczos; the image itself when already that size."""
    if image.size == target:
        return image
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


def encode(name: str, image: Image.Image, output_format: str) -> Rendition:
    """One size encoded in `output_format`, without any metadata."""
    if output_format == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    # Resized and colour-converted copies carry `info` (EXIF, ICC...): never write it.
    image.info = {}
    options = SAVE_OPTIONS[output_format]
    if output_format == "JPEG" and name in BASELINE_JPEG_SIZES:
        options = {**options, "progressive": False}
    buffer = io.BytesIO()
    image.save(buffer, output_format, **options)
    return Rendition(
        name=name,
        body=buffer.getvalue(),
        content_type=CONTENT_TYPE[output_format],
        width=image.width,
        height=image.height,
    )
