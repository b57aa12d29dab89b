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
from contextlib import AbstractContextManager
from typing import Any, Literal

from .records import (
    PACKED,
    DemoRecord,
    RunRecord,
    box_from,
    box_text,
    pack_input,
    run_address,
    spec_hash,
    unpack_input,
)

Presence = Literal["live", "gone", "missing"]
TOUCH_SECONDS = 3600.0
"""A run's last view is written down at most this often (a view is a read, not a write)."""
GONE_SECONDS = 90 * 86400.0
"""How long a deleted run's tombstone is kept (after that its address answers 404, not 410)."""
BATCH = 500
NOT_IN_A_DEMO = "id NOT IN (SELECT run_id FROM demos WHERE run_id IS NOT NULL)"


def token_hash(token: str) -> str:
    return spec_hash(token.encode())


class Tables:
    """Every read and write of the stores, on whichever database the subclass connects to."""

    MARK = "?"
    CREATED = "demos.created_at"
    LOCK = ""
    """What a backend adds to a SELECT that is about to change the rows it reads."""

    def _transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def create(self) -> None:
        """Create the tables, or bring an older database up to date (once, at start)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql if self.MARK == "?" else sql.replace("?", self.MARK)

    def _run(self, conn: Any, sql: str, params: Sequence[object] = ()) -> Any:
        return conn.execute(self._sql(sql), tuple(params))

    # runs

    def put(self, record: RunRecord, now: float) -> None:
        """Store a run (seen now); storing the same id again only marks it seen."""
        c, h, w = record.input.shape
        data = pack_input(record.input)
        with self._transaction() as conn:
            digest = self._put_spec(conn, record.spec)
            self._run(
                conn,
                "INSERT INTO runs (id, spec_hash, input, codec, channels, height, width, content,"
                " size, viewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET viewed_at = excluded.viewed_at",
                (record.id, digest, data, PACKED, c, h, w, box_text(record.content), len(data),
                 now),
            )  # fmt: skip
            self._run(conn, "DELETE FROM gone WHERE id = ?", (record.id,))

    def get(self, run_id: str) -> RunRecord | None:
        with self._transaction() as conn:
            row = self._run(
                conn,
                "SELECT specs.spec, input, codec, channels, height, width, content FROM runs"
                " JOIN specs ON specs.hash = runs.spec_hash WHERE runs.id = ?",
                (run_id,),
            ).fetchone()
        if row is None:
            return None
        spec, data, codec, c, h, w, content = row
        x = unpack_input(bytes(data), codec, c, h, w)
        return RunRecord(run_id, bytes(spec), x, box_from(content))

    def seen(self, run_id: str, now: float) -> Presence:
        """Whether the run is there ('live', and then its view is noted), was deleted ('gone')
        or never was ('missing')."""
        with self._transaction() as conn:
            row = self._run(conn, "SELECT viewed_at FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is not None:
                if row[0] < now - TOUCH_SECONDS:
                    self._run(conn, "UPDATE runs SET viewed_at = ? WHERE id = ?", (now, run_id))
                return "live"
            gone = self._run(conn, "SELECT 1 FROM gone WHERE id = ?", (run_id,)).fetchone()
        return "gone" if gone else "missing"

    def stored_bytes(self) -> int:
        """The bytes of every stored run's input and every spec."""
        with self._transaction() as conn:
            return self._stored_bytes(conn)

    def _stored_bytes(self, conn: Any) -> int:
        runs = self._run(conn, "SELECT coalesce(sum(size), 0) FROM runs").fetchone()[0]
        specs = self._run(conn, "SELECT coalesce(sum(length(spec)), 0) FROM specs").fetchone()[0]
        return int(runs) + int(specs)

    def prune(self, now: float, ttl_seconds: float, max_bytes: int) -> list[str]:
        """Delete the runs no demo refers to that were not viewed for ``ttl_seconds``, then the
        oldest-viewed of them while the store is over ``max_bytes``; the ids deleted."""
        with self._transaction() as conn:
            expired = [
                r[0] for r in self._run(
                    conn, f"SELECT id FROM runs WHERE viewed_at < ? AND {NOT_IN_A_DEMO}",
                    (now - ttl_seconds,),
                ).fetchall()
            ]  # fmt: skip
        removed = self._remove(expired, now)
        with self._transaction() as conn:
            over = self._stored_bytes(conn) - max_bytes
            oldest: list[str] = []
            if over > 0:
                rows = self._run(
                    conn, f"SELECT id, size FROM runs WHERE {NOT_IN_A_DEMO}"
                    " ORDER BY viewed_at, id",
                ).fetchall()  # fmt: skip
                for rid, size in rows:
                    if over <= 0:
                        break
                    oldest.append(rid)
                    over -= size
        removed += self._remove(oldest, now)
        with self._transaction() as conn:
            self._run(
                conn,
                "DELETE FROM specs WHERE hash NOT IN (SELECT spec_hash FROM runs)"
                " AND hash NOT IN (SELECT spec_hash FROM demos)",
            )
            self._run(conn, "DELETE FROM gone WHERE gone_at < ?", (now - GONE_SECONDS,))
            self._run(conn, "DELETE FROM hits WHERE minute < ?", (int(now // 60) - 1,))
        return removed

    def _remove(self, ids: list[str], now: float) -> list[str]:
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            with self._transaction() as conn:
                self._bury(conn, part, now)
        return ids

    def _bury(self, conn: Any, ids: Sequence[str], now: float) -> None:
        marks = ", ".join("?" * len(ids))
        self._run(conn, f"DELETE FROM runs WHERE id IN ({marks})", ids)
        conn.cursor().executemany(
            self._sql(
                "INSERT INTO gone (id, gone_at) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET gone_at = excluded.gone_at"
            ),
            [(rid, now) for rid in ids],
        )

    # demos

    def put_demo(self, record: DemoRecord, delete_token: str) -> None:
        """Store a new demo (a random id is always new; a fixed one is stored once)."""
        c, h, w = record.input.shape
        with self._transaction() as conn:
            digest = self._put_spec(conn, record.spec)
            self._run(
                conn,
                "INSERT INTO demos (id, spec_hash, input, codec, channels, height, width, title,"
                " description, delete_token_hash, content, run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (record.id, digest, pack_input(record.input), PACKED, c, h, w, record.title,
                 record.description, token_hash(delete_token), box_text(record.content),
                 record.run_id),
            )  # fmt: skip

    def get_demo(self, demo_id: str) -> DemoRecord | None:
        with self._transaction() as conn:
            row = self._run(
                conn,
                "SELECT specs.spec, input, codec, channels, height, width, title, description,"
                f" {self.CREATED}, content, run_id FROM demos"
                " JOIN specs ON specs.hash = demos.spec_hash WHERE demos.id = ?",
                (demo_id,),
            ).fetchone()
        if row is None:
            return None
        spec, data, codec, c, h, w, title, description, created, content, run_id = row
        x = unpack_input(bytes(data), codec, c, h, w)
        return DemoRecord(demo_id, bytes(spec), x, title, description, created, box_from(content),
                          run_id)  # fmt: skip

    def delete_demo(self, demo_id: str, token: str, now: float) -> list[str] | None:
        """Delete the demo if ``token`` is its delete token (compared in constant time), and its
        run unless another demo shows it; None if not deleted, else the run ids deleted."""
        with self._transaction() as conn:
            row = self._run(
                conn, f"SELECT delete_token_hash, run_id FROM demos WHERE id = ?{self.LOCK}",
                (demo_id,),
            ).fetchone()  # fmt: skip
            if row is None or not hmac.compare_digest(row[0], token_hash(token)):
                return None
            self._run(conn, "DELETE FROM demos WHERE id = ?", (demo_id,))
            run_id = row[1]
            shared = self._run(conn, "SELECT 1 FROM demos WHERE run_id = ?", (run_id,)).fetchone()
            if shared or not run_id:
                return []
            self._bury(conn, [run_id], now)
            return [run_id]

    # rate limits

    def hit(self, key: str, minute: int) -> int:
        """Count one more event for ``key`` in ``minute``; the count so far, this one included."""
        with self._transaction() as conn:
            row = self._run(
                conn,
                "INSERT INTO hits (key, minute, n) VALUES (?, ?, 1)"
                " ON CONFLICT (key, minute) DO UPDATE SET n = hits.n + 1 RETURNING n",
                (key, minute),
            ).fetchone()
        return int(row[0])

    # schema

    def _put_spec(self, conn: Any, spec: bytes) -> str:
        digest = spec_hash(spec)
        self._run(
            conn, "INSERT INTO specs (hash, spec) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (digest, spec),
        )  # fmt: skip
        return digest

    def _to_version_5(self, conn: Any, now: float) -> None:
        """Fill what version 5 added to older rows: sizes and a first view for runs, and for
        demos the id of the run they show."""
        self._run(
            conn, "UPDATE runs SET size = length(input), viewed_at = ? WHERE size = 0", (now,)
        )
        rows = self._run(
            conn,
            "SELECT demos.id, specs.spec, input, codec, channels, height, width, content"
            " FROM demos JOIN specs ON specs.hash = demos.spec_hash WHERE run_id IS NULL",
        ).fetchall()
        for did, spec, data, codec, c, h, w, content in rows:
            x = unpack_input(bytes(data), codec, c, h, w)
            address = run_address(bytes(spec), x, box_from(content))
            self._run(conn, "UPDATE demos SET run_id = ? WHERE id = ?", (address, did))
