"""The engine's one error type: every invalid spec, image or argument raises it."""

from __future__ import annotations


class EngineError(ValueError):
    """Invalid input to the engine.

    ``field`` names what was wrong (e.g. ``stages[0].kernels[1]``) and ``limit`` the bound it broke,
    when there is one. ``str(error)`` is a one-line message fit to show a person.
    """

    def __init__(self, field: str, message: str, limit: object | None = None) -> None:
        self.field = field
        self.message = message
        self.limit = limit
        super().__init__(f"{field}: {message}")
