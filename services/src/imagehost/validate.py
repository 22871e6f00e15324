"""Accept an upload by what it is, not by what the client says it is.

The format comes from the file's magic bytes; Pillow then reads the header (for the pixel
count, checked before anything is decoded) and decodes enough to tell a truncated or
corrupt file from an image. Memory stays bounded by the pixel limit, and by less for
the formats that allow it (cost per format, at the default 50-megapixel limit):

- JPEG: decoded at 1/8 scale (DCT scaling still entropy-decodes every byte): 3 bytes
  per 64 pixels, ~2.3 MB.
- PNG: chunk CRCs, then the compressed rows inflated in 64 KiB pieces and counted
  (png_data.py): no pixels held. Only the default image of an APNG is checked.
- GIF: the first frame, 1 byte per pixel (~50 MB). Later frames are not decoded here
  nor by the worker (it renders the first frame), so hundreds of frames cost no more.
- WebP, AVIF: the first frame, 4 bytes per pixel (~200 MB): their decoders cannot scale.
"""

import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, features

from imagehost import errors
from imagehost.png_data import check_png_data

CONTENT_TYPES: dict[str, str] = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
AVIF_SUPPORTED = features.check("avif")
ORIENTATION = 0x0112


@dataclass(frozen=True)
class ImageInfo:
    format: str
    content_type: str
    width: int
    height: int
    # EXIF orientation 5 to 8 turn the picture a quarter: it displays `height` wide.
    quarter_turned: bool = False

    @property
    def upright(self) -> tuple[int, int]:
        return (self.height, self.width) if self.quarter_turned else (self.width, self.height)


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
        # Pillow warns from its global limit on: `max_pixels` decides instead (checked
        # from the header below); past twice the global limit Pillow refuses to open.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            width, height, turned = _decode_check(stream, image_format, max_pixels)
        except errors.Rejection:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise errors.too_many_pixels(None, max_pixels) from None
        except Exception as error:  # Pillow raises many types on bad input
            raise errors.corrupt_image(str(error) or type(error).__name__) from None
    return ImageInfo(image_format, CONTENT_TYPES[image_format], width, height, turned)


def _decode_check(stream: BinaryIO, image_format: str, max_pixels: int) -> tuple[int, int, bool]:
    stream.seek(0)
    with Image.open(stream, formats=[image_format]) as image:
        width, height = image.size
        if width * height > max_pixels:
            raise errors.too_many_pixels(width * height, max_pixels)
        image.verify()
        # After verify(), which wants to run first; PNG's eXIf chunk is read by then.
        turned = _quarter_turned(image)
    if image_format == "PNG":
        check_png_data(stream)  # verify() checked the CRCs, this the data
        return width, height, turned
    stream.seek(0)
    with Image.open(stream, formats=[image_format]) as image:
        if image_format == "JPEG":
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        image.load()
    return width, height, turned


def _quarter_turned(image: Image.Image) -> bool:
    try:
        return image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
    except Exception:  # unreadable EXIF: the worker ignores it too
        return False
