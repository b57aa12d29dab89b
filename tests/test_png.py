"""A PNG's pixel stream inflated by zlib-ng (app/imaging/png.py): the same pixels as Pillow's own
decoding, and every PNG the fast way cannot take handed to Pillow as it came."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from app.imaging import ImageError, png
from app.imaging.decode import decode_picture


def encoded(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def drawing(mode: str, size: tuple[int, int] = (280, 200), seed: int = 0) -> Image.Image:
    """A pad-like picture: flat paper, a few strokes of noise (long runs and short ones)."""
    rng = np.random.default_rng(seed)
    grey = np.full(size[::-1], 255, np.uint8)
    for _ in range(6):
        top, left = rng.integers(0, size[1] - 20), rng.integers(0, size[0] - 60)
        grey[top : top + 20, left : left + 60] = rng.integers(0, 256, (20, 60))
    picture = Image.fromarray(grey, "L")
    if mode == "I;16":
        return Image.fromarray(grey.astype(np.uint16) * 257)  # 16 bits a sample
    return picture.convert(mode)


def same_picture(a: bytes, b: bytes) -> None:
    first, second = Image.open(io.BytesIO(a)), Image.open(io.BytesIO(b))
    assert (first.mode, first.size, first.info.get("transparency")) == (
        second.mode, second.size, second.info.get("transparency"),
    )  # fmt: skip
    assert np.array_equal(np.asarray(first), np.asarray(second))


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P", "1", "I;16"])
def test_the_inflated_stream_decodes_to_the_same_pixels(mode):
    data = encoded(drawing(mode))
    quick = png.inflated(data)
    assert quick != data  # the fast way was taken
    same_picture(data, quick)


def test_a_palette_with_transparency_and_a_text_chunk_keep_them():
    image = drawing("P")
    text = PngInfo()
    text.add_text("Comment", "drawn on the pad")
    data = encoded(image, transparency=255, pnginfo=text)
    quick = png.inflated(data)
    assert quick != data
    same_picture(data, quick)
    assert Image.open(io.BytesIO(quick)).text == {"Comment": "drawn on the pad"}


def test_bytes_after_the_end_are_left_as_they_are():
    data = encoded(drawing("RGB")) + b"whatever a sender added"
    quick = png.inflated(data)
    assert quick != data and quick.endswith(b"IEND\xaeB`\x82whatever a sender added")
    same_picture(data, quick)


def test_a_stream_in_many_idat_chunks_becomes_one():
    noise = np.random.default_rng(1).integers(0, 256, (300, 400, 3), np.uint8)
    data = encoded(Image.fromarray(noise, "RGB"))
    assert data.count(b"IDAT") > 1
    quick = png.inflated(data)
    assert quick.count(b"IDAT") == 1
    same_picture(data, quick)


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_a_decoded_picture_is_the_same_as_without_the_fast_way(mode, monkeypatch):
    data = encoded(drawing(mode, seed=3))
    fast = decode_picture(data, 10**8, 27, grey=True)
    monkeypatch.setattr("app.imaging.decode.inflated", lambda data: data)
    slow = decode_picture(data, 10**8, 27, grey=True)
    assert fast.extent == slow.extent
    assert np.array_equal(fast.pixels, slow.pixels)


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def with_idat(data: bytes, stream: bytes) -> bytes:
    """``data`` with its pixel stream replaced by ``stream`` (CRCs made right)."""
    parts = [data[:8]]
    for kind, body in chunks(data):
        if kind == b"IDAT":
            if stream is None:
                continue
            body, stream = stream, None  # type: ignore[assignment]
        crc = zlib.crc32(body, zlib.crc32(kind))
        parts.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc))
    return b"".join(parts)


def test_pngs_the_fast_way_does_not_take_are_handed_on_as_they_came(monkeypatch):
    data = encoded(drawing("RGB"))
    stream = b"".join(body for kind, body in chunks(data) if kind == b"IDAT")
    frames = [drawing("RGB", seed=s) for s in range(2)]
    animated = io.BytesIO()
    frames[0].save(animated, "PNG", save_all=True, append_images=frames[1:])
    cases = {
        "short": with_idat(data, zlib.compress(zlib.decompress(stream)[:-500])),
        "broken": with_idat(data, stream[:10] + bytes(40) + stream[50:]),
        "animated": animated.getvalue(),
        "cut off": data[: len(data) // 2],
        "not a png": b"GIF89a" + data[6:],
        "no pixels": with_idat(data, None),  # type: ignore[arg-type]
    }
    for name, case in cases.items():
        assert png.inflated(case) is case, name
    monkeypatch.setattr(png, "MAX_INFLATED", 1000)
    assert png.inflated(data) is data


def test_a_broken_stream_is_still_refused_as_before():
    data = encoded(drawing("RGB"))
    stream = b"".join(body for kind, body in chunks(data) if kind == b"IDAT")
    short = with_idat(data, zlib.compress(zlib.decompress(stream)[:-500]))
    with pytest.raises(ImageError, match="truncated or corrupt"):
        decode_picture(short, 10**8)


@pytest.mark.parametrize("length", [1, 65535, 65536, 200_001])
def test_stored_blocks_are_a_zlib_stream_of_the_same_bytes(length):
    raw = np.random.default_rng(length).integers(0, 256, length, np.uint8).tobytes()
    assert zlib.decompress(b"".join(png._stored(raw))) == raw
