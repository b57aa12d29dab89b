"""Template filters for the big tables of numbers, where building the HTML cell by cell in Jinja
(an escape per cell) would cost more than the rest of the page."""

from __future__ import annotations

from markupsafe import Markup, escape

from ..service import StageView


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
