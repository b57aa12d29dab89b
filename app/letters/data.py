"""The training data, made here: characters rendered from fonts and drawn as strokes, augmented.

Every sample goes through ``imaging.fit_ink``, the same preprocessing the server runs on what
people draw, so training and serving see the same kind of 28x28 picture. Everything is decided by
the seed: the same seed gives the same samples, byte for byte.

Held out for testing, never seen in training: the fonts in HELD_OUT_FONTS and the stroke style
'smooth'. The test set mixes those with the training fonts and styles drawn from another seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ..imaging.normalise import fit_ink
from .strokes import GLYPHS, Stroke
from .weights import CLASSES, SIZE

WORK = 64  # samples are made at 64x64, then fitted to 28x28
BIG = 256  # strokes and glyphs are drawn at 256x256 and scaled down, for smooth edges

FONT_ROOT = Path("/usr/share/fonts")
TRAIN_FONTS: tuple[str, ...] = (
    "truetype/dejavu/DejaVuSans.ttf", "truetype/dejavu/DejaVuSans-Bold.ttf",
    "truetype/dejavu/DejaVuSans-Oblique.ttf", "truetype/dejavu/DejaVuSansCondensed.ttf",
    "truetype/dejavu/DejaVuSansMono.ttf", "truetype/dejavu/DejaVuSerif.ttf",
    "truetype/dejavu/DejaVuSerif-Bold.ttf", "truetype/dejavu/DejaVuSans-ExtraLight.ttf",
    "truetype/liberation/LiberationSans-Regular.ttf",
    "truetype/liberation/LiberationSans-Bold.ttf",
    "truetype/liberation/LiberationSans-Italic.ttf",
    "truetype/liberation/LiberationSerif-Regular.ttf",
    "truetype/liberation/LiberationSerif-Bold.ttf",
    "truetype/liberation/LiberationMono-Regular.ttf",
    "truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "opentype/urw-base35/NimbusSans-Regular.otf", "opentype/urw-base35/NimbusSans-Bold.otf",
    "opentype/urw-base35/NimbusRoman-Regular.otf", "opentype/urw-base35/NimbusRoman-Italic.otf",
    "opentype/urw-base35/NimbusMonoPS-Regular.otf", "opentype/urw-base35/NimbusMonoPS-Bold.otf",
    "opentype/urw-base35/URWBookman-Light.otf", "opentype/urw-base35/URWBookman-Demi.otf",
    "opentype/urw-base35/URWGothic-Book.otf", "opentype/urw-base35/URWGothic-Demi.otf",
    "opentype/urw-base35/C059-Roman.otf", "opentype/urw-base35/P052-Roman.otf",
    "opentype/urw-base35/P052-Italic.otf", "opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "truetype/freefont/FreeSans.ttf", "truetype/freefont/FreeSerif.ttf",
    "truetype/freefont/FreeMono.ttf", "truetype/freefont/FreeSansBold.ttf",
    "opentype/cantarell/Cantarell-Regular.otf", "opentype/cantarell/Cantarell-Bold.otf",
    "truetype/open-sans/OpenSans-Regular.ttf", "truetype/open-sans/OpenSans-Bold.ttf",
    "truetype/open-sans/OpenSans-Light.ttf", "truetype/open-sans/OpenSans-CondBold.ttf",
    "truetype/lato/Lato-Regular.ttf", "truetype/lato/Lato-Black.ttf",
    "truetype/lato/Lato-Italic.ttf",
    "truetype/crosextra/Caladea-Regular.ttf", "truetype/crosextra/Caladea-Bold.ttf",
    "opentype/linux-libertine/LinBiolinum_R.otf", "opentype/linux-libertine/LinLibertine_R.otf",
    "opentype/comic-neue/ComicNeue-Regular.otf", "opentype/comic-neue/ComicNeue-Bold.otf",
    "opentype/comic-neue/ComicNeue-Light.otf", "opentype/comic-neue/ComicNeue-Italic.otf",
    "truetype/breip/Breip.ttf", "truetype/humor-sans/Humor-Sans.ttf",
)  # fmt: skip
HELD_OUT_FONTS: tuple[str, ...] = (
    "truetype/andika/Andika-Regular.ttf",
    "truetype/andika/Andika-Bold.ttf",
    "truetype/andika/Andika-Italic.ttf",
)
TRAIN_STYLES = ("print", "wobbly")
HELD_OUT_STYLES = ("smooth",)
FONT_PACKAGES = (
    "fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-urw-base35 fonts-freefont-ttf "
    "fonts-cantarell fonts-open-sans fonts-lato fonts-crosextra-caladea fonts-linuxlibertine "
    "fonts-comic-neue fonts-breip fonts-sil-andika fonts-humor-sans"
)

FONT_LICENCES = {
    "dejavu": "Bitstream Vera licence", "liberation": "OFL-1.1",
    "urw-base35": "AGPL-3 with font exception", "freefont": "GPL-3+ with font exception",
    "cantarell": "OFL-1.1", "open-sans": "Apache-2.0", "lato": "OFL-1.1",
    "crosextra": "Apache-2.0", "linux-libertine": "GPL-2+ with font exception, or OFL-1.1",
    "comic-neue": "OFL-1.1", "breip": "OFL-1.0", "humor-sans": "OFL-1.1", "andika": "OFL-1.1",
}  # fmt: skip
"""Each font family's licence, by its folder under FONT_ROOT (from its Debian package)."""

