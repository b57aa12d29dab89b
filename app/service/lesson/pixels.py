"""Chapter 1, pictures are numbers: a picture (the photo or the learner's upload) as its red,
green and blue values."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine import EngineError
from ...engine.spec import InputSpec, PipelineSpec, ReluStage
from ...imaging.heatmap import channel_pngs, data_url
from ..run_view import RunView
from ..runs import Runs

PIXELS_SPEC = PipelineSpec(input=InputSpec(mode="rgb", size=(16, 16)), stages=[ReluStage()])
"""A picture as 16x16 pixels of red, green and blue (ReLU leaves 0 to 1 alone)."""
SHOWN_SIDE = 32
"""The chapter shows at most this many pixels a side: a bigger picture is sampled, every k-th
pixel each way, so the page stays small whatever picture the link names."""


def pictures(runs: Runs, run: str | None) -> dict[str, Any]:
    """The learner's picture when given (a run made by this chapter's upload), else the photo."""
    if run:
        view = runs.view(run)
        if view.stage(0).data.shape[0] != 3:
            raise EngineError("run", "this run's picture is not in colour; upload one here")
    else:
        view = runs.run_example("photo", PIXELS_SPEC)
    full = view.stage(0).data
    every = -(-max(full.shape[1:]) // SHOWN_SIDE)  # 1 for a picture that fits
    rgb = np.ascontiguousarray(full[:, ::every, ::every])
    whole, channels = channel_pngs(rgb)
    return {"pixels": view, "rgb": rgb, "every": every, "full": full.shape[1:],
            "whole": data_url(whole), "channels": [data_url(png) for png in channels]}  # fmt: skip


def upload(runs: Runs, data: bytes) -> RunView:
    """The learner's picture, stored: its id goes in the chapter's link."""
    return runs.run_image(data, PIXELS_SPEC)
