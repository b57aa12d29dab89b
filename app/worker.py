"""`convlens worker`: moves trainings on, as jobs from procrastinate's queue in PostgreSQL (see
``service.jobs``). Start any number, on any machine that reaches the database; each takes up to
``worker_trainings`` trainings at once. A worker that stops hands its trainings back to the
queue; one that dies (killed, or its machine gone) is noticed by the others within seconds, and
they take its trainings over from their saved states."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys

import procrastinate
from procrastinate.exceptions import ConnectorException

from .service import Busy, OverBudget, Service
from .service.jobs import TASK, hand_back, keep_moving
from .service.pacing import Move
from .settings import Settings

HEARTBEAT_SECONDS = 1.0
"""How often a worker tells the database it is alive."""
STALLED_SECONDS = 5.0
"""A worker silent this long is taken for dead, and its jobs are handed to others."""
RESCUE_SECONDS = 2.0
"""How often a worker looks for such jobs."""
STOP_SECONDS = 1.0
"""On SIGTERM or Ctrl-C, how long a worker's trainings may take to finish their move."""
log = logging.getLogger("convlens.worker")


def work(settings: Settings) -> int:
    """Run a worker until SIGTERM or Ctrl-C; 2 when the settings name no PostgreSQL."""
    if not settings.database_url:
        print("convlens: a worker takes its jobs from PostgreSQL: set CONVLENS_DATABASE_URL "
              "(with SQLite, `convlens serve` trains by itself)", file=sys.stderr)  # fmt: skip
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_work(settings))
    return 0


async def _work(settings: Settings) -> None:
    service = Service.open(settings)
    service.start()  # the tables, procrastinate's included, exist from here on
    url = settings.database_url
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=4)
    )

    async def move(training_id: str) -> Move:
        while True:
            try:
                return await service.cpu(service.pacing.move, training_id)
            except (Busy, OverBudget):
                await asyncio.sleep(0.2)

    @queue.task(name=TASK)
    async def train(training_id: str) -> None:
        try:
            await keep_moving(move, training_id)
        except asyncio.CancelledError:  # this worker is stopping: another goes on with it
            await hand_back(queue, training_id)
            raise

    async with queue.open_async():
        rescuer = asyncio.create_task(_rescue(queue))
        try:
            print(f"ConvLens worker {os.getpid()} is taking trainings from the queue", flush=True)
            await queue.run_worker_async(
                name=f"convlens-{os.getpid()}", concurrency=settings.worker_trainings,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_SECONDS, shutdown_graceful_timeout=STOP_SECONDS,
                delete_jobs="successful", fetch_job_polling_interval=1.0,
            )  # fmt: skip
        finally:
            rescuer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await rescuer
            service.stop()


async def _rescue(queue: procrastinate.App) -> None:
    """Hand the jobs of workers that stopped answering back to the queue, for whichever
    worker is free (each goes on from its training's saved state)."""
    manager = queue.job_manager
    while True:
        await asyncio.sleep(RESCUE_SECONDS)
        try:
            for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS):
                log.info("training %s: its worker stopped answering; queued again", job.lock)
                # another worker may have handed it back first
                with contextlib.suppress(ConnectorException):
                    await manager.retry_job(job)
        except ConnectorException as exc:  # the database is away: try again next time
            log.warning("could not look for stalled jobs: %s", exc)
