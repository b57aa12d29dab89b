"""A training's state at one step as bytes, and back: the weights that learn, the optimiser's
running averages, the settings in force and the curves so far. A worker writes it as it goes, so
any process shows the step without replaying it, and a job picked up by another worker goes on
from it; going on from a saved state gives the same weights, bit for bit, as never stopping."""

from __future__ import annotations

import copy
import io
import json
from dataclasses import asdict

import numpy as np

from . import learned
from .trainer import Point, Settings, Snapshot, Training


def learning(training: Training) -> list[str]:
    """The names of the weights that change (on learned features, the frozen ones do not)."""
    frozen = learned.FROZEN if training.shape.learned else ()
    return [k for k in training.params if k not in frozen]


def pack(training: Training) -> bytes:
    """``training``'s state now (an .npz file, no pickles)."""
    arrays: dict[str, np.ndarray] = {}
    for name in learning(training):
        arrays[f"weight/{name}"] = training.params[name]
        arrays[f"mean/{name}"] = training.adam.m[name]
        arrays[f"square/{name}"] = training.adam.v[name]
    points = training.points
    arrays["points"] = np.array(
        [(p.step, p.train, np.nan if p.held_out is None else p.held_out) for p in points],
        np.float64,
    ).reshape(len(points), 3)
    arrays["losses"] = np.array(training.losses, np.float64)
    arrays["counts"] = np.array([training.step, training.adam.t], np.int64)
    arrays["settings"] = np.array(json.dumps(asdict(training.settings)))
    out = io.BytesIO()
    np.savez(out, allow_pickle=False, **arrays)
    return out.getvalue()


def unpack(fresh: Training, state: bytes) -> Training:
    """``fresh`` (a training at step 0 of the same drawings, network and seed) moved to the
    state ``pack`` saved; it keeps step 0's snapshot and gains one at the saved step."""
    with np.load(io.BytesIO(state), allow_pickle=False) as saved:
        for name in learning(fresh):
            fresh.params[name] = saved[f"weight/{name}"].copy()
            fresh.adam.m[name] = saved[f"mean/{name}"].copy()
            fresh.adam.v[name] = saved[f"square/{name}"].copy()
        step, fresh.adam.t = (int(v) for v in saved["counts"])
        fresh.settings = Settings(**json.loads(str(saved["settings"])))
        fresh.losses = [float(v) for v in saved["losses"]]
        fresh.points = [
            Point(int(s), float(t), None if np.isnan(h) else float(h))
            for s, t, h in saved["points"]
        ]
    fresh.step = step
    if step:
        params = {k: v.copy() for k, v in fresh.params.items()}
        fresh.snapshots[step] = Snapshot(params, copy.deepcopy(fresh.adam), fresh.settings)
    return fresh
