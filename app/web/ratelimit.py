"""Requests per client address per minute, counted in a sliding window in this process."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from threading import Lock

from fastapi import Request

MAX_TRACKED_CLIENTS = 10_000


class TooManyRequests(Exception):
    """The client went over its limit; try again after ``retry_after`` seconds."""

    def __init__(self, what: str, limit: int, retry_after: int) -> None:
        super().__init__(
            f"more than {limit} {what} a minute from your address; try again in {retry_after} s"
        )
        self.what = what
        self.retry_after = retry_after


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key; a limit of 0 means no limit."""

    def __init__(
        self,
        what: str,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = Lock()

    def hit(self, key: str) -> None:
        """Count one event for ``key``, or raise TooManyRequests if that would pass the limit."""
        if self.limit <= 0:
            return
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                wait = math.ceil(events[0] + self.window - now)
                raise TooManyRequests(self.what, self.limit, max(wait, 1))
            events.append(now)
            if len(self._events) > MAX_TRACKED_CLIENTS:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window]
        for key in idle:
            del self._events[key]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
