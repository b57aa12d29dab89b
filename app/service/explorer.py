"""One function per use case, shared by the HTML pages and the JSON API."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ParamSpec, TypeVar

import numpy as np

from ..catalog import drawing_presets, get_preset, preset_canonical_json, presets
from ..engine import EngineError, PipelineSpec, Preset, Trace, compile_pipeline, parse_spec
from ..engine.pipeline import Pipeline
from ..imaging import load_input
from ..imaging.card import card_png
from ..imaging.heatmap import DEFAULT_SCHEME, sheet_png
from ..imaging.normalise import Box
from ..settings import Settings
from ..store import DemoRecord, Demos, RunRecord, Runs, open_stores
from . import cells
from .builder import build_spec, tweaks_from_fields
from .cache import ByteLRU
from .examples import EXAMPLES, FEATURED
from .pool import CpuPool
from .view import RunView, StageView

P = ParamSpec("P")
T = TypeVar("T")


def run_id(spec_bytes: bytes, x: np.ndarray, content: Box | None = None) -> str:
    """The run's address: a hash of the canonical spec, the normalised input's bytes and where
    the picture lies in it (when the rest was filled in)."""
    digest = hashlib.sha256()
    digest.update(spec_bytes)
    digest.update(repr(x.shape).encode())
    digest.update(np.ascontiguousarray(x, dtype="<f4").tobytes())
    if content is not None:
        digest.update(repr(content).encode())
    return base64.b32encode(digest.digest()[:20]).decode().lower()


class NotFound(LookupError):
    """An unknown run, demo, stage or map."""


def demo_id(
    spec_bytes: bytes, x: np.ndarray, title: str, description: str, content: Box | None = None
) -> str:
    """A demo's address: a hash of all its content (each part length-prefixed), 160 bits."""
    digest = hashlib.sha256(b"convlens-demo-1")
    framing = [repr(content).encode()] if content is not None else []
    for part in (spec_bytes, repr(x.shape).encode(), np.ascontiguousarray(x, "<f4").tobytes(),
                 title.encode(), description.encode(), *framing):  # fmt: skip
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return base64.b32encode(digest.digest()[:20]).decode().lower()


@dataclass(frozen=True)
class SavedDemo:
    id: str
    run_id: str
    created: bool
    delete_token: str | None
    """Only when the demo is new: its creator's secret for deleting it."""


