"""Feature maps as PNG heatmaps: one pixel per value, enlarged by the browser.

The colours come from published colour maps (the ``cmap`` package holds them exactly): signed
maps use a diverging map centred on 0, non-negative maps a perceptually uniform sequential one.
A person may pick another scheme (``SCHEMES``); every scheme reads with the common colour-vision
deficiencies.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from cmap import Colormap
from PIL import Image


@dataclass(frozen=True)
class Scheme:
    """A pair of colour maps: one for non-negative values, one for signed values."""

    name: str
    title: str
    """What the page calls it."""
    sequential: str
    """The cmap name of the map for values from 0 up."""
    diverging: str
    """The cmap name of the map for signed values, its middle at 0."""
    negative: str
    """The diverging map's colour for negative values, in a word."""
    positive: str

    def colormap(self, palette: str) -> str:
        """The cmap name for 'sequential' or 'diverging' values."""
        return self.sequential if palette == "sequential" else self.diverging


SCHEMES = {
    scheme.name: scheme
    for scheme in (
        # viridis (van der Walt and Smith, CC0) and CET-D9, blue-white-red (Kovesi, CC BY 4.0)
        Scheme("viridis", "Viridis", "bids:viridis", "colorcet:cet_d9", "blue", "red"),
        # cividis (Nunez, Anderton and Renslow) and CET-CBD1, blue-white-yellow (Kovesi, CC BY
        # 4.0), both made for red-green colour-blind eyes
        Scheme(
            "cividis",
            "Cividis, for colour blindness",
            "cividis:cividis",
            "colorcet:cet_cbd1",
            "blue",
            "yellow",
        ),
    )
}
DEFAULT_SCHEME = "viridis"


def _lut(name: str) -> npt.NDArray[np.uint8]:
    """(256, 3) RGB entries of the named colour map."""
    rgba = np.asarray(Colormap(name).lut(256), np.float64)
    return np.round(rgba[:, :3] * 255).astype(np.uint8)


COLOURS = {
    name: _lut(name)
    for scheme in SCHEMES.values()
    for name in (scheme.sequential, scheme.diverging)
}
"""Each colour map in use, as 256 RGB entries: value index i (``palette_index``) is entry i."""


def palette(kind: str, scheme: str = DEFAULT_SCHEME) -> npt.NDArray[np.uint8]:
    """The 256 colours of ``scheme`` for 'sequential' or 'diverging' values."""
    return COLOURS[SCHEMES[scheme].colormap(kind)]


WASHED_OUT = 0.2
"""A map whose values span less than this share of its stage's scale looks nearly one colour
(the letters network's second convolution on a drawn A: 0.12, its first: 0.44)."""


def spans_little(maps: npt.NDArray[np.floating], scale: ColourScale) -> bool:
    """Whether most of ``maps`` (C, H, W) would look nearly one colour on ``scale``."""
    span = scale.high - scale.low
    if span <= 0 or len(maps) < 2:
        return False
    own = maps.max(axis=(1, 2)) - maps.min(axis=(1, 2))
    return bool(np.mean(own < WASHED_OUT * span) > 0.5)


class ColourScale(NamedTuple):
    """How values become colours: ``palette`` from ``low`` (first colour) to ``high`` (last)."""

    palette: str
    """'diverging' (centred on 0, for signed values) or 'sequential' (0 upwards)."""
    low: float
    high: float

    def colormap(self, scheme: str = DEFAULT_SCHEME) -> str:
        """The published colour map (its cmap name) this scale uses in ``scheme``."""
        return SCHEMES[scheme].colormap(self.palette)


def scale_for(lo: float, hi: float) -> ColourScale:
    """The scale for values in [lo, hi]: signed maps are centred on 0. The PNGs, the legends and
    the API all take their scale from here."""
    if lo < 0:
        bound = max(abs(lo), abs(hi)) or 1.0
        return ColourScale("diverging", -bound, bound)
    return ColourScale("sequential", 0.0, hi if hi > 0 else 1.0)


def palette_index(values: npt.NDArray[np.float32], lo: float, hi: float) -> npt.NDArray[np.uint8]:
    """Each value's place on a 256-colour scale from lo to hi."""
    span = (hi - lo) or 1.0
    return np.clip(np.round((values - lo) / span * 255.0), 0, 255).astype(np.uint8)


