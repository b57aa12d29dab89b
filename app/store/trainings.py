"""Trainings in either database: what a training is (its drawings, labels, settings, seed) and
how far it has gone; its weights are rebuilt by replay, never stored."""

from __future__ import annotations

import json

from .database import Database
from .records import PACKED, TrainingRecord, pack_input, unpack_input

LETTABLE = "shared = 0 AND running = 0"
"""Trainings retention may let go: not shared, not running."""


class TrainingTables(Database):
    def put_training(self, record: TrainingRecord, now: float, max_bytes: int) -> bool:
        """Store a new training, making room for it under ``max_bytes`` (see ``_make_room``);
        False when there is none."""
        packed = pack_input(record.drawings)
        if not self._make_room(len(packed), max_bytes):
            return False
        with self._transaction() as conn:
            values = {
                "id": record.id, "classes": json.dumps(record.classes), "drawings": packed,
                "count": len(record.drawings), "labels": json.dumps(record.labels),
                "settings": record.settings, "seed": record.seed, "step": record.step,
                "viewed_at": now, "size": len(packed),
            }  # fmt: skip
            self._insert(conn, "trainings", values, "DO NOTHING")
        return True

    def get_training(self, training_id: str) -> TrainingRecord | None:
        with self._transaction() as conn:
            row = self._one(conn, "SELECT * FROM trainings WHERE id = ?", (training_id,))
        if row is None:
            return None
        drawings = unpack_input(bytes(row["drawings"]), PACKED, row["count"], 28, 28)
        changes = [(int(step), settings) for step, settings in json.loads(row["changes"])]
        return TrainingRecord(training_id, json.loads(row["classes"]), drawings,
                              json.loads(row["labels"]), row["settings"], int(row["seed"]),
                              int(row["step"]), changes, bool(row["running"]), int(row["speed"]),
                              float(row["ticked"]), row["stopped"], int(row["since"]),
                              float(row["cpu"]), bool(row["shared"]))  # fmt: skip

    def change_training(self, training_id: str, settings: str) -> None:
        """New settings for a training, from its next step on (earlier steps keep theirs)."""
        with self._transaction() as conn:
            row = self._one(
                conn, f"SELECT step, changes FROM trainings WHERE id = ?{self.LOCK}",
                (training_id,),
            )  # fmt: skip
            if row is None:
                return
            changes = [c for c in json.loads(row["changes"]) if c[0] != row["step"]]
            changes.append([row["step"], settings])  # a second change at one step replaces it
            self._run(conn, "UPDATE trainings SET changes = ? WHERE id = ?",
                      (json.dumps(changes), training_id))  # fmt: skip

    def set_training_step(self, training_id: str, step: int) -> None:
        """Note how far a training has gone (it only goes forward)."""
        with self._transaction() as conn:
            self._run(
                conn, "UPDATE trainings SET step = ? WHERE id = ? AND step < ?",
                (step, training_id, step),
            )  # fmt: skip

    def play_training(self, training_id: str, speed: int, now: float) -> None:
        """Set a training running at ``speed`` steps a second (0: as fast as it goes)."""
        with self._transaction() as conn:
            self._run(
                conn, "UPDATE trainings SET running = 1, speed = ?, ticked = ?, stopped = '', "
                "since = step WHERE id = ?", (speed, now, training_id),
            )  # fmt: skip

    def pause_training(self, training_id: str) -> None:
        with self._transaction() as conn:
            self._run(conn, "UPDATE trainings SET running = 0 WHERE id = ?", (training_id,))

    def move_training(
        self, training_id: str, step: int, to: int, ticked: float, stopped: str
    ) -> bool:
        """Move a running training from ``step`` on to ``to``, unless another process moved it
        first (then nothing changes and the answer is False); a reason to stop pauses it."""
        with self._transaction() as conn:
            moved = self._run(
                conn, "UPDATE trainings SET step = ?, ticked = ?, stopped = ?, "
                "running = CASE WHEN ? = '' THEN running ELSE 0 END "
                "WHERE id = ? AND step = ? AND running = 1",
                (to, ticked, stopped, stopped, training_id, step),
            )  # fmt: skip
            return bool(moved.rowcount)

    def running_trainings(self, since: float) -> int:
        """Trainings running that some process moved on after ``since``."""
        with self._transaction() as conn:
            row = self._one(
                conn, "SELECT count(*) AS n FROM trainings WHERE running = 1 AND ticked > ?",
                (since,),
            )  # fmt: skip
        return int(row["n"]) if row else 0

    def training_seen(self, training_id: str, now: float) -> None:
        """Note that someone opened a training (retention lets unopened ones go)."""
        with self._transaction() as conn:
            self._run(conn, "UPDATE trainings SET viewed_at = ? WHERE id = ?", (now, training_id))

    def share_training(self, training_id: str) -> None:
        with self._transaction() as conn:
            self._run(conn, "UPDATE trainings SET shared = 1 WHERE id = ?", (training_id,))

    def spend_training_cpu(self, training_id: str, seconds: float) -> None:
        with self._transaction() as conn:
            self._run(
                conn, "UPDATE trainings SET cpu = cpu + ? WHERE id = ?", (seconds, training_id)
            )

    def prune_trainings(self, now: float, ttl_seconds: float) -> list[str]:
        """Delete the trainings no one shared, not running, not opened for ``ttl_seconds``."""
        return self._drop_trainings("viewed_at < ?", (now - ttl_seconds,))

    def _make_room(self, size: int, max_bytes: int) -> bool:
        """Delete the trainings no one shared and not running, opened longest ago first, until
        one more of ``size`` bytes fits in ``max_bytes``; whether it fits."""
        while True:
            with self._transaction() as conn:
                row = self._one(conn, "SELECT coalesce(sum(size), 0) AS n FROM trainings")
                stored = int(row["n"]) if row else 0
                if stored + size <= max_bytes:
                    return True
                oldest = self._one(conn, f"SELECT id FROM trainings WHERE {LETTABLE} "
                                   "ORDER BY viewed_at LIMIT 1")  # fmt: skip
            if oldest is None:
                return False
            self._drop_trainings("id = ?", (oldest["id"],))

    def _drop_trainings(self, where: str, args: tuple[object, ...]) -> list[str]:
        with self._transaction() as conn:
            rows = self._run(
                conn, f"SELECT id FROM trainings WHERE {LETTABLE} AND {where}", args
            ).fetchall()
            ids = [r["id"] for r in rows]
            for tid in ids:
                self._run(conn, "DELETE FROM training_states WHERE training_id = ?", (tid,))
                self._run(conn, "DELETE FROM trainings WHERE id = ?", (tid,))
        return ids
