"""Rate limits: events per client a minute, counted in the database, so every worker and every
server on one database shares one count. The minute slides: the last minute's count weighs as
much as it still overlaps the sixty seconds up to now, so a burst at a minute's end is not
followed by a fresh budget a moment later."""

from __future__ import annotations

import math

from ..store import Tables
from .retention import Clock


class Rates:
    def __init__(self, store: Tables, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def count(self, what: str, client: str, limit: int) -> int | None:
        """One more ``what`` from ``client``: None while the last sixty seconds hold at most
        ``limit`` (0: no limit), else the seconds until they would."""
        if limit <= 0:
            return None
        now = self.clock()
        minute = int(now // 60)
        this, last = self.store.hit(f"{what} {client}", minute)
        into = now / 60 - minute  # how far into this minute, 0 to 1
        if this + last * (1 - into) <= limit:
            return None
        if this <= limit:  # within this minute, once enough of the last one has slid out
            wait = 60 * (1 - into - (limit - this) / last)
        else:  # in the next minute, once enough of this one has slid out
            wait = 60 * (1 - into) + 60 * (1 - limit / this)
        return max(1, math.ceil(wait))
