"""The queries both databases run: runs and demos, retention, and the shared rate-limit counts.

SQLite and PostgreSQL take the same SQL here (upserts, RETURNING); a backend supplies its
connection in a transaction (``_transaction``), its parameter mark and its date format.

Retention: a run no demo refers to is deleted once it has not been viewed for the time to live,
and, oldest-viewed first, while the stored runs and specs pass the size limit. A deleted run
leaves a tombstone in ``gone`` (for a while) so its pages can say it expired rather than that it
never was.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any, Literal

from .boards import BoardTables
from .database import RUN_ROW_BYTES, STORED_INPUT, TOMBSTONE_BYTES, stored_input
from .records import (
    PACKED,
    DemoRecord,
    RunRecord,
    box_from,
    box_text,
    pack_input,
    token_hash,
)
from .states import StateTables
from .trainings import TrainingTables

Presence = Literal["live", "gone", "missing"]
Reason = Literal["expired", "deleted"]
"""Why a run is gone: retention let it go, or its demo's owner deleted it."""
TOUCH_SECONDS = 3600.0
"""A run's last view is written down at most this often (a view is a read, not a write)."""
GONE_SECONDS = 90 * 86400.0
"""How long a deleted run's tombstone is kept (after that its address answers 404, not 410)."""
BATCH = 500
PRUNED_TO = 0.95
"""A store over its size is pruned down to this share of it."""
NOT_IN_A_DEMO = "id NOT IN (SELECT run_id FROM demos WHERE run_id IS NOT NULL)"


def _input_columns(record: RunRecord | DemoRecord) -> dict[str, object]:
    """What an input is stored as: its packed bytes, their codec, its shape and box."""
    c, h, w = record.input.shape
    return {"input": pack_input(record.input), "codec": PACKED, "channels": c, "height": h,
            "width": w, "content": box_text(record.content)}  # fmt: skip


