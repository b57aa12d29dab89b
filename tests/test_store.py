"""The stores, on SQLite and on PostgreSQL: specs kept once, demos by token, versions checked."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from app.store import DemoRecord, RunRecord, RunStore, open_stores
from app.store.runs import SCHEMA_VERSION

V1_SCHEMA = """CREATE TABLE runs (id TEXT PRIMARY KEY, spec BLOB NOT NULL, input BLOB NOT NULL,
channels INTEGER NOT NULL, height INTEGER NOT NULL, width INTEGER NOT NULL,
created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"""

X = np.arange(6, dtype=np.float32).reshape(1, 2, 3)


@pytest.fixture
def opened(database):
    """Opens stores on the test's database (created), and closes them all afterwards."""
    made = []

    def open_them(create: bool = True):
        runs, demos = open_stores(database.url, database.sqlite_path)
        made.extend([runs, demos])
        if create:
            runs.create()
        return runs, demos

    yield open_them
    for store in made:
        store.close()


def test_runs_share_one_copy_of_their_spec(database, opened):
    runs, _ = opened()
    runs.put(RunRecord("a", b'{"big":"spec"}', X))
    runs.put(RunRecord("b", b'{"big":"spec"}', X + 1))
    runs.put(RunRecord("a", b'{"big":"spec"}', X))  # again: nothing changes
    assert database.execute("SELECT count(*) FROM specs") == [(1,)]
    assert database.execute("SELECT count(*) FROM runs") == [(2,)]
    record = runs.get("b")
    assert record is not None and record.spec == b'{"big":"spec"}'
    assert (record.input == X + 1).all() and record.input.dtype == np.float32
    assert runs.get("nope") is None
    runs.create()  # a second start changes nothing
    assert runs.get("a") is not None


def test_demos_are_saved_once_and_deleted_only_with_their_token(opened):
    _, demos = opened()
    demo = DemoRecord("d1", b"{}", X, "A <title>", "and its description")
    assert demos.put(demo, "secret") is True
    assert demos.put(demo, "another") is False  # already there: the first token stays
    got = demos.get("d1")
    assert got is not None and got.title == "A <title>" and got.description == "and its description"
    assert (got.input == X).all() and got.created_at.endswith("Z")
    assert demos.get("nope") is None
    assert demos.delete("d1", "another") is False and demos.delete("nope", "secret") is False
    assert demos.delete("d1", "secret") is True
    assert demos.get("d1") is None
    assert demos.delete("d1", "secret") is False


def test_where_the_picture_lies_is_kept_with_runs_and_demos(opened):
    runs, demos = opened()
    runs.put(RunRecord("framed", b"{}", X, (0, 1, 2, 3)))
    runs.put(RunRecord("whole", b"{}", X))
    assert runs.get("framed").content == (0, 1, 2, 3)  # type: ignore[union-attr]
    assert runs.get("whole").content is None  # type: ignore[union-attr]
    demos.put(DemoRecord("d", b"{}", X, "t", "d", content=(1, 0, 2, 3)), "secret")
    assert demos.get("d").content == (1, 0, 2, 3)  # type: ignore[union-attr]


def test_a_schema_3_database_gains_the_content_column_with_its_rows_kept(database, opened):
    runs, demos = opened()
    runs.put(RunRecord("old", b"{}", X))
    demos.put(DemoRecord("d", b"{}", X, "t", "d"), "secret")
    for table in ("runs", "demos"):  # as version 3 made them
        database.execute(f"ALTER TABLE {table} DROP COLUMN content")
    database.execute("UPDATE schema_version SET version = 3")
    again, again_demos = opened(create=False)
    again.create()
    assert database.execute("SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    old = again.get("old")
    assert old is not None and old.content is None and (old.input == X).all()
    assert again_demos.get("d") is not None
    again.put(RunRecord("new", b"{}", X, (0, 0, 1, 3)))
    assert again.get("new").content == (0, 0, 1, 3)  # type: ignore[union-attr]


def test_a_database_from_a_newer_version_is_refused(database, opened):
    opened()
    database.execute("UPDATE schema_version SET version = 99")
    fresh, _ = opened(create=False)
    with pytest.raises(RuntimeError, match="newer ConvLens"):
        fresh.create()


def test_a_database_from_this_session_s_schema_2_gains_demos(tmp_path):
    path = tmp_path / "v2.sqlite3"
    store = RunStore(path)
    store.create()
    with sqlite3.connect(path) as conn:  # make it look like schema 2: no demos, version in header
        conn.execute("DROP TABLE demos")
        conn.execute("DROP TABLE schema_version")
        conn.execute("PRAGMA user_version = 2")
    store.create()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert conn.execute("SELECT count(*) FROM demos").fetchone() == (0,)


def test_a_version_1_sqlite_database_is_migrated_with_every_run_kept(tmp_path):
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
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert conn.execute("SELECT count(*) FROM specs").fetchone() == (2,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
