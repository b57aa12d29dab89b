"""Running pictures: decode, normalise, run and store them, and give any stored run's view.

A run is addressed by a hash of its canonical spec and normalised input, so any process can
recompute any run from the store alone. What was worked out (views, compiled pipelines, which
upload made which run) is kept in the process's cache, within its byte budget.
"""

from __future__ import annotations

import hashlib

from ..engine import PipelineSpec, Trace, compile_pipeline, parse_spec
from ..engine.pipeline import Pipeline
from ..imaging import load_input
from ..imaging.normalise import Box
from ..settings import Settings
from ..store import RunRecord, Tables, run_address, spec_hash
from . import cells
from .cache import ProcessCache
from .catalog import canonical_bytes
from .examples import example_named
from .retention import NotFound, Retention, known_form
from .run_view import RunView, StageView


class Runs:
    def __init__(
        self, settings: Settings, store: Tables, cache: ProcessCache, retention: Retention
    ) -> None:
        self.settings = settings
        self.store = store
        self.cache = cache
        self.retention = retention

    def run_image(self, data: bytes, spec: PipelineSpec, public: bool = False) -> RunView:
        """Decode, normalise and run a picture; store the run and return its view. The same
        bytes through the same pipeline again (a class clicking one example, a drawing run
        once more) are known by a hash of both and answered from the run already made.
        ``public``: one of the app's own examples (see ``RunRecord.public``)."""
        spec_bytes = canonical_bytes(spec)
        seen = ("upload", _upload_key(spec_bytes, data) + (b"public" if public else b""))
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
        self.store.put(RunRecord(rid, spec_bytes, x, content, public), self.retention.clock())
        self.retention.mark_live(rid)
        self.retention.prune_when_due()
        self.cache.put(seen, rid, len(rid) + len(seen[1]) + 100)
        return self._remember(rid, trace, content)

    def look(self, data: bytes | None, example: str | None, spec: PipelineSpec) -> RunView:
        """A picture (else a named example) run and nothing kept: live drawing and the builder's
        preview, where the next change replaces it; its id is the one Run would store it under."""
        if data is None:
            data = example_named(example).data
        spec_bytes = canonical_bytes(spec)
        x, content = load_input(data, spec.input, self.settings.max_image_pixels)
        trace = self._pipeline(spec_bytes, spec).run(x)
        return RunView(run_address(spec_bytes, x, content), trace, content)

    def run_upload(self, data: bytes | None, example: str | None, spec: PipelineSpec) -> RunView:
        """Run an uploaded picture, else a named example; the pages and the API both come here."""
        if data is not None:
            return self.run_image(data, spec)
        return self.run_example(example, spec)

    def run_like(self, rid: str, data: bytes | None, example: str | None) -> RunView:
        """Another picture (an upload, a drawing or an example) through run ``rid``'s pipeline,
        for the two to be compared."""
        return self.run_upload(data, example, self.view(rid).trace.pipeline.spec)

    def run_example(self, name: str | None, spec: PipelineSpec) -> RunView:
        return self.run_image(example_named(name).data, spec, public=True)

    def view(self, rid: str, checked: bool = False) -> RunView:
        """The run's view, recomputed from the stored input and spec when not cached (Gone or
        NotFound when it is not stored; ``checked``: the caller has just made sure it is)."""
        if not checked:
            self.retention.check(rid)
        cached = self.cache.get(("view", rid))
        if isinstance(cached, RunView):
            return cached
        return self.recompute(self.record(rid))

    def record(self, rid: str) -> RunRecord:
        """The stored run (Gone or NotFound when there is none)."""
        record = self.store.get(known_form(rid, "run"))
        if record is None:
            self.retention.check(rid, force=True)
            raise NotFound("there is no run with this id")
        return record

    def restore(self, record: RunRecord) -> RunView:
        """The run of ``record`` (a demo's), recomputed, and stored again unless this process
        knows it is stored: any process serves its pictures from the runs table."""
        cached = self.cache.get(("view", record.id))
        if isinstance(cached, RunView) and self.retention.presence(record.id) == "live":
            return cached
        view = self.recompute(record)
        self.store.put(record, self.retention.clock())
        self.retention.mark_live(record.id)
        return view

    def recompute(self, record: RunRecord) -> RunView:
        trace = self._pipeline(record.spec, None).run(record.input)
        return self._remember(record.id, trace, record.content)

    def stage(self, rid: str, stage: int, checked: bool = False) -> StageView:
        """One stage of the run, or NotFound."""
        view = self.view(rid, checked)
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

    def _pipeline(self, spec_bytes: bytes, spec: PipelineSpec | None) -> Pipeline:
        """The compiled pipeline for a canonical spec: checked and laid out once, then reused."""
        cached = self.cache.get(("pipeline", spec_bytes))
        if isinstance(cached, Pipeline):
            return cached
        pipeline = compile_pipeline(spec or parse_spec(spec_bytes), self.settings.limits())
        self.cache.put(("pipeline", spec_bytes), pipeline, pipeline.nbytes + len(spec_bytes))
        return pipeline

    def _remember(self, rid: str, trace: Trace, content: Box | None) -> RunView:
        view = RunView(rid, trace, content)
        self.cache.put(("view", rid), view, view.nbytes)
        return view


def _upload_key(spec_bytes: bytes, data: bytes) -> bytes:
    return hashlib.sha256(spec_hash(spec_bytes).encode() + data).digest()
