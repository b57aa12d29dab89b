"""Trainings on `convlens worker` processes over PostgreSQL (issue 26): Train queues a job, a
worker moves the training on and saves its state, web servers only read it; a worker killed
mid-training hands it to another, which goes on from the saved state to the very weights an
uninterrupted run reaches; with SQLite no worker is needed (or accepted)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import psycopg
import pytest

from app.learn.saved import unpack
from app.learn.trainer import NEW
from app.service import Service
from app.service.cache import ByteLRU
from app.service.replay import Replays, held_out
from app.settings import Settings
from app.worker import STALLED_SECONDS
from tests.helpers import live_server
from tests.test_learn_live import STEP, events, new_training

pytestmark = pytest.mark.slow
SAME = {"sec-fetch-site": "same-origin"}
MOVED = re.compile(r"training (\w+) moved from step (\d+) to (\d+)")
MOVED_ON = re.compile(r"Starting job convlens:train")


@pytest.fixture
def postgres(postgres_url) -> Iterator[str]:
    """A fresh database on the tests' PostgreSQL server."""
    name = f"convlens_workers_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield postgres_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@dataclass
class Worker:
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text()


@contextmanager
def worker(url: str, data_dir: Path) -> Iterator[Worker]:
    """A real `convlens worker` on the database at ``url``, stopped (if still alive) on exit."""
    log = data_dir / f"worker-{uuid.uuid4().hex[:8]}.log"  # kept for the test to read
    environ = {**os.environ, "CONVLENS_DATABASE_URL": url, "CONVLENS_DATA_DIR": str(data_dir)}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], stdout=out, stderr=subprocess.STDOUT,
            env=environ, text=True,
        )  # fmt: skip
    started = Worker(process, log)
    try:
        wait_for(lambda: "Starting worker" in started.output(), 20, started.output)
        yield started
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)
        print(f"--- worker {process.pid} ---\n{started.output()}")


def wait_for(done, seconds: float, why=lambda: "") -> None:
    ends = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < ends, f"not done in {seconds} s\n{why()}"
        time.sleep(0.1)


def test_a_killed_workers_training_finishes_on_another_with_the_same_weights(postgres, tmp_path):
    service = Service.open(Settings(data_dir=tmp_path, database_url=postgres))
    service.start()
    try:
        assert not service.jobs.moves_here
        tid = service.trainings.create([], [], "x-vs-o", 4, NEW).id
        with worker(postgres, tmp_path) as first:
            service.pacing.play(tid, 10)
            wait_for(lambda: service.trainings.record(tid).step >= 10, 20, first.output)
            first.process.send_signal(signal.SIGKILL)
            first.process.wait()
            killed_at = service.trainings.record(tid).step
        assert service.trainings.record(tid).running  # nobody moves it now
        with worker(postgres, tmp_path) as second:
            wait_for(lambda: not service.trainings.record(tid).running, 60, second.output)
            record = service.trainings.record(tid)
        assert "stopped answering" in second.output()
        moved = MOVED.search(second.output())
        assert moved and moved[1] == tid, second.output()
        went_on, finished = int(moved[2]), int(moved[3])
        assert went_on >= killed_at > 0 and finished == record.step > went_on
        assert record.stopped  # it ran until it settled, on the second worker
        # the state the second worker saved is an uninterrupted run's, bit for bit
        state = service.runs.store.training_state(tid, record.step)
        assert state is not None
        alone = Replays(ByteLRU(10**8))  # replays from step 0 in this process, no saved states
        fresh, _ = alone.at(record, 0)
        saved = unpack(fresh, state)
        uninterrupted, _ = alone.at(record, record.step)
        assert saved.step == uninterrupted.step == record.step
        for name, weight in uninterrupted.params.items():
            assert np.array_equal(saved.params[name], weight), name
            assert np.array_equal(saved.adam.m[name], uninterrupted.adam.m[name]), name
        assert saved.losses == uninterrupted.losses and saved.points == uninterrupted.points
        assert held_out(record.labels, 2).sum() == 2
    finally:
        service.stop()


def test_web_servers_only_stream_what_workers_move(postgres, tmp_path):
    with live_server(tmp_path, "--workers", "2", CONVLENS_DATABASE_URL=postgres) as server, \
            httpx.Client(base_url=server.url, follow_redirects=False) as client:  # fmt: skip
        page = new_training(client)
        assert client.post(f"{page}/train", data={"speed": "10"}, headers=SAME).status_code == 303
        # no worker yet: the web servers never move it, and soon say it waits for one
        time.sleep(3.5)
        quiet = events(client, f"{page}/live", 1.0)
        assert len(quiet) == 1 and "waiting for a worker" in quiet[0]
        assert int(STEP.search(quiet[0]).group(1)) == 0
        with worker(postgres, tmp_path):
            seen = events(client, f"{page}/live", 2.5)
        steps = [int(STEP.search(e).group(1)) for e in seen]
        assert steps == sorted(steps) and steps[-1] >= 10, steps
        assert not any("waiting for a worker" in e for e in seen[1:])


def test_with_sqlite_the_server_trains_and_a_worker_is_not_needed(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert not settings.trains_on_workers and Service.open(settings).jobs.moves_here
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker"], capture_output=True, text=True,
        env={**os.environ, "CONVLENS_DATA_DIR": str(tmp_path)}, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "CONVLENS_DATABASE_URL" in done.stderr


def test_a_stopped_worker_hands_its_training_to_another_at_once(postgres, tmp_path):
    service = Service.open(Settings(data_dir=tmp_path, database_url=postgres))
    service.start()
    try:
        tid = service.trainings.create([], [], "x-vs-o", 4, NEW).id
        with worker(postgres, tmp_path) as first, worker(postgres, tmp_path) as second:
            service.pacing.play(tid, 2)
            wait_for(lambda: service.trainings.record(tid).step >= 2, 20)
            owner, other = (first, second) if MOVED_ON.search(first.output()) else (second, first)
            began = time.monotonic()
            owner.process.terminate()
            assert owner.process.wait(timeout=10) == 0
            wait_for(lambda: MOVED_ON.search(other.output()), 10, other.output)
            assert time.monotonic() - began < STALLED_SECONDS  # not left for the rescue
            at = service.trainings.record(tid).step
            wait_for(lambda: service.trainings.record(tid).step > at, 10, other.output)
        assert "stopped answering" not in other.output()
    finally:
        service.stop()
