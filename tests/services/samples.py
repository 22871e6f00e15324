"""Image files for the service tests, made on the fly (valid, hostile and broken)."""

import io
import struct
import zlib

from PIL import Image


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def photo(size: tuple[int, int], image_format: str = "JPEG") -> bytes:
    """A gradient (so encoders have something to do), in any format Pillow writes."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, gradient.rotate(90).resize(size), gradient))
    assert image.size == (width, height)
    return encoded(image, image_format)


def animated_gif(size: tuple[int, int] = (300, 200), frames: int = 3) -> bytes:
    images = [Image.new("P", size, color) for color in range(frames)]
    return encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=100)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header announces `width`x`height` with almost no pixel data: a bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_with_bad_crc() -> bytes:
    data = bytearray(photo((64, 64), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # flip a byte of the compressed data: its CRC no longer matches
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = photo((800, 600))
    return data[: len(data) // 2]


def jpeg_magic_then_garbage() -> bytes:
    return b"\xff\xd8\xff\xe0" + b"not really a jpeg " * 100


def expected_size(original: tuple[int, int], longest_side: int) -> tuple[int, int]:
    """The contract: longest side at most `longest_side`, aspect kept, never enlarged."""
    width, height = original
    longest = max(width, height)
    if longest <= longest_side:
        return original
    scale = longest_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))
