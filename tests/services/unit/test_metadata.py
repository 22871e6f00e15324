"""Originals lose where and with what they were taken, and nothing of their pixels."""

import io
import struct

import pytest
from imagehost import isobmff
from imagehost.errors import Rejection
from imagehost.metadata import clean_exif, strip_private_metadata
from PIL import Image
from samples import (
    SERIALS,
    XMP_WITH_LOCATION,
    encoded,
    gif_application,
    gif_with_extensions,
    gif_xmp,
    jpeg_with_private_metadata,
    photo,
    private_exif,
)

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
    for image_format in ("JPEG", "PNG", "WEBP", "GIF", "AVIF"):
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


def test_gif_xmp_and_iptc_extensions():
    frames = [Image.linear_gradient("L").resize((60, 40)).rotate(angle) for angle in (0, 90)]
    options = {"save_all": True, "append_images": frames[1:], "loop": 0}
    animated = encoded(frames[0], "GIF", comment=b"a harmless comment", **options)
    original = gif_with_extensions(
        animated, gif_xmp(XMP_WITH_LOCATION), gif_application(b"MGK8BIM0000", b"Paris")
    )
    assert Image.open(io.BytesIO(original)).n_frames == 2  # the extensions are well formed
    stripped = strip_private_metadata(original, "GIF")
    for secret in (b"BODY-SN-4711", b"GPSLatitude", b"Paris", b"XMP DataXMP"):
        assert secret in original
        assert secret not in stripped
    assert stripped == animated  # exactly what was inserted is gone, nothing else
    assert _gif_frames(stripped) == _gif_frames(original)
    assert Image.open(io.BytesIO(stripped)).info["comment"] == b"a harmless comment"


def test_gif_stray_bytes_between_blocks_are_dropped_not_refused():
    gif = photo((30, 20), "GIF")
    original = gif_with_extensions(gif, b"\0\0", gif_xmp(XMP_WITH_LOCATION), b"\0")
    assert Image.open(io.BytesIO(original)).tobytes() == Image.open(io.BytesIO(gif)).tobytes()
    assert strip_private_metadata(original, "GIF") == gif


def test_gif_cut_inside_a_block_is_refused():
    original = gif_with_extensions(photo((30, 20), "GIF"), gif_xmp(XMP_WITH_LOCATION))
    cut = original[: original.index(b"XMP DataXMP") + 40]
    with pytest.raises(Rejection) as refused:
        strip_private_metadata(cut, "GIF")
    assert refused.value.reason == "corrupt_image"


def test_avif_exif_and_xmp_items_overwritten_in_place():
    image = Image.merge("RGB", [Image.linear_gradient("L").resize((64, 48))] * 3)
    original = encoded(image, "AVIF", exif=private_exif(), xmp=XMP_WITH_LOCATION, quality=90)
    assert b"GPSLatitude" in original
    stripped = strip_private_metadata(original, "AVIF")
    decoded = assert_private_gone(stripped)
    assert b"GPSLatitude" not in stripped
    assert decoded.info["xmp"].strip().endswith(b'<?xpacket end="w"?>')
    assert decoded.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    # Same boxes at the same places: only the metadata items' bytes changed.
    assert len(stripped) == len(original)
    items = _avif_items(original)
    assert _avif_items(stripped) == items
    changed = [i for i, (a, b) in enumerate(zip(original, stripped, strict=True)) if a != b]
    metadata = [item for item in items if item.item_type in (b"Exif", b"mime")]
    assert len(metadata) == 2
    inside = {i for item in metadata for start, n in item.extents for i in range(start, start + n)}
    assert changed and set(changed) <= inside


def test_avif_written_by_libheif_too():
    """A second writer (libheif, through libvips) lays its items out its own way."""
    pyvips = pytest.importorskip("pyvips", reason="pyvips is installed by the [dev] extras")
    grey = pyvips.Image.xyz(64, 48)[0].cast("uchar")
    image = grey.bandjoin([grey, grey]).copy()
    image.set_type(pyvips.GValue.blob_type, "exif-data", private_exif().tobytes())
    image.set_type(pyvips.GValue.blob_type, "xmp-data", XMP_WITH_LOCATION)
    try:
        original = image.heifsave_buffer(compression="av1", Q=80)
    except pyvips.Error as error:
        pytest.skip(f"libvips cannot write AV1 here: {error}")
    assert b"GPSLatitude" in original and b"BODY-SN-4711" in original
    stripped = strip_private_metadata(original, "AVIF")
    for secret in (*SERIALS, b"GPSLatitude"):
        assert secret not in stripped
    decoded = Image.open(io.BytesIO(stripped))
    assert decoded.getexif()[0x0110] == "EOS R6"
    assert decoded.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_avif_metadata_sharing_bytes_with_the_picture_is_refused():
    image = Image.merge("RGB", [Image.linear_gradient("L").resize((32, 32))] * 3)
    data = bytearray(encoded(image, "AVIF", exif=private_exif()))
    picture, exif = (_avif_item(data, kind) for kind in (b"av01", b"Exif"))
    # Move the Exif item's extent (its iloc offset field) over the end of the AV1 data.
    (exif_start, exif_length), (start, length) = exif.extents[0], picture.extents[0]
    location = bytes(data).index(exif_start.to_bytes(4, "big"))
    data[location : location + 4] = (start + length - exif_length).to_bytes(4, "big")
    assert _avif_item(data, b"Exif").extents[0][0] == start + length - exif_length
    with pytest.raises(Rejection) as refused:
        strip_private_metadata(bytes(data), "AVIF")
    assert "shares bytes" in refused.value.message


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


def _gif_frames(data: bytes) -> list[bytes]:
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(image.convert("RGBA").tobytes())
    return frames


def _avif_items(data: bytes) -> list[isobmff.Item]:
    (meta,) = [(s, e) for kind, s, e in isobmff.boxes(data, 0, len(data)) if kind == b"meta"]
    return isobmff.items(data, *meta)


def _avif_item(data: bytes, item_type: bytes) -> isobmff.Item:
    (item,) = [item for item in _avif_items(bytes(data)) if item.item_type == item_type]
    return item
