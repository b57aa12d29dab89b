"""Bring a decoded picture to a pipeline's input: size, channels and value range."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from PIL import Image

from ..engine.spec import InputSpec
from .decode import ImageError, decode_picture

MAX_ASPECT = 20.0
"""Pictures longer than this many times their width (or the reverse) are refused."""

Array = npt.NDArray[np.float32]
Box = tuple[int, int, int, int]
"""(top, left, bottom, right) in input pixels, bottom and right exclusive."""


def luminance(rgb: Array) -> Array:
    """(H, W, 3) -> (H, W): ITU-R BT.601 weights, as Pillow's 'L' mode uses; a picture that is
    grey already, (H, W, 1), is its own."""
    if rgb.shape[2] == 1:
        return rgb[:, :, 0]
    return np.asarray(rgb @ np.array([0.299, 0.587, 0.114], np.float32), np.float32)


def is_light_on_dark(grey: Array) -> bool:
    """True when the picture's border is mostly dark: light strokes on a dark ground."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return float(border.mean()) < 0.5


def normalise(rgb: Array, spec: InputSpec, extent: tuple[float, float] | None = None) -> Array:
    """(H, W, 3) floats in [0, 1] (or (H, W, 1) grey) -> (C, height, width) float32 as ``spec``
    describes.

    The picture is scaled to fit the size keeping its aspect ratio (area averaging when it
    shrinks) and centred (``content_box``); the rest is filled by repeating its edge pixels, which
    adds no edges of its own (a plain bar would). Ink modes treat dark strokes on light paper as
    ink, inverting a light-on-dark picture first; ``ink_signed`` maps ink to +1 and paper to -1
    (the slides), ``ink_unit`` ink to 1 and paper to 0. ``brightness`` keeps light at 1.
    ``extent``: the (height, width) the picture truly covers, when it is less than the array's
    shape (see ``decode.Picture``).
    """
    h, w = extent or rgb.shape[:2]
    if max(h, w) / min(h, w) > MAX_ASPECT:
        raise ImageError(f"a {w}x{h} picture is too long and thin (at most {MAX_ASPECT:g}:1)")
    if spec.mode == "rgb" and rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    planes = luminance(rgb)[None] if spec.mode == "gray" else np.moveaxis(rgb, 2, 0)
    if spec.values == "brightness":
        fitted = _fit(planes, spec.size, extent)
        return fitted.astype(np.float32)
    grey = planes[0] if spec.mode == "gray" else luminance(rgb)
    ink = planes if is_light_on_dark(grey) else 1.0 - planes
    fitted = fit_ink(ink, spec.size) if spec.fit == "ink" else _fit(ink, spec.size, extent)
    if spec.values == "ink_signed":
        fitted = fitted * 2.0 - 1.0
    return np.clip(fitted, -1.0 if spec.values == "ink_signed" else 0.0, 1.0).astype(np.float32)


def content_box(extent: tuple[float, float], size: tuple[int, int]) -> Box:
    """Where a picture covering ``extent`` (height, width) lies once scaled to fit ``size``
    keeping its aspect ratio, centred."""
    h, w = extent
    th, tw = size
    scale = min(th / h, tw / w)
    nh, nw = max(1, min(th, round(h * scale))), max(1, min(tw, round(w * scale)))
    top, left = (th - nh) // 2, (tw - nw) // 2
    return top, left, top + nh, left + nw


def _fit(planes: Array, size: tuple[int, int], extent: tuple[float, float] | None = None) -> Array:
    """Scale (C, H, W) into ``content_box`` of ``size``, the rest filled by repeating the edge;
    only the ``extent`` (height, width) of the planes is the picture, when given."""
    h, w = extent or planes.shape[1:]
    th, tw = size
    top, left, bottom, right = content_box((h, w), size)
    nh, nw = bottom - top, right - left
    out = []
    for plane in planes:
        if (nh, nw) != plane.shape:
            img = Image.fromarray(np.ascontiguousarray(plane, np.float32))
            box = (0.0, 0.0, float(w), float(h))
            plane = np.asarray(img.resize((nw, nh), Image.Resampling.BOX, box=box), np.float32)
        out.append(np.pad(plane, ((top, th - bottom), (left, tw - right)), mode="edge"))
    return np.stack(out).astype(np.float32)


INK_BOX = 20 / 28
"""The share of the side the ink's longer side is scaled to, as in MNIST (20 of 28 pixels)."""
INK_THRESHOLD = 0.2


def fit_ink(ink: Array, size: tuple[int, int]) -> Array:
    """(C, H, W) ink (paper 0, ink up to 1) -> (C, height, width): cropped to the ink, its longer
    side scaled to INK_BOX of the size, centred by its centre of mass. ImageError if blank."""
    inked = ink.max(axis=0) > INK_THRESHOLD
    rows, cols = inked.any(axis=1), inked.any(axis=0)  # which rows and columns hold ink
    if not rows.any():
        raise ImageError("there is no ink in the picture: draw or upload a letter or digit")
    top, bottom = int(rows.argmax()), len(rows) - int(rows[::-1].argmax())
    left, right = int(cols.argmax()), len(cols) - int(cols[::-1].argmax())
    crop = ink[:, top:bottom, left:right]
    th, tw = size
    _, h, w = crop.shape
    box = max(1, round(min(th, tw) * INK_BOX))
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    planes = [
        np.asarray(Image.fromarray(np.ascontiguousarray(p, np.float32)).resize((nw, nh), resample))
        for p in crop
    ]
    patch = np.clip(np.stack(planes), 0.0, 1.0).astype(np.float32)
    mass = patch.max(axis=0)
    total = float(mass.sum()) or 1.0
    cy = float((mass.sum(axis=1) * np.arange(nh)).sum()) / total
    cx = float((mass.sum(axis=0) * np.arange(nw)).sum()) / total
    y = min(max(round((th - 1) / 2 - cy), 0), th - nh)
    x = min(max(round((tw - 1) / 2 - cx), 0), tw - nw)
    out = np.zeros((ink.shape[0], th, tw), np.float32)
    out[:, y : y + nh, x : x + nw] = patch
    return out


DETAIL = 3
"""Decode at least this many pixels per input pixel (the last step averages them down)."""
INK_DETAIL = 8
"""The same for ink-fitted inputs, whose ink may fill only a small part of the picture."""


class Fitted(NamedTuple):
    pixels: Array
    """The pipeline's input, (C, height, width)."""
    content: Box | None
    """Where the picture lies in it when the rest was filled in (its aspect differs from the
    input's); None when the picture covers it all, or was cropped to its ink."""


def load_input(data: bytes, spec: InputSpec, max_pixels: int) -> Fitted:
    """Uploaded bytes -> the pipeline's normalised input: decode once, at the size the input
    needs (a big picture is decoded smaller), then ``normalise``."""
    need = max(spec.size) * (INK_DETAIL if spec.fit == "ink" else DETAIL)
    picture = decode_picture(data, max_pixels, need, grey=spec.mode == "gray")
    pixels = normalise(picture.pixels, spec, picture.extent)
    box = None if spec.fit == "ink" else content_box(picture.extent, spec.size)
    whole = (0, 0, *spec.size)
    return Fitted(pixels, None if box == whole else box)
