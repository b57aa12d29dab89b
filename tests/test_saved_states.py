"""A training's saved state (issue 26): packed and unpacked it goes on to the same weights, bit
for bit, as a training that never stopped; another process shows a saved step without
replaying it; a state made before a settings change that came earlier is never used."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from app.learn import made, net
from app.learn.saved import pack, unpack
from app.learn.trainer import NEW, Training
from app.service import Service
from app.service.cache import ByteLRU
from app.service.replay import Replays
from app.settings import Settings


def same(a: Training, b: Training) -> None:
    assert a.step == b.step
    for name, weight in a.params.items():
        assert np.array_equal(weight, b.params[name]), name
        assert np.array_equal(a.adam.m[name], b.adam.m[name]), name
        assert np.array_equal(a.adam.v[name], b.adam.v[name]), name
    assert a.adam.t == b.adam.t and a.settings == b.settings
    assert a.losses == b.losses and a.points == b.points


@pytest.mark.parametrize(
    "shape", [net.Shape(2), net.on_learned_features(2)], ids=["scratch", "features"]
)
def test_going_on_from_a_saved_state_is_never_stopping(shape):
    drawings, labels = made.drawings("XO", 6, 3)

    def fresh() -> Training:
        return Training(drawings, labels, shape, 3, NEW, drawings[:2], labels[:2])

    never_stopped = fresh()
    never_stopped.advance(23)
    state = pack(never_stopped)
    went_on = unpack(fresh(), state)
    same(went_on, never_stopped)
    never_stopped.advance(17)
    went_on.advance(17)
    same(went_on, never_stopped)
    assert {0, 23, 30, 40} <= set(went_on.snapshots)  # rewinds start from the nearest
    if shape.learned:  # the frozen layers are not saved: the letters network has them
        assert len(state) < 60_000


def test_another_process_shows_a_saved_step_without_replaying_it(database):
    settings = Settings(data_dir=database.sqlite_path.parent, database_url=database.url)
    one, other = Service.open(settings), Service.open(settings)
    one.start()
    try:
        tid = one.trainings.create([], [], "x-vs-o", 2, NEW).id
        one.trainings.advance(tid, 37)
        record = other.trainings.record(tid)
        there, _ = other.trainings.replays.at(record, 37)
        assert 37 in there.snapshots  # a step no snapshot falls on: it was loaded, not replayed
        alone, _ = Replays(ByteLRU(10**8)).at(record, 37)
        same(there, alone)
        # a new rate from step 37 on: the state at 37 still holds; one made past 37 under the
        # old rate (a worker's move racing the change) is passed over
        one.trainings.change(tid, 0.05, None)
        stale, _ = Replays(ByteLRU(10**8)).at(record, 45)  # the old rate all the way
        one.runs.store.put_training_state(tid, 45, 0, pack(stale))
        one.runs.store.set_training_step(tid, 45)
        record = other.trainings.record(tid)
        shown, _ = Replays(ByteLRU(10**8), other.runs.store).at(record, 45)
        truth, _ = Replays(ByteLRU(10**8)).at(record, 45)
        same(shown, truth)
        assert json.loads(record.changes[-1][1])["rate"] == shown.settings.rate == 0.05
        assert asdict(stale.settings)["rate"] != 0.05
    finally:
        one.stop()
        other.stop()
