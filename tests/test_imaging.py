"""Decoding uploads and normalising them for a pipeline."""

from __future__ import annotations

import functools
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.engine import get_preset, run
from app.engine.presets import SLIDES_O, SLIDES_X
from app.engine.spec import InputSpec
from app.imaging import ImageError, decode_image, load_input
from app.imaging.decode import decode_picture
from app.imaging.normalise import normalise
from app.service.catalog import all_presets

LIMIT = 40_000_000


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def drawn(grid: np.ndarray, scale: int = 20, *, light_on_dark: bool = False) -> Image.Image:
    """A slides picture drawn as a person would: dark ink on white, ``scale`` pixels per cell."""
    ink = grid[0] > 0
    pixels = np.where(ink ^ light_on_dark, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).resize((9 * scale, 9 * scale), Image.Resampling.NEAREST)


SEED_INPUT = get_preset("seed-xo").spec.input


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_a_drawn_x_becomes_the_slides_x(fmt):
    options = {"lossless": True} if fmt == "WEBP" else {}
    rgb = decode_image(encode(drawn(SLIDES_X).convert("RGB"), fmt, **options), LIMIT)
    np.testing.assert_array_equal(normalise(rgb, SEED_INPUT), SLIDES_X)


def test_light_on_dark_is_inverted_so_ink_stays_positive():
    rgb = decode_image(encode(drawn(SLIDES_O, light_on_dark=True)), LIMIT)
    np.testing.assert_array_equal(normalise(rgb, SEED_INPUT), SLIDES_O)


def test_a_jpeg_x_is_still_classified_x():
    rgb = decode_image(encode(drawn(SLIDES_X, 31).convert("RGB"), "JPEG", quality=80), LIMIT)
    x = normalise(rgb, SEED_INPUT)
    assert x.min() >= -1 and x.max() <= 1
    assert run(get_preset("seed-xo").spec, x).prediction.label == "X"


def test_downscaling_averages_areas():
    # A 2x2 checkerboard of 3x3 blocks shrinks to a 2x2 checkerboard; a 1-pixel checkerboard to grey.
    blocks = np.kron([[0, 255], [255, 0]], np.ones((3, 3))).astype(np.uint8)
    spec = InputSpec(size=(2, 2), values="brightness")
    out = normalise(decode_image(encode(Image.fromarray(blocks)), LIMIT), spec)
    np.testing.assert_allclose(out[0], [[0, 1], [1, 0]], atol=1e-6)
    fine = (np.indices((8, 8)).sum(0) % 2 * 255).astype(np.uint8)
    out = normalise(decode_image(encode(Image.fromarray(fine)), LIMIT), spec)
    np.testing.assert_allclose(out[0], 0.5, atol=1e-6)


def test_aspect_ratio_is_kept_and_the_rest_repeats_the_edge():
    wide = np.full((10, 40), 255, np.uint8)
    wide[3:7, 4:36] = 0  # a dark bar on white, four times wider than the picture is tall
    data = encode(Image.fromarray(wide))
    spec = InputSpec(size=(8, 8), values="ink_unit")
    out, content = load_input(data, spec, LIMIT)
    # Scaled to 8x2 and centred: rows 3 and 4 hold the picture; the rows above repeat row 3 and
    # the rows below row 4, and the run knows where the picture is.
    assert content == (3, 0, 5, 8)
    assert out[0, 3:5].max() > 0.3
    np.testing.assert_array_equal(out[0, :3], np.broadcast_to(out[0, 3], (3, 8)))
    np.testing.assert_array_equal(out[0, 5:], np.broadcast_to(out[0, 4], (3, 8)))
    np.testing.assert_array_equal(normalise(decode_image(data, LIMIT), spec), out)


def test_a_square_picture_and_a_drawing_fitted_to_its_ink_add_nothing():
    square = encode(Image.new("L", (30, 30), 200))
    assert load_input(square, InputSpec(size=(8, 8)), LIMIT).content is None
    tall = np.full((40, 20), 255, np.uint8)
    tall[10:30, 5:15] = 0
    ink = InputSpec(size=(28, 28), values="ink_unit", fit="ink")
    assert load_input(encode(Image.fromarray(tall)), ink, LIMIT).content is None


@pytest.mark.parametrize("size", [(4, 3), (3, 4)])
def test_filling_in_a_photo_adds_no_edges(size):
    # A flat grey 4:3 (or 3:4) photo through the Sobel preset: nothing in it is an edge, and the
    # filled-in bands must not make one where they meet it (a light bar did: issue 11, item 7).
    w, h = size[0] * 50, size[1] * 50
    photo = encode(Image.new("RGB", (w, h), (60, 90, 120)))
    preset = all_presets()["sobel-edges"]
    x, content = load_input(photo, preset.spec.input, LIMIT)
    assert content is not None and content != (0, 0, *preset.spec.input.size)
    trace = run(preset.spec, x)
    for out in trace.stages[1:]:
        np.testing.assert_allclose(out.data, 0.0, atol=1e-5, err_msg=out.name)


def test_alpha_is_composited_on_white_and_sixteen_bit_is_scaled():
    rgba = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    rgba.putpixel((1, 1), (0, 0, 0, 255))
    rgb = decode_image(encode(rgba), LIMIT)
    assert rgb[0, 0].tolist() == [1.0, 1.0, 1.0] and rgb[1, 1].tolist() == [0.0, 0.0, 0.0]
    deep = Image.fromarray(np.array([[0, 32768], [65535, 1000]], np.uint16))
    rgb = decode_image(encode(deep), LIMIT)
    np.testing.assert_allclose(rgb[:, :, 0], [[0, 32768 / 65535], [1, 1000 / 65535]], rtol=1e-6)


