"""Trainings that run by themselves: Train sets one running at a speed, and whichever process
streams it moves it on, in the CPU pool, as far as the time since its last move allows. The pace
and the step live in the store, so two viewers (or two processes) never run it twice as fast, and
Pause, a write to the store, stops it at the next move."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..engine import EngineError
from ..learn.trainer import Training
from ..settings import Settings
from ..store import Tables, TrainingRecord
from .pool import Busy
from .retention import Clock
from .trainings import Trainings, out_of_cpu

if TYPE_CHECKING:
    from .jobs import Jobs

SPEEDS = (1, 2, 5, 10, 30, 0)
"""Steps a second a learner may pick; 0 is as fast as the server goes."""
FASTEST_SECONDS = 0.15
"""CPU time one move may take at the fastest speed."""
BEHIND = 1.0
"""At most this many seconds of steps are caught up at once (a viewer that went away)."""
SETTLED = 50
"""Stop once every training drawing has been right this many steps in a row."""
WAITING = 3.0
"""A running training not moved on for this many seconds is waiting for a worker to take it."""
LIVE = 10.0
"""A running training no process moved for this many seconds counts as stopped."""


def waiting(settings: Settings, record: TrainingRecord, now: float) -> bool:
    """Whether a running training waits for a worker to take it (no worker moved it lately)."""
    late = now - record.ticked > WAITING
    return settings.trains_on_workers and record.running and late


class SlotsFull(Busy):
    """As many trainings run as the server allows at once."""

    retry_after = 30

    def __init__(self, slots: int) -> None:
        Exception.__init__(
            self, f"all {slots} training slots are in use: try again in half a minute, or press "
            "Step to move yours on by hand"
        )  # fmt: skip


@dataclass(frozen=True)
class Move:
    record: TrainingRecord
    """The training as stored after the move."""
    moved: bool


class Pacing:
    def __init__(
        self, settings: Settings, store: Tables, trainings: Trainings, clock: Clock, jobs: Jobs
    ) -> None:
        self.settings = settings
        self.store = store
        self.trainings = trainings
        self.clock = clock
        self.jobs = jobs

    def play(self, tid: str, speed: int) -> None:
        """Run at ``speed`` steps a second from now on; Busy when too many trainings run."""
        if speed not in SPEEDS:
            raise EngineError("speed", f"speed is one of {', '.join(map(str, SPEEDS))}")
        record = self.trainings.record(tid)
        if record.step >= self.settings.max_training_steps:
            raise EngineError("steps", "this training ran all its steps: reset it to go again")
        if why := out_of_cpu(record, self.settings):
            raise EngineError("steps", why)
        now = self.clock()
        slots = self.settings.max_running_trainings
        if not record.running and self.store.running_trainings(now - LIVE) >= slots:
            raise SlotsFull(slots)
        self.store.play_training(tid, speed, now)
        self.jobs.start(tid)

    def pause(self, tid: str) -> None:
        self.trainings.record(tid)  # NotFound for an unknown id
        self.store.pause_training(tid)

    def follow(self, tid: str) -> Move:
        """A training as a viewer's stream finds it, moved on first where the server moves
        trainings itself (else a worker does)."""
        if self.jobs.moves_here:
            return self.move(tid)
        return Move(self.trainings.record(tid), False)

    def move(self, tid: str) -> Move:
        """Move a running training on by the steps due since its last move."""
        record = self.trainings.record(tid)
        if not record.running:
            return Move(record, False)
        now, limit = self.clock(), self.settings.max_training_steps
        start = time.thread_time()
        if record.speed:
            due = min(int((now - record.ticked) * record.speed), int(BEHIND * record.speed) or 1)
            if due <= 0:
                return Move(record, False)
            ticked = max(record.ticked + due / record.speed, now - BEHIND)
            training = self.trainings.replays.at(record, min(record.step + due, limit))[0]
        else:
            ticked, training = now, self._fastest(record, limit)
        spent = time.thread_time() - start
        stopped = out_of_cpu(record, self.settings, spent) or self.stop_reason(
            training, limit, record.since
        )
        moved = self.store.move_training(tid, record.step, training.step, ticked, stopped)
        if moved:
            self.store.spend_training_cpu(tid, spent)
            self.trainings.replays.save(record, training)
        return Move(self.trainings.record(tid), moved)

    def _fastest(self, record: TrainingRecord, limit: int) -> Training:
        """As many steps as FASTEST_SECONDS of CPU allow, five at a time."""
        start, step = time.thread_time(), record.step
        while True:
            step = min(step + 5, limit)
            training = self.trainings.replays.at(record, step)[0]
            if step == limit or self.stop_reason(training, limit, record.since):
                return training
            if time.thread_time() - start > FASTEST_SECONDS:
                return training

    @staticmethod
    def stop_reason(training: Training, limit: int, since: int) -> str:
        """Why a training running since step ``since`` stops now ('' to go on)."""
        if training.step >= limit:
            return f"it ran all {limit} steps a training may run"
        recent = [p.train for p in training.points if p.step > training.step - SETTLED]
        if training.step - since >= SETTLED and min(recent, default=0) == 1.0:
            return f"it has read every training drawing right for {SETTLED} steps"
        losses = training.losses[since:]
        if len(losses) >= 200 and np.mean(losses[-50:]) > 0.99 * np.mean(losses[-100:-50]):
            return "the loss stopped going down"
        return ""