def heatmap_image(values: npt.NDArray[np.float32], lo: float, hi: float) -> Image.Image:
    """(H, W) values as an RGB picture on the scale ``scale_for`` picks for [lo, hi]."""
    kind, low, high = scale_for(lo, hi)
    return Image.fromarray(palette(kind)[palette_index(values, low, high)], "RGB")


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
    scales: Sequence[ColourScale],
    per_row: int | None = None,
    optimize: bool = True,
    scheme: str = DEFAULT_SCHEME,
) -> bytes:
    """Maps (M, H, W) in one palette PNG, ``per_row`` to a row (all of them when None): map m at
    x = (m % per_row) * (W + SHEET_GAP), y = (m // per_row) * (H + SHEET_GAP), each on its
    (palette, lo, hi) in ``scheme``'s colours; the gaps are transparent. Only the colours in
    use go into the PNG's palette, which keeps small maps small."""
    count, height, width = planes.shape
    columns = min(per_row or count, count)
    across, down = width + SHEET_GAP, height + SHEET_GAP
    sheet_w, sheet_h = sheet_size(count, height, width, per_row)
    codes = np.full((sheet_h, sheet_w), _GAP, np.int32)
    for m, (kind, lo, hi) in enumerate(scales):
        y, x = m // columns * down, m % columns * across
        offset = 256 * _PALETTE_CODES.index(kind)
        index = palette_index(planes[m], lo, hi).astype(np.int32)
        codes[y : y + height, x : x + width] = index + offset
    used = np.flatnonzero(np.bincount(codes.ravel(), minlength=_GAP + 1))
    if len(used) > 256:  # two palettes' worth of colours: an RGBA picture instead
        lookup = np.zeros((_GAP + 1, 4), np.uint8)
        for i, name in enumerate(_PALETTE_CODES):
            lookup[256 * i : 256 * (i + 1), :3] = palette(name, scheme)
            lookup[256 * i : 256 * (i + 1), 3] = 255
        image = Image.fromarray(lookup[codes], "RGBA")
    else:
        compact = np.zeros(_GAP + 1, np.uint8)
        compact[used] = np.arange(len(used))
        image = Image.fromarray(compact[codes], "P")
        colours = np.concatenate(
            [*(palette(name, scheme) for name in _PALETTE_CODES), [[255, 255, 255]]]
        )
        image.putpalette(colours[used].ravel().tolist())
        if used[-1] == _GAP:
            image.info["transparency"] = len(used) - 1
    return _png(image, optimize)


def kernel_sheet_png(weight: npt.NDArray[np.float32], scheme: str = DEFAULT_SCHEME) -> bytes:
    """Kernels (K, C, kh, kw) as one sheet: a row per kernel, a kh x kw tile per input map, all
    on one diverging scale centred on 0, the gaps between them transparent."""
    k, c, kh, kw = weight.shape
    bound = float(np.abs(weight).max()) or 1.0
    scales = [ColourScale("diverging", -bound, bound)] * (k * c)
    return sheet_png(weight.reshape(k * c, kh, kw), scales, c, scheme=scheme)


def channel_pngs(rgb: npt.NDArray[np.float32]) -> tuple[bytes, list[bytes]]:
    """A (3, H, W) picture with values 0 to 1 as a colour PNG, and each of its red, green and
    blue channels as its own PNG in that colour (black where the channel is 0)."""
    pixels = np.round(np.clip(rgb, 0.0, 1.0) * 255).astype(np.uint8)
    whole = Image.fromarray(np.ascontiguousarray(pixels.transpose(1, 2, 0)), "RGB")
    channels = []
    for c in range(3):
        tinted = np.zeros((*pixels.shape[1:], 3), np.uint8)
        tinted[..., c] = pixels[c]
        channels.append(_png(Image.fromarray(tinted, "RGB")))
    return _png(whole), channels


def grey_png(grey: npt.NDArray[np.float32]) -> bytes:
    """An (H, W) picture with values 0 (black) to 1 (white) as a grey PNG."""
    pixels = np.round(np.clip(grey, 0.0, 1.0) * 255).astype(np.uint8)
    return _png(Image.fromarray(np.ascontiguousarray(pixels), "L"))


def data_url(png: bytes) -> str:
    """A PNG to carry inside a page or an answer."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _png(image: Image.Image, optimize: bool = False) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=optimize)
    return out.getvalue()
