"""Bytes stored per run, by hand: python bench/stored_bytes.py

A tiny PNG and a noisy 32x32 one through an RGB 1024x1024 spec: what the runs table keeps for
each (the float32 input is 12.6 MB raw), and whether the run reopens bit for bit.
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.service import Service, resolve_spec
from app.settings import Settings


def png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    flat = png(Image.new("RGB", (8, 8), (200, 30, 90)))
    noise = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    noisy = png(Image.fromarray(noise))
    folder = Path(tempfile.mkdtemp())
    service = Service.open(Settings(data_dir=folder))
    service.start()
    spec_json = {"input": {"mode": "rgb", "size": [1024, 1024]}, "stages": [{"kind": "relu"}]}
    spec = resolve_spec(None, json.dumps(spec_json))
    raw = 3 * 1024 * 1024 * 4
    with sqlite3.connect(folder / "convlens.sqlite3") as conn:
        for label, data in (("flat 8x8", flat), ("noisy 32x32", noisy)):
            view = service.runs.run_image(data, spec)
            (size,) = conn.execute("SELECT size FROM runs WHERE id = ?", (view.id,)).fetchone()
            record = service.runs.store.get(view.id)
            same = (
                record is not None and record.input.tobytes() == view.trace.stages[0].data.tobytes()
            )
            print(f"{label} PNG of {len(data):,} bytes: {size:,} bytes stored "
                  f"({raw:,} raw float32); reopened bit for bit: {same}")  # fmt: skip
    service.stop()


if __name__ == "__main__":
    main()
