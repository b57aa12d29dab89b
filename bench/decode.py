"""Decoding big uploads, run by hand (never a timed test): python bench/decode.py [rounds]

For a 24-megapixel phone JPEG (6000x4000) and a 40-megapixel RGBA PNG, each case in a fresh
process: the time and the peak memory (VmHWM, over what the process held after its imports)
of (a) Pillow decoding the whole file, the reference, and (b) ConvLens bringing it to a
pipeline's input (decode at the size the input needs, then normalise). Medians of the rounds.
Targets: the JPEG at most +150 MB and at most half Pillow's time; any upload at most +200 MB.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
MAX_PIXELS = 40_000_000
"""CONVLENS_MAX_IMAGE_PIXELS's default."""

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])


def peak_mb():  # this process's own high-water mark (ru_maxrss would carry the parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


from PIL import Image
from app.service.catalog import find_preset
from app.imaging import load_input
data = open(sys.argv[2], "rb").read()
Image.MAX_IMAGE_PIXELS = None
from app.engine import parse_spec
RGB_1024 = {"input": {"mode": "rgb", "size": [1024, 1024]}, "stages": [{"kind": "relu"}]}
if sys.argv[3] == "pillow":
    spec = None
elif sys.argv[3] == "rgb-1024":
    spec = parse_spec(RGB_1024).input
else:
    spec = find_preset(sys.argv[3]).spec.input  # not timed
before = peak_mb()
start = time.perf_counter()
if sys.argv[3] == "pillow":
    image = Image.open(__import__("io").BytesIO(data))
    image.load()
else:
    try:
        load_input(data, spec, int(sys.argv[4]))
    except Exception as exc:  # a refusal is an answer too: how long and how much it cost
        print(json.dumps({"seconds": time.perf_counter() - start, "mb": peak_mb() - before,
                          "refused": str(exc)}))
        sys.exit(0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "mb": peak_mb() - before}))
"""


def phone_jpeg() -> bytes:
    """6000x4000, photo-like (gradients, noise, strokes), quality 90."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:4000, 0:6000].astype(np.float32)
    pixels = np.stack([xx / 6000 * 255, yy / 4000 * 255, (np.sin(xx / 50) + 1) * 100], -1)
    pixels += rng.normal(0, 6, pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    ImageDraw.Draw(image).line([(600, 400), (5400, 3600)], (0, 0, 0), 120)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def big_rgba_png() -> bytes:
    """8000x5000 RGBA (40 MP): a flat picture with a see-through band, which compresses small."""
    image = Image.new("RGBA", (8000, 5000), (30, 120, 200, 255))
    ImageDraw.Draw(image).rectangle([2000, 1000, 6000, 4000], (250, 250, 250, 90))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def flat_webp() -> bytes:
    """8000x5000 (40 MP, the pixel cap) of one colour: a few dozen bytes that decode to 40 MP."""
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 5000), (30, 120, 200)).save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


def flat_gif() -> bytes:
    """8000x5000 (40 MP) of one colour as a GIF."""
    buffer = io.BytesIO()
    Image.new("P", (8000, 5000), 3).save(buffer, "GIF")
    return buffer.getvalue()


def webp_at_its_limit() -> bytes:
    """4000x3000 (12 MP, WebP's own limit), a gradient."""
    ramp = np.linspace(0, 255, 4000, dtype=np.float32)[None, :, None] * np.ones((3000, 1, 3))
    buffer = io.BytesIO()
    Image.fromarray(ramp.astype(np.uint8)).save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def measure(path: Path, how: str, rounds: int) -> tuple[float, float, str]:
    runs = []
    for _ in range(rounds):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(ROOT), str(path), how, str(MAX_PIXELS)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs.append(json.loads(out.stdout))
    seconds = statistics.median(r["seconds"] for r in runs)
    return seconds, statistics.median(r["mb"] for r in runs), runs[0].get("refused", "")


def main(rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, targets in (
            ("24 MP JPEG", phone_jpeg, "<= +150 MB, <= 0.5x Pillow's time"),
            ("40 MP RGBA PNG", big_rgba_png, "<= +200 MB"),
            ("40 MP flat WebP", flat_webp, "<= +200 MB"),
            ("12 MP WebP", webp_at_its_limit, "<= +200 MB"),
            ("40 MP flat GIF", flat_gif, "<= +200 MB"),
        ):
            path = Path(tmp) / name.replace(" ", "_")
            path.write_bytes(make())
            print(f"{name} ({path.stat().st_size / 1e6:.1f} MB file); target {targets}")
            ref_s, ref_mb, _ = measure(path, "pillow", rounds)
            print(f"  Pillow full decode:        {ref_s * 1e3:7.0f} ms  +{ref_mb:5.0f} MB")
            for preset in ("sobel-edges", "letters", "rgb-1024"):
                s, mb, refused = measure(path, preset, rounds)
                said = f"  refused: {refused[:70]}" if refused else ""
                print(f"  ConvLens input, {preset:11s} {s * 1e3:7.0f} ms  +{mb:5.0f} MB"
                      f"  ({s / ref_s:.2f}x Pillow's time){said}")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
