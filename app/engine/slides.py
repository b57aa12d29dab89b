"""The slides' own vote on the 12 values they print, worked out by the engine: X 0.91, O 0.51."""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from .cell import explain
from .pipeline import run
from .presets import SLIDES_VOTE_INPUT, get_preset
from .spec import FlattenStage, InputSpec, PipelineSpec
from .trace import Prediction, Trace


@lru_cache(maxsize=64)
def vote_trace(values: tuple[float, ...]) -> Trace:
    """The seed-xo preset's vote (flatten, then the vote) on these 12 values."""
    vote_only = PipelineSpec(
        input=InputSpec(size=(1, len(values))),
        stages=[FlattenStage(), get_preset("seed-xo").spec.stages[-1]],
    )
    return run(vote_only, np.array(values, np.float32)[None, None])


def slides_vote_trace() -> Trace:
    """The seed-xo preset's vote on the slides' 12 printed values."""
    return vote_trace(tuple(SLIDES_VOTE_INPUT))


@cache
def slides_vote() -> tuple[tuple[tuple[str, str], ...], Prediction]:
    """((label, formula) per class, prediction) for the slides' example vector."""
    trace = slides_vote_trace()
    last = len(trace) - 1
    formulas = tuple(
        (label, explain(trace, last, 0, 0, i).formula)
        for i, label in enumerate(trace.stages[-1].labels)
    )
    assert trace.prediction is not None
    return formulas, trace.prediction
