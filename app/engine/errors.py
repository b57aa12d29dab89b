"""The engine's one error type: every invalid spec, image or argument raises it."""

from __future__ import annotations

import re

_PART = re.compile(r"^([a-z_]+)((?:\[\d+\])*)$")
_VERBS = ("is ", "has ", "needs ", "must ", "repeats ", "contains ", "takes ")


def in_words(field: str) -> str:
    """A spec path as a person reads it, counting from 1 as the pages do:
    'stages[0].stages[1].kernels[2]' -> 'stage 1, its part 2, kernel 3';
    'stages[0].kernels[0].weights[0][1]' -> 'stage 1, kernel 1, weights, row 1, column 2';
    'stages[3].stride[1]' -> 'stage 4, stride, value 2'; 'input.size' -> 'input size'."""
    parts: list[str] = []
    for name in field.split("."):
        match = _PART.match(name)
        if not match:
            parts.append(name)
            continue
        word = match.group(1).replace("_", " ")
        numbers = [int(i) + 1 for i in re.findall(r"\d+", match.group(2))]
        if word in ("stages", "kernels") and numbers:
            nested = word == "stages" and bool(parts) and parts[-1].startswith(("stage", "its"))
            parts.append(f"its part {numbers[0]}" if nested else f"{word[:-1]} {numbers[0]}")
        elif word == "weights" and numbers:
            places = ["map", "row", "column"][-len(numbers) :] if len(numbers) <= 3 else []
            parts.append(
                ", ".join(["weights", *(f"{p} {n}" for p, n in zip(places, numbers, strict=True))])
            )
        else:
            parts.append(", ".join([word, *(f"value {n}" for n in numbers)]))
    return ", ".join(parts).replace("input, ", "input ")


class EngineError(ValueError):
    """Invalid input to the engine.

    ``field`` names what was wrong as a path in the spec (e.g. ``stages[0].kernels[1]``) and
    ``limit`` the bound it broke, when there is one. ``where`` says the same in the pages' words
    (e.g. "Stage 1 (conv), kernel 2 (edge)") when the engine knows it. ``str(error)`` is a
    one-line message fit to show a person.
    """

    def __init__(
        self, field: str, message: str, limit: object | None = None, where: str | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.limit = limit
        self.where = where
        place = where or field
        joint = " " if where and message.startswith(_VERBS) else ": "
        super().__init__(f"{place}{joint}{message}")
