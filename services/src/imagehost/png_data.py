"""Check a PNG's compressed pixel data without holding the pixels: stream the IDAT chunks
through zlib in small pieces, and check the decompressed size and every row's filter byte.

Pillow's `verify()` only checks chunk CRCs, which a client computes over any garbage;
decoding the image would hold every pixel (up to 8 bytes each at 16-bit RGBA). This
costs one inflate of the data (zlib verifies its Adler-32 at the end) and 64 KiB.
"""

import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

PIECE = 64 * 1024
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by PNG colour type
# Adam7 passes: (first column, first row, column step, row step).
ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
MAX_FILTER = 4


class BadPngData(ValueError):
    pass


def row_lengths(width: int, height: int, bits_per_pixel: int, interlaced: bool) -> Iterator[int]:
    """The length of every filtered row (filter byte + pixel bytes), in stream order."""
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    for x0, y0, dx, dy in passes:
        columns = (width - x0 + dx - 1) // dx
        rows = (height - y0 + dy - 1) // dy
        if columns > 0:
            for _ in range(rows):
                yield 1 + (columns * bits_per_pixel + 7) // 8


def check_png_data(stream: BinaryIO) -> None:
    """Raises BadPngData unless the image data inflates to exactly the rows the header
    announces, each with a valid filter type."""
    stream.seek(8)
    rows: Iterator[int] | None = None
    inflater = zlib.decompressobj()
    left_in_row = 0  # bytes of the current row still to come; 0: a filter byte is next
    while True:
        head = stream.read(8)
        if len(head) < 8:
            raise BadPngData("no IEND chunk")
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", stream.read(13))
            width, height, depth, colour, _, _, interlace = header
            if colour not in CHANNELS:
                raise BadPngData(f"colour type {colour}")
            rows = row_lengths(width, height, CHANNELS[colour] * depth, interlace == 1)
            stream.seek(length - 13 + 4, 1)
        elif kind == b"IDAT":
            if rows is None:
                raise BadPngData("IDAT before IHDR")
            remaining = length
            while remaining:
                piece = stream.read(min(PIECE, remaining))
                if not piece:
                    raise BadPngData("truncated IDAT")
                remaining -= len(piece)
                left_in_row = _inflate(inflater, piece, rows, left_in_row)
            stream.seek(4, 1)
        elif kind == b"IEND":
            break
        else:
            stream.seek(length + 4, 1)
    if rows is None or not inflater.eof:
        raise BadPngData("the compressed image data ends early")
    if left_in_row or next(rows, None) is not None:  # (a spent iterator stays spent)
        raise BadPngData("less image data than the header announces")


def _inflate(inflater, data: bytes, rows: Iterator[int], left_in_row: int) -> int:
    try:
        # Like libpng, extra data after the rows (or after the stream) is ignored.
        while data and not inflater.eof:
            out = inflater.decompress(data, PIECE)
            data = inflater.unconsumed_tail
            position = 0
            while position < len(out):
                if left_in_row == 0:
                    length = next(rows, None)
                    if length is None:  # every row is there; like libpng, ignore the rest
                        break
                    if out[position] > MAX_FILTER:
                        raise BadPngData(f"row filter type {out[position]}")
                    left_in_row = length
                step = min(left_in_row, len(out) - position)
                position += step
                left_in_row -= step
    except zlib.error as error:
        raise BadPngData(f"compressed data: {error}") from None
    return left_in_row
