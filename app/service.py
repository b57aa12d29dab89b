"""One function per use case, shared by the HTML pages and the JSON API."""

from __future__ import annotations

import base64
import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import TypeVar

import numpy as np
from PIL import Image

from .engine import EngineError, PipelineSpec, Trace, compile_pipeline, get_preset, parse_spec
from .engine.pipeline import Pipeline
from .engine.presets import SLIDES_O, SLIDES_X
from .imaging import load_input
from .imaging.heatmap import render_png, scale_for
from .settings import Settings
from .store import RunRecord, RunStore

TRACE_CACHE_SIZE = 64
PIPELINE_CACHE_SIZE = 32

K = TypeVar("K")
V = TypeVar("V")


def _ink_png(grid: np.ndarray, scale: int = 20) -> bytes:
    """A slides picture drawn as dark ink on white, as a person would upload it."""
    pixels = np.where(grid[0] > 0, 0, 255).astype(np.uint8)
    h, w = pixels.shape
    image = Image.fromarray(pixels).resize((w * scale, h * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


EXAMPLES: dict[str, tuple[str, bytes]] = {
    "x": ("The slides' X", _ink_png(SLIDES_X)),
    "o": ("An O", _ink_png(SLIDES_O)),
    "x-shifted": ("The X, one pixel to the right", _ink_png(np.roll(SLIDES_X, 1, axis=2))),
}


def run_id(spec_bytes: bytes, x: np.ndarray) -> str:
    """The run's address: a hash of the canonical spec and the normalised input's bytes."""
    digest = hashlib.sha256()
    digest.update(spec_bytes)
    digest.update(repr(x.shape).encode())
    digest.update(np.ascontiguousarray(x, dtype="<f4").tobytes())
    return base64.b32encode(digest.digest()[:20]).decode().lower()


def heatmap_etag(rid: str, stage: int, index: int) -> str:
    """A heatmap's ETag: its address says everything, since runs never change."""
    return f'"{rid}-{stage}-{index}"'


@dataclass(frozen=True)
class Heatmap:
    png: bytes
    etag: str


class NotFound(LookupError):
    """An unknown run, stage or map."""


class Explorer:
    """Runs pictures through pipelines, stores them, and serves any stage from the store."""

    def __init__(self, settings: Settings, store: RunStore) -> None:
        self.settings = settings
        self.store = store
        self._traces: OrderedDict[str, Trace] = OrderedDict()
        self._pipelines: OrderedDict[bytes, Pipeline] = OrderedDict()
        self._lock = Lock()

    def resolve_spec(self, preset: str | None, spec_json: str | None) -> PipelineSpec:
        if spec_json:
            return parse_spec(spec_json)
        return get_preset(preset or "seed-xo").spec

    def run_image(self, data: bytes, spec: PipelineSpec) -> str:
        """Decode, normalise and run a picture; store the run and return its id."""
        spec_bytes = spec.canonical_json()
        pipeline = self._pipeline(spec_bytes, spec)
        x = load_input(data, spec.input, self.settings.max_image_pixels)
        trace = pipeline.run(x)
        rid = run_id(spec_bytes, x)
        self.store.put(RunRecord(rid, spec_bytes, x))
        self._remember(rid, trace)
        return rid

    def run_example(self, name: str, spec: PipelineSpec) -> str:
        if name not in EXAMPLES:
            raise EngineError("example", f"unknown example {name!r} (known: {', '.join(EXAMPLES)})")
        return self.run_image(EXAMPLES[name][1], spec)

    def trace(self, rid: str) -> Trace:
        """The run's trace, recomputed from the stored input and spec when not cached."""
        with self._lock:
            if rid in self._traces:
                self._traces.move_to_end(rid)
                return self._traces[rid]
        record = self.store.get(rid)
        if record is None:
            raise NotFound(f"no run {rid!r}")
        trace = self._pipeline(record.spec, None).run(record.input)
        self._remember(rid, trace)
        return trace

    def _pipeline(self, spec_bytes: bytes, spec: PipelineSpec | None) -> Pipeline:
        """The compiled pipeline for a canonical spec: checked and laid out once, then reused."""
        with self._lock:
            if spec_bytes in self._pipelines:
                self._pipelines.move_to_end(spec_bytes)
                return self._pipelines[spec_bytes]
        pipeline = compile_pipeline(spec or parse_spec(spec_bytes), self.settings.limits())
        with self._lock:
            _bounded_put(self._pipelines, spec_bytes, pipeline, PIPELINE_CACHE_SIZE)
        return pipeline

    def _remember(self, rid: str, trace: Trace) -> None:
        with self._lock:
            _bounded_put(self._traces, rid, trace, TRACE_CACHE_SIZE)

    def heatmap(self, rid: str, stage: int, index: int) -> Heatmap:
        """Map ``index`` of ``stage`` as a PNG, on the stage's shared scale."""
        trace = self.trace(rid)
        if not 0 <= stage < len(trace):
            raise NotFound(f"run {rid} has no stage {stage}")
        out = trace.stage(stage)
        data = out.data if out.data.ndim == 3 else out.data[None, None]
        if not 0 <= index < data.shape[0]:
            raise NotFound(f"stage {stage} has no map {index}")
        palette, lo, hi = scale_for(*out.value_range)
        return Heatmap(render_png(data[index], palette, lo, hi), heatmap_etag(rid, stage, index))


def _bounded_put(cache: OrderedDict[K, V], key: K, value: V, size: int) -> None:
    """Put ``key`` last (newest) in ``cache``, dropping the oldest entries past ``size``."""
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)
