"""Feature maps as PNG heatmaps: one pixel per value, enlarged by the browser.

Signed maps use a diverging blue-white-orange scale centred on 0; non-negative maps a sequential
dark-purple-to-yellow scale. Both stay readable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

Anchor = tuple[int, int, int]

DIVERGING: tuple[Anchor, ...] = (
    (33, 102, 172),  # strong negative: blue
    (146, 197, 222),
    (247, 247, 247),  # zero: near white
    (244, 165, 130),
    (179, 88, 6),  # strong positive: orange-brown
)
SEQUENTIAL: tuple[Anchor, ...] = (
    (68, 1, 84),  # zero: dark purple
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),  # largest: yellow
)


def _palette(anchors: tuple[Anchor, ...]) -> npt.NDArray[np.uint8]:
    """(256, 3) RGB entries interpolated between evenly spaced anchors."""
    stops = np.linspace(0, 255, len(anchors))
    channels = [np.interp(np.arange(256), stops, [a[i] for a in anchors]) for i in range(3)]
    return np.round(np.stack(channels, axis=1)).astype(np.uint8)


PALETTES = {"diverging": _palette(DIVERGING), "sequential": _palette(SEQUENTIAL)}


def scale_for(lo: float, hi: float) -> tuple[str, float, float]:
    """(palette, low end, high end) for values in [lo, hi]: signed maps are centred on 0."""
    if lo < 0:
        bound = max(abs(lo), abs(hi)) or 1.0
        return "diverging", -bound, bound
    return "sequential", 0.0, hi if hi > 0 else 1.0


def palette_index(values: npt.NDArray[np.float32], lo: float, hi: float) -> npt.NDArray[np.uint8]:
    """Each value's place on a 256-colour scale from lo to hi."""
    span = (hi - lo) or 1.0
    return np.clip(np.round((values - lo) / span * 255.0), 0, 255).astype(np.uint8)


def heatmap_image(values: npt.NDArray[np.float32], lo: float, hi: float) -> Image.Image:
    """(H, W) values as an RGB picture on the scale ``scale_for`` picks for [lo, hi]."""
    palette, low, high = scale_for(lo, hi)
    return Image.fromarray(PALETTES[palette][palette_index(values, low, high)], "RGB")


def render_png(values: npt.NDArray[np.float32], palette: str, lo: float, hi: float) -> bytes:
    """(H, W) values -> palette PNG bytes, lo at the first colour and hi at the last.

    Only the colours in use go into the PNG's palette, which keeps small maps small.
    """
    index = palette_index(values, lo, hi)
    used, compact = np.unique(index, return_inverse=True)
    height, width = index.shape
    pixels = compact.reshape(height, width).astype(np.uint8)
    image = Image.frombytes("P", (width, height), np.ascontiguousarray(pixels).tobytes())
    image.putpalette(PALETTES[palette][used].ravel().tolist())
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def kernel_sheet_png(weight: npt.NDArray[np.float32], gap: int = 1) -> bytes:
    """Kernels (K, C, kh, kw) as one picture: a row per kernel, a column per input map, each
    kh x kw tile on the diverging scale centred on 0 (shared by all), white gaps between."""
    k, c, kh, kw = weight.shape
    bound = float(np.abs(weight).max()) or 1.0
    index = palette_index(weight, -bound, bound)
    tiles = np.full((k, c, kh + gap, kw + gap, 3), 255, np.uint8)
    tiles[:, :, :kh, :kw] = PALETTES["diverging"][index]
    sheet = tiles.transpose(0, 2, 1, 3, 4).reshape(k * (kh + gap), c * (kw + gap), 3)
    image = Image.fromarray(
        np.ascontiguousarray(sheet[: k * (kh + gap) - gap, : c * (kw + gap) - gap])
    )
    buffer = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
