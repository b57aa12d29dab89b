"""Make the example pictures in static/examples/ (run by hand: python tools/make_examples.py).

Everything is drawn here from code, so the pictures are ours: the slides' X and O upscaled from
their 9x9 grids, the X shifted and rotated, a hand-drawn-looking letter, and a small landscape
'photo' with hard and soft edges for the edge-detection presets.
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from app.engine.presets import SLIDES_O, SLIDES_X

OUT = Path(__file__).resolve().parent.parent / "static" / "examples"
CELL = 20


def grid_picture(grid: np.ndarray) -> Image.Image:
    pixels = np.where(grid[0] > 0, 0, 255).astype(np.uint8)
    h, w = pixels.shape
    return Image.fromarray(pixels).resize((w * CELL, h * CELL), Image.Resampling.NEAREST)


def rotated_x(angle: float) -> Image.Image:
    """A thick-stroked X drawn large, turned by ``angle`` degrees, on white paper."""
    size = 280
    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    m = 60
    draw.line([(m, m), (size - m, size - m)], fill=0, width=26)
    draw.line([(size - m, m), (m, size - m)], fill=0, width=26)
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def letter_a() -> Image.Image:
    """An 'A' drawn like a finger would: three slightly wobbly strokes with round ends."""
    size = 280
    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    rng = np.random.default_rng(7)

    def stroke(points: list[tuple[float, float]]) -> None:
        pts = []
        for (x0, y0), (x1, y1) in pairwise(points):
            for t in np.linspace(0, 1, 12):
                jitter = rng.normal(0, 1.2, 2)
                pts.append((x0 + (x1 - x0) * t + jitter[0], y0 + (y1 - y0) * t + jitter[1]))
        draw.line(pts, fill=0, width=18, joint="curve")
        for x, y in (pts[0], pts[-1]):
            draw.ellipse([x - 9, y - 9, x + 9, y + 9], fill=0)

    stroke([(70, 236), (138, 46), (212, 232)])
    stroke([(100, 160), (182, 156)])
    return img


def landscape() -> Image.Image:
    """A square 256x256 scene (square, so no paper bands are added): sky, sun, hills, a house, a
    tree and grass, with a little sensor noise."""
    w, h = 256, 256
    rng = np.random.default_rng(11)
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    sky = np.stack([120 + 80 * yy / h, 170 + 60 * yy / h, np.full_like(yy, 235)], axis=-1)
    img = Image.fromarray(sky.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    draw.ellipse([190, 18, 226, 54], fill=(255, 226, 120))
    far = [(x, 110 - 22 * math.sin(x / 37.0) - 10 * math.sin(x / 13.0)) for x in range(0, w + 8, 8)]
    draw.polygon([(0, h), *far, (w, h)], fill=(96, 128, 150))
    near = [(x, 140 - 12 * math.sin(x / 29.0 + 1.0)) for x in range(0, w + 8, 8)]
    draw.polygon([(0, h), *near, (w, h)], fill=(84, 150, 70))
    draw.rectangle([52, 104, 120, 156], fill=(228, 214, 190), outline=(90, 60, 40))
    draw.polygon([(44, 106), (86, 72), (128, 106)], fill=(170, 60, 50))
    draw.rectangle([64, 116, 82, 134], fill=(70, 110, 160))
    draw.rectangle([94, 124, 110, 156], fill=(110, 70, 40))
    draw.rectangle([180, 112, 188, 160], fill=(100, 70, 45))
    draw.ellipse([160, 70, 210, 124], fill=(40, 110, 50))
    img = img.filter(ImageFilter.GaussianBlur(0.7))
    arr = np.asarray(img, np.float32) + rng.normal(0, 4.0, (h, w, 3))
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    grid_picture(SLIDES_X).save(OUT / "x.png", optimize=True)
    grid_picture(SLIDES_O).save(OUT / "o.png", optimize=True)
    grid_picture(np.roll(SLIDES_X, 1, axis=2)).save(OUT / "x-shifted.png", optimize=True)
    rotated_x(25).save(OUT / "x-rotated.png", optimize=True)
    letter_a().save(OUT / "letter-a.png", optimize=True)
    landscape().save(OUT / "photo.jpg", quality=88, optimize=True)
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
