"""Image files for the service tests, made on the fly (valid, hostile and broken)."""

import io
import itertools
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


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


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


def png_from_rows(width: int, height: int, raw: bytes, idat: bytes | None = None) -> bytes:
    """An 8-bit greyscale PNG with valid CRCs around `raw` rows (or any IDAT payload)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw) if idat is None else idat)
        + _png_chunk(b"IEND", b"")
    )


def png_with_garbage_data() -> bytes:
    """Issue 9: every CRC valid, a zlib header, then bytes that are no deflate stream."""
    return png_from_rows(64, 64, b"", idat=b"\x78\x9c" + bytes(range(256)) * 8)


def png_with_short_data() -> bytes:
    """A valid zlib stream holding half the rows the header announces."""
    return png_from_rows(64, 64, b"\0" * (65 * 32))


def png_with_bad_filter() -> bytes:
    """The right amount of data, but a row filter type that does not exist (7)."""
    return png_from_rows(64, 64, (b"\x07" + b"\0" * 64) * 64)


def adam7_png(width: int, height: int) -> tuple[bytes, Image.Image]:
    """An interlaced 8-bit greyscale PNG (Pillow writes none) and the image it holds."""
    image = Image.linear_gradient("L").resize((width, height))
    pixels = image.load()
    raw = b""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4)]
    passes += [(1, 0, 2, 2), (0, 1, 1, 2)]
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            row = bytes(pixels[x, y] for x in range(x0, width, dx))
            if row:
                raw += b"\0" + row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )
    return data, image


SERIALS = (b"BODY-SN-4711", b"LENS-SN-0815", b"MAKER-NOTE-SECRET", b"Jane Owner")
XMP_WITH_LOCATION = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
    b'exif:GPSLatitude="48,51.48N" aux:SerialNumber="BODY-SN-4711"/></rdf:RDF></x:xmpmeta>'
)


def private_exif(orientation: int = 6) -> Image.Exif:
    """EXIF as a phone or camera writes it: where (GPS), with what (serials, maker notes),
    who (owner), plus harmless fields and the orientation that must survive."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R6"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    sub = exif.get_ifd(0x8769)
    sub.update({0xA431: "BODY-SN-4711", 0xA435: "LENS-SN-0815", 0xA430: "Jane Owner"})
    sub.update({0x927C: b"MAKER-NOTE-SECRET", 0x829A: (1, 250)})
    return exif


def gif_application(identifier: bytes, payload: bytes) -> bytes:
    """A GIF application extension: 11-byte identifier, `payload` in sub-blocks."""
    blocks = b"".join(
        bytes([len(payload[i : i + 255])]) + payload[i : i + 255]
        for i in range(0, len(payload), 255)
    )
    return b"\x21\xff\x0b" + identifier + blocks + b"\0"


def gif_xmp(packet: bytes = XMP_WITH_LOCATION) -> bytes:
    """XMP as the XMP specification stores it in GIF: the raw packet, then a "magic
    trailer" (1, 255, 254, ..., 0) that makes any sub-block walk reach the terminator."""
    return b"\x21\xff\x0bXMP DataXMP" + packet + b"\x01" + bytes(range(255, -1, -1)) + b"\0"


