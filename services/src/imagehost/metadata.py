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
- GIF: XMP and IPTC application extensions are dropped (GIF has no EXIF); frames,
  palettes, loop count, colour profile and comments stay.
- AVIF: the `Exif` and XMP (`mime`, application/rdf+xml) items are overwritten in place,
  the cleaned EXIF padded with zeros and the XMP replaced by an empty packet padded with
  spaces, so no box size and no item offset changes and the AV1 data is not moved. An
  item whose bytes overlap another item's is refused. Not searched: metadata inside an
  image sequence's tracks (`moov`), which no AVIF writer we know of puts there.
"""

import struct
import zlib

from PIL import Image

from imagehost import errors, isobmff

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
# In IFD0 (DNG-style) or in the Exif IFD: maker notes, owner, serials, unique image id.
PRIVATE_TAGS = (0x927C, 0xA430, 0xA431, 0xA435, 0xA420, 0xC62F)
EXIF_HEADER = b"Exif\0\0"
XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\0", b"http://ns.adobe.com/xmp/extension/\0")
PNG_DROPPED_KEYWORDS = (b"XML:com.adobe.xmp", b"Raw profile type")
# Application extension identifiers: XMP, and ImageMagick's 8BIM and IPTC blocks.
GIF_DROPPED_APPLICATIONS = (b"XMP DataXMP", b"MGK8BIM0000", b"MGKIPTC0000")
XMP_CONTENT_TYPE = b"application/rdf+xml"
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
EMPTY_XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>'
)


class UnreadableStructure(ValueError):
    pass


def strip_private_metadata(data: bytes, image_format: str) -> bytes:
    """`data` without private metadata; the same object when there was none to remove."""
    strippers = {"JPEG": _jpeg, "PNG": _png, "WEBP": _webp, "GIF": _gif, "AVIF": _avif}
    if image_format not in strippers:
        return data
    try:
        stripped = strippers[image_format](data)
    except (ValueError, IndexError, struct.error) as error:
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


def _gif(data: bytes) -> bytes:
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # global palette
    out = [data[:position]]
    while position < len(data):  # a GIF without its trailer ends at a block boundary
        start, introducer = position, data[position]
        if introducer == 0x3B:  # trailer: nothing after it is kept
            out.append(b"\x3b")
            break
        if introducer == 0x2C:  # image: descriptor, local palette, LZW code size, data
            flags = data[position + 9]
            position += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            position = _gif_sub_blocks_end(data, position)
            out.append(data[start:position])
        elif introducer == 0x21:  # extension: label, then sub-blocks
            position = _gif_sub_blocks_end(data, position + 2)
            application = data[start + 2] == 11 and data[start + 1] == 0xFF
            if not (application and data[start + 3 : start + 14] in GIF_DROPPED_APPLICATIONS):
                out.append(data[start:position])
        else:  # a stray byte (some encoders pad): skipped, as decoders do, and not kept
            position += 1
    return b"".join(out)


def _gif_sub_blocks_end(data: bytes, position: int) -> int:
    """Past the terminator of the sub-blocks starting at `position`. XMP's raw packet
    reads as sub-blocks too: its "magic trailer" leads any walk to the terminator."""
    while True:
        size = data[position]
        position += 1 + size
        if size == 0:
            return position
        if position >= len(data):
            raise UnreadableStructure("sub-blocks run past the end of the file")


def _avif(data: bytes) -> bytes:
    out = bytearray(data)
    for kind, start, end in isobmff.boxes(data, 0, len(data)):
        if kind == b"uuid" and data[start : start + 16] == XMP_UUID:  # Adobe's XMP box
            out[start + 16 : end] = _blank_xmp(end - start - 16)
        elif kind == b"meta":
            _clean_avif_items(data, out, isobmff.items(data, start, end))
    return bytes(out)


def _clean_avif_items(data: bytes, out: bytearray, items: list[isobmff.Item]) -> None:
    """Overwrites, in `out`, the EXIF and XMP items' bytes with cleaned ones as long."""
    private = [
        item
        for item in items
        if item.item_type == b"Exif"
        or (item.item_type == b"mime" and item.content_type.startswith(XMP_CONTENT_TYPE))
    ]
    others = [extent for item in items if item not in private for extent in item.extents]
    for item in private:
        for start, length in item.extents:
            if any(start < o + o_length and o < start + length for o, o_length in others):
                raise UnreadableStructure(f"item {item.item_id} shares bytes with another")
        payload = b"".join(data[start : start + length] for start, length in item.extents)
        if item.item_type == b"Exif":
            cleaned = _clean_avif_exif(payload)
        else:
            cleaned = _blank_xmp(len(payload))
        for start, length in item.extents:
            out[start : start + length] = cleaned[:length]
            cleaned = cleaned[length:]


def _clean_avif_exif(payload: bytes) -> bytes:
    """An `Exif` item: a 4-byte offset to the TIFF header, then the EXIF."""
    (skip,) = struct.unpack(">I", payload[:4])
    header, tiff = payload[: 4 + skip], payload[4 + skip :]
    cleaned = clean_exif(tiff)
    if len(cleaned) > len(tiff):  # rewritten bigger than its place (never seen)
        cleaned = orientation_only(tiff)
    if len(cleaned) > len(tiff):
        cleaned = b""
    return header + cleaned + b"\0" * (len(tiff) - len(cleaned))


def _blank_xmp(length: int) -> bytes:
    """An empty XMP packet exactly `length` bytes long (spaces pad packets by design)."""
    return (EMPTY_XMP if len(EMPTY_XMP) <= length else b"").ljust(length, b" ")
