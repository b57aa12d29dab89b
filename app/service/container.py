"""The service's rooms wired together over one store, one cache and one CPU pool: what the app
factory opens at start and every router reaches through ``app.state.service``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from ..engine.memory import keep_freed_memory
from ..settings import Settings
from ..store import open_stores
from .boards import Boards
from .cache import ByteLRU, ProcessCache
from .catalog import all_presets
from .demos import Demos
from .jobs import Jobs, QueuedJobs
from .kept import Kept
from .pacing import Pacing
from .pictures import Pictures
from .pool import CpuPool
from .rates import Rates
from .retention import Clock, Retention
from .runs import Runs
from .trainings import Trainings

P = ParamSpec("P")
T = TypeVar("T")


def smallest_store() -> int:
    """Bytes that hold one run of each preset at the most (an input stored as it is)."""
    return sum(4 * p.spec.input.channels * math.prod(p.spec.input.size)
               for p in all_presets().values())  # fmt: skip


@dataclass(frozen=True, eq=False)
class Service:
    settings: Settings
    clock: Clock
    cache: ProcessCache
    """Run views, compiled pipelines, known uploads and built answers, in one byte budget."""
    pool: CpuPool
    retention: Retention
    runs: Runs
    demos: Demos
    pictures: Pictures
    kept: Kept
    rates: Rates
    trainings: Trainings
    pacing: Pacing
    boards: Boards
    jobs: Jobs
    """Where running trainings are moved on: here, or by `convlens worker` (PostgreSQL)."""

    @classmethod
    def open(cls, settings: Settings) -> Service:
        """The service on the stores the settings name (PostgreSQL by URL, else SQLite)."""
        keep_freed_memory()  # a training step's arrays are made again at once (engine.memory)
        store, demo_store = open_stores(settings.database_url, settings.database_path)
        clock, cache = Clock(), ByteLRU[tuple[str, str | bytes], object](settings.cache_bytes)
        pool = CpuPool(settings.cpu_threads, settings.cpu_queue, settings.request_seconds)
        retention = Retention(settings, store, cache, clock)
        runs = Runs(settings, store, cache, retention)
        kept, trainings = Kept(cache, pool), Trainings(settings, store, cache, clock)
        url = settings.database_url
        jobs = QueuedJobs(url) if url and settings.trains_on_workers else Jobs()
        return cls(
            settings, clock, cache, pool, retention, runs, Demos(demo_store, runs, retention),
            Pictures(runs, kept), kept, Rates(store, clock), trainings,
            Pacing(settings, store, trainings, clock, jobs),
            Boards(settings, store, trainings, clock), jobs,
        )  # fmt: skip

    def start(self) -> None:
        """Check the store's size limit, create the tables or bring them up to date, and let go
        of what expired while the server was down; once, when the server starts."""
        need = smallest_store()
        if self.settings.max_store_bytes < need:
            raise RuntimeError(
                f"CONVLENS_MAX_STORE_BYTES is {self.settings.max_store_bytes:,}, too small to keep "
                f"one run of each preset: set it to at least {need:,}"
            )
        self.runs.store.create()
        self.jobs.open()
        self.retention.prune()

    def stop(self) -> None:
        """Let the pool's threads go and close the database connections; when the server stops."""
        self.pool.shutdown()
        self.jobs.close()
        self.runs.store.close()
        self.demos.store.close()

    async def cpu(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn`` run off the event loop on the bounded pool (Busy or OverBudget, both 503s)."""
        return await self.pool.run(fn, *args, **kwargs)
