"""Template filters for the big tables of numbers, where building the HTML cell by cell in Jinja
(an escape per cell) would cost more than the rest of the page."""

from __future__ import annotations

from functools import cache

from markupsafe import Markup, escape

from ..service import COLOURS, StageView

RAMP_STOPS = 17
"""Colour stops in a legend's gradient, evenly spaced entries of the colour map's 256."""


def table_rows(rows: tuple[tuple[str, ...], ...]) -> Markup:
    """A numbers table's rows as HTML, the cells escaped in one pass over the whole table (a
    call per cell costs more than the rest of the page)."""
    text = str(escape("\n".join("\t".join(row) for row in rows)))
    cells = text.replace("\t", "</td><td>").replace("\n", "</td></tr><tr><td>")
    return Markup(f"<tr><td>{cells}</td></tr>") if rows else Markup()


def vector_cells(stage: StageView) -> Markup:
    """A vector stage's cells, each one pickable (its cell key) and titled with its label."""
    labels = stage.labels or ("",) * len(stage.numbers)
    return Markup("".join(
        f'<td tabindex="0" data-cell="{stage.index}.0.0.{i}"'
        + (f' title="{escape(label)}"' if label else "")
        + f">{text}</td>"  # the service's formatted numbers: digits, a point, a minus
        for i, (text, label) in enumerate(zip(stage.numbers, labels, strict=True))
    ))  # fmt: skip


def scalar_items(details: dict[str, object]) -> list[tuple[str, object]]:
    """A cell explanation's fields that read as one number or word, for a kind the explain
    panel has no sentence of its own for."""
    return [(k, v) for k, v in details.items() if isinstance(v, int | float | str)]


def ramp_id(colormap: str) -> str:
    """The id of a colour map's legend gradient (see ``ramp_defs``)."""
    return "ramp-" + colormap.replace(":", "-").replace("_", "-").lower()


@cache
def ramp_defs() -> Markup:
    """Every scheme's colour maps as SVG gradients, for the legends to fill their ramps with:
    entries of the same 256 colours the pictures use, so a legend and its pictures agree."""
    gradients = []
    for name, lut in COLOURS.items():
        stops = "".join(
            f'<stop offset="{i / (RAMP_STOPS - 1):.4g}" stop-color="#{r:02x}{g:02x}{b:02x}"/>'
            for i, (r, g, b) in (
                (i, lut[round(i * 255 / (RAMP_STOPS - 1))]) for i in range(RAMP_STOPS)
            )
        )
        gradients.append(f'<linearGradient id="{ramp_id(name)}">{stops}</linearGradient>')
    return Markup(
        '<svg class="defs" width="0" height="0" aria-hidden="true"><defs>'
        + "".join(gradients) + "</defs></svg>"
    )  # fmt: skip