Ink = npt.NDArray[np.float32]


def installed(fonts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f for f in fonts if (FONT_ROOT / f).exists())


@cache
def _font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_ROOT / path), 170)


def _affine(rng: np.random.Generator, spread: float = 1.0) -> np.ndarray:
    """A random 2x2 map: rotation up to +-15 degrees, shear, scale, and a mild aspect change
    (mild, because width is what tells an O from a 0)."""
    angle = math.radians(rng.uniform(-15, 15) * spread)
    shear = rng.uniform(-0.25, 0.25) * spread
    scale = rng.uniform(0.8, 1.15)
    aspect = rng.uniform(0.92, 1.08)
    sx, sy = scale * aspect, scale / aspect
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    m: np.ndarray = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    return m


def _down(img: Image.Image) -> Ink:
    return np.asarray(img.resize((WORK, WORK), Image.Resampling.BOX), np.float32) / 255.0


def render_font(path: str, char: str, rng: np.random.Generator) -> Ink:
    """The character in the font, white ink on black, distorted and thickened or thinned."""
    font = _font(path)
    img = Image.new("L", (BIG, BIG), 0)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), char, font=font)
    draw.text(((BIG - right - left) / 2, (BIG - bottom - top) / 2), char, fill=255, font=font)
    m = np.linalg.inv(_affine(rng))
    c = BIG / 2 + rng.uniform(-20, 20, 2)
    offset = np.array([BIG / 2, BIG / 2]) - m @ c
    img = img.transform((BIG, BIG), Image.Transform.AFFINE,
                        (m[0, 0], m[0, 1], offset[0], m[1, 0], m[1, 1], offset[1]),
                        resample=Image.Resampling.BILINEAR)  # fmt: skip
    thickness = rng.integers(-1, 4)
    if thickness > 0:
        img = img.filter(ImageFilter.MaxFilter(2 * int(thickness) * 2 + 1))
    elif thickness < 0:
        img = img.filter(ImageFilter.MinFilter(5))
    return _down(img)


def _chaikin(points: np.ndarray, rounds: int = 2) -> np.ndarray:
    for _ in range(rounds):
        if len(points) < 3:
            return points
        q = 0.75 * points[:-1] + 0.25 * points[1:]
        r = 0.25 * points[:-1] + 0.75 * points[1:]
        points = np.vstack([points[:1], np.column_stack([q, r]).reshape(-1, 2), points[-1:]])
    return points


