"""The preview card a shared link unfurls into: 1200x630, the input, a few maps, the guess."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from .heatmap import heatmap_image

WIDTH, HEIGHT = 1200, 630
MAX_MAPS = 4


def _square(values: npt.NDArray[np.float32], lo: float, hi: float, side: int) -> Image.Image:
    image = heatmap_image(values, lo, hi)
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.NEAREST)


def card_png(
    title: str,
    picture: tuple[npt.NDArray[np.float32], float, float],
    maps: list[tuple[npt.NDArray[np.float32], float, float]],
    caption: str,
    prediction: str | None,
    verdict: str = "guess",
    named: str = "the input",
) -> bytes:
    """``picture`` and each of ``maps`` are (values, lo, hi); ``caption`` names the maps' stage;
    ``prediction`` is shown large under the word ``verdict``; ``named`` is under the picture."""
    card = Image.new("RGB", (WIDTH, HEIGHT), (251, 250, 247))
    draw = ImageDraw.Draw(card)
    big, small = ImageFont.load_default(46), ImageFont.load_default(26)
    draw.text((48, 28), (title or "A ConvLens demo")[:60], fill=(29, 31, 36), font=big)
    card.paste(_square(*picture, side=440), (48, 120))
    draw.text((48, 572), named, fill=(86, 92, 102), font=small)
    for i, (values, lo, hi) in enumerate(maps[:MAX_MAPS]):
        x, y = 560 + (i % 2) * 230, 120 + (i // 2) * 230
        card.paste(_square(values, lo, hi, side=210), (x, y))
    if maps:
        draw.text((560, 572), caption, fill=(86, 92, 102), font=small)
    if prediction:
        draw.text((1030, 130), verdict, fill=(86, 92, 102), font=small)
        size = 110 if len(prediction) <= 2 else 56
        draw.text((1030, 165), prediction, fill=(11, 98, 168), font=ImageFont.load_default(size))
    draw.text((1000, 586), "ConvLens", fill=(11, 98, 168), font=small)
    buffer = io.BytesIO()
    card.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
