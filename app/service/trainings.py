"""Trainings: a learner's drawings in 2 to 6 classes, a network trained on them from scratch step
by step, and any step's network as a pipeline. Only the drawings, labels, settings and seed are
stored; training is deterministic, so any process rebuilds any step by replaying it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..engine import EngineError, PipelineSpec
from ..learn import made, net
from ..learn.trainer import Settings as TrainSettings
from ..learn.trainer import Training
from ..settings import Settings
from ..store import Tables, TrainingRecord
from .cache import ProcessCache
from .drawings import fitted
from .pool import Busy
from .replay import Replays, drawn
from .retention import Clock, NotFound, known_form, random_id

STARTS = {"x-vs-o": ("XO", 8)}
"""Sets to start from: characters drawn by the pen-stroke generator, and how many of each."""


class RoomFull(Busy):
    """No room for one more training: every stored one is shared or running."""

    retry_after = 60

    def __init__(self) -> None:
        Exception.__init__(
            self, "the server has no room for another training now: try again in a minute"
        )


WAYS = {"scratch": "from scratch", "features": "on learned features"}
ALLOWED = {"batch": range(1, 65), "filters": range(1, 17), "kernel": range(3, 8, 2),
           "shift": range(4), "rotate": range(31)}  # fmt: skip
"""The whole-number settings a training may have."""


def out_of_cpu(record: TrainingRecord, settings: Settings, more: float = 0.0) -> str:
    """Why a training may take no more steps when its steps cost ``more`` seconds of CPU
    besides what they did ('' while it may)."""
    limit = settings.max_training_cpu_seconds
    if record.cpu + more < limit:
        return ""
    return f"it used the {limit:g} seconds of CPU a training may: start again to go on"


def checked(settings: TrainSettings) -> TrainSettings:
    """``settings``, or EngineError (a 422) naming the one out of bounds."""
    if settings.way not in WAYS:
        raise EngineError("way", f"a training learns {' or '.join(map(repr, WAYS))}")
    if not 0 < settings.rate <= 1:
        raise EngineError("rate", "the learning rate is above 0 and at most 1")
    for name, allowed in ALLOWED.items():
        if getattr(settings, name) not in allowed:
            steps = f" in steps of {allowed.step}" if allowed.step > 1 else ""
            raise EngineError(name, f"{name} is {allowed.start} to {allowed[-1]}{steps}")
    return settings


@dataclass(frozen=True)
class TrainingView:
    id: str
    step: int
    classes: list[str]
    counts: list[int]
    """Drawings in each class, the held-out ones included."""
    held_out: list[int]
    settings: dict[str, int | float | str]
    seed: int
    loss: float | None
    """The last step's loss."""
    accuracy: float
    """On the drawings it trains on."""
    held_out_accuracy: float | None
    per_class: list[float | None]
    """Held-out accuracy of each class."""