def test_exif_orientation_is_applied():
    tall = Image.new("L", (2, 6), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    rgb = decode_image(encode(tall.convert("RGB"), "JPEG", exif=exif), LIMIT)
    assert rgb.shape[:2] == (2, 6)


def test_only_the_first_frame_of_an_animation_is_used():
    frames = [Image.new("L", (4, 4), 0), Image.new("L", (4, 4), 255)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert decode_image(data, LIMIT).max() == 0.0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"hello, this is not a picture", "not a PNG, JPEG, GIF or WebP"),
        (encode(Image.new("L", (9, 9)), "BMP"), "not a PNG, JPEG, GIF or WebP"),
        (encode(Image.new("L", (64, 64)))[:60], "truncated or corrupt"),
    ],
)
def test_unusable_files(data, words):
    with pytest.raises(ImageError, match=words):
        decode_image(data, LIMIT)


def test_too_many_pixels_and_bombs_are_refused():
    data = encode(Image.new("L", (500, 400)))
    with pytest.raises(ImageError, match="200,000 pixels, more than the limit of 100,000"):
        decode_image(data, 100_000)
    bomb = encode(Image.new("1", (20_000, 20_000)))  # a few kB that decode to 400 megapixels
    assert len(bomb) < 100_000
    with pytest.raises(ImageError, match="more than the limit"):
        decode_image(bomb, LIMIT)


def test_a_picture_too_long_and_thin_is_refused():
    thin = decode_image(encode(Image.new("L", (420, 20))), LIMIT)
    with pytest.raises(ImageError, match="too long and thin"):
        normalise(thin, SEED_INPUT)


def photo(width: int, height: int, seed: int = 0, alpha: bool = False) -> Image.Image:
    """A photo-like picture: smooth gradients, noise, a dark line and ring; see-through if asked."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    waves = (np.sin(xx / 37) + np.cos(yy / 53)) * 60 + 120
    pixels = np.stack([xx / width * 255, yy / height * 255, waves], -1)
    pixels += rng.normal(0, 8, (height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.line([(width * 0.2, height * 0.2), (width * 0.8, height * 0.8)], (0, 0, 0), width // 30)
    draw.ellipse(
        [width * 0.5, height * 0.1, width * 0.9, height * 0.5], None, (9, 9, 9), width // 40
    )
    if alpha:
        image.putalpha(Image.fromarray(np.clip(255 - xx / width * 200, 0, 255).astype(np.uint8)))
    return image


def full_size(data: bytes, spec: InputSpec) -> np.ndarray:
    """The normalised input the way it was made before pictures were decoded smaller."""
    return normalise(decode_image(data, LIMIT), spec)


@functools.cache
def big_photo(fmt: str) -> bytes:
    """A 3000x2000 photo as a JPEG, or as a PNG with a see-through gradient."""
    return encode(photo(3000, 2000, alpha=fmt == "PNG"), fmt, quality=90)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("preset", ["sobel-edges", "seed-xo", "classic-kernels"])
def test_a_big_picture_decoded_smaller_gives_the_same_input(fmt, preset):
    data = big_photo(fmt)
    spec = get_preset(preset).spec.input
    picture = decode_picture(data, LIMIT, need=4 * max(spec.size))
    short = min(picture.pixels.shape[:2])
    assert 4 * max(spec.size) <= short < 8 * max(spec.size) + 8  # a fraction of 2000 px
    span = 2.0 if spec.values == "ink_signed" else 1.0
    difference = np.abs(load_input(data, spec, LIMIT).pixels - full_size(data, spec)) / span
    # the same but for rounding: a little more at the sharp edges of a JPEG, whose decoder
    # averages 8x8 blocks when it decodes at 1/8 scale
    assert difference.max() < (0.07 if fmt == "JPEG" else 0.04) and difference.mean() < 0.01


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_big_photo_of_a_letter_gives_the_same_input_and_answer(fmt):
    from app.service import EXAMPLES  # the drawn A, photographed large and a little noisy

    letter = Image.open(io.BytesIO(EXAMPLES["letter-a"].data)).convert("L")
    big = np.asarray(letter.resize((4000, 3000), Image.Resampling.BILINEAR), np.float32)
    big += np.random.default_rng(1).normal(0, 6, big.shape)
    data = encode(Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).convert("RGB"), fmt)
    spec = all_presets()["letters"].spec
    new, old = load_input(data, spec.input, LIMIT).pixels, full_size(data, spec.input)
    assert np.abs(new - old).max() < 0.1 and np.abs(new - old).mean() < 0.01
    assert run(spec, new).prediction.label == run(spec, old).prediction.label == "A"


def test_a_turned_big_jpeg_keeps_its_extent_the_right_way_round():
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees
    data = encode(photo(3000, 2000).convert("RGB"), "JPEG", exif=exif, quality=90)
    picture = decode_picture(data, LIMIT, need=256)
    assert picture.pixels.shape[0] > picture.pixels.shape[1]  # tall once turned
    assert picture.extent[0] / picture.extent[1] == pytest.approx(3000 / 2000)
    spec = get_preset("sobel-edges").spec.input
    assert np.abs(load_input(data, spec, LIMIT).pixels - full_size(data, spec)).max() < 0.07
