"""Accept an upload by what it is, not by what the client says it is.

The format comes from the file's magic bytes; Pillow then reads the header (for the pixel
count, checked before anything is decoded) and decodes enough to tell a truncated or
corrupt file from an image: JPEG at 1/8 scale (DCT scaling, still reads every byte),
PNG through its chunk CRCs, the first frame of the others.
"""

import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, features

from imagehost import errors

CONTENT_TYPES: dict[str, str] = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
AVIF_SUPPORTED = features.check("avif")


@dataclass(frozen=True)
class ImageInfo:
    format: str
    content_type: str
    width: int
    height: int


def sniff_format(head: bytes) -> str | None:
    """The Pillow format name of a supported image from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if AVIF_SUPPORTED and head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "AVIF"
    return None


def validate_image(stream: BinaryIO, max_pixels: int) -> ImageInfo:
    """Check a whole upload; raises `errors.Rejection` (415 or 422) when it is refused."""
    stream.seek(0)
    image_format = sniff_format(stream.read(16))
    if image_format is None:
        raise errors.unsupported_format()
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; a bomb is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            width, height = _decode_check(stream, image_format, max_pixels)
        except errors.Rejection:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise errors.too_many_pixels(None, max_pixels) from None
        except Exception as error:  # Pillow raises many types on bad input
            raise errors.corrupt_image(str(error) or type(error).__name__) from None
    return ImageInfo(image_format, CONTENT_TYPES[image_format], width, height)


def _decode_check(stream: BinaryIO, image_format: str, max_pixels: int) -> tuple[int, int]:
    stream.seek(0)
    with Image.open(stream, formats=[image_format]) as image:
        width, height = image.size
        if width * height > max_pixels:
            raise errors.too_many_pixels(width * height, max_pixels)
        image.verify()
    if image_format == "PNG":
        return width, height  # verify() checked every chunk's CRC
    stream.seek(0)
    with Image.open(stream, formats=[image_format]) as image:
        if image_format == "JPEG":
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        image.load()
    return width, height
