import io

import pytest
from imagehost.errors import Rejection
from imagehost.validate import AVIF_SUPPORTED, sniff_format, validate_image
from PIL import Image
from samples import (
    animated_gif,
    jpeg_magic_then_garbage,
    photo,
    png_claiming,
    png_with_bad_crc,
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
