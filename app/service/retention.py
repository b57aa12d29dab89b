"""Which runs are still stored, and letting old ones go.

Every process keeps a short memo of the runs it found stored (asked of the database at most every
ALIVE_SECONDS per run), so a page, its pictures and its fragments do not each ask again; and it
deletes, every PRUNE_SECONDS or when the store passes its size, the runs retention lets go.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Callable

from ..settings import Settings
from ..store import Presence, Tables
from .cache import CacheKey, ProcessCache

ALIVE_SECONDS = 5.0
"""A cached run is checked against the database at most this often per process (so a run
deleted by another process stops being served within this time)."""
PRUNE_SECONDS = 60.0
"""How often a process looks for runs to delete (each does; the deletes are idempotent)."""
MEMO_SIZE = 100_000
"""Runs the presence memo may name before it starts again."""


KEYED_BY_ADDRESS = ("api-run", "chapter", "compare")
"""Kept answers known by their request, not by a run, that may show runs: dropped whenever
runs are deleted."""


class NotFound(LookupError):
    """An unknown run, demo, stage or map."""


ID = re.compile(r"[a-z2-7]{32}")
"""A run's or a demo's id: 160 bits in lower-case base 32."""
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A delete token (``secrets.token_urlsafe``)."""


def random_id() -> str:
    """A new demo's or training's id, in ID's form: 160 random bits, so no one can guess it or
    claim it first."""
    return base64.b32encode(secrets.token_bytes(20)).decode().lower()


def known_form(text: str, what: str, form: re.Pattern[str] = ID) -> str:
    """``text`` when it is written as such ids are, else NotFound at once: an id no one could
    have been given never reaches a store (PostgreSQL refuses a NUL in text, say)."""
    if not form.fullmatch(text):
        raise NotFound(f"there is no {what} with this id")
    return text


class Gone(NotFound):
    """A run that was here and was deleted: not viewed for a while ('expired'), or deleted with
    the demo that showed it ('deleted')."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            "this run was deleted by whoever shared it" if reason == "deleted"
            else "this run has expired: runs no one has opened for a while are deleted"
        )  # fmt: skip


class Recent:
    """What this process found stored lately: a key counts as found for ALIVE_SECONDS after it
    was noted (at most MEMO_SIZE keys, then it starts again), so one page and its pictures ask
    the database once, and something deleted elsewhere stops being served within that time."""

    def __init__(self) -> None:
        self._noted: dict[str, float] = {}

    def fresh(self, key: str) -> bool:
        return time.monotonic() - self._noted.get(key, -ALIVE_SECONDS) < ALIVE_SECONDS

    def note(self, key: str) -> None:
        if len(self._noted) > MEMO_SIZE:
            self._noted.clear()
        self._noted[key] = time.monotonic()

    def drop(self, key: str) -> None:
        self._noted.pop(key, None)

    def clear(self) -> None:
        self._noted.clear()


class Clock:
    """The time the stores are told (seconds since the epoch); tests move it."""

    def __init__(self) -> None:
        self.now: Callable[[], float] = time.time

    def __call__(self) -> float:
        return self.now()


class Retention:
    def __init__(
        self, settings: Settings, store: Tables, cache: ProcessCache, clock: Clock
    ) -> None:
        self.settings = settings
        self.store = store
        self.cache = cache
        self.clock = clock
        self._checked = Recent()  # the runs this process found stored lately
        self._pruned = 0.0

    def check(self, rid: str, force: bool = False) -> None:
        """Gone or NotFound unless run ``rid`` is stored (see ``presence``)."""
        presence = self.presence(known_form(rid, "run"), force)
        if presence == "live":
            return
        self.forget([rid])
        if presence == "gone":
            raise Gone(self.store.why_gone(rid))
        raise NotFound("there is no run with this id")

    def presence(self, rid: str, force: bool = False) -> Presence:
        """Whether run ``rid`` is stored: 'live' without asking the database when this process
        found it so less than ALIVE_SECONDS ago (unless ``force``), else as the store says (and
        then its view is noted for retention)."""
        if not force and self._checked.fresh(rid):
            return "live"
        presence = self.store.seen(rid, self.clock())
        if presence == "live":
            self.mark_live(rid)
        return presence

    def mark_live(self, rid: str) -> None:
        """Note that run ``rid`` was just stored or found."""
        self._checked.note(rid)

    def forget(self, rids: list[str]) -> None:
        """Drop everything this process keeps for these runs (they were deleted)."""
        for rid in rids:
            self._checked.drop(rid)
        gone = set(rids)

        def doomed(key: CacheKey) -> bool:
            kind, rest = key
            if kind in KEYED_BY_ADDRESS:  # not by the run: let them all go
                return True
            return isinstance(rest, str) and rest.split("/")[0].split("?")[0] in gone

        if gone:
            self.cache.drop(doomed)

    def prune(self) -> list[str]:
        """Delete the runs retention lets go (see ``store.tables``), the trainings not shared,
        not running and not opened for as long as a run may not be, and the class boards not
        opened for that long (with their drawings); their ids."""
        ttl = self.settings.run_ttl_days * 86400
        removed = self.store.prune(self.clock(), ttl, self.settings.max_store_bytes)
        removed += self.store.prune_trainings(self.clock(), ttl)
        removed += self.store.prune_boards(self.clock(), ttl)
        self.forget(removed)
        return removed

    def prune_when_due(self) -> None:
        """``prune`` if this process has not for PRUNE_SECONDS, or the store is over its size
        (a running total the database keeps, read after each new run)."""
        now = time.monotonic()
        due = now - self._pruned >= PRUNE_SECONDS
        if due or self.store.stored_bytes() > self.settings.max_store_bytes:
            self._pruned = now
            self.prune()
