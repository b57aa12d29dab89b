"""Shared demos: save a run under a random id with its own delete link, open one (its run
recomputed from what the demo stored), the gallery's featured demos, and deleting one."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from ..store import DemoRecord, RunRecord, Tables
from .catalog import all_presets, find_preset
from .examples import FEATURED
from .retention import TOKEN, NotFound, Recent, Retention, known_form, random_id
from .run_view import RunView
from .runs import Runs


def featured_id(example: str, preset: str) -> str:
    """A gallery demo's fixed address (the same in every process and on every start)."""
    digest = hashlib.sha256(f"convlens-featured-1\0{example}\0{preset}".encode()).digest()
    return base64.b32encode(digest[:20]).decode().lower()


@dataclass(frozen=True)
class SavedDemo:
    id: str
    run_id: str
    delete_token: str
    """Its creator's secret for deleting it."""


@dataclass(frozen=True)
class DemoView:
    """An opened demo: what was saved, and its run's view."""

    record: DemoRecord
    run: RunView


class Demos:
    def __init__(self, store: Tables, runs: Runs, retention: Retention) -> None:
        self.store = store
        self.runs = runs
        self.retention = retention
        self._featured: list[tuple[str, DemoRecord]] | None = None
        self._checked = Recent()  # the demos this process found stored lately

    def save(self, rid: str, title: str, description: str) -> SavedDemo:
        """Save run ``rid`` as a new demo with a title and description, under a random id with
        its own delete token (saving the same content again makes another demo)."""
        token = secrets.token_urlsafe(24)
        demo = self._put(random_id(), self.runs.record(rid), title, description, token)
        return SavedDemo(demo.id, rid, token)

    def open(self, did: str) -> DemoView:
        """The demo and its run's view; the run is recomputed and stored again if it was lost."""
        record = self.record(did)
        # every demo names its run (schema 5 filled in older ones)
        run = RunRecord(record.run_id, record.spec, record.input, record.content)
        return DemoView(record, self.runs.restore(run))

    def check(self, did: str) -> None:
        """NotFound unless demo ``did`` is stored (asked of the database at most every
        ALIVE_SECONDS per demo, as for runs): a page built from it may then be sent again."""
        if self._checked.fresh(did):
            return
        if not self.store.has_demo(known_form(did, "demo")):
            raise NotFound("there is no demo with this id")
        self._checked.note(did)

    def record(self, did: str) -> DemoRecord:
        """The stored demo alone, nothing recomputed; NotFound if there is none."""
        record = self.store.get_demo(known_form(did, "demo"))
        if record is None:
            raise NotFound("there is no demo with this id")
        return record

    def featured(self) -> list[tuple[str, DemoRecord]]:
        """The gallery's demos, saved on first use under fixed ids that no one holds a delete
        token for; kept for the life of this process after that, so a gallery view writes
        nothing."""
        if self._featured is not None:
            return self._featured
        found = []
        for example, preset, title, description in FEATURED:
            if preset not in all_presets():
                continue
            rid = self.runs.run_example(example, find_preset(preset).spec).id
            did = featured_id(example, preset)
            if self.store.get_demo(did) is None:  # saved once, with a token no one is told
                self._put(did, self.runs.record(rid), title, description, secrets.token_urlsafe(24))
            found.append((did, self.open(did).record))
        self._featured = found
        return found

    def deletable(self, did: str, token: str) -> DemoRecord:
        """The demo ``token`` may delete (NotFound for a wrong id or token, as ``delete``)."""
        known_form(did, "demo")
        known_form(token, "demo to delete with that token", TOKEN)
        record = self.store.get_demo(did)
        if record is None or not self.store.demo_token_matches(did, token):
            raise NotFound("there is no demo with this id to delete with that token")
        return record

    def delete(self, did: str, token: str) -> None:
        """Delete the demo and the run only it showed (NotFound for a wrong id or token)."""
        known_form(did, "demo")
        known_form(token, "demo to delete with that token", TOKEN)
        removed = self.store.delete_demo(did, token, self.retention.clock())
        if removed is None:
            raise NotFound("there is no demo with this id to delete with that token")
        self._checked.drop(did)
        self.retention.forget([did, *removed])  # its pages kept here go with it
        self._featured = None

    def _put(
        self, did: str, run: RunRecord, title: str, description: str, token: str
    ) -> DemoRecord:
        demo = DemoRecord(did, run.spec, run.input, title, description, content=run.content,
                          run_id=run.id)  # fmt: skip
        self.store.put_demo(demo, token)
        return demo
