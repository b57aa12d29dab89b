"""One function per use case, shared by the HTML pages and the JSON API."""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ParamSpec, TypeVar

from ..catalog import drawing_presets, get_preset, preset_canonical_json, presets
from ..engine import EngineError, PipelineSpec, Preset, Trace, compile_pipeline, parse_spec
from ..engine.pipeline import Pipeline
from ..imaging import load_input
from ..imaging.card import card_png
from ..imaging.heatmap import DEFAULT_SCHEME, sheet_png
from ..imaging.normalise import Box
from ..settings import Settings
from ..store import DemoRecord, Presence, RunRecord, Tables, open_stores, run_address
from . import cells
from .builder import build_spec, tweaks_from_fields
from .cache import ByteLRU
from .examples import EXAMPLES, FEATURED
from .pool import CpuPool
from .view import RunView, StageView

P = ParamSpec("P")
T = TypeVar("T")


class NotFound(LookupError):
    """An unknown run, demo, stage or map."""


class Gone(NotFound):
    """A run that was here and was deleted (not viewed for a while, or its demo deleted)."""


def new_demo_id() -> str:
    """A demo's address: 160 random bits in base 32, so no one can guess or claim it first."""
    return base64.b32encode(secrets.token_bytes(20)).decode().lower()


def featured_id(example: str, preset: str) -> str:
    """A gallery demo's fixed address (the same in every process and on every start)."""
    digest = hashlib.sha256(f"convlens-featured-1\0{example}\0{preset}".encode()).digest()
    return base64.b32encode(digest[:20]).decode().lower()


ALIVE_SECONDS = 5.0
"""A cached run is checked against the database at most this often per process (so a run
deleted by another process stops being served within this time)."""
PRUNE_SECONDS = 60.0
"""How often a process looks for runs to delete (each does; the deletes are idempotent)."""


@dataclass(frozen=True)
class SavedDemo:
    id: str
    run_id: str
    delete_token: str
    """Its creator's secret for deleting it."""


