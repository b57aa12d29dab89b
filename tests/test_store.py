"""The stores, on SQLite and on PostgreSQL: specs kept once, demos by token, versions checked."""

from __future__ import annotations

import sqlite3
import time

import numpy as np
import pytest

from app.store import DemoRecord, RunRecord, SqliteStore, open_stores, run_address
from app.store.database import SCHEMA_VERSION, TOMBSTONE_BYTES
from app.store.records import spec_hash
from app.store.tables import PRUNED_TO

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


NOW = 1_800_000_000.0
DAY = 86400.0


def test_runs_share_one_copy_of_their_spec(database, opened):
    runs, _ = opened()
    runs.put(RunRecord("a", b'{"big":"spec"}', X), NOW)
    runs.put(RunRecord("b", b'{"big":"spec"}', X + 1), NOW)
    runs.put(RunRecord("a", b'{"big":"spec"}', X), NOW)  # again: nothing changes
    assert database.execute("SELECT count(*) FROM specs") == [(1,)]
    assert database.execute("SELECT count(*) FROM runs") == [(2,)]
    record = runs.get("b")
    assert record is not None and record.spec == b'{"big":"spec"}'
    assert (record.input == X + 1).all() and record.input.dtype == np.float32
    assert runs.get("nope") is None
    runs.create()  # a second start changes nothing
    assert runs.get("a") is not None


def test_a_big_smooth_input_is_stored_compactly_and_read_back_bit_for_bit(database, opened):
    runs, _ = opened()
    # what a tiny picture becomes through an RGB 1024x1024 spec: a few flat areas, 12.6 MB raw
    x = np.kron(np.random.default_rng(0).random((3, 4, 4)), np.ones((256, 256))).astype("<f4")
    runs.put(RunRecord("big", b"{}", x), NOW)
    (size,) = database.execute("SELECT length(input) FROM runs WHERE id = 'big'")[0]
    assert size <= 200_000 and x.nbytes == 12_582_912
    print(f"\nstored input: {size:,} bytes for {x.nbytes:,} raw")
    back = runs.get("big")
    assert back is not None and back.input.tobytes() == x.tobytes()
    odd = np.random.default_rng(1).standard_normal((2, 5, 7)).astype(np.float32)
    runs.put(RunRecord("odd", b"{}", odd), NOW)  # any float32 at all, NaN and -0.0 too
    odd[0, 0, :2] = np.nan, -0.0
    runs.put(RunRecord("odder", b"{}", odd), NOW)
    assert runs.get("odder").input.tobytes() == odd.tobytes()  # type: ignore[union-attr]


def test_demos_are_deleted_only_with_their_token_and_take_their_run(opened):
    runs, demos = opened()
    runs.put(RunRecord("r", b"{}", X), NOW)
    demos.put_demo(DemoRecord("d1", b"{}", X, "A <title>", "words", run_id="r"), "secret")
    demos.put_demo(DemoRecord("d2", b"{}", X, "A <title>", "words", run_id="r"), "other")
    got = demos.get_demo("d1")
    assert got is not None and got.title == "A <title>" and got.description == "words"
    assert (got.input == X).all() and got.created_at.endswith("Z") and got.run_id == "r"
    assert demos.get_demo("nope") is None
    assert demos.delete_demo("d1", "other", NOW) is None
    assert demos.delete_demo("nope", "secret", NOW) is None
    assert demos.delete_demo("d1", "secret", NOW) == []  # d2 still shows the run
    assert demos.get_demo("d1") is None and runs.seen("r", NOW) == "live"
    assert demos.delete_demo("d1", "secret", NOW) is None
    assert demos.delete_demo("d2", "other", NOW) == ["r"]  # the last demo of it: the run goes
    assert runs.get("r") is None and runs.seen("r", NOW) == "gone"
    assert runs.seen("never", NOW) == "missing"
    runs.put(RunRecord("r", b"{}", X), NOW)  # made again: here again
    assert runs.seen("r", NOW) == "live"


