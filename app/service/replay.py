"""Any step of a training, rebuilt: by replay from step 0, or on from the copy this process
keeps, or back from one of its snapshots. Only drawings, settings and seed are stored; training
is deterministic, so every process rebuilds the same weights."""

from __future__ import annotations

import json
from dataclasses import replace
from threading import Lock

import numpy as np

from ..learn import net
from ..learn.saved import pack, unpack
from ..learn.trainer import Settings as TrainSettings
from ..learn.trainer import Training
from ..store import Tables, TrainingRecord
from .cache import ProcessCache

HELD_OUT = 5
"""Every fifth drawing of a class is held out: it scores the network and is never trained on."""


def drawn(record: TrainingRecord) -> np.ndarray:
    """A training's drawings as network input, (N, 1, 28, 28)."""
    return record.drawings[:, None]


class Replays:
    def __init__(self, cache: ProcessCache, store: Tables | None = None) -> None:
        self.cache = cache
        self.store = store
        """Where trainings' saved states are (None: replayed here alone, e.g. a twin)."""
        self._locks = [Lock() for _ in range(16)]
        """A training's cached copy is moved on by one thread at a time."""

    def at(self, record: TrainingRecord, step: int) -> tuple[Training, np.ndarray]:
        """The training at ``step``, replayed from the start, or on from the copy this process
        keeps (rewound to a snapshot when it is past ``step``) or from a saved state nearer to
        ``step``; and which drawings are held out."""
        held = held_out(record.labels, len(record.classes))
        with self._locks[hash(record.id) % len(self._locks)]:
            kept = self._kept(record, held)
            furthest = kept.step <= step
            work = kept if furthest else kept.rewound(step)
            if work.step < min(step, record.step):  # a state saved past this copy may exist
                work = self._saved(record, held, step, work)
            for after, changed in [*record.changes, (step, "")]:  # each change where it was made
                if work.step <= after <= step:
                    work.advance(after - work.step)
                    if changed:
                        work.settings = TrainSettings(**json.loads(changed))
            if furthest:
                key = ("training", f"{record.id}/{len(record.changes)}")
                self.cache.put(key, work, self._bytes(record, work))
        return work, held

    def save(self, record: TrainingRecord, training: Training) -> None:
        """Save ``training``'s state (made under ``record``'s settings changes) for any process
        to show and any worker to go on from."""
        if self.store is not None:
            self.store.put_training_state(record.id, training.step, len(record.changes),
                                          pack(training))  # fmt: skip

    def _saved(
        self, record: TrainingRecord, held: np.ndarray, step: int, near: Training
    ) -> Training:
        """``near``, or the state saved nearest ``step`` if it is nearer (with ``near``'s
        snapshots before it); a state saved before a settings change that came earlier than
        its step is out of date and passed over."""
        if self.store is None:
            return near
        for saved, changes in self.store.training_states(record.id, step):
            if saved <= near.step:
                break
            if any(after < saved for after, _ in record.changes[changes:]):
                continue
            state = self.store.training_state(record.id, saved)
            if state is None:  # a newer one replaced it meanwhile
                continue
            loaded = unpack(self._fresh(record, held), state)
            earlier = {s: v for s, v in near.snapshots.items() if s < saved}
            loaded.snapshots = earlier | loaded.snapshots
            return loaded
        return near

    def _kept(self, record: TrainingRecord, held: np.ndarray) -> Training:
        """This process's copy, made under the same settings changes; a copy from before the
        last change is rewound to where it was made (the steps after it changed)."""
        n = len(record.changes)
        kept = self.cache.get(("training", f"{record.id}/{n}"))
        if isinstance(kept, Training):
            return kept
        before = self.cache.get(("training", f"{record.id}/{n - 1}")) if n else None
        if isinstance(before, Training):
            changed_at = record.changes[-1][0]
            return before if before.step <= changed_at else before.rewound(changed_at)
        return self._fresh(record, held)

    def _fresh(self, record: TrainingRecord, held: np.ndarray) -> Training:
        labels, x = np.array(record.labels), drawn(record)
        settings = TrainSettings(**json.loads(record.settings))
        return Training(x[~held], labels[~held], shape_of(record), record.seed, settings,
                        x[held], labels[held])  # fmt: skip

    @staticmethod
    def _bytes(record: TrainingRecord, training: Training) -> int:
        weights = sum(v.nbytes for v in training.params.values())
        return record.drawings.nbytes * 2 + weights * 3 * (len(training.snapshots) + 1) + 50_000


def from_scratch(record: TrainingRecord) -> TrainingRecord:
    """A training on learned features' twin: the same drawings, seed and settings changes, from
    scratch with the default network, shown beside it (rebuilt on demand, never stored)."""

    default = TrainSettings()
    network = {"way": "scratch", "filters": default.filters, "kernel": default.kernel}

    def scratch(settings: str) -> str:
        return json.dumps(json.loads(settings) | network)

    changes = [(step, scratch(changed)) for step, changed in record.changes]
    return replace(record, id=f"{record.id}-from-scratch", settings=scratch(record.settings),
                   changes=changes)  # fmt: skip


def shape_of(record: TrainingRecord) -> net.Shape:
    """The network a training trains, as its first settings made it."""
    settings = TrainSettings(**json.loads(record.settings))
    if settings.way == "features":
        return net.on_learned_features(len(record.classes))
    return net.Shape(len(record.classes), settings.filters, settings.kernel)


def held_out(labels: list[int], classes: int) -> np.ndarray:
    """Which drawings are held out: every fifth of each class, in the order they were drawn."""
    array = np.array(labels)
    rank = np.zeros(len(array), np.int64)  # each drawing's place among its class's
    for c in range(classes):
        rank[array == c] = np.arange(int((array == c).sum()))
    held: np.ndarray = rank % HELD_OUT == HELD_OUT - 1
    return held
