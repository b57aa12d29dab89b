"""The SQLite run store: specs stored once, older databases brought up to date, newer refused."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from app.store import RunRecord, RunStore
from app.store.runs import SCHEMA_VERSION

V1_SCHEMA = """CREATE TABLE runs (id TEXT PRIMARY KEY, spec BLOB NOT NULL, input BLOB NOT NULL,
channels INTEGER NOT NULL, height INTEGER NOT NULL, width INTEGER NOT NULL,
created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"""


def test_runs_share_one_copy_of_their_spec(tmp_path):
    store = RunStore(tmp_path / "db.sqlite3")
    store.create()
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    store.put(RunRecord("a", b'{"big":"spec"}', x))
    store.put(RunRecord("b", b'{"big":"spec"}', x + 1))
    store.put(RunRecord("a", b'{"big":"spec"}', x))  # again: nothing changes
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM specs").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    record = store.get("b")
    assert record is not None and record.spec == b'{"big":"spec"}'
    assert (record.input == x + 1).all() and record.input.dtype == np.float32
    assert store.get("nope") is None


def test_a_version_1_database_is_migrated_with_every_run_kept(tmp_path):
    path = tmp_path / "old.sqlite3"
    x = np.ones((1, 2, 2), "<f4")
    with sqlite3.connect(path) as conn:
        conn.execute(V1_SCHEMA)
        for rid, spec in [("r1", b"s1"), ("r2", b"s1"), ("r3", b"s2")]:
            conn.execute(
                "INSERT INTO runs (id, spec, input, channels, height, width) VALUES (?,?,?,1,2,2)",
                (rid, spec, x.tobytes()),
            )
    store = RunStore(path)
    store.create()
    store.create()  # a second start is a no-op
    assert [store.get(r).spec for r in ("r1", "r2", "r3")] == [b"s1", b"s1", b"s2"]  # type: ignore[union-attr]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("SELECT count(*) FROM specs").fetchone() == (2,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer ConvLens"):
        RunStore(path).create()
