"""Trainings in either database: what a training is (its drawings, labels, settings, seed) and
how far it has gone; its weights are rebuilt by replay, never stored."""

from __future__ import annotations

import json

from .database import Database
from .records import PACKED, TrainingRecord, pack_input, unpack_input


class TrainingTables(Database):
    def put_training(self, record: TrainingRecord) -> None:
        n = len(record.drawings)
        with self._transaction() as conn:
            values = {
                "id": record.id, "classes": json.dumps(record.classes),
                "drawings": pack_input(record.drawings), "count": n,
                "labels": json.dumps(record.labels), "settings": record.settings,
                "seed": record.seed, "step": record.step,
            }  # fmt: skip
            self._insert(conn, "trainings", values, "DO NOTHING")

    def get_training(self, training_id: str) -> TrainingRecord | None:
        with self._transaction() as conn:
            row = self._one(conn, "SELECT * FROM trainings WHERE id = ?", (training_id,))
        if row is None:
            return None
        drawings = unpack_input(bytes(row["drawings"]), PACKED, row["count"], 28, 28)
        changes = [(int(step), settings) for step, settings in json.loads(row["changes"])]
        return TrainingRecord(training_id, json.loads(row["classes"]), drawings,
                              json.loads(row["labels"]), row["settings"], int(row["seed"]),
                              int(row["step"]), changes)  # fmt: skip

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
