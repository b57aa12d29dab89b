"""Trainings' saved states in either database: a worker saves a training's state as it goes
(``learn.saved``), so any process shows a step without replaying it and another worker goes on
from it."""

from __future__ import annotations

from .database import Database

KEEP_EVERY = 100
"""Of a training's saved states, the latest is kept, and every this many steps (for rewinds)."""


class StateTables(Database):
    def put_training_state(self, training_id: str, step: int, changes: int, state: bytes) -> None:
        """Save a training's state at ``step``, made under its first ``changes`` settings changes,
        as its latest (earlier ones stay only every KEEP_EVERY steps); its size counts them."""
        with self._transaction() as conn:
            if self._one(conn, f"SELECT step FROM trainings WHERE id = ?{self.LOCK}",
                         (training_id,)) is None:  # fmt: skip
                return  # deleted meanwhile
            values = {"training_id": training_id, "step": step, "changes": changes,
                      "kept": int(step % KEEP_EVERY == 0), "state": state}  # fmt: skip
            again = "DO UPDATE SET changes = excluded.changes, state = excluded.state"
            self._insert(conn, "training_states", values, again, "training_id, step")
            self._run(conn, "DELETE FROM training_states WHERE training_id = ? AND step < ? AND "
                      "kept = 0", (training_id, step))  # fmt: skip
            self._run(conn, "UPDATE trainings SET size = length(drawings) + (SELECT "
                      "coalesce(sum(length(state)), 0) FROM training_states WHERE training_id "
                      "= ?) WHERE id = ?", (training_id, training_id))  # fmt: skip

    def training_states(self, training_id: str, at_most: int) -> list[tuple[int, int]]:
        """The steps of a training's saved states up to ``at_most``, latest first, each with the
        settings changes it was made under."""
        with self._transaction() as conn:
            rows = self._run(
                conn, "SELECT step, changes FROM training_states WHERE training_id = ? AND "
                "step <= ? ORDER BY step DESC", (training_id, at_most),
            ).fetchall()  # fmt: skip
        return [(int(r["step"]), int(r["changes"])) for r in rows]

    def training_state(self, training_id: str, step: int) -> bytes | None:
        with self._transaction() as conn:
            row = self._one(
                conn, "SELECT state FROM training_states WHERE training_id = ? AND step = ?",
                (training_id, step),
            )  # fmt: skip
        return None if row is None else bytes(row["state"])
