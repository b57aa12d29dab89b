"""Decode an uploaded picture once, safely, into RGB floats in [0, 1]."""

from __future__ import annotations

import io
import warnings

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
"""Accepted by their bytes (Pillow's sniffing), never by file name or declared type."""

RGB = npt.NDArray[np.float32]


class ImageError(ValueError):
    """A picture that cannot be used. ``str(error)`` is a one-line message for a person."""

    def __init__(self, message: str, field: str = "image") -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def decode_image(data: bytes, max_pixels: int) -> RGB:
    """bytes -> (H, W, 3) float32 in [0, 1].

    The first frame of an animation; EXIF orientation applied; transparency composited on white;
    16-bit greys scaled to [0, 1] rather than clipped. Anything else raises ImageError.
    """
    if not data:
        raise ImageError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"{width}x{height} is {width * height:,} pixels, more than the limit of "
                    f"{max_pixels:,}"
                )
            if width == 0 or height == 0:
                raise ImageError("the image has no pixels")
            image.seek(0)
            image.load()
            image = ImageOps.exif_transpose(image)
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
    return _to_rgb(image)


def _to_rgb(image: Image.Image) -> RGB:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        grey = np.asarray(image, dtype=np.float32)
        grey = np.clip(grey / 65535.0, 0.0, 1.0)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if image.mode == "F":
        grey = np.asarray(image, dtype=np.float32)
        span = float(grey.max() - grey.min()) or 1.0
        grey = (grey - grey.min()) / span
        return np.repeat(grey[:, :, None], 3, axis=2)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    rgba = np.asarray(image.convert("RGBA" if has_alpha else "RGB"), dtype=np.float32) / 255.0
    if not has_alpha:
        return rgba
    alpha = rgba[:, :, 3:4]
    composited: RGB = rgba[:, :, :3] * alpha + (1.0 - alpha)
    return composited
