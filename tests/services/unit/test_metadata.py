"""Originals lose where and with what they were taken, and nothing of their pixels."""

import io
import struct

import pytest
from imagehost.errors import Rejection
from imagehost.metadata import clean_exif, strip_private_metadata
from PIL import Image
from samples import SERIALS, encoded, jpeg_with_private_metadata, photo, private_exif

GPS_IFD, EXIF_IFD, ORIENTATION = 0x8825, 0x8769, 0x0112


def assert_private_gone(data: bytes) -> Image.Image:
    for secret in (*SERIALS, b"GPSLatitude", b"Paris"):
        assert secret not in data
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert exif.get_ifd(GPS_IFD) == {}
    assert exif[ORIENTATION] == 6  # still displays upright
    assert exif[0x0110] == "EOS R6"  # harmless fields stay
    assert exif.get_ifd(EXIF_IFD)[0x829A] == (1, 250)
    return image


def jpeg_scans(data: bytes) -> bytes:
    """The compressed image data: from the first SOS marker to the end of the image."""
    start = data.index(b"\xff\xda")
    return data[start : data.index(b"\xff\xd9", start) + 2]


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_jpeg_keeps_its_compressed_data_byte_for_byte(progressive):
    original = jpeg_with_private_metadata(progressive=progressive)
    stripped = strip_private_metadata(original, "JPEG")
    image = assert_private_gone(stripped)
    assert jpeg_scans(stripped) == jpeg_scans(original)  # not re-encoded
    assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    assert stripped.endswith(b"\xff\xd9")  # the second picture after EOI is gone
    assert stripped.count(b"\xff\xd8") == 1


def test_jpeg_keeps_its_colour_profile_and_adobe_segment():
    profile = b"\0" * 128 + b"fake profile"
    cmyk = Image.new("CMYK", (40, 30), (10, 20, 30, 40))
    original = encoded(cmyk, "JPEG", exif=private_exif(), icc_profile=profile)
    stripped = strip_private_metadata(original, "JPEG")
    assert Image.open(io.BytesIO(stripped)).info["icc_profile"] == profile
    assert b"\xff\xee" in stripped  # APP14: without it CMYK decodes inverted
    assert Image.open(io.BytesIO(stripped)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_nothing_private_means_the_same_bytes():
    for image_format in ("JPEG", "PNG", "WEBP", "GIF"):
        data = photo((30, 20), image_format)
        assert strip_private_metadata(data, image_format) is data


def test_png_exif_and_xmp_chunks():
    image = Image.linear_gradient("L").resize((60, 40))
    original = encoded(image, "PNG", exif=private_exif())
    xmp = _png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + b"aux:SerialNumber=BODY-SN-4711")
    iend = original.rindex(b"IEND") - 4
    original = original[:iend] + xmp + original[iend:]
    stripped = strip_private_metadata(original, "PNG")
    decoded = assert_private_gone(stripped)
    assert decoded.tobytes() == image.tobytes()
    assert _png_chunks(stripped, b"IDAT") == _png_chunks(original, b"IDAT")


def test_webp_exif_and_xmp_chunks():
    image = Image.linear_gradient("L").resize((60, 40)).convert("RGB")
    xmp = b"<x>BODY-SN-4711</x>"
    original = encoded(image, "WEBP", exif=private_exif(), xmp=xmp, lossless=True)
    stripped = strip_private_metadata(original, "WEBP")
    decoded = assert_private_gone(stripped)
    assert decoded.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    assert struct.unpack("<I", stripped[4:8])[0] == len(stripped) - 8
    assert stripped[20] & 0x04 == 0  # VP8X no longer announces XMP
    assert b"XMP " not in stripped


def test_unreadable_exif_keeps_only_the_orientation():
    exif = private_exif(orientation=3).tobytes()
    broken = exif[:-40]  # cut inside the sub-directories
    cleaned = clean_exif(broken)
    for secret in SERIALS:
        assert secret not in cleaned
    reread = Image.Exif()
    reread.load(cleaned)
    assert reread.get(ORIENTATION) == 3


def test_a_jpeg_whose_structure_cannot_be_walked_is_refused():
    data = jpeg_with_private_metadata(trailer=False)
    cut = data[: data.index(b"\xff\xda") + 40]  # a scan that never ends
    with pytest.raises(Rejection) as refused:
        strip_private_metadata(cut, "JPEG")
    assert refused.value.reason == "corrupt_image"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    import zlib

    return struct.pack(">I4s", len(body), kind) + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_chunks(data: bytes, kind: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        length, name = struct.unpack(">I4s", data[position : position + 8])
        if name == kind:
            chunks.append(data[position : position + 12 + length])
        position += 12 + length
    return chunks
