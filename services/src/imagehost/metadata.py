"""Private metadata out of a stored original, without touching its pixels.

A public host must not publish where a photo was taken nor which camera took it: the
EXIF GPS directory, camera and lens serial numbers, the owner's name, the unique
image id and maker notes (vendor blobs that hold serials and more) are removed, as are
XMP packets and IPTC blocks (which repeat them). Everything else stays byte for byte:
the compressed image data, colour profiles, and the EXIF orientation, so the original
still displays upright.

- JPEG: marker segments are rewritten up to the end of the primary image (EOI); data
  after it (MPO's extra pictures, phone "motion photo" videos, each with its own EXIF)
  is dropped, with the MPF segment that points at it.
- PNG: the eXIf chunk is rewritten; XMP and "Raw profile" text chunks are dropped.
- WebP: the EXIF chunk is rewritten, the XMP chunk dropped, VP8X flags and the RIFF
  size follow.
- GIF and AVIF are stored as uploaded (GIF has no EXIF; AVIF metadata is not handled yet).
"""

import struct
import zlib

from PIL import Image

from imagehost import errors

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
# In IFD0 (DNG-style) or in the Exif IFD: maker notes, owner, serials, unique image id.
PRIVATE_TAGS = (0x927C, 0xA430, 0xA431, 0xA435, 0xA420, 0xC62F)
EXIF_HEADER = b"Exif\0\0"
XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\0", b"http://ns.adobe.com/xmp/extension/\0")
PNG_DROPPED_KEYWORDS = (b"XML:com.adobe.xmp", b"Raw profile type")


class UnreadableStructure(ValueError):
    pass


def strip_private_metadata(data: bytes, image_format: str) -> bytes:
    """`data` without private metadata; the same object when there was none to remove."""
    strippers = {"JPEG": _jpeg, "PNG": _png, "WEBP": _webp}
    if image_format not in strippers:
        return data
    try:
        stripped = strippers[image_format](data)
    except (UnreadableStructure, IndexError, struct.error) as error:
        # Refused rather than published with metadata that could not be checked.
        raise errors.corrupt_image(f"cannot read its metadata: {error}") from None
    return data if stripped == data else stripped


def clean_exif(exif_bytes: bytes) -> bytes:
    """EXIF (with or without the `Exif\\0\\0` header) minus the private tags, same header
    style; only the orientation when Pillow cannot rewrite it."""
    try:
        exif = Image.Exif()
        exif.load(exif_bytes)
        sub_ifd = exif.get_ifd(EXIF_IFD)
        private = [tag for tag in (GPS_IFD, *PRIVATE_TAGS) if tag in exif]
        private_sub = [tag for tag in PRIVATE_TAGS if tag in sub_ifd]
        if not private and not private_sub:
            return exif_bytes
        for tag in private:
            del exif[tag]
        for tag in private_sub:
            del sub_ifd[tag]
        cleaned = exif.tobytes()
    except Exception:  # any unreadable EXIF: keep only what displays the image upright
        return orientation_only(exif_bytes)
    if not exif_bytes.startswith(EXIF_HEADER):
        cleaned = cleaned.removeprefix(EXIF_HEADER)
    return cleaned


def orientation_only(exif_bytes: bytes) -> bytes:
    """EXIF holding nothing but the orientation of `exif_bytes` (if it has one)."""
    orientation = _orientation(exif_bytes)
    minimal = Image.Exif()
    if orientation:
        minimal[ORIENTATION] = orientation
    cleaned = minimal.tobytes()
    if not exif_bytes.startswith(EXIF_HEADER):
        cleaned = cleaned.removeprefix(EXIF_HEADER)
    return cleaned


def _orientation(exif_bytes: bytes) -> int | None:
    try:
        exif = Image.Exif()
        exif.load(exif_bytes)
        value = exif.get(ORIENTATION)
    except Exception:
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _jpeg(data: bytes) -> bytes:
    out = [data[:2]]
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise UnreadableStructure(f"no marker at byte {position}")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of the primary image: nothing after it is kept
            out.append(data[position : position + 2])
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(data[position : position + 2])
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise UnreadableStructure("segment longer than the file")
        out.append(_jpeg_segment(marker, data[position:end]))
        position = end
        if marker == 0xDA:  # compressed data follows, up to the next real marker
            scan_end = _scan_end(data, position)
            out.append(data[position:scan_end])
            position = scan_end
    raise UnreadableStructure("no end of image")


def _jpeg_segment(marker: int, segment: bytes) -> bytes:
    payload = segment[4:]
    if marker == 0xE1 and payload.startswith(EXIF_HEADER):
        exif = clean_exif(payload)
        if len(exif) + 2 > 0xFFFF:  # rewritten bigger than a segment holds (never seen)
            exif = orientation_only(payload)
        return b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    if marker == 0xE1 and payload.startswith(XMP_HEADERS):
        return b""
    if marker == 0xED:  # APP13: Photoshop resources, IPTC (location, names)
        return b""
    if marker == 0xE2 and payload.startswith(b"MPF\0"):  # points at dropped pictures
        return b""
    return segment


def _scan_end(data: bytes, position: int) -> int:
    """Where a scan's entropy-coded data ends: the first 0xFF not followed by a stuffed
    zero, a restart marker or another fill byte."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            raise UnreadableStructure("scan without an end")
        following = data[position + 1]
        if following == 0 or 0xD0 <= following <= 0xD7:
            position += 2
        elif following == 0xFF:
            position += 1
        else:
            return position


def _png(data: bytes) -> bytes:
    out = [data[:8]]
    position = 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise UnreadableStructure("chunk longer than the file")
        body = data[position + 8 : end - 4]
        if kind == b"eXIf":
            body = clean_exif(body)
            crc = zlib.crc32(kind + body)
            out.append(struct.pack(">I4s", len(body), kind) + body + struct.pack(">I", crc))
        elif kind in (b"tEXt", b"zTXt", b"iTXt") and body.startswith(PNG_DROPPED_KEYWORDS):
            pass
        else:
            out.append(data[position:end])
        position = end
        if kind == b"IEND":
            break
    return b"".join(out)


def _webp(data: bytes) -> bytes:
    chunks = []
    position = 12
    while position + 8 <= len(data):
        kind, size = struct.unpack("<4sI", data[position : position + 8])
        body = data[position + 8 : position + 8 + size]
        if len(body) < size:
            raise UnreadableStructure("chunk longer than the file")
        position += 8 + size + (size & 1)
        if kind == b"EXIF":
            body = clean_exif(body)
        elif kind == b"XMP ":
            continue
        chunks.append([kind, body])
    for chunk in chunks:
        if chunk[0] == b"VP8X":
            flags = chunk[1][0] & ~0x04  # no XMP any more
            chunk[1] = bytes([flags]) + chunk[1][1:]
    body = b"".join(
        struct.pack("<4sI", kind, len(payload)) + payload + b"\0" * (len(payload) & 1)
        for kind, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