def test_runs_not_viewed_for_the_time_to_live_are_deleted_unless_a_demo_shows_them(opened):
    runs, demos = opened()
    for rid in ("old", "shown", "viewed", "new"):
        runs.put(RunRecord(rid, rid.encode(), X), NOW)
    demos.put_demo(DemoRecord("d", b"shown", X, "t", "d", run_id="shown"), "secret")
    later = NOW + 6 * DAY
    runs.put(RunRecord("new", b"new", X), later)  # made again: seen now
    assert runs.seen("viewed", later) == "live"  # viewed: noted
    assert runs.prune(NOW + 8 * DAY, 7 * DAY, 10**9) == ["old"]
    assert runs.get("old") is None and runs.seen("old", NOW + 8 * DAY) == "gone"
    assert all(runs.get(r) is not None for r in ("shown", "viewed", "new"))
    assert sorted(runs.prune(NOW + 30 * DAY, 7 * DAY, 10**9)) == ["new", "viewed"]
    assert runs.get("shown") is not None  # a demo's run lasts as long as the demo
    # the tombstones go after a while: then the address is simply unknown
    runs.prune(NOW + 200 * DAY, 7 * DAY, 10**9)
    assert runs.seen("old", NOW + 200 * DAY) == "missing"


def full_sum(database) -> int:
    """What the running total stands for, summed over the tables the slow way."""
    ((runs,),) = database.execute("SELECT coalesce(sum(size), 0) FROM runs")
    ((gone,),) = database.execute("SELECT count(*) FROM gone")
    return int(runs) + TOMBSTONE_BYTES * int(gone)


def test_past_the_size_limit_the_runs_viewed_longest_ago_go_first(database, opened):
    runs, demos = opened()
    for i in range(6):
        runs.put(RunRecord(f"r{i}", b"{}", X + i), NOW + i)
    demos.put_demo(DemoRecord("d", b"{}", X, "t", "d", run_id="r0"), "secret")
    runs.seen("r1", NOW + 5000)  # viewed lately (past the touch interval): kept longer
    sizes = dict(database.execute("SELECT id, size FROM runs"))
    assert all(size > TOMBSTONE_BYTES for size in sizes.values())  # pruning makes room
    total = runs.stored_bytes()
    assert total == sum(sizes.values())
    assert runs.prune(NOW + 10, 7 * DAY, total) == []  # at the limit is not past it
    limit = total - sizes["r2"]
    removed = runs.prune(NOW + 10, 7 * DAY, limit)
    # r0 has a demo, r1 was viewed: the rest go oldest first, to below PRUNED_TO of the limit
    assert removed == ["r2", "r3", "r4", "r5"][: len(removed)] and len(removed) >= 2
    left = total - sum(sizes[r] - TOMBSTONE_BYTES for r in removed)
    assert runs.stored_bytes() == left == full_sum(database)
    assert left <= limit * PRUNED_TO < left + sizes[removed[-1]] - TOMBSTONE_BYTES
    assert database.execute("SELECT count(*) FROM runs") == [(6 - len(removed),)]


def test_the_running_total_is_the_full_sum_after_any_writes(database, opened):
    runs, demos = opened()
    rng = np.random.default_rng(7)
    made = 0
    for step in range(120):
        now = NOW + step
        action = rng.choice(["put", "put", "again", "seen", "demo", "prune", "expire"])
        if action == "put":
            shape = (1, *rng.integers(1, 12, 2))
            runs.put(RunRecord(f"r{made}", b"{}", rng.random(shape).astype(np.float32)), now)
            made += 1
        elif action == "again" and made:  # the same run again: seen, not counted twice
            record = runs.get(f"r{rng.integers(made)}")
            if record is not None:
                runs.put(record, now)
        elif action == "seen" and made:
            runs.seen(f"r{rng.integers(made)}", now + 4000)
        elif action == "demo" and made:  # a demo made and deleted with its run
            token = f"t{step}"
            demos.put_demo(DemoRecord(f"d{step}", b"{}", X, "t", "d", run_id=f"r{made - 1}"), token)
            demos.delete_demo(f"d{step}", token, now)
        elif action == "prune":
            runs.prune(now, 7 * DAY, int(runs.stored_bytes() * rng.uniform(0.5, 1.1)))
        elif action == "expire":  # the time to live past for some, the tombstones' for others
            runs.prune(now + rng.choice([8 * DAY, 200 * DAY]), 7 * DAY, 10**12)
        assert runs.stored_bytes() == full_sum(database), (step, action)
    assert made > 20


