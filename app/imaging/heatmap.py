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


SHEET_GAP = 1
"""Transparent pixels between the maps of a sheet."""
_GAP = 2 * 256
"""The code of a gap pixel; a map pixel's code is its palette's number times 256 plus its index."""
_PALETTE_CODES = ("diverging", "sequential")


def sheet_size(count: int, height: int, width: int, per_row: int | None = None) -> tuple[int, int]:
    """(width, height) of a sheet of ``count`` maps of height x width, ``per_row`` to a row (all
    of them when None), SHEET_GAP pixels apart."""
    columns = min(per_row or count, count)
    rows = -(-count // columns)
    return columns * (width + SHEET_GAP) - SHEET_GAP, rows * (height + SHEET_GAP) - SHEET_GAP


def sheet_png(
    planes: npt.NDArray[np.float32],
    scales: list[tuple[str, float, float]],
    per_row: int | None = None,
    optimize: bool = True,
) -> bytes:
    """Maps (M, H, W) in one palette PNG, ``per_row`` to a row (all of them when None): map m at
    x = (m % per_row) * (W + SHEET_GAP), y = (m // per_row) * (H + SHEET_GAP), each on its
    (palette, lo, hi); the gaps are transparent. Only the colours in use go into the PNG's
    palette, which keeps small maps small."""
    count, height, width = planes.shape
    columns = min(per_row or count, count)
    across, down = width + SHEET_GAP, height + SHEET_GAP
    sheet_w, sheet_h = sheet_size(count, height, width, per_row)
    codes = np.full((sheet_h, sheet_w), _GAP, np.int32)
    for m, (palette, lo, hi) in enumerate(scales):
        y, x = m // columns * down, m % columns * across
        offset = 256 * _PALETTE_CODES.index(palette)
        index = palette_index(planes[m], lo, hi).astype(np.int32)
        codes[y : y + height, x : x + width] = index + offset
    used = np.flatnonzero(np.bincount(codes.ravel(), minlength=_GAP + 1))
    if len(used) > 256:  # two palettes' worth of colours: an RGBA picture instead
        lookup = np.zeros((_GAP + 1, 4), np.uint8)
        for i, name in enumerate(_PALETTE_CODES):
            lookup[256 * i : 256 * (i + 1), :3] = PALETTES[name]
            lookup[256 * i : 256 * (i + 1), 3] = 255
        image = Image.fromarray(lookup[codes], "RGBA")
    else:
        compact = np.zeros(_GAP + 1, np.uint8)
        compact[used] = np.arange(len(used))
        image = Image.fromarray(compact[codes], "P")
        colours = np.concatenate([*(PALETTES[name] for name in _PALETTE_CODES), [[255, 255, 255]]])
        image.putpalette(colours[used].ravel().tolist())
        if used[-1] == _GAP:
            image.info["transparency"] = len(used) - 1
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=optimize)
    return buffer.getvalue()


def kernel_sheet_png(weight: npt.NDArray[np.float32]) -> bytes:
    """Kernels (K, C, kh, kw) as one sheet: a row per kernel, a kh x kw tile per input map, all
    on one diverging scale centred on 0, the gaps between them transparent."""
    k, c, kh, kw = weight.shape
    bound = float(np.abs(weight).max()) or 1.0
    return sheet_png(weight.reshape(k * c, kh, kw), [("diverging", -bound, bound)] * (k * c), c)
