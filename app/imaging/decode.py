"""Decode an uploaded picture once, safely, into RGB floats in [0, 1]."""

from __future__ import annotations

import io
import math
import warnings
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from .png import inflated

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
"""Accepted by their bytes (Pillow's sniffing), never by file name or declared type."""

WHOLE_PIXELS = {"WEBP": 12_000_000}
"""Formats whose decoder takes far more memory than the pixels (Pillow's WebP decoder holds
about 15 bytes a pixel while it works) and cannot decode smaller: their own lower pixel limit,
so one upload costs at most about 200 MB."""

RGB = npt.NDArray[np.float32]
ORIENTATION = 0x0112
"""The EXIF tag that says how the camera was held."""


class ImageError(ValueError):
    """A picture that cannot be used. ``str(error)`` is a one-line message for a person."""

    def __init__(self, message: str, field: str = "image") -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class Picture(NamedTuple):
    pixels: RGB
    """(H, W, 3) float32 in [0, 1], or (H, W, 1) when grey was asked for."""
    extent: tuple[float, float]
    """(height, width) the whole picture covers in ``rgb``'s pixels: its shape, or a little less
    when it was decoded smaller by a factor that does not divide the size (the last row and
    column then hold a partial block)."""


def decode_image(data: bytes, max_pixels: int) -> RGB:
    """bytes -> (H, W, 3) float32 in [0, 1], at full size (see ``decode_picture``)."""
    return decode_picture(data, max_pixels).pixels


