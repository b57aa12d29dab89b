"""A run's pictures: each stage's maps as one sheet (or one map alone), a convolution's kernels,
and a demo's preview card. Each is drawn once and then kept with the run's other answers."""

from __future__ import annotations

from ..imaging.card import card_png
from ..imaging.heatmap import DEFAULT_SCHEME, sheet_png
from .demos import DemoView
from .kept import Kept
from .retention import NotFound
from .runs import Runs


def heatmap_key(rid: str, stage: int, index: int | None, per_map: bool, scheme: str) -> str:
    which = "all" if index is None else index
    return f"{rid}/{stage}/{which}/{'map' if per_map else 'stage'}/{scheme}"


class Pictures:
    def __init__(self, runs: Runs, kept: Kept) -> None:
        self.runs = runs
        self.kept = kept

    async def heatmap(
        self, rid: str, stage: int, index: int | None, per_map: bool = False,
        scheme: str = DEFAULT_SCHEME,
    ) -> bytes:  # fmt: skip
        """Map ``index`` of ``stage`` as a PNG, or with ``index`` None the stage's sheet (every
        map side by side, see ``sheet_png``), on the stage's shared scale or each map's own, in
        ``scheme``'s colours: from memory when drawn before, else drawn on the CPU pool. The run
        is looked for in the store once."""
        key = heatmap_key(rid, stage, index, per_map, scheme)
        self.runs.retention.check(rid)
        png = self.kept.recall("png", key)
        if png is None:
            png = await self.kept.pool.run(self.draw, rid, stage, index, per_map, scheme)
            self.kept.keep("png", key, png)
        return png

    def draw(self, rid: str, stage: int, index: int | None, per_map: bool, scheme: str) -> bytes:
        """The picture ``heatmap`` sends, drawn now (the run is known to be stored)."""
        out = self.runs.stage(rid, stage, checked=True)
        if index is not None and not 0 <= index < out.map_count:
            raise NotFound(f"stage {stage} has no map {index}")
        planes = out.data if out.has_maps else out.data[None, None]  # a vector: one 1xN map
        chosen = range(out.map_count) if index is None else [index]
        scales = [out.map_scale(m, per_map) if out.has_maps else out.scale for m in chosen]
        return sheet_png(
            planes[index : index + 1] if index is not None else planes, scales, scheme=scheme
        )

    def kernels(self, rid: str, stage: int, scheme: str = DEFAULT_SCHEME) -> bytes:
        """The kernels of convolution ``stage`` as one picture (see ``KernelsView.png``)."""
        out = self.runs.stage(rid, stage)
        if out.kernels is None:
            raise NotFound(f"stage {stage} is not a convolution")
        return out.kernels.png(scheme)

    @staticmethod
    def card(demo: DemoView) -> bytes:
        """The demo's 1200x630 preview picture: the input, the first maps, the guess."""
        view = demo.run
        first = view.stage(0)
        picture = (first.data[0], first.low, first.high)
        maps_stage = next((s for s in view.stages[1:] if s.has_maps), None)
        maps = []
        if maps_stage is not None:
            maps = [(m.values, maps_stage.low, maps_stage.high) for m in maps_stage.maps]
        caption = maps_stage.name if maps_stage is not None else ""
        label = view.prediction.label if view.prediction else None
        return card_png(demo.record.title, picture, maps, caption, label)