def gif_with_extensions(gif: bytes, *extensions: bytes) -> bytes:
    """`gif` with `extensions` right after its global palette, where writers put them."""
    flags = gif[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    assert gif[position] in (0x21, 0x2C)  # the first block
    return gif[:position] + b"".join(extensions) + gif[position:]


def _app_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_private_metadata(size=(320, 200), progressive=False, trailer=True) -> bytes:
    """A JPEG with private EXIF, an XMP packet, an IPTC block and, like an MPO or a
    motion photo, a second picture after the end of the first."""
    gradient = Image.linear_gradient("L").resize(size)
    mirrored = gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = Image.merge("RGB", (gradient, mirrored, gradient))
    options = {"progressive": True, "restart_marker_rows": 1} if progressive else {}
    data = encoded(image, "JPEG", exif=private_exif(), **options)
    xmp = _app_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP_WITH_LOCATION)
    iptc = _app_segment(0xED, b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0bParis, FR\0")
    data = data[:2] + xmp + iptc + data[2:]
    if trailer:
        data += encoded(image.resize((32, 20)), "JPEG", exif=private_exif())
    return data


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def display_p3_profile() -> bytes:
    """A small ICC v2 matrix/TRC profile with Display P3's primaries (D50-adapted, as in
    Apple's profile) and a 2.2 gamma: a wide-gamut profile made here, no file needed."""
    xyz = {
        b"rXYZ": (0.5151, 0.2412, -0.0011),
        b"gXYZ": (0.2920, 0.6922, 0.0419),
        b"bXYZ": (0.1571, 0.0666, 0.7841),
    }
    tags = {sig: _xyz_tag(value) for sig, value in xyz.items()}
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags.update({b"rTRC": curve, b"gTRC": curve, b"bTRC": curve})
    return _icc_profile(b"mntr", b"RGB ", "Display P3 (test)", tags)


def swapped_inks_cmyk_profile() -> bytes:
    """A CMYK printer profile (ICC v2, a lut16 A2B0 over XYZ) whose inks look like no
    naive conversion: each corner of the CMYK cube is the naive RGB with red and blue
    swapped, so 100% cyan prints sRGB yellow (255, 255, 0), where Pillow's CMYK->RGB
    gives (0, 255, 255)."""
    grid = []
    for c, m, y, k in itertools.product((0, 1), repeat=4):  # first channel slowest
        red, green, blue = ((1 - ink) * (1 - k) for ink in (c, m, y))
        grid += [round(min(v * 32768, 0xFFFF)) for v in srgb_to_xyz_d50((blue, green, red))]
    identity = (1, 0, 0, 0, 1, 0, 0, 0, 1)
    lut = b"mft2\0\0\0\0" + bytes([4, 3, 2, 0]) + b"".join(map(_s15f16, identity))
    lut += struct.pack(">HH", 2, 2) + struct.pack(">HH", 0, 0xFFFF) * 4  # linear inputs
    lut += struct.pack(f">{len(grid)}H", *grid) + struct.pack(">HH", 0, 0xFFFF) * 3
    return _icc_profile(b"prtr", b"CMYK", "Swapped inks (test)", {b"A2B0": lut})


def srgb_to_xyz_d50(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """sRGB (0..1) to the ICC connection space: XYZ under D50 (Bradford-adapted matrix)."""
    linear = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    matrix = (
        (0.4360747, 0.3850649, 0.1430804),
        (0.2225045, 0.7168786, 0.0606169),
        (0.0139322, 0.0971045, 0.7141733),
    )
    return tuple(sum(a * b for a, b in zip(row, linear, strict=True)) for row in matrix)


def _xyz_tag(value: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(map(_s15f16, value))


def _icc_profile(device_class: bytes, colour_space: bytes, name: str, tags: dict) -> bytes:
    """An ICC v2 profile with a PCS of XYZ under D50, from its other tags."""
    tags = {**tags, b"wtpt": _xyz_tag((0.9642, 1.0, 0.8249))}
    description = name.encode() + b"\0"
    tags[b"desc"] = (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(description))
        + description
        + b"\0" * 8
        + b"\0\0\0"
        + b"\0" * 67
    )
    tags[b"cprt"] = b"text\0\0\0\0no copyright\0"
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, data = struct.pack(">I", len(tags)), b""
    for sig, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + table_size + len(data)
    header = struct.pack(
        ">I4sI4s4s4s", size, b"lcms", 0x02100000, device_class, colour_space, b"XYZ "
    )
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += _s15f16(0.9642) + _s15f16(1.0) + _s15f16(0.8249)
    header += b"\0" * (128 - len(header))
    return header + table + data
