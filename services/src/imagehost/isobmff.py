"""Just enough of ISOBMFF (ISO/IEC 14496-12, HEIF 23008-12) to find an AVIF's items:
the boxes, what each item is (`iinf`) and where its bytes are (`iloc`).

Malformed input raises ValueError, struct.error or IndexError; nothing is decoded.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    item_id: int
    item_type: bytes  # b"av01", b"Exif", b"mime", ...
    content_type: bytes  # for b"mime" items, e.g. b"application/rdf+xml"
    extents: tuple[tuple[int, int], ...]  # (file offset, length) of each piece of its data


def boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each box between `start` and `end`."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:  # the last box, to the end
            size = end - position
        if size < header or position + size > end:
            raise ValueError(f"box {kind!r} at {position} longer than its container")
        yield kind, position + header, position + size
        position += size
    if position != end:
        raise ValueError(f"{end - position} stray bytes after the last box")


def items(data: bytes, meta_start: int, meta_end: int) -> list[Item]:
    """The items of the `meta` box whose payload is data[meta_start:meta_end]."""
    children = {kind: (start, end) for kind, start, end in boxes(data, meta_start + 4, meta_end)}
    if b"iinf" not in children:
        return []
    kinds = _item_kinds(data, *children[b"iinf"])
    idat_start, idat_end = children.get(b"idat", (0, 0))
    locations = _locations(data, *children[b"iloc"]) if b"iloc" in children else {}
    found = []
    for item_id, (method, pieces) in locations.items():
        if method == 0:
            base, limit = 0, len(data)
        elif method == 1:
            base, limit = idat_start, idat_end
        else:  # 2: built from other items' data; AVIF writers never do this
            raise ValueError(f"item {item_id} uses construction method {method}")
        extents = []
        for offset, length in pieces:
            start = base + offset
            end = limit if length == 0 else start + length  # 0: up to the end
            if not base <= start <= end <= limit:
                raise ValueError(f"item {item_id} lies outside the file")
            extents.append((start, end - start))
        item_type, content_type = kinds.get(item_id, (b"", b""))
        found.append(Item(item_id, item_type, content_type, tuple(extents)))
    return found


def _item_kinds(data: bytes, start: int, end: int) -> dict[int, tuple[bytes, bytes]]:
    version = data[start]
    position = start + (6 if version == 0 else 8)  # version/flags, entry count
    kinds = {}
    for kind, infe_start, infe_end in boxes(data, position, end):
        if kind != b"infe" or data[infe_start] < 2:  # versions 0 and 1 carry no type
            continue
        body = data[infe_start:infe_end]
        id_size = 2 if body[0] == 2 else 4
        item_id = int.from_bytes(body[4 : 4 + id_size], "big")
        type_at = 4 + id_size + 2  # after the protection index
        item_type = body[type_at : type_at + 4]
        name_end = body.index(b"\0", type_at + 4)
        content_type = b""
        if item_type == b"mime":
            content_type = body[name_end + 1 : body.index(b"\0", name_end + 1)]
        kinds[item_id] = (item_type, content_type)
    return kinds


def _locations(data: bytes, start: int, end: int) -> dict[int, tuple[int, list]]:
    body = data[start:end]
    version = body[0]
    offset_size, length_size = body[4] >> 4, body[4] & 15
    base_size, index_size = body[5] >> 4, (body[5] & 15 if version in (1, 2) else 0)
    reader = _Reader(body, 6)
    count = reader.number(2 if version < 2 else 4)
    locations = {}
    for _ in range(count):
        item_id = reader.number(2 if version < 2 else 4)
        method = reader.number(2) & 15 if version in (1, 2) else 0
        reader.number(2)  # data reference index: 0, this file
        base = reader.number(base_size)
        pieces = []
        for _ in range(reader.number(2)):
            reader.number(index_size)
            offset = reader.number(offset_size)
            pieces.append((base + offset, reader.number(length_size)))
        locations[item_id] = (method, pieces)
    return locations


class _Reader:
    def __init__(self, body: bytes, position: int):
        self.body, self.position = body, position

    def number(self, size: int) -> int:
        if self.position + size > len(self.body):
            raise ValueError("iloc shorter than its entries")
        value = int.from_bytes(self.body[self.position : self.position + size], "big")
        self.position += size
        return value
