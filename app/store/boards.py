"""Class boards in either database: a teacher's board (its classes, join code, whether it takes
drawings, the training made from it) and the drawings students send to it."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .database import Database, Row
from .records import PACKED, pack_input, token_hash, unpack_input


@dataclass(frozen=True)
class BoardRecord:
    id: str
    code: str
    """The short code students type to join."""
    classes: list[str]
    open: bool = True
    """Whether it takes drawings."""
    training: str = ""
    """The training last made from its drawings, if any."""


@dataclass(frozen=True)
class BoardDrawing:
    id: str
    label: int
    ink: npt.NDArray[np.float32]
    """(28, 28) fitted ink."""
    session: str
    """Who sent it (an anonymous session)."""
    hidden: bool = False


class BoardTables(Database):
    def put_board(self, board: BoardRecord, token: str, now: float) -> None:
        """A new board; ``token`` (kept as a hash) is its teacher's key."""
        with self._transaction() as conn:
            values = {"id": board.id, "code": board.code, "classes": json.dumps(board.classes),
                      "admin_hash": token_hash(token), "viewed_at": now}  # fmt: skip
            self._insert(conn, "boards", values, "DO NOTHING")

    def get_board(self, board_id: str) -> BoardRecord | None:
        with self._transaction() as conn:
            row = self._one(conn, "SELECT * FROM boards WHERE id = ?", (board_id,))
        return _board(row) if row else None

    def board_by_code(self, code: str) -> BoardRecord | None:
        with self._transaction() as conn:
            row = self._one(conn, "SELECT * FROM boards WHERE code = ?", (code,))
        return _board(row) if row else None

    def board_admin(self, board_id: str, token: str) -> bool:
        """Whether ``token`` is the board's teacher key (compared in constant time)."""
        with self._transaction() as conn:
            row = self._one(conn, "SELECT admin_hash FROM boards WHERE id = ?", (board_id,))
        return row is not None and hmac.compare_digest(row["admin_hash"], token_hash(token))

    def set_board(self, board_id: str, **values: object) -> None:
        """Change a board's ``open``, ``training`` or ``viewed_at``."""
        names = ", ".join(f"{name} = ?" for name in values)
        with self._transaction() as conn:
            self._run(conn, f"UPDATE boards SET {names} WHERE id = ?", (*values.values(), board_id))

    def add_board_drawing(self, board_id: str, drawing: BoardDrawing, now: float) -> None:
        with self._transaction() as conn:
            values = {"id": drawing.id, "board_id": board_id, "label": drawing.label,
                      "drawing": pack_input(drawing.ink[None]), "session": drawing.session,
                      "created_at": now}  # fmt: skip
            self._insert(conn, "board_drawings", values, "DO NOTHING")

    def board_drawings(self, board_id: str) -> list[BoardDrawing]:
        """A board's drawings, oldest first (hidden ones too, marked so)."""
        with self._transaction() as conn:
            rows = self._run(
                conn, "SELECT * FROM board_drawings WHERE board_id = ? ORDER BY created_at, id",
                (board_id,),
            ).fetchall()  # fmt: skip
        return [_drawing(r) for r in rows]

    def board_state(self, board_id: str) -> tuple[object, ...] | None:
        """What a board's page shows changes with, in one query: whether it is open, its
        training, and its drawings (how many, how many hidden, the newest); None: no board."""
        with self._transaction() as conn:
            row = self._one(
                conn, "SELECT open, training, (SELECT count(*) FROM board_drawings d WHERE "
                "d.board_id = b.id) AS n, (SELECT coalesce(sum(hidden), 0) FROM board_drawings d "
                "WHERE d.board_id = b.id) AS h, (SELECT coalesce(max(created_at), 0) FROM "
                "board_drawings d WHERE d.board_id = b.id) AS t FROM boards b WHERE b.id = ?",
                (board_id,),
            )  # fmt: skip
        if row is None:
            return None
        return (bool(row["open"]), row["training"], int(row["n"]), int(row["h"]), float(row["t"]))

    def board_drawing(self, board_id: str, drawing_id: str) -> BoardDrawing | None:
        with self._transaction() as conn:
            row = self._one(
                conn, "SELECT * FROM board_drawings WHERE board_id = ? AND id = ?",
                (board_id, drawing_id),
            )  # fmt: skip
        return _drawing(row) if row else None

    def hide_board_drawing(self, board_id: str, drawing_id: str, hidden: bool) -> bool:
        with self._transaction() as conn:
            done = self._run(
                conn, "UPDATE board_drawings SET hidden = ? WHERE board_id = ? AND id = ?",
                (int(hidden), board_id, drawing_id),
            )  # fmt: skip
            return bool(done.rowcount)

    def remove_board_drawing(self, board_id: str, drawing_id: str) -> bool:
        with self._transaction() as conn:
            done = self._run(
                conn, "DELETE FROM board_drawings WHERE board_id = ? AND id = ?",
                (board_id, drawing_id),
            )  # fmt: skip
            return bool(done.rowcount)

    def shown_counts(self, board_id: str, classes: int) -> list[int]:
        """A board's drawings not hidden, a count per class."""
        with self._transaction() as conn:
            rows = self._run(
                conn, "SELECT label, count(*) AS n FROM board_drawings WHERE board_id = ? AND "
                "hidden = 0 GROUP BY label", (board_id,),
            ).fetchall()  # fmt: skip
        counts = [0] * classes
        for row in rows:
            counts[int(row["label"])] = int(row["n"])
        return counts

    def board_drawing_count(self, board_id: str, by: str, value: object) -> int:
        """A board's drawings (hidden ones too) sent by one ``session`` or in one ``label``."""
        if by not in ("session", "label"):
            raise ValueError(f"drawings are not counted by {by!r}")
        with self._transaction() as conn:
            row = self._one(
                conn, f"SELECT count(*) AS n FROM board_drawings WHERE board_id = ? AND {by} = ?",
                (board_id, value),
            )  # fmt: skip
        return int(row["n"]) if row else 0

    def prune_boards(self, now: float, ttl_seconds: float) -> list[str]:
        """Delete the boards no one opened for ``ttl_seconds``, with their drawings."""
        with self._transaction() as conn:
            rows = self._run(
                conn, "SELECT id FROM boards WHERE viewed_at < ?", (now - ttl_seconds,)
            ).fetchall()
            ids = [r["id"] for r in rows]
            for board_id in ids:
                self._run(conn, "DELETE FROM board_drawings WHERE board_id = ?", (board_id,))
                self._run(conn, "DELETE FROM boards WHERE id = ?", (board_id,))
        return ids


def _board(row: Row) -> BoardRecord:
    return BoardRecord(row["id"], row["code"], json.loads(row["classes"]), bool(row["open"]),
                       row["training"] or "")  # fmt: skip


def _drawing(row: Row) -> BoardDrawing:
    return BoardDrawing(row["id"], int(row["label"]),
                        unpack_input(bytes(row["drawing"]), PACKED, 1, 28, 28)[0], row["session"],
                        bool(row["hidden"]))  # fmt: skip
