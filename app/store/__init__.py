"""Storage of runs: SQLite by default."""

from .runs import RunRecord, RunStore

__all__ = ["RunRecord", "RunStore"]
