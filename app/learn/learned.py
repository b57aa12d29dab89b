"""Learning on learned features: the trained letters network's two convolutions, frozen, and a
new dense layer on top, the only part that learns (what Teachable Machine does with its own
image network). Its first layer does not change, so it is shown beside a from-scratch training
of the same drawings rather than instead of one."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from ..engine import backward as bw
from ..engine.spec import PipelineSpec
from ..letters import weights as letters

F32 = np.float32
FILTERS, KERNEL, FLAT = 16, 3, 48 * 5 * 5
"""The letters network's first layer, and its pooled second layer's features."""
FROZEN = ("conv.weight", "conv.bias", "conv2.weight", "conv2.bias")
Params = dict[str, npt.NDArray[np.float32]]


@cache
def frozen() -> Params:
    """The letters network's convolutions, under this module's names."""
    trained = letters.trained()
    if trained is None:
        raise RuntimeError("the letters network has no weights: run `convlens train-letters`")
    names = {"conv.weight": "conv1.weight", "conv.bias": "conv1.bias"}
    return {k: trained[names.get(k, k)] for k in FROZEN}


def init_params(classes: int, rng: np.random.Generator) -> Params:
    dense = rng.normal(0, np.sqrt(2.0 / FLAT), (classes, FLAT)).astype(F32)
    return {**{k: v.copy() for k, v in frozen().items()}, "dense.weight": dense,
            "dense.bias": np.zeros(classes, F32)}  # fmt: skip


def features(p: Params, x: npt.NDArray[np.floating]) -> tuple[np.ndarray, np.ndarray]:
    """The first layer's maps (before ReLU) and the pooled second layer, flat. Each ReLU is
    taken after its pool: max and ReLU commute, so the values are the same."""
    conv = bw.conv2d_batch(x, p["conv.weight"], p["conv.bias"])
    first = np.maximum(bw.max_pool2d_batch(conv, 2), 0)
    second = bw.conv2d_batch(first, p["conv2.weight"], p["conv2.bias"])
    flat = np.maximum(bw.max_pool2d_batch(second, 2), 0).reshape(len(x), -1)
    return conv, flat


def to_spec(p: Params, labels: list[str]) -> PipelineSpec:
    """The network as an engine pipeline: the letters network's stages, then the new dense."""
    convs = {"conv1.weight": p["conv.weight"], "conv1.bias": p["conv.bias"],
             "conv2.weight": p["conv2.weight"], "conv2.bias": p["conv2.bias"]}  # fmt: skip
    return letters.with_dense(convs, p["dense.weight"], p["dense.bias"], labels)
