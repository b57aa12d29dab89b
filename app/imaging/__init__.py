"""Pillow at the edge: decode and check uploaded pictures, and normalise them for a pipeline."""

from .decode import ImageError, decode_image
from .normalise import load_input

__all__ = ["ImageError", "decode_image", "load_input"]