def _resample(points: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` along the polyline (a hand's path is dense)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    if dist[-1] == 0:
        return points
    at = np.linspace(0, dist[-1], max(2, int(dist[-1] / step) + 1))
    return np.column_stack([np.interp(at, dist, points[:, 0]), np.interp(at, dist, points[:, 1])])


def _styled(stroke: Stroke, style: str, rng: np.random.Generator) -> np.ndarray:
    points = np.array(stroke, np.float64)
    points = points + rng.normal(0, 0.02, points.shape)  # where the pen put each point
    if style == "smooth":  # an even hand: corners slightly rounded, no tremor
        return _chaikin(_resample(points, 0.08), 2)
    if style == "wobbly":
        dense = _resample(points, 0.03)
        walk = np.cumsum(rng.normal(0, 0.006, dense.shape), axis=0)
        dense = dense + walk - walk.mean(axis=0)
        if len(dense) > 2:  # a little overshoot at the ends
            dense[0] += (dense[0] - dense[1]) * rng.uniform(0, 1.5)
            dense[-1] += (dense[-1] - dense[-2]) * rng.uniform(0, 1.5)
        return np.asarray(dense)
    return points


def render_strokes(char: str, style: str, rng: np.random.Generator) -> Ink:
    """The character drawn as pen strokes of random width, placed and slanted at random."""
    variants = GLYPHS[char]
    glyph = variants[int(rng.integers(len(variants)))]
    height = rng.uniform(0.5, 0.8) * BIG
    aspect = rng.uniform(0.9, 1.1)
    m = _affine(rng, spread=0.8) @ np.diag([height * aspect, height])
    centre = BIG / 2 + rng.uniform(-25, 25, 2)
    width = max(3, int(height * rng.uniform(0.06, 0.17)))
    img = Image.new("L", (BIG, BIG), 0)
    draw = ImageDraw.Draw(img)
    for stroke in glyph:
        pts = (_styled(stroke, style, rng) - 0.5) @ m.T + centre
        xy = [tuple(p) for p in pts]
        draw.line(xy, fill=255, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]):
            draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=255)
    return _down(img)


def elastic(ink: Ink, rng: np.random.Generator, strength: float = 2.5) -> Ink:
    """Bend the picture with a smooth random displacement field (bilinear resampling)."""
    coarse = rng.normal(0, strength, (2, 4, 4)).astype(np.float32)
    fields = [
        np.asarray(Image.fromarray(c).resize((WORK, WORK), Image.Resampling.BICUBIC))
        for c in coarse
    ]
    yy, xx = np.mgrid[0:WORK, 0:WORK].astype(np.float32)
    y = np.clip(yy + fields[0], 0, WORK - 1.001)
    x = np.clip(xx + fields[1], 0, WORK - 1.001)
    y0, x0 = y.astype(int), x.astype(int)
    fy, fx = y - y0, x - x0
    top = ink[y0, x0] * (1 - fx) + ink[y0, x0 + 1] * fx
    bottom = ink[y0 + 1, x0] * (1 - fx) + ink[y0 + 1, x0 + 1] * fx
    bent: Ink = (top * (1 - fy) + bottom * fy).astype(np.float32)
    return bent


def transform(ink: Ink, rng: np.random.Generator, spread: float = 1.0) -> Ink:
    """A WORK x WORK picture turned, sheared and scaled about its centre (see ``_affine``)."""
    m = np.linalg.inv(_affine(rng, spread))
    c = np.array([WORK / 2, WORK / 2])
    offset = c - m @ c
    img = Image.fromarray(np.ascontiguousarray(ink, np.float32))
    img = img.transform((WORK, WORK), Image.Transform.AFFINE,
                        (m[0, 0], m[0, 1], offset[0], m[1, 0], m[1, 1], offset[1]),
                        resample=Image.Resampling.BILINEAR)  # fmt: skip
    return np.asarray(img, np.float32)


def degrade(ink: Ink, rng: np.random.Generator) -> Ink:
    """Make a clean WORK x WORK drawing look scanned: thicker strokes, a trip through a low
    resolution and back, blur, and softer contrast (real scans are mostly mid-grey ink)."""
    img = Image.fromarray(np.round(np.clip(ink, 0, 1) * 255).astype(np.uint8))
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.MaxFilter(int(rng.choice([3, 5]))))
    if rng.random() < 0.5:
        low = int(rng.integers(14, 26))
        img = img.resize((low, low), Image.Resampling.BOX).resize(
            (WORK, WORK), Image.Resampling.BILINEAR
        )
    elif rng.random() < 0.6:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.6, 1.8))))
    out = np.asarray(img, np.float32) / 255.0
    top = float(out.max()) or 1.0
    gamma = float(rng.uniform(0.8, 1.4))
    soft: Ink = (np.clip(out / top, 0, 1) ** gamma * rng.uniform(0.75, 1.0)).astype(np.float32)
    return soft


def finish(ink: Ink, rng: np.random.Generator, degraded: float = 0.0) -> Ink:
    """Elastic bend (half the time), made to look scanned (a share ``degraded`` of the time),
    the server's fit to 28x28, then a little noise."""
    if rng.random() < 0.5:
        ink = elastic(ink, rng)
    if rng.random() < degraded:
        ink = degrade(ink, rng)
    if ink.max() <= 0.2:  # distorted away: draw nothing rather than fail
        ink = np.zeros_like(ink)
        ink[WORK // 2, WORK // 2] = 1.0
    fitted = fit_ink(ink[None], (SIZE, SIZE))[0]
    noise = rng.normal(0, rng.uniform(0, 0.06), fitted.shape).astype(np.float32)
    out: Ink = np.clip(fitted + noise, 0.0, 1.0)
    return out


@dataclass(frozen=True)
class Recipe:
    """What a data set is made of; written into the model card."""

    seed: int
    per_class: int
    fonts: tuple[str, ...]
    styles: tuple[str, ...]
    font_share: float = 0.5
    degraded: float = 0.0
    """The share of samples made to look scanned (``degrade``)."""


def make(recipe: Recipe) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """(N, 1, 28, 28) float32 ink in [0, 1] and (N,) labels, classes interleaved."""
    if not recipe.fonts:
        raise RuntimeError(f"no fonts installed; apt-get install {FONT_PACKAGES}")
    rng = np.random.default_rng(recipe.seed)
    n = recipe.per_class * len(CLASSES)
    x = np.zeros((n, 1, SIZE, SIZE), np.float32)
    y = np.zeros(n, np.int64)
    for i in range(n):
        label = i % len(CLASSES)
        char = CLASSES[label]
        if rng.random() < recipe.font_share:
            ink = render_font(recipe.fonts[int(rng.integers(len(recipe.fonts)))], char, rng)
        else:
            ink = render_strokes(char, recipe.styles[int(rng.integers(len(recipe.styles)))], rng)
        x[i, 0] = finish(ink, rng, recipe.degraded)
        y[i] = label
    return x, y


def training_recipe(seed: int, per_class: int) -> Recipe:
    return Recipe(seed, per_class, installed(TRAIN_FONTS), TRAIN_STYLES, degraded=0.4)


def held_out_recipes(seed: int, per_class: int) -> dict[str, Recipe]:
    """The test sets: unseen fonts and style, and the training fonts and styles on a new seed."""
    return {
        "unseen fonts and style": Recipe(
            seed + 1, per_class, installed(HELD_OUT_FONTS), HELD_OUT_STYLES
        ),
        "training fonts and styles, new seed": Recipe(
            seed + 2, per_class, installed(TRAIN_FONTS), TRAIN_STYLES
        ),
    }
