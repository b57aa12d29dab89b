"""A PNG's pixel stream inflated by zlib-ng before Pillow reads it.

Pillow inflates a PNG with the system's zlib, which copies the long repeats of a drawing (a pad
is mostly one colour) a byte or two at a time: 0.3 ms of the 0.5 ms Pillow takes over a 280x280
drawing, and a third of a new run's work. zlib-ng inflates the same stream in a twentieth of
that. Pillow is then handed the inflated stream again, in deflate's "stored" blocks (no
compression, so its inflate is a copy), and does the rest as before: unfiltering, palettes,
transparency. The pixels are the same bytes; only where the inflating happens moves.
"""

from __future__ import annotations

import struct
from typing import cast

from zlib_ng import zlib_ng

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_INFLATED = 6 * 2**20
"""Larger pixel streams (past about 1.5 megapixels of RGBA, 2 of RGB) are left to Pillow. The
re-wrapped file stays alive while the picture is decoded and converted, and a big picture is
where memory is tight: at 16 MB a 2000x2000 RGBA upload peaked 16 MB higher, at 199 MB of
bench/decode.py's 200 MB limit. Drawings and screenshots, where the gain is, fit well within."""
STORED_BLOCK = 0xFFFF
"""The most bytes one stored deflate block holds."""
INFLATE_ERROR = cast(type[Exception], zlib_ng.error)
"""(zlib-ng's type stub has its ``error`` as an instance, not the class it is.)"""
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel by PNG colour type: grey, RGB, palette, grey and alpha, RGBA."""


def inflated(data: bytes) -> bytes:
    """``data`` with its pixel stream (the IDAT chunks) inflated and stored again as one IDAT,
    when it is a still, non-interlaced PNG whose stream inflates cleanly to at most
    MAX_INFLATED bytes; otherwise ``data`` itself, for Pillow to read (and to judge) as it is."""
    found = _pixel_stream(data)
    if found is None:
        return data
    stream, first, end, size = found
    inflater = zlib_ng.decompressobj()
    try:
        pixels = inflater.decompress(stream, size)
    except INFLATE_ERROR:
        return data  # Pillow says what is wrong with it
    if len(pixels) != size:
        return data  # a short stream: Pillow reports it truncated
    body = _stored(pixels)
    length = sum(len(part) for part in body)
    crc = zlib_ng.crc32(b"IDAT")
    for part in body:
        crc = zlib_ng.crc32(part, crc)
    chunk = [struct.pack(">I", length), b"IDAT", *body, struct.pack(">I", crc)]
    return b"".join([data[:first], *chunk, data[end:]])  # the picture's bytes copied once


def _pixel_stream(data: bytes) -> tuple[bytes, int, int, int] | None:
    """(the joined IDAT data, where the first IDAT starts, where the last ends, the inflated
    size the header promises), or None when the fast way does not apply."""
    if not data.startswith(SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if interlace or colour not in CHANNELS or depth not in (1, 2, 4, 8, 16):
        return None
    size = height * (1 + (width * CHANNELS[colour] * depth + 7) // 8)
    if not 0 < size <= MAX_INFLATED:
        return None
    parts, first, end, pos = [], -1, -1, 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        following = pos + 12 + length
        if kind == b"IEND":
            break  # (what follows the end, if anything, is not read)
        if kind == b"acTL" or following > len(data):
            return None  # animated (its frames are read elsewhere), or cut short
        if kind == b"IDAT":
            if first >= 0 and pos != end:
                return None  # IDATs apart: not a valid PNG; Pillow decides
            first = pos if first < 0 else first
            parts.append(data[pos + 8 : pos + 8 + length])
            end = following
        pos = following
    return (b"".join(parts), first, end, size) if parts else None


def _stored(raw: bytes) -> list[bytes | memoryview]:
    """``raw`` as a zlib stream of stored (uncompressed) deflate blocks, in parts that are views
    of ``raw``, not copies (a screenshot's pixels are megabytes)."""
    view = memoryview(raw)
    parts: list[bytes | memoryview] = [b"\x78\x01"]
    for start in range(0, len(raw), STORED_BLOCK):
        block = view[start : start + STORED_BLOCK]
        final = start + STORED_BLOCK >= len(raw)
        parts += [struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF), block]
    parts.append(struct.pack(">I", zlib_ng.adler32(raw)))
    return parts
