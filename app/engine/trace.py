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


class StageOutput:
    """One stage's output; treat it as read-only. A plain class with slots, not a dataclass:
    a trace makes one per stage on every run, and this is the cheapest to create."""

    __slots__ = ("_range", "data", "index", "kind", "labels", "name")

    def __init__(
        self, index: int, name: str, kind: str, data: Array, labels: tuple[str, ...]
    ) -> None:
        self.index = index
        self.name = name
        self.kind = kind
        self.data = data
        self.labels = labels
        self._range: tuple[float, float] | None = None

    def __repr__(self) -> str:
        return f"StageOutput({self.index}, {self.name!r}, {self.kind!r}, shape={self.shape})"

    @property
    def shape(self) -> Shape:
        return tuple(self.data.shape)

    @property
    def value_range(self) -> tuple[float, float]:
        """(smallest, largest) value, worked out when first asked for."""
        if self._range is None:
            self._range = float(self.data.min()), float(self.data.max())
        return self._range


@dataclass(frozen=True)
class Prediction:
    label: str
    scores: dict[str, float]


@dataclass(frozen=True, eq=False)
class Trace:
    pipeline: Pipeline
    outputs: tuple[Array, ...]
    """Every stage's output, the input first."""

    @cached_property
    def stages(self) -> tuple[StageOutput, ...]:
        """Each output with its stage's index, name, kind and labels (made when first asked
        for: running keeps only the arrays)."""
        p = self.pipeline
        made = zip(p.steps, self.outputs[1:], strict=True)
        first = StageOutput(0, "input", "input", self.outputs[0], p.input_labels)
        rest = (StageOutput(i, s.name, s.kind, x, s.labels) for i, (s, x) in enumerate(made, 1))
        return (first, *rest)

    def __iter__(self) -> Iterator[StageOutput]:
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.outputs)

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