class Explorer:
    """Runs pictures through pipelines, stores them, and serves any stage from the store."""

    def __init__(self, settings: Settings, store: Runs, demos: Demos) -> None:
        self.settings = settings
        self.store = store
        self.demos = demos
        self._featured: list[tuple[str, DemoRecord]] | None = None
        # run views, compiled pipelines, known uploads and built answers share one budget
        self.cache: ByteLRU[tuple[str, str | bytes], RunView | Pipeline | str | bytes] = ByteLRU(
            settings.cache_bytes
        )
        self.pool = CpuPool(settings.cpu_threads, settings.cpu_queue, settings.request_seconds)

    async def cpu(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` run off the event loop on the bounded pool (Busy or OverBudget, both 503s)."""
        return await self.pool.run(fn, *args, **kwargs)

    @classmethod
    def open(cls, settings: Settings) -> Explorer:
        """The explorer on the stores the settings name (PostgreSQL by URL, else SQLite)."""
        store, demos = open_stores(settings.database_url, settings.database_path)
        return cls(settings, store, demos)

    def start(self) -> None:
        """Create the tables, or bring them up to date; once, when the server starts."""
        self.store.create()

    def stop(self) -> None:
        """Let the pool's threads go and close the database connections; when the server stops."""
        self.pool.shutdown()
        self.store.close()
        self.demos.close()

    @staticmethod
    def presets() -> list[Preset]:
        return list(presets().values())

    @staticmethod
    def drawing_presets() -> list[Preset]:
        """The learned presets a drawing can be read with (letters, digits, capitals)."""
        return drawing_presets()

    def resolve_spec(self, preset: str | None, spec_json: str | None) -> PipelineSpec:
        if spec_json:
            return parse_spec(spec_json)
        return get_preset(preset or "seed-xo").spec

    @staticmethod
    def build_spec(
        get: Callable[[str], str | None], getlist: Callable[[str], list[str]]
    ) -> PipelineSpec:
        """The 'Build your own' pipeline from its form fields."""
        return build_spec(tweaks_from_fields(get, getlist))

    def run_image(self, data: bytes, spec: PipelineSpec) -> RunView:
        """Decode, normalise and run a picture; store the run and return its view. The same
        bytes through the same pipeline again (a class clicking one example, a drawing run
        once more) are known by a hash of both and answered from the run already made."""
        spec_bytes = _canonical_json(spec)
        seen = ("upload", _upload_key(spec_bytes, data))
        known = self.cache.get(seen)
        if isinstance(known, str):
            try:
                return self.view(known)
            except NotFound:
                pass  # the run is gone from the database: make it again
        pipeline = self._pipeline(spec_bytes, spec)
        x, content = load_input(data, spec.input, self.settings.max_image_pixels)
        trace = pipeline.run(x)
        rid = run_id(spec_bytes, x, content)
        self.store.put(RunRecord(rid, spec_bytes, x, content))
        self.cache.put(seen, rid, len(rid) + len(seen[1]) + 100)
        return self._remember(rid, trace, content)

    def run_upload(self, data: bytes | None, example: str | None, spec: PipelineSpec) -> RunView:
        """Run an uploaded picture, else a named example; the pages and the API both come here."""
        if data is not None:
            return self.run_image(data, spec)
        if example:
            return self.run_example(example, spec)
        raise EngineError("image", "choose an example, draw something or upload a picture")

    def run_like(self, rid: str, data: bytes | None, example: str | None) -> RunView:
        """Another picture (an upload, a drawing or an example) through run ``rid``'s pipeline,
        for the two to be compared."""
        return self.run_upload(data, example, self.view(rid).trace.pipeline.spec)

    def run_example(self, name: str, spec: PipelineSpec) -> RunView:
        if name not in EXAMPLES:
            raise EngineError("example", f"unknown example {name!r} (known: {', '.join(EXAMPLES)})")
        return self.run_image(EXAMPLES[name].data, spec)

    def view(self, rid: str) -> RunView:
        """The run's view, recomputed from the stored input and spec when not cached."""
        cached = self._cached_view(rid)
        if cached is not None:
            return cached
        record = self.store.get(rid)
        if record is None:
            raise NotFound("there is no run with this id")
        return self._recompute(record)

    def _cached_view(self, rid: str) -> RunView | None:
        view = self.cache.get(("view", rid))
        assert view is None or isinstance(view, RunView)
        return view

    def _recompute(self, record: RunRecord) -> RunView:
        trace = self._pipeline(record.spec, None).run(record.input)
        return self._remember(record.id, trace, record.content)

    def save_demo(self, rid: str, title: str, description: str) -> SavedDemo:
        """Save run ``rid`` as a demo with a title and description; the same content saved again
        gives the same id, and only the first save gets a delete token."""
        record = self.store.get(rid)
        if record is None:
            raise NotFound("there is no run with this id")
        did = demo_id(record.spec, record.input, title, description, record.content)
        token = secrets.token_urlsafe(24)
        demo = DemoRecord(
            did, record.spec, record.input, title, description, content=record.content
        )
        created = self.demos.put(demo, token)
        return SavedDemo(did, rid, created, token if created else None)

    def demo(self, did: str) -> tuple[DemoRecord, str]:
        """The demo and the id of its run, which is recomputed and stored again if it was lost."""
        record = self.demo_record(did)
        rid = run_id(record.spec, record.input, record.content)
        if self._cached_view(rid) is None:
            # recompute from the demo itself (no second read), and make sure the run's row is
            # there for the pictures, which any process serves from the runs table
            run = RunRecord(rid, record.spec, record.input, record.content)
            self._recompute(run)
            self.store.put(run)
        return record, rid

    def demo_record(self, did: str) -> DemoRecord:
        """The stored demo alone, nothing recomputed; NotFound if there is none."""
        record = self.demos.get(did)
        if record is None:
            raise NotFound("there is no demo with this id")
        return record

    def card(self, did: str) -> bytes:
        """The demo's 1200x630 preview picture: the input, the first maps, the guess."""
        record, rid = self.demo(did)
        view = self.view(rid)
        first = view.stage(0)
        picture = (first.data[0], first.low, first.high)
        maps_stage = next((s for s in view.stages[1:] if s.has_maps), None)
        maps = []
        if maps_stage is not None:
            maps = [(m.values, maps_stage.low, maps_stage.high) for m in maps_stage.maps]
        caption = maps_stage.name if maps_stage is not None else ""
        label = view.prediction.label if view.prediction else None
        return card_png(record.title, picture, maps, caption, label)

    def featured(self) -> list[tuple[str, DemoRecord]]:
        """The gallery's demos, saved on first use (saving is idempotent: same content, same id);
        kept for the life of this process after that, so a gallery view writes nothing."""
        if self._featured is not None:
            return self._featured
        found = []
        for example, preset, title, description in FEATURED:
            if preset not in presets():
                continue
            rid = self.run_example(example, get_preset(preset).spec).id
            saved = self.save_demo(rid, title, description)
            found.append((saved.id, self.demo(saved.id)[0]))
        self._featured = found
        return found

    def delete_demo(self, did: str, token: str) -> None:
        if not self.demos.delete(did, token):
            raise NotFound("there is no demo with this id to delete with that token")

    def _pipeline(self, spec_bytes: bytes, spec: PipelineSpec | None) -> Pipeline:
        """The compiled pipeline for a canonical spec: checked and laid out once, then reused."""
        cached = self.cache.get(("pipeline", spec_bytes))
        if cached is not None:
            assert isinstance(cached, Pipeline)
            return cached
        pipeline = compile_pipeline(spec or parse_spec(spec_bytes), self.settings.limits())
        self.cache.put(("pipeline", spec_bytes), pipeline, pipeline.nbytes + len(spec_bytes))
        return pipeline

    def _remember(self, rid: str, trace: Trace, content: Box | None) -> RunView:
        view = RunView(rid, trace, content)
        self.cache.put(("view", rid), view, view.nbytes)
        return view

    def stage(self, rid: str, stage: int) -> StageView:
        """One stage of the run, or NotFound."""
        view = self.view(rid)
        if not 0 <= stage <= view.last:
            raise NotFound(f"this run has no stage {stage}")
        return view.stage(stage)

    def place(self, rid: str, step: int, cell: str | None) -> tuple[int, str | None]:
        """A place in run ``rid`` as a link keeps it: the step (at most the last, at least the
        selected cell's stage) and the cell, checked (EngineError for one the run lacks)."""
        view = self.view(rid)
        selected = cells.parse_cell(cell, view)
        step = min(step, view.last)
        if selected is not None:
            cells.explain(view, *selected)
            step = max(step, selected[0])
        return step, cells.cell_key(selected)

    def explain(self, rid: str, stage: int, channel: int, y: int, x: int) -> cells.CellView:
        """One cell's arithmetic (EngineError for a cell the run does not have)."""
        return cells.explain(self.view(rid), stage, channel, y, x)

    def heatmap(
        self, rid: str, stage: int, index: int | None, per_map: bool = False,
        scheme: str = DEFAULT_SCHEME,
    ) -> bytes:  # fmt: skip
        """Map ``index`` of ``stage`` as a PNG, or with ``index`` None the stage's sheet (every
        map side by side, see ``sheet_png``), on the stage's shared scale or each map's own, in
        ``scheme``'s colours; drawn once, then kept (with the runs, in the cache's budget)."""
        cached = self.cached_heatmap(rid, stage, index, per_map, scheme)
        if cached is not None:
            return cached
        out = self.stage(rid, stage)
        if index is not None and not 0 <= index < out.map_count:
            raise NotFound(f"stage {stage} has no map {index}")
        planes = out.data if out.has_maps else out.data[None, None]  # a vector: one 1xN map
        chosen = range(out.map_count) if index is None else [index]
        scales = [out.map_scale(m, per_map) if out.has_maps else out.scale for m in chosen]
        png = sheet_png(
            planes[index : index + 1] if index is not None else planes,
            [(sc.palette, sc.low, sc.high) for sc in scales],
            scheme=scheme,
        )
        self.keep("png", _heatmap_key(rid, stage, index, per_map, scheme), png)
        return png

    def recall(self, kind: str, key: str) -> bytes | None:
        """A response built before for this key (a page, an answer), if it is still kept. Runs
        never change, so what was built from one can be sent again as it is."""
        found = self.cache.get((kind, key))
        return found if isinstance(found, bytes) else None

    def keep(self, kind: str, key: str, body: bytes) -> None:
        """Keep a built response for ``recall``, within the cache's budget."""
        self.cache.put((kind, key), body, len(body) + len(key) + 100)

    async def built(self, kind: str, key: str, build: Callable[[], bytes]) -> bytes:
        """The response kept for ``key``, or ``build()`` run on the pool and then kept."""
        body = self.recall(kind, key)
        if body is None:
            body = await self.cpu(build)
            self.keep(kind, key, body)
        return body

    def cached_heatmap(
        self, rid: str, stage: int, index: int | None, per_map: bool, scheme: str = DEFAULT_SCHEME
    ) -> bytes | None:
        """The heatmap's (or sheet's) PNG if it was drawn before and is still kept, else None."""
        return self.recall("png", _heatmap_key(rid, stage, index, per_map, scheme))

    def kernels(self, rid: str, stage: int, scheme: str = DEFAULT_SCHEME) -> bytes:
        """The kernels of convolution ``stage`` as one picture (see ``KernelsView.png``)."""
        out = self.stage(rid, stage)
        if out.kernels is None:
            raise NotFound(f"stage {stage} is not a convolution")
        return out.kernels.png(scheme)


def _heatmap_key(rid: str, stage: int, index: int | None, per_map: bool, scheme: str) -> str:
    which = "all" if index is None else index
    return f"{rid}/{stage}/{which}/{'map' if per_map else 'stage'}/{scheme}"


@lru_cache(maxsize=64)
def _spec_digest(spec_bytes: bytes) -> bytes:
    """A spec's hash, worked out once per spec (a learned one is 160 KB)."""
    return hashlib.sha256(spec_bytes).digest()


def _upload_key(spec_bytes: bytes, data: bytes) -> bytes:
    return hashlib.sha256(_spec_digest(spec_bytes) + data).digest()


def _canonical_json(spec: PipelineSpec) -> bytes:
    """The spec's canonical bytes; a preset's are worked out once and kept."""
    for name, preset in presets().items():
        if spec is preset.spec:
            return preset_canonical_json(name)
    return spec.canonical_json()
