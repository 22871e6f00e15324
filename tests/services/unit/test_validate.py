import io
import struct
import zlib

import pytest
from imagehost.errors import Rejection
from imagehost.validate import AVIF_SUPPORTED, sniff_format, validate_image
from PIL import Image
from samples import (
    adam7_png,
    animated_gif,
    encoded,
    jpeg_magic_then_garbage,
    photo,
    png_claiming,
    png_from_rows,
    png_with_bad_crc,
    png_with_bad_filter,
    png_with_garbage_data,
    png_with_short_data,
    truncated,
    truncated_jpeg,
)

LIMIT = 50_000_000


def check(data: bytes, max_pixels: int = LIMIT):
    return validate_image(io.BytesIO(data), max_pixels)


def rejection(data: bytes, max_pixels: int = LIMIT) -> Rejection:
    with pytest.raises(Rejection) as caught:
        check(data, max_pixels)
    return caught.value


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_supported_formats_are_accepted(image_format, content_type):
    info = check(photo((120, 80), image_format))
    assert (info.format, info.content_type) == (image_format, content_type)
    assert (info.width, info.height) == (120, 80)


@pytest.mark.skipif(not AVIF_SUPPORTED, reason="this Pillow has no AVIF support")
def test_avif_is_accepted_when_pillow_supports_it():
    info = check(photo((120, 80), "AVIF"))
    assert info.content_type == "image/avif"


def test_animated_gif_is_accepted():
    assert check(animated_gif()).format == "GIF"


def test_format_is_sniffed_not_taken_from_a_name():
    # A PNG is a PNG whatever the client calls it; the magic bytes decide.
    assert sniff_format(photo((10, 10), "PNG")[:16]) == "PNG"
    assert sniff_format(b"GIF89a" + b"\0" * 10) == "GIF"
    assert sniff_format(b"RIFF\0\0\0\0WEBPVP8 ") == "WEBP"
    assert sniff_format(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is plain text",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"%PDF-1.7\n",
        photo((20, 20), "BMP"),
        photo((20, 20), "TIFF"),
    ],
    ids=["text", "svg", "pdf", "bmp", "tiff"],
)
def test_other_content_is_unsupported(data):
    refused = rejection(data)
    assert (refused.status, refused.reason) == (415, "unsupported_format")


@pytest.mark.parametrize(
    "data",
    [truncated_jpeg(), jpeg_magic_then_garbage(), png_with_bad_crc(), photo((50, 50), "PNG")[:60]],
    ids=["truncated-jpeg", "jpeg-garbage", "png-bad-crc", "truncated-png"],
)
def test_broken_images_are_corrupt(data):
    refused = rejection(data)
    assert (refused.status, refused.reason) == (422, "corrupt_image")


@pytest.mark.parametrize(
    "data",
    [png_with_garbage_data(), png_with_short_data(), png_with_bad_filter()],
    ids=["garbage-zlib", "short-data", "bad-filter"],
)
def test_png_with_valid_crcs_but_bad_data_is_corrupt(data):
    # Issue 9: these passed the CRC check and were accepted, then failed in the worker.
    refused = rejection(data)
    assert (refused.status, refused.reason) == (422, "corrupt_image")


@pytest.mark.parametrize("image_format", ["GIF", "WEBP", "AVIF"])
def test_other_formats_truncated_are_corrupt(image_format):
    if image_format == "AVIF" and not AVIF_SUPPORTED:
        pytest.skip("this Pillow has no AVIF support")
    refused = rejection(truncated(photo((300, 200), image_format)))
    assert (refused.status, refused.reason) == (422, "corrupt_image")


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
def test_valid_pngs_of_every_layout_pass_the_data_check(mode):
    image = Image.linear_gradient("L").resize((37, 23)).convert(mode)
    assert check(encoded(image, "PNG")).format == "PNG"


@pytest.mark.parametrize("size", [(37, 23), (1, 1), (3, 9)])
def test_interlaced_png_data_is_checked_pass_by_pass(size):
    data, expected = adam7_png(*size)
    # Pillow's own decoder agrees the sample is a valid interlaced PNG of that image...
    assert Image.open(io.BytesIO(data)).tobytes() == expected.tobytes()
    assert check(data).width == size[0]
    # ...and one row short (its last pass cut) is refused.
    short = png_from_rows(*size, b"", idat=zlib.compress(zlib.decompress(_idat(data))[:-2]))
    assert rejection(_interlaced(short)).reason == "corrupt_image"


def _idat(png: bytes) -> bytes:
    start = png.index(b"IDAT") + 4
    return png[start : start + struct.unpack(">I", png[start - 8 : start - 4])[0]]


def _interlaced(png: bytes) -> bytes:
    header = bytearray(png[16:29])
    header[12] = 1
    crc = zlib.crc32(b"IHDR" + bytes(header)).to_bytes(4, "big")
    return png[:16] + bytes(header) + crc + png[33:]


def test_more_pixels_than_the_limit_is_refused_before_decoding():
    refused = rejection(png_claiming(8000, 7000))  # 56 megapixels announced
    assert (refused.status, refused.reason) == (422, "too_many_pixels")
    assert "56000000" in refused.message


def test_decompression_bomb_is_refused():
    # Far beyond Pillow's own bomb limit too: Pillow itself raises on open.
    refused = rejection(png_claiming(60000, 60000), max_pixels=10**12)
    assert (refused.status, refused.reason) == (422, "too_many_pixels")


def test_pixel_limit_is_configurable():
    data = photo((100, 100))
    assert check(data, max_pixels=10_000).width == 100
    assert rejection(data, max_pixels=9_999).reason == "too_many_pixels"


def test_validation_leaves_pillow_global_limit_alone():
    before = Image.MAX_IMAGE_PIXELS
    check(photo((10, 10)))
    assert before == Image.MAX_IMAGE_PIXELS


def test_a_limit_above_pillows_default_is_honoured():
    # 95 megapixels: over Pillow's default (89.5 M), under the configured limit.
    width, height = 10_000, 9_500
    assert width * height > Image.MAX_IMAGE_PIXELS
    data = png_from_rows(width, height, bytes(height * (width + 1)))
    assert check(data, max_pixels=100_000_000).width == width
    assert rejection(data, max_pixels=90_000_000).reason == "too_many_pixels"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize(("orientation", "upright"), [(1, (30, 20)), (3, (30, 20)), (6, (20, 30))])
def test_upright_size_follows_the_exif_orientation(image_format, orientation, upright):
    exif = Image.Exif()
    exif[0x0112] = orientation
    info = check(encoded(Image.new("RGB", (30, 20)), image_format, exif=exif))
    assert (info.width, info.height, info.upright) == (30, 20, upright)
