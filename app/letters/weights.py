"""The trained letters network as the server needs it: its classes, its weights file, and the
weights as an engine pipeline. Imports the engine's spec alone, none of the training code (data
making, backward passes, process pools), so serving never loads what training uses."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..engine.spec import (
    ConvStage,
    DenseStage,
    FlattenStage,
    InputSpec,
    Kernel,
    PipelineSpec,
    PoolStage,
    ReluStage,
    SoftmaxStage,
)

CLASSES: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
SIZE = 28
MODEL_DIR = Path(__file__).resolve().parent / "trained"
WEIGHTS = "letters.npz"
CARD = "letters.json"

Params = dict[str, npt.NDArray[np.float32]]


@cache
def trained() -> Params | None:
    """The committed weights, read once a process (shared: callers must not change them)."""
    return load()


def load(folder: Path = MODEL_DIR) -> Params | None:
    """The committed weights, or None before the first training."""
    path = folder / WEIGHTS
    if not path.exists():
        return None
    with np.load(path) as npz:
        return {k: npz[k].astype(np.float32) for k in npz.files}


def to_spec(p: Params, classes: str = "".join(CLASSES)) -> PipelineSpec:
    """The trained network as an engine pipeline, the ink-centred 28x28 input first, scoring
    only ``classes`` (the dense layer keeps their rows, so the softmax is over them alone)."""
    rows = [CLASSES.index(c) for c in classes]
    return with_dense(p, p["dense.weight"][rows], p["dense.bias"][rows], list(classes))


def with_dense(
    p: Params, weight: npt.NDArray[np.float32], bias: npt.NDArray[np.float32], labels: list[str]
) -> PipelineSpec:
    """The network's convolutions (``p``'s conv1 and conv2) under a dense layer of its own."""

    def kernels(weight: npt.NDArray[np.float32]) -> list[Kernel]:
        return [Kernel(name=f"filter {i + 1}", weights=w.tolist()) for i, w in enumerate(weight)]

    pool = PoolStage(op="max", kernel_size=2, stride=2)
    return PipelineSpec(
        input=InputSpec(mode="gray", size=(SIZE, SIZE), values="ink_unit", fit="ink"),
        stages=[
            ConvStage(kernels=kernels(p["conv1.weight"]), bias=p["conv1.bias"].tolist()),
            ReluStage(),
            pool,
            ConvStage(kernels=kernels(p["conv2.weight"]), bias=p["conv2.bias"].tolist()),
            ReluStage(),
            pool,
            FlattenStage(),
            DenseStage(weights=weight.tolist(), bias=bias.tolist(), classes=labels),
            SoftmaxStage(),
        ],
    )