class Explorer:
    """Runs pictures through pipelines, stores them, and serves any stage from the store."""

    def __init__(self, settings: Settings, store: Tables, demos: Tables) -> None:
        self.settings = settings
        self.store = store
        self.demos = demos
        self.clock: Callable[[], float] = time.time
        self._checked: dict[str, float] = {}  # run id -> when this process last found it live
        self._pruned = 0.0
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
        rid = run_address(spec_bytes, x, content)
        self.store.put(RunRecord(rid, spec_bytes, x, content), self.clock())
        self._checked[rid] = time.monotonic()
        self.prune_when_due()
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
        self.check(rid)
        cached = self._cached_view(rid)
        if cached is not None:
            return cached
        record = self.store.get(rid)
        if record is None:
            self.check(rid, force=True)
            raise NotFound("there is no run with this id")
        return self._recompute(record)

    def check(self, rid: str, force: bool = False) -> None:
        """Gone or NotFound unless run ``rid`` is stored (asked of the database at most every
        ALIVE_SECONDS per run, and then its view is noted for retention)."""
        presence = self._presence(rid, force)
        if presence == "live":
            return
        self.forget([rid])
        if presence == "gone":
            raise Gone("this run has expired: runs no one has opened for a while are deleted")
        raise NotFound("there is no run with this id")

    def _presence(self, rid: str, force: bool = False) -> Presence:
        """Whether run ``rid`` is stored: 'live' without asking the database when this process
        found it so less than ALIVE_SECONDS ago (unless ``force``), else as the store says."""
        now = time.monotonic()
        if not force and now - self._checked.get(rid, -ALIVE_SECONDS) < ALIVE_SECONDS:
            return "live"
        presence = self.store.seen(rid, self.clock())
        if presence == "live":
            if len(self._checked) > 100_000:
                self._checked.clear()
            self._checked[rid] = now
        return presence

    def forget(self, rids: list[str]) -> None:
        """Drop everything this process keeps for these runs (they were deleted)."""
        for rid in rids:
            self._checked.pop(rid, None)
        gone = set(rids)

        def doomed(key: tuple[str, str | bytes]) -> bool:
            kind, rest = key
            if kind == "api-run":  # keyed by the upload, not the run: let them all go
                return True
            return isinstance(rest, str) and rest.split("/")[0].split("?")[0] in gone

        if gone:
            self.cache.drop(doomed)

    def count(self, what: str, client: str, limit: int) -> int | None:
        """One more ``what`` from ``client`` this minute, counted in the database so every
        worker and server shares the count: None while within ``limit`` a minute (0: no
        limit), else the seconds until the next minute."""
        if limit <= 0:
            return None
        now = self.clock()
        minute = int(now // 60)
        if self.store.hit(f"{what} {client}", minute) <= limit:
            return None
        return max(1, math.ceil((minute + 1) * 60 - now))

    def prune(self) -> list[str]:
        """Delete the runs retention lets go (see ``store.tables``); their ids."""
        ttl = self.settings.run_ttl_days * 86400
        removed = self.store.prune(self.clock(), ttl, self.settings.max_store_bytes)
        self.forget(removed)
        return removed

    def prune_when_due(self) -> None:
        """``prune`` if this process has not for PRUNE_SECONDS, or the store is over its size
        (a sum over the runs' sizes, after each new run)."""
        now = time.monotonic()
        due = now - self._pruned >= PRUNE_SECONDS
        if due or self.store.stored_bytes() > self.settings.max_store_bytes:
            self._pruned = now
            self.prune()

    def _cached_view(self, rid: str) -> RunView | None:
        view = self.cache.get(("view", rid))
        assert view is None or isinstance(view, RunView)
        return view

    def _recompute(self, record: RunRecord) -> RunView:
        trace = self._pipeline(record.spec, None).run(record.input)
        return self._remember(record.id, trace, record.content)

    def save_demo(self, rid: str, title: str, description: str) -> SavedDemo:
        """Save run ``rid`` as a new demo with a title and description, under a random id with
        its own delete token (saving the same content again makes another demo)."""
        record = self.store.get(rid)
        if record is None:
            self.check(rid, force=True)
            raise NotFound("there is no run with this id")
        did = new_demo_id()
        token = secrets.token_urlsafe(24)
        demo = DemoRecord(did, record.spec, record.input, title, description,
                          content=record.content, run_id=rid)  # fmt: skip
        self.demos.put_demo(demo, token)
        return SavedDemo(did, rid, token)

    def demo(self, did: str) -> tuple[DemoRecord, str]:
        """The demo and the id of its run, which is recomputed and stored again if it was lost."""
        record = self.demo_record(did)
        rid = record.run_id  # every demo names its run (schema 5 filled in older ones)
        if self._cached_view(rid) is None or self._presence(rid) != "live":
            # recompute from the demo itself (no second read), and make sure the run's row is
            # there for the pictures, which any process serves from the runs table
            run = RunRecord(rid, record.spec, record.input, record.content)
            self._recompute(run)
            self.store.put(run, self.clock())
            self._checked[rid] = time.monotonic()
        return record, rid

    def demo_record(self, did: str) -> DemoRecord:
        """The stored demo alone, nothing recomputed; NotFound if there is none."""
        record = self.demos.get_demo(did)
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
        """The gallery's demos, saved on first use under fixed ids that no one holds a delete
        token for; kept for the life of this process after that, so a gallery view writes
        nothing."""
        if self._featured is not None:
            return self._featured
        found = []
        for example, preset, title, description in FEATURED:
            if preset not in presets():
                continue
            rid = self.run_example(example, get_preset(preset).spec).id
            did = featured_id(example, preset)
            if self.demos.get_demo(did) is None:  # saved once, with a token no one is told
                record = self.store.get(rid)
                assert record is not None
                self.demos.put_demo(DemoRecord(did, record.spec, record.input, title,
                                               description, content=record.content, run_id=rid),
                                    secrets.token_urlsafe(24))  # fmt: skip
            found.append((did, self.demo(did)[0]))
        self._featured = found
        return found

    def delete_demo(self, did: str, token: str) -> None:
        """Delete the demo and the run only it showed (NotFound for a wrong id or token)."""
        removed = self.demos.delete_demo(did, token, self.clock())
        if removed is None:
            raise NotFound("there is no demo with this id to delete with that token")
        self.forget(removed)
        self._featured = None

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

    async def built(
        self, kind: str, key: str, build: Callable[[], bytes], run: str | None = None
    ) -> bytes:
        """The response kept for ``key``, or ``build()`` run on the pool and then kept; for a
        page of ``run``, only while the run is stored (else Gone or NotFound)."""
        if run is not None:
            self.check(run)
        body = self.recall(kind, key)
        if body is None:
            body = await self.cpu(build)
            self.keep(kind, key, body)
        return body

    def cached_heatmap(
        self, rid: str, stage: int, index: int | None, per_map: bool, scheme: str = DEFAULT_SCHEME
    ) -> bytes | None:
        """The heatmap's (or sheet's) PNG if it was drawn before and is still kept, else None."""
        self.check(rid)
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