def decode_picture(
    data: bytes, max_pixels: int, need: int | None = None, grey: bool = False
) -> Picture:
    """Decode an upload once.

    The first frame of an animation; EXIF orientation applied; transparency composited on white;
    16-bit greys scaled to [0, 1] rather than clipped. Anything else raises ImageError.

    ``need``: the fewest pixels the shorter side must keep. A bigger picture is decoded smaller
    by a whole factor (a JPEG at 1/2, 1/4 or 1/8 scale by the decoder itself, then any picture
    averaged over factor x factor blocks) before it becomes floats, so a phone photo costs a
    fraction of its full-size memory and time. ``grey``: one channel of luma, not three.
    """
    if not data:
        raise ImageError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open(inflated(data), max_pixels)
            width, height = image.size
            image, scale = _load(image, None if width * height <= REDUCE_ABOVE else need)
            turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
            ImageOps.exif_transpose(image, in_place=True)  # no copy when there is nothing to turn
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"the image is too large to decode: more than the limit of {max_pixels:,} pixels"
        ) from None
    except UnidentifiedImageError:
        raise ImageError("not a PNG, JPEG, GIF or WebP image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError("the image is truncated or corrupt") from None
    extent = (width / scale, height / scale) if turned else (height / scale, width / scale)
    return Picture(_to_floats(image, grey), extent)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The picture's header read (no pixels yet), its size checked, its first frame chosen."""
    image: Image.Image = Image.open(io.BytesIO(data), formats=FORMATS)
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(
            f"{width}x{height} is {width * height:,} pixels, more than the limit of {max_pixels:,}"
        )
    whole = WHOLE_PIXELS.get(image.format or "", max_pixels)
    if width * height > whole:
        name = "WebP" if image.format == "WEBP" else image.format
        raise ImageError(
            f"a {name} picture of {width}x{height} is {width * height:,} pixels; such pictures "
            f"are decoded whole, so at most {whole:,} are taken (a JPEG or PNG may be larger)"
        )
    if width == 0 or height == 0:
        raise ImageError("the image has no pixels")
    if getattr(image, "is_animated", False):
        image.seek(0)  # (seeking a still PNG would make Pillow read it twice)
    return image


def _load(image: Image.Image, need: int | None) -> tuple[Image.Image, float]:
    """The pixels decoded, reduced by a whole factor when ``need`` allows (see
    ``decode_picture``), and how much smaller than the file they are."""
    width = image.size[0]
    if need is not None and image.format == "JPEG":
        factor = max(reduction(image.size, need), enough(image.size))
        if factor > 1:
            image.draft(image.mode, (width // factor, image.size[1] // factor))
    image.load()
    scale = width / image.size[0]  # the JPEG decoder's own reduction
    if need is not None:
        factor = max(reduction(image.size, need), enough(image.size))
        image = _reduce(image, factor)
        scale *= factor
    return image, scale


REDUCE_ABOVE = 4_000_000
"""Pictures of more pixels than this are decoded smaller; smaller ones at full size, so their
last resize lines up exactly as it always has (a 90x90 drawing of the slides' 9x9 X)."""


def reduction(size: tuple[int, int], need: int) -> int:
    """The largest whole factor that keeps the shorter side at ``need`` pixels or more."""
    return max(1, min(size) // max(need, 1))


MAX_DECODED = 4_000_000
"""A big picture is brought down, by a whole factor, to at most this many pixels before it becomes
floats (4 bytes a channel), whatever size the input asks for: a 40 MP upload through a 1024x1024
input costs tens of megabytes, not gigabytes."""
STRIP = 256
"""Rows of the decoded picture converted and averaged at a time, so a mode change (a palette
or a see-through picture to premultiplied RGBA) never copies the whole picture at once."""


def enough(size: tuple[int, int]) -> int:
    """The smallest whole factor that brings a picture of ``size`` to MAX_DECODED pixels."""
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / MAX_DECODED)))


def _reduce(image: Image.Image, factor: int) -> Image.Image:
    """``image`` averaged over factor x factor blocks, a strip of rows at a time (see STRIP):
    the same blocks, so the same result, as averaging it whole."""
    if factor <= 1:
        return image
    width, height = image.size
    rows = max(1, STRIP // factor) * factor
    out: Image.Image | None = None
    for top in range(0, height, rows):
        part = _reduce_whole(image.crop((0, top, width, min(top + rows, height))), factor)
        if out is None:
            out = Image.new(part.mode, (-(-width // factor), -(-height // factor)))
        out.paste(part, (0, top // factor))
    assert out is not None
    return out


def _reduce_whole(image: Image.Image, factor: int) -> Image.Image:
    """``image`` averaged over factor x factor blocks. Transparent pictures are averaged with
    their colours premultiplied by alpha, so compositing on white afterwards gives what
    averaging the composited picture would."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        image = image.convert("I")
    elif image.mode in ("P", "PA", "1", "LA") or (
        image.mode in ("L", "RGB") and "transparency" in image.info
    ):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        return image.convert("RGBa").reduce(factor).convert("RGBA")
    if image.mode not in ("L", "RGB", "I", "F", "CMYK"):
        image = image.convert("RGB")
    return image.reduce(factor)


def _to_floats(image: Image.Image, grey: bool) -> RGB:
    """(H, W, 1) grey or (H, W, 3) colour floats in [0, 1], converted once from the decoded
    picture (Pillow's own luma for grey: ITU-R 601, the weights ``luminance`` uses)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        plane = np.asarray(image, dtype=np.float32)
        if image.mode == "F":
            span = float(plane.max() - plane.min()) or 1.0
            plane = (plane - plane.min()) / span
        else:
            plane = np.clip(plane / 65535.0, 0.0, 1.0)
        return plane[:, :, None] if grey else np.repeat(plane[:, :, None], 3, axis=2)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = ("LA" if grey else "RGBA") if has_alpha else ("L" if grey else "RGB")
    values = np.asarray(image.convert(mode), dtype=np.float32)
    values *= np.float32(1 / 255)
    if values.ndim == 2:
        return values[:, :, None]
    if not has_alpha:
        return values
    alpha = values[:, :, -1:]
    composited: RGB = values[:, :, :-1] * alpha + (1.0 - alpha)
    return composited
