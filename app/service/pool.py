"""CPU work (decoding, running pipelines, drawing pictures) off the event loop, in a bounded pool.

``CpuPool.run(fn, *args)`` runs ``fn`` on one of ``threads`` threads; at most ``queue`` more jobs
may wait for one. Past that it refuses at once (``Busy``: the server answers 503 with
Retry-After) rather than queue without end. A job that takes longer than ``budget`` seconds is
answered with ``OverBudget`` (a 503 too); it still holds its place until it finishes, so a slow
job can never make room for more work than the pool allows. NumPy and Pillow release the GIL in
their heavy loops, so the event loop (and /healthz) stays responsive while the pool works.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Busy(Exception):
    """Every thread is working and the queue is full: try again shortly."""

    retry_after = 1

    def __init__(self, jobs: int) -> None:
        super().__init__(
            f"the server is busy with {jobs} pictures and pipelines; try again in a second"
        )


class OverBudget(Exception):
    """One job ran past its time budget."""

    retry_after = 5

    def __init__(self, budget: float) -> None:
        super().__init__(
            f"this took longer than {budget:g} s, the limit for one request; try a smaller "
            "picture or a simpler pipeline"
        )


NICENESS = 5
"""How much lower the pool's threads run than the event loop's (Linux nice levels): with every
core busy decoding, the loop still gets the CPU at once to answer /healthz and cheap pages."""


def _lower_priority() -> None:
    # on Linux a thread's id works as a process id for setpriority; elsewhere, or where it is
    # not allowed, the threads run at the loop's priority
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


class CpuPool:
    def __init__(self, threads: int, queue: int, budget: float) -> None:
        self.threads = threads
        self.capacity = threads + queue
        self.budget = budget
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._jobs = 0
        self._count = threading.Lock()
        self._executor = ThreadPoolExecutor(
            threads, thread_name_prefix="convlens-cpu", initializer=_lower_priority
        )

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on a pool thread; Busy or OverBudget when it cannot be done."""
        if not self._slots.acquire(blocking=False):
            raise Busy(self.capacity)
        self._change(+1)

        abandoned = threading.Event()

        def job() -> T | None:
            try:
                # a job whose request gave up while it waited for a thread is not worth doing
                return None if abandoned.is_set() else fn(*args, **kwargs)
            finally:
                self._done()

        try:
            future = asyncio.wrap_future(self._executor.submit(job))
        except BaseException:
            self._done()
            raise
        try:
            # shielded: a timeout must not cancel the job (its slot is released when it ends).
            # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation that
            # lands as the job ends, and a stopping worker's training then never stopped
            async with asyncio.timeout(self.budget):
                result = await asyncio.shield(future)
        except TimeoutError:
            abandoned.set()
            raise OverBudget(self.budget) from None
        except asyncio.CancelledError:  # the client went away
            abandoned.set()
            raise
        return result  # type: ignore[return-value]

    @property
    def jobs(self) -> int:
        """Jobs running or waiting now."""
        return self._jobs

    def _change(self, by: int) -> None:
        with self._count:
            self._jobs += by

    def _done(self) -> None:
        self._change(-1)
        self._slots.release()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