class Trainings:
    def __init__(
        self, settings: Settings, store: Tables, cache: ProcessCache, clock: Clock
    ) -> None:
        self.settings = settings
        self.store = store
        self.cache = cache
        self.clock = clock
        self.replays = Replays(cache, store)

    def create(
        self, classes: list[str], pictures: list[tuple[int, bytes]], start: str | None,
        seed: int, settings: TrainSettings,
    ) -> TrainingView:  # fmt: skip
        """A new training of ``classes`` on ``pictures`` ((class index, image bytes) each), or on
        a starting set; EngineError (a 422) for a set that cannot be trained."""
        if start is not None:
            if start not in STARTS:
                raise EngineError("start", f"unknown set {start!r} (known: {', '.join(STARTS)})")
            chars, each = STARTS[start]
            drawn, labels = made.drawings(chars, each, seed)
            images, classes = drawn[:, 0], list(chars)
        else:
            images, labels = fitted(classes, pictures, self.settings.max_image_pixels)
        return self.create_fitted(classes, images, labels, seed, settings)

    def create_fitted(
        self, classes: list[str], images: np.ndarray, labels: np.ndarray, seed: int,
        settings: TrainSettings, most: int | None = None,
    ) -> TrainingView:  # fmt: skip
        """A new training of fitted drawings ((N, 28, 28) ink) and their class indices, at most
        ``most`` a class (the drawings-a-class setting when None)."""
        self._check(classes, labels, most or self.settings.max_drawings_per_class)
        stored = json.dumps(asdict(checked(settings)))
        record = TrainingRecord(random_id(), classes, images, [int(v) for v in labels],
                                stored, seed)  # fmt: skip
        return self._store(record)

    def _store(self, record: TrainingRecord) -> TrainingView:
        """Keep a new training (RoomFull, a 503, when the trainings' room is full)."""
        if not self.store.put_training(record, self.clock(), self.settings.max_training_bytes):
            raise RoomFull()
        return self._view(record)

    def _check(self, classes: list[str], labels: np.ndarray, most: int) -> None:
        most_classes = self.settings.max_training_classes
        if not 2 <= len(classes) <= most_classes:
            raise EngineError("classes", f"a training has 2 to {most_classes} classes")
        counts = np.bincount(labels, minlength=len(classes))
        for name, n in zip(classes, counts, strict=True):
            if n < 3:
                raise EngineError(
                    "drawings", f"{name!r} has {n} drawing{'' if n == 1 else 's'}: draw at least 3"
                )
            if n > most:
                raise EngineError("drawings", f"{name!r} has {n} drawings, more than {most}")

    def reset(self, tid: str, seed: int | None) -> TrainingView:
        """A new training of the same drawings with today's settings, at step 0, with the same
        seed or ``seed``; the old one stays as it is (its links still open it)."""
        record = self.record(tid)
        settings = record.changes[-1][1] if record.changes else record.settings
        fresh = TrainingRecord(random_id(), record.classes, record.drawings, record.labels,
                               settings, record.seed if seed is None else seed)  # fmt: skip
        return self._store(fresh)

    def view(self, tid: str) -> TrainingView:
        return self._view(self.record(tid))

    def _view(self, record: TrainingRecord) -> TrainingView:
        return self.state(record, record.step)[2]

    def state(self, record: TrainingRecord, step: int) -> tuple[Training, np.ndarray, TrainingView]:
        """The training at ``step`` (NotFound past the furthest), which drawings are held out,
        and its state there."""
        if not 0 <= step <= record.step:
            raise NotFound(f"this training has not reached step {step}")
        training, held = self.replays.at(record, step)
        train, test = ~held, held
        labels, x = np.array(record.labels), drawn(record)
        per_class: list[float | None] = []
        for c in range(len(record.classes)):
            mask = test & (labels == c)
            per_class.append(training.accuracy(x[mask], labels[mask]) if mask.any() else None)
        return training, held, TrainingView(
            record.id, step, record.classes,
            np.bincount(labels, minlength=len(record.classes)).tolist(),
            np.bincount(labels[held], minlength=len(record.classes)).tolist(),
            asdict(training.settings), record.seed,
            training.losses[-1] if training.losses else None,
            training.accuracy(x[train], labels[train]),
            training.accuracy(x[test], labels[test]) if test.any() else None, per_class,
        )  # fmt: skip

    def advance(self, tid: str, steps: int) -> TrainingView:
        """Run ``steps`` more steps (up to the settings' limits on a training's steps and CPU)."""
        record = self.record(tid)
        if record.step + steps > self.settings.max_training_steps:
            raise EngineError(
                "steps", f"a training runs at most {self.settings.max_training_steps} steps"
            )
        if why := out_of_cpu(record, self.settings):
            raise EngineError("steps", why)
        start = time.thread_time()
        training, _ = self.replays.at(record, record.step + steps)
        self.store.spend_training_cpu(tid, time.thread_time() - start)
        self.store.set_training_step(tid, record.step + steps)
        self.replays.save(record, training)
        return self._view(replace(record, step=record.step + steps))

    def share(self, tid: str) -> None:
        """Keep a training however long no one opens it (its links are being handed out)."""
        self.store.share_training(self.record(tid).id)

    def seen(self, tid: str) -> None:
        """Someone opened the training (retention keeps what is opened)."""
        self.store.training_seen(tid, self.clock())

    def change(self, tid: str, rate: float | None, batch: int | None) -> TrainingView:
        """A new learning rate or batch size, from the next step on, without a reset."""
        record = self.record(tid)
        now = json.loads(record.changes[-1][1] if record.changes else record.settings)
        now |= {k: v for k, v in (("rate", rate), ("batch", batch)) if v is not None}
        self.store.change_training(tid, json.dumps(asdict(checked(TrainSettings(**now)))))
        return self._view(self.record(tid))  # the change as the store keeps it

    def snapshot(self, tid: str, step: int) -> PipelineSpec:
        """The network at ``step`` (at most as far as the training has gone) as a pipeline."""
        record = self.record(tid)
        if not 0 <= step <= record.step:
            raise NotFound(f"this training has not reached step {step}")
        training, _ = self.replays.at(record, step)
        return net.to_spec(training.params, training.shape, record.classes)

    def record(self, tid: str) -> TrainingRecord:
        record = self.store.get_training(known_form(tid, "training"))
        if record is None:
            raise NotFound("there is no training with this id")
        return record