class Tables(TrainingTables, StateTables, BoardTables):
    """Every read and write of the stores, on whichever database the subclass connects to."""

    # runs

    def put(self, record: RunRecord, now: float) -> None:
        """Store a run (seen now); storing the same id again only marks it seen."""
        stored = _input_columns(record)
        with self._transaction() as conn:
            self._writing(conn)
            values = {
                "id": record.id,
                "spec_hash": self._put_spec(conn, record.spec),
                **stored,
                "size": len(stored["input"]) + RUN_ROW_BYTES,  # type: ignore[arg-type]
                "viewed_at": now,
                "public": int(record.public),
            }
            again = (
                "DO UPDATE SET viewed_at = excluded.viewed_at, public = CASE WHEN"
                " excluded.public > runs.public THEN excluded.public ELSE runs.public END"
            )
            self._insert(conn, "runs", values, again)
            self._run(conn, "DELETE FROM gone WHERE id = ?", (record.id,))

    def get(self, run_id: str) -> RunRecord | None:
        with self._transaction() as conn:
            row = self._one(
                conn,
                f"SELECT specs.spec, {STORED_INPUT} FROM runs"
                " JOIN specs ON specs.hash = runs.spec_hash WHERE runs.id = ?",
                (run_id,),
            )
        if row is None:
            return None
        return RunRecord(run_id, bytes(row["spec"]), stored_input(row), box_from(row["content"]))

    def seen(self, run_id: str, now: float) -> Presence:
        """Whether the run is there ('live', and then its view is noted), was deleted ('gone')
        or never was ('missing')."""
        with self._transaction() as conn:
            row = self._one(conn, "SELECT viewed_at FROM runs WHERE id = ?", (run_id,))
            if row is not None:
                if row["viewed_at"] < now - TOUCH_SECONDS:
                    self._run(conn, "UPDATE runs SET viewed_at = ? WHERE id = ?", (now, run_id))
                return "live"
            gone = self._run(conn, "SELECT 1 FROM gone WHERE id = ?", (run_id,)).fetchone()
        return "gone" if gone else "missing"

    def why_gone(self, run_id: str) -> Reason:
        """Why a gone run went (asked only of a run ``seen`` says is gone)."""
        with self._transaction() as conn:
            row = self._one(conn, "SELECT reason FROM gone WHERE id = ?", (run_id,))
        return "deleted" if row is not None and row["reason"] == "deleted" else "expired"

    def stored_bytes(self) -> int:
        """The bytes of every stored run (its input and its row) and every tombstone: a running
        total the database keeps with each insert and delete (``database.COUNT_STORED``). Specs are
        not counted: a learned one is larger than the runs that share it, and it is kept exactly
        while a run or a demo uses it."""
        with self._transaction() as conn:
            row = self._one(conn, "SELECT bytes FROM totals WHERE name = 'stored'")
        return int(row["bytes"]) if row else 0

    def prune(self, now: float, ttl_seconds: float, max_bytes: int) -> list[str]:
        """Delete the runs no demo refers to that were not viewed for ``ttl_seconds``, then the
        oldest-viewed of them while the store is over ``max_bytes`` (down to ``PRUNED_TO`` of it,
        so that a full store does not prune on every new run); the ids deleted. Each step is
        a bounded batch, read by the index on the last view."""
        removed = self._prune_batches(
            f"SELECT id, size FROM runs WHERE viewed_at < ? AND {NOT_IN_A_DEMO}"
            " ORDER BY viewed_at LIMIT ?", (now - ttl_seconds,), now, None,
        )  # fmt: skip
        stored = self.stored_bytes()
        if stored > max_bytes:
            removed += self._prune_batches(
                f"SELECT id, size FROM runs WHERE {NOT_IN_A_DEMO} ORDER BY viewed_at LIMIT ?",
                (), now, stored - int(max_bytes * PRUNED_TO),
            )  # fmt: skip
        with self._transaction() as conn:
            self._run(
                conn,
                "DELETE FROM specs WHERE NOT EXISTS (SELECT 1 FROM runs WHERE spec_hash = hash)"
                " AND NOT EXISTS (SELECT 1 FROM demos WHERE spec_hash = hash)",
            )
            self._run(conn, "DELETE FROM gone WHERE gone_at < ?", (now - GONE_SECONDS,))
            self._run(conn, "DELETE FROM hits WHERE minute < ?", (int(now // 60) - 1,))
        return removed

    def _prune_batches(
        self, query: str, params: tuple[object, ...], now: float, over: int | None
    ) -> list[str]:
        """The runs ``query`` lists (oldest-viewed first), deleted a batch at a time: all of
        them, or until ``over`` bytes are gone."""
        removed: list[str] = []
        while over is None or over > 0:
            with self._transaction() as conn:
                rows = self._run(conn, query, (*params, BATCH)).fetchall()
                ids: list[str] = []
                for row in rows:
                    if over is not None and over <= 0:
                        break
                    ids.append(row["id"])
                    over = None if over is None else over - row["size"] + TOMBSTONE_BYTES
                if ids:
                    self._bury(conn, ids, now)
            removed += ids
            if len(rows) < BATCH:
                break
        return removed

    def _bury(self, conn: Any, ids: Sequence[str], now: float, reason: Reason = "expired") -> None:
        marks = ", ".join("?" * len(ids))
        self._run(conn, f"DELETE FROM runs WHERE id IN ({marks})", ids)
        conn.cursor().executemany(
            self._sql(
                "INSERT INTO gone (id, gone_at, reason) VALUES (?, ?, ?) ON CONFLICT (id)"
                " DO UPDATE SET gone_at = excluded.gone_at, reason = excluded.reason"
            ),
            [(rid, now, reason) for rid in ids],
        )

    # demos

    def put_demo(self, record: DemoRecord, delete_token: str) -> None:
        """Store a new demo (a random id is always new; a fixed one is stored once)."""
        with self._transaction() as conn:
            self._writing(conn)
            values = {
                "id": record.id,
                "spec_hash": self._put_spec(conn, record.spec),
                **_input_columns(record),
                "title": record.title,
                "description": record.description,
                "delete_token_hash": token_hash(delete_token),
                "run_id": record.run_id,
            }
            self._insert(conn, "demos", values, "DO NOTHING")

    def get_demo(self, demo_id: str) -> DemoRecord | None:
        with self._transaction() as conn:
            row = self._one(
                conn,
                f"SELECT specs.spec, {STORED_INPUT}, title, description,"
                f" {self.CREATED} AS created_at, run_id FROM demos"
                " JOIN specs ON specs.hash = demos.spec_hash WHERE demos.id = ?",
                (demo_id,),
            )
        if row is None:
            return None
        return DemoRecord(demo_id, bytes(row["spec"]), stored_input(row), row["title"],
                          row["description"], row["created_at"], box_from(row["content"]),
                          row["run_id"])  # fmt: skip

    def has_demo(self, demo_id: str) -> bool:
        with self._transaction() as conn:
            return (
                self._one(conn, "SELECT 1 AS one FROM demos WHERE id = ?", (demo_id,)) is not None
            )

    def demo_token_matches(self, demo_id: str, token: str) -> bool:
        """Whether ``token`` is the demo's delete token (compared in constant time)."""
        with self._transaction() as conn:
            row = self._one(conn, "SELECT delete_token_hash FROM demos WHERE id = ?", (demo_id,))
        return row is not None and hmac.compare_digest(row["delete_token_hash"], token_hash(token))

    def delete_demo(self, demo_id: str, token: str, now: float) -> list[str] | None:
        """Delete the demo if ``token`` is its delete token (compared in constant time), and its
        run unless another demo shows it or it is an example's (``RunRecord.public``); None if
        not deleted, else the run ids deleted."""
        with self._transaction() as conn:
            row = self._one(
                conn, f"SELECT delete_token_hash, run_id FROM demos WHERE id = ?{self.LOCK}",
                (demo_id,),
            )  # fmt: skip
            if row is None or not hmac.compare_digest(row["delete_token_hash"], token_hash(token)):
                return None
            self._run(conn, "DELETE FROM demos WHERE id = ?", (demo_id,))
            run_id = row["run_id"]
            shared = self._run(
                conn, "SELECT 1 FROM demos WHERE run_id = ? UNION ALL"
                " SELECT 1 FROM runs WHERE id = ? AND public = 1", (run_id, run_id),
            ).fetchone()  # fmt: skip
            if shared or not run_id:
                return []
            self._bury(conn, [run_id], now, "deleted")
            return [run_id]

    # rate limits

    def hit(self, key: str, minute: int) -> tuple[int, int]:
        """Count one more event for ``key`` in ``minute``: the count of that minute so far (this
        one included) and of the minute before."""
        with self._transaction() as conn:
            row = self._one(
                conn,
                "INSERT INTO hits (key, minute, n) VALUES (?, ?, 1)"
                " ON CONFLICT (key, minute) DO UPDATE SET n = hits.n + 1 RETURNING n",
                (key, minute),
            )
            before = self._one(
                conn, "SELECT n FROM hits WHERE key = ? AND minute = ?", (key, minute - 1)
            )
        assert row is not None
        return int(row["n"]), int(before["n"]) if before else 0
