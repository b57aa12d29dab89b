"""Storage of runs and demos: SQLite by default."""

from .demos import DemoRecord, DemoStore
from .runs import RunRecord, RunStore

__all__ = ["DemoRecord", "DemoStore", "RunRecord", "RunStore"]
