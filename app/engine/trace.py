"""A run's record: every stage's output, in order, the input first."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .errors import EngineError
from .ops import Array

if TYPE_CHECKING:
    from .pipeline import Pipeline
    from .steps import Step

Shape = tuple[int, ...]


@dataclass(eq=False)
class StageOutput:
    """One stage's output. Not a frozen dataclass only because frozen ones cost three times as
    much to create, and a trace makes one per stage on every run; treat it as read-only."""

    index: int
    name: str
    kind: str
    data: Array
    labels: tuple[str, ...]

    @property
    def shape(self) -> Shape:
        return tuple(self.data.shape)

    @cached_property
    def value_range(self) -> tuple[float, float]:
        return float(self.data.min()), float(self.data.max())


@dataclass(frozen=True)
class Prediction:
    label: str
    scores: dict[str, float]


@dataclass(frozen=True, eq=False)
class Trace:
    pipeline: Pipeline
    stages: tuple[StageOutput, ...]

    def __iter__(self) -> Iterator[StageOutput]:
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.stages)

    def stage(self, key: int | str) -> StageOutput:
        """A stage by index (0 is the input) or by name; EngineError if there is none."""
        if isinstance(key, int):
            if 0 <= key < len(self.stages):
                return self.stages[key]
            raise EngineError("stage", f"no stage {key}; stages run from 0 to {len(self) - 1}")
        for out in self.stages:
            if out.name == key:
                return out
        raise EngineError("stage", f"no stage named {key!r}")

    def step(self, index: int) -> Step:
        """The step that made stage ``index``: the one place that maps stages to steps (stage 0
        is the input, which no step makes; stage i comes from step i - 1)."""
        if not 1 <= index < len(self.stages):
            raise EngineError("stage", f"stage {index} is not made by a step")
        return self.pipeline.steps[index - 1]

    @cached_property
    def prediction(self) -> Prediction | None:
        """The last stage's scores by class, if the pipeline ends in labelled scores."""
        last = self.stages[-1]
        if last.data.ndim != 1 or len(last.labels) != last.data.shape[0]:
            return None
        scores = {label: float(v) for label, v in zip(last.labels, last.data, strict=True)}
        return Prediction(last.labels[int(np.argmax(last.data))], scores)