def test_where_the_picture_lies_is_kept_with_runs_and_demos(opened):
    runs, demos = opened()
    runs.put(RunRecord("framed", b"{}", X, (0, 1, 2, 3)), NOW)
    runs.put(RunRecord("whole", b"{}", X), NOW)
    assert runs.get("framed").content == (0, 1, 2, 3)  # type: ignore[union-attr]
    assert runs.get("whole").content is None  # type: ignore[union-attr]
    demos.put_demo(DemoRecord("d", b"{}", X, "t", "d", content=(1, 0, 2, 3)), "secret")
    assert demos.get_demo("d").content == (1, 0, 2, 3)  # type: ignore[union-attr]


def test_a_schema_4_database_is_brought_to_5_with_its_rows_kept(database, opened):
    runs, _ = opened()
    runs.put(RunRecord("new", b"{}", X), NOW)
    # rows as version 4 wrote them: raw float32, no size, view, codec or run id; no total
    for index in ("runs_by_view", "demos_by_run", "runs_by_spec", "demos_by_spec"):
        database.execute(f"DROP INDEX {index}")
    database.execute("DROP TABLE totals")
    if database.url is None:
        for trigger in ("runs_in", "runs_out", "runs_resized", "gone_in", "gone_out"):
            database.execute(f"DROP TRIGGER {trigger}")
    else:
        database.execute("DROP TRIGGER runs_counted ON runs")
    for table, columns in (
        ("runs", ("codec", "size", "viewed_at")),
        ("demos", ("codec", "run_id")),
    ):
        for column in columns:
            database.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    database.execute("DROP TABLE gone")
    database.execute("DROP TABLE hits")
    database.execute(
        "INSERT INTO runs (id, spec_hash, input, channels, height, width) VALUES"
        " ('old', %s, %s, 1, 2, 3)",
        spec_hash(b"{}"),
        X.astype("<f4").tobytes(),
    )
    database.execute(
        "INSERT INTO demos (id, spec_hash, input, channels, height, width, title, description,"
        " delete_token_hash) VALUES ('d', %s, %s, 1, 2, 3, 't', 'd', 'x')",
        spec_hash(b"{}"),
        X.astype("<f4").tobytes(),
    )
    database.execute("UPDATE schema_version SET version = 4")
    again, again_demos = opened(create=False)
    again.create()
    assert database.execute("SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    old = again.get("old")
    assert old is not None and old.input.tobytes() == X.tobytes()
    demo = again_demos.get_demo("d")
    assert demo is not None and demo.run_id == run_address(b"{}", X)
    assert again.seen("old", NOW) == "live" and again.stored_bytes() == full_sum(database) > 0
    assert again.prune(time.time(), 7 * DAY, 10**9) == []  # migrated runs count as just seen


def test_a_database_from_a_newer_version_is_refused(database, opened):
    opened()
    database.execute("UPDATE schema_version SET version = 99")
    fresh, _ = opened(create=False)
    with pytest.raises(RuntimeError, match="newer ConvLens"):
        fresh.create()


def test_a_database_from_this_session_s_schema_2_gains_demos(tmp_path):
    path = tmp_path / "v2.sqlite3"
    store = SqliteStore(path)
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
    store = SqliteStore(path)
    store.create()
    store.create()  # a second start is a no-op
    assert [store.get(r).spec for r in ("r1", "r2", "r3")] == [b"s1", b"s1", b"s2"]  # type: ignore[union-attr]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert conn.execute("SELECT count(*) FROM specs").fetchone() == (2,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_spec_is_sent_once_and_again_only_if_it_went(database, opened):
    runs, _ = opened()
    sent: list[bytes] = []
    real = runs._run

    def watched(conn, sql, params=()):  # the real query, noted when it carries a spec
        if "INSERT INTO specs" in sql:
            sent.append(params[1])
        return real(conn, sql, params)

    runs._run = watched
    big = b'{"learned": "' + b"7" * 100_000 + b'"}'
    runs.put(RunRecord("a", big, X), NOW)
    runs.put(RunRecord("b", big, X + 1), NOW)
    assert len(sent) == 1  # the second run only looked its spec up by its hash
    # another process pruned every run of it, and the spec with them
    database.execute("DELETE FROM runs")
    database.execute("DELETE FROM specs")
    runs.put(RunRecord("c", big, X + 2), NOW)
    assert len(sent) == 2 and runs.get("c").spec == big  # type: ignore[union-attr]
