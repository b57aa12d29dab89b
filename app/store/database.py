"""What both databases' stores share below the queries: a connection in a transaction, SQL in
either dialect, rows read by column name, the schema version and its migration's last step.
``tables.Tables`` holds the queries; ``runs.SqliteStore`` and ``postgres.PostgresStore`` connect
and create the tables."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from .records import box_from, run_address, spec_hash, unpack_input

SCHEMA_VERSION = 12
"""The stores' schema version, declared here alone: both dialects migrate up to it, and refuse a
database from a newer ConvLens."""
Row = Mapping[str, Any]
"""A row read by column name (sqlite3.Row, or psycopg's dict_row)."""
STORED_INPUT = "input, codec, channels, height, width, content"
"""The columns a stored input is read back from (``stored_input``)."""


RUN_ROW_BYTES = 128
"""What a run's row counts toward the size beyond its input (its id, spec hash and columns)."""
TOMBSTONE_BYTES = 64
"""What a tombstone (a row of ``gone``: an id, a time and a reason) counts toward the size: less
than any run, so that pruning a run always makes room."""
COUNT_STORED = f"""INSERT INTO totals (name, bytes) SELECT 'stored',
    (SELECT coalesce(sum(size), 0) FROM runs) + {TOMBSTONE_BYTES} * (SELECT count(*) FROM gone)
    WHERE NOT EXISTS (SELECT 1 FROM totals WHERE name = 'stored')
    ON CONFLICT (name) DO NOTHING"""
"""The running total of stored bytes, counted once when the table that keeps it is made (a
later start neither counts nor scans); the triggers each store creates keep it in the
transaction of every insert and delete after that."""
COUNTED = "UPDATE totals SET bytes = bytes + ({change}) WHERE name = 'stored'"
"""A trigger's change to the running total."""


def stored_input(row: Row) -> Any:
    """A stored input, read back bit for bit from its columns (``STORED_INPUT``)."""
    return unpack_input(bytes(row["input"]), row["codec"], row["channels"], row["height"],
                        row["width"])  # fmt: skip


class Database:
    """A store's connection and dialect; the queries are ``Tables``'."""

    MARK = "?"
    CREATED = "demos.created_at"
    LOCK = ""
    """What a backend adds to a SELECT that is about to change the rows it reads."""
    HOLD = ""
    """What a backend adds to a SELECT so that the row read is not deleted before the
    transaction ends (SQLite: its writes begin with the write lock, see ``_writing``)."""

    _specs_sent: set[str]
    """The specs this store has stored (by hash), set empty by each backend's __init__."""

    def _writing(self, conn: Any) -> None:
        """Begin a transaction that will write (SQLite: take the write lock now)."""

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

    def _one(self, conn: Any, sql: str, params: Sequence[object] = ()) -> Row | None:
        row: Row | None = self._run(conn, sql, params).fetchone()
        return row

    def _insert(
        self, conn: Any, table: str, values: dict[str, object], conflict: str, key: str = "id"
    ) -> None:
        """INSERT ``values`` (column -> value) into ``table``, ``conflict`` saying what a row
        with the same ``key`` does."""
        names = ", ".join(values)
        marks = ", ".join("?" * len(values))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({key}) {conflict}"
        self._run(conn, sql, list(values.values()))

    def _refuse_newer(self, version: int, what: str) -> None:
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{what} is from a newer ConvLens (schema {version}); this one knows up to "
                f"{SCHEMA_VERSION}"
            )

    def _record_version(self, conn: Any, version: int) -> None:
        """Fill what the newest schema added to older rows, and record it (in the migration's
        transaction)."""
        if version != SCHEMA_VERSION:
            self._to_version_5(conn, time.time())
            self._run(  # version 12: a run counts its row as well as its input
                conn, "UPDATE runs SET size = length(input) + ?", (RUN_ROW_BYTES,)
            )
            self._run(  # version 9: trainings kept from before count as seen now
                conn, "UPDATE trainings SET viewed_at = ?, size = length(drawings) "
                "WHERE viewed_at = 0", (time.time(),),
            )  # fmt: skip
            self._run(conn, "DELETE FROM schema_version")
            self._run(conn, "INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))

    def _put_spec(self, conn: Any, spec: bytes) -> str:
        """Store a spec once (in the transaction of the run or demo that uses it); its key.
        A spec this process has stored is only looked up by its hash, and held against pruning
        until the transaction ends, rather than sent again (a learned one is a megabyte)."""
        digest = spec_hash(spec)
        if digest in self._specs_sent:
            held = f"SELECT 1 AS one FROM specs WHERE hash = ?{self.HOLD}"
            if self._one(conn, held, (digest,)) is not None:
                return digest
        self._run(
            conn, "INSERT INTO specs (hash, spec) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (digest, spec),
        )  # fmt: skip
        self._specs_sent.add(digest)
        return digest

    def _to_version_5(self, conn: Any, now: float) -> None:
        """Fill what version 5 added to older rows: sizes and a first view for runs, and for
        demos the id of the run they show."""
        self._run(
            conn, "UPDATE runs SET size = length(input), viewed_at = ? WHERE size = 0", (now,)
        )
        rows = self._run(
            conn,
            f"SELECT demos.id, specs.spec, {STORED_INPUT}"
            " FROM demos JOIN specs ON specs.hash = demos.spec_hash WHERE run_id IS NULL",
        ).fetchall()
        for row in rows:
            address = run_address(bytes(row["spec"]), stored_input(row), box_from(row["content"]))
            self._run(conn, "UPDATE demos SET run_id = ? WHERE id = ?", (address, row["id"]))
