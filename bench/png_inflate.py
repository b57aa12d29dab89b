"""PNG uploads decoded with and without zlib-ng's inflate, by hand: python bench/png_inflate.py

app/imaging/png.py inflates a PNG's pixel stream with zlib-ng and hands Pillow the same stream
stored; without it Pillow inflates with the system zlib. For a drawing as the pad sends it (RGB
and RGBA, 280x280) and a 1600x1200 screenshot, the median time of ``decode_picture`` (grey, at
a letters input's size) both ways, interleaved round by round in one process that keeps freed
memory as the server does (``engine.memory``).
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import canvas_x

from app.engine.memory import keep_freed_memory
from app.imaging import decode

ROUNDS = 31


def encoded(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def screenshot() -> bytes:
    """Flat colours and lines of text, as a screen looks."""
    image = Image.new("RGB", (1600, 1200), (240, 240, 245))
    draw = ImageDraw.Draw(image)
    for line in range(60):
        draw.text((20, 20 * line), f"line {line} of a screenshot, in words", fill=(20, 20, 20))
    draw.rectangle([800, 100, 1500, 900], fill=(30, 120, 200))
    return encoded(image)


def seconds(data: bytes) -> float:
    start = time.perf_counter()
    decode.decode_picture(data, 40_000_000, 224, grey=True)
    return time.perf_counter() - start


def main() -> None:
    keep_freed_memory()
    pad = canvas_x()
    cases = {
        "pad drawing, RGB 280x280": pad,
        "pad drawing, RGBA 280x280": encoded(Image.open(io.BytesIO(pad)).convert("RGBA")),
        "screenshot, RGB 1600x1200": screenshot(),
    }
    with_ng = decode.inflated
    for name, data in cases.items():
        times: dict[str, list[float]] = {"zlib-ng": [], "Pillow alone": []}
        for _ in range(ROUNDS):
            decode.inflated = with_ng  # type: ignore[assignment]
            times["zlib-ng"].append(seconds(data))
            decode.inflated = lambda data: data  # type: ignore[assignment]
            times["Pillow alone"].append(seconds(data))
        decode.inflated = with_ng  # type: ignore[assignment]
        ours, theirs = (statistics.median(times[k]) * 1e3 for k in ("zlib-ng", "Pillow alone"))
        print(f"{name} ({len(data):,} bytes): {theirs:.2f} ms Pillow alone, {ours:.2f} ms with "
              f"zlib-ng: {ours / theirs:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
