"""Runs and demos in PostgreSQL (psycopg 3), when the settings' database URL points to one.

The same methods as the SQLite stores (RunStore, DemoStore) and the same content addressing;
every call commits its own transaction, so a save is acknowledged only after its commit.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from .connections import ThreadConnections
from .demos import DemoRecord, token_hash
from .runs import RunRecord, box_from, box_text, input_array, input_bytes, spec_hash

SCHEMA_VERSION = 4
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS specs (hash TEXT PRIMARY KEY, spec BYTEA NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, spec_hash TEXT NOT NULL REFERENCES specs (hash),
        input BYTEA NOT NULL, channels INTEGER NOT NULL, height INTEGER NOT NULL,
        width INTEGER NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
    """CREATE TABLE IF NOT EXISTS demos (
        id TEXT PRIMARY KEY, spec_hash TEXT NOT NULL REFERENCES specs (hash),
        input BYTEA NOT NULL, channels INTEGER NOT NULL, height INTEGER NOT NULL,
        width INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
        delete_token_hash TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
    # version 4: where the picture lies in the input (see RunRecord.content)
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS content TEXT",
    "ALTER TABLE demos ADD COLUMN IF NOT EXISTS content TEXT",
]
CREATED = "to_char(demos.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
SCHEMA_LOCK = 7_461_123  # an advisory lock: two servers starting at once migrate one at a time


class PostgresDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        self._connections: ThreadConnections[psycopg.Connection] = ThreadConnections(
            lambda: psycopg.connect(self.url, connect_timeout=10, autocommit=True),
            lambda conn: not (conn.closed or conn.broken),
        )

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        """This thread's connection, in a transaction that commits when the block ends."""
        conn = self._connections.get()
        with conn.transaction():
            yield conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        self._connections.close()

    def create(self) -> None:
        """Create the tables, or refuse a database written by a newer ConvLens."""
        with self.connect() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(SCHEMA[0])
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] if row and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the database is from a newer ConvLens (schema {version}); this one knows "
                    f"up to {SCHEMA_VERSION}"
                )
            for statement in SCHEMA[1:]:
                conn.execute(statement)
            if version < SCHEMA_VERSION:
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))

    @staticmethod
    def _put_spec(conn: psycopg.Connection, spec: bytes) -> str:
        digest = spec_hash(spec)
        conn.execute(
            "INSERT INTO specs (hash, spec) VALUES (%s, %s) ON CONFLICT DO NOTHING", (digest, spec)
        )
        return digest


class PostgresRunStore(PostgresDatabase):
    def put(self, record: RunRecord) -> None:
        c, h, w = record.input.shape
        with self.connect() as conn:
            digest = self._put_spec(conn, record.spec)
            conn.execute(
                "INSERT INTO runs (id, spec_hash, input, channels, height, width, content)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (record.id, digest, input_bytes(record.input), c, h, w, box_text(record.content)),
            )

    def get(self, run_id: str) -> RunRecord | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT specs.spec, input, channels, height, width, content FROM runs"
                " JOIN specs ON specs.hash = runs.spec_hash WHERE runs.id = %s",
                (run_id,),
            ).fetchone()
        if row is None:
            return None
        spec, data, c, h, w, content = row
        x = input_array(bytes(data), c, h, w)
        return RunRecord(run_id, bytes(spec), x, box_from(content))


class PostgresDemoStore(PostgresDatabase):
    def put(self, record: DemoRecord, delete_token: str) -> bool:
        c, h, w = record.input.shape
        with self.connect() as conn:
            digest = self._put_spec(conn, record.spec)
            cursor = conn.execute(
                "INSERT INTO demos (id, spec_hash, input, channels, height, width, title,"
                " description, delete_token_hash, content)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (record.id, digest, input_bytes(record.input), c, h, w, record.title,
                 record.description, token_hash(delete_token), box_text(record.content)),
            )  # fmt: skip
            return cursor.rowcount == 1

    def get(self, demo_id: str) -> DemoRecord | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT specs.spec, input, channels, height, width, title, description, "
                f"{CREATED}, content FROM demos JOIN specs ON specs.hash = demos.spec_hash"
                " WHERE demos.id = %s",
                (demo_id,),
            ).fetchone()
        if row is None:
            return None
        spec, data, c, h, w, title, description, created, content = row
        return DemoRecord(demo_id, bytes(spec), input_array(bytes(data), c, h, w), title,
                          description, created, box_from(content))  # fmt: skip

    def delete(self, demo_id: str, token: str) -> bool:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT delete_token_hash FROM demos WHERE id = %s FOR UPDATE", (demo_id,)
            ).fetchone()
            if row is None or not hmac.compare_digest(row[0], token_hash(token)):
                return False
            conn.execute("DELETE FROM demos WHERE id = %s", (demo_id,))
            return True
