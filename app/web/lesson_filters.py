"""Template filters for the lesson's small grids: shading by value, the slides' way of printing
numbers, counts with thousands separators, and the masks the chapters outline cells with."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt

from ..service import nums, slides_print, sum_terms

SHADES = 4
"""Shades on each side of 0: a value in [-1, 1] gets one of 2 * SHADES + 1 classes."""


def shade(value: float) -> str:
    """A cell's shade class: 'n4' (most negative) to 'z' (about 0) to 'p4' (most positive);
    'nan' for a cell off the edge."""
    if value != value:
        return "nan"
    return _tone(round(min(max(float(value), -1.0), 1.0) * SHADES))


def _tone(step: int) -> str:
    return "z" if step == 0 else ("p" if step > 0 else "n") + str(abs(step))


def cells(values: npt.ArrayLike, fmt: str = "num") -> list[list[tuple[str, str]]]:
    """A grid's cells as (text, shade class), row by row, each worked out once for the whole
    array: the numbers as ``num`` (or the slides, ``fmt`` 'slides') writes them, '·' off the
    edge."""
    grid = np.asarray(values, np.float64)
    gaps = np.isnan(grid).ravel().tolist()
    shown = np.nan_to_num(grid)  # (what stands in for a gap is never shown)
    steps = np.round(np.clip(shown, -1.0, 1.0) * SHADES).astype(int).ravel().tolist()
    texts = nums(shown) if fmt == "num" else [slides_print(v) for v in shown.ravel().tolist()]
    flat = [("·", "nan") if gap else (text, _tone(step))
            for text, step, gap in zip(texts, steps, gaps, strict=True)]  # fmt: skip
    width = grid.shape[1]
    return [flat[i : i + width] for i in range(0, len(flat), width)]


def window_starts(side: int, size: int) -> list[int]:
    """For each row (or column) of a grid, where a window of ``size`` centred on it starts,
    kept inside the grid: what a tap on that cell moves the window to."""
    return [min(max(i - size // 2, 0), side - size) for i in range(side)]


def thousands(value: int) -> str:
    return f"{value:,}"


def terms(values: npt.ArrayLike) -> str:
    """'1 + 1 - 1 + ...' of the values, as the engine's formulas write them."""
    return sum_terms(np.asarray(values, np.float64))


def slides_list(values: npt.ArrayLike) -> str:
    """The values a window covers (not those off the edge), as the slides print them."""
    flat = np.asarray(values, np.float64).ravel()
    return ", ".join(slides_print(float(v)) for v in flat[~np.isnan(flat)])


def below_zero(values: npt.ArrayLike) -> list[list[bool]]:
    return (np.asarray(values) < 0).tolist()  # type: ignore[no-any-return]


def negatives(values: npt.ArrayLike) -> int:
    return int((np.asarray(values) < 0).sum())


def nan_count(values: npt.ArrayLike) -> int:
    return int(np.isnan(np.asarray(values, np.float64)).sum())


def spot_mask(spots: list[tuple[int, int]], shape: tuple[int, ...], size: int) -> list[list[bool]]:
    """The cells covered by a size x size window at each top-left spot."""
    mask = np.zeros(shape[-2:], bool)
    for r, c in spots:
        mask[r : r + size, c : c + size] = True
    return mask.tolist()  # type: ignore[no-any-return]


def pixel_json(rgb: npt.NDArray[np.float32]) -> str:
    """A (3, H, W) picture's values as [[r, g, b], ...] row by row, two decimals, for the
    pointer's readout."""
    h, w = rgb.shape[1:]
    flat = np.round(rgb.reshape(3, h * w).T.astype(np.float64), 2).tolist()
    return json.dumps(flat, separators=(",", ":"))


LESSON_FILTERS = {
    "shade": shade, "slides": slides_print, "slides_list": slides_list, "thousands": thousands,
    "terms": terms, "below_zero": below_zero, "negatives": negatives, "nan_count": nan_count,
    "spot_mask": spot_mask, "pixel_json": pixel_json, "cells": cells,
    "window_starts": window_starts,
}  # fmt: skip
