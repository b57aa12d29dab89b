"""Where a running training's steps are taken.

With SQLite, in the server: whichever process streams a training moves it on, on its CPU pool
(``Pacing.move``), and nothing more needs starting. With PostgreSQL, Train puts a job in
procrastinate's queue (a task queue kept in the same database) and `convlens worker` processes,
on any machine that reaches the database, take the jobs: a job moves its training on until it
stops, saving its state as it goes, and the web servers only read and stream it. A job whose
worker died is handed to another worker, which goes on from the saved state; training is
deterministic, so the weights are the same, bit for bit, as if nothing had happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from .pacing import Move
from .retention import NotFound

TASK = "convlens:train"
TICK_SECONDS = 0.25
"""How often a job moves its training on (what a live view shows changes this often)."""
HAND_BACK_SECONDS = 2.0
"""How long a stopping worker tries to queue its trainings again."""
SCHEMA_LOCK = 7_461_124  # an advisory lock: two processes starting at once create it once
log = logging.getLogger("convlens.jobs")

Mover = Callable[[str], Awaitable[Move]]
"""Moves a training on once (``Pacing.move``, off the event loop)."""


class Jobs:
    """The trainings' jobs: none (SQLite, moved where they are streamed) or a queue."""

    moves_here = True
    """Whether the web server moves running trainings on itself."""

    def start(self, training_id: str) -> None:
        """See that training ``training_id``, just set running, is moved on."""

    def open(self) -> None:
        """Get ready (when the server starts)."""

    def close(self) -> None:
        """Let go of connections (when the server stops)."""


class QueuedJobs(Jobs):
    """Each running training is a job in procrastinate's queue, for `convlens worker`."""

    moves_here = False

    def __init__(self, url: str) -> None:
        import procrastinate  # only here: SQLite servers never load it

        self.url = url
        self.queue = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(conninfo=url, min_size=1, max_size=4)
        )

    def start(self, training_id: str) -> None:
        from procrastinate.exceptions import AlreadyEnqueued

        with contextlib.suppress(AlreadyEnqueued):
            training_job(self.queue, training_id).defer(training_id=training_id)

    def open(self) -> None:
        create_queue(self.url)
        self.queue.open()

    def close(self) -> None:
        self.queue.close()


def training_job(queue: Any, training_id: str) -> Any:
    """The job that moves training ``training_id`` on, ready to defer on ``queue`` (a
    procrastinate App): one job waits at most (queueing lock), and jobs of one training never
    run at once (lock)."""
    return queue.configure_task(TASK, lock=training_id, queueing_lock=training_id)


async def hand_back(queue: Any, training_id: str) -> None:
    """A stopping worker's training, queued again for another worker, on the worker's own
    connections; if the database does not answer in HAND_BACK_SECONDS, the training is left
    for the other workers' rescue of stalled jobs."""
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        async with asyncio.timeout(HAND_BACK_SECONDS):
            await training_job(queue, training_id).defer_async(training_id=training_id)
    except AlreadyEnqueued:
        pass
    except TimeoutError:
        log.warning("training %s: could not hand it back in time; the others will", training_id)


def create_queue(url: str) -> None:
    """Create procrastinate's tables in the database, once (they stay; a later procrastinate
    release brings its own migrations)."""
    from procrastinate.schema import SchemaManager

    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is None or row[0] is None:
            conn.execute(SchemaManager.get_schema())


async def keep_moving(move: Mover, training_id: str) -> None:
    """Move a training on every TICK_SECONDS until it stops, is paused or is deleted."""
    first = last = None
    while True:
        began = asyncio.get_running_loop().time()
        try:
            record = (await move(training_id)).record
        except NotFound:
            break
        first = record.step if first is None else first
        last = record.step
        if not record.running:
            break
        spent = asyncio.get_running_loop().time() - began
        await asyncio.sleep(max(0.0, TICK_SECONDS - spent))
    log.info("training %s moved from step %s to %s", training_id, first, last)
