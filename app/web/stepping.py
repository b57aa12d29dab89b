"""The explorer's pages, shared by runs, demos and embeds: what the templates get for a step, and
which template answers (the whole page, the explorer, or only the newly revealed stage)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from ..service import EXAMPLES, SCHEMES, RunView, cell_key, cut_note, explain_cell, parse_cell
from .deps import Render, StepQuery


def step_context(view: RunView, where: StepQuery, page: str) -> dict[str, Any]:
    """Everything the explorer templates read. ``page`` is the path its step links go to (the
    run's own page, or a demo's or an embed's). A selected cell's arithmetic is the service's
    ``explain_cell``, as the API's /explain gives it."""
    selected = parse_cell(where.cell, view)
    step = min(where.step, view.last)
    if selected is not None:
        step = max(step, selected[0])
    return {
        "run": view,
        "run_id": view.id,
        "page_path": page,
        "step": step,
        "last": view.last,
        "stages": view.upto(step),
        "selected": selected,
        "cell": cell_key(selected),
        "explanation": explain_cell(view, *selected) if selected else None,
        "prediction": view.prediction if step == view.last else None,
        "scale": where.scale,
        "cut_note": cut_note(view),
        "examples": list(EXAMPLES.values()),
        **look(where.colours),
    }


def look(colours: str) -> dict[str, Any]:
    """What the templates need to draw in a colour scheme: its name (for links) and itself."""
    return {"colours": colours, "scheme": SCHEMES[colours]}


def overview_context(run: RunView, page: str, colours: str) -> dict[str, Any]:
    """What the overview shows: the run's stages, and the page its columns open (``page``)."""
    return {"run": run, "page_path": page, **look(colours)}


def render_step(
    render: Render, where: StepQuery, context: dict[str, Any], page_template: str = "run.html"
) -> HTMLResponse:
    """The whole page when opened cold; for htmx, the explorer, or for 'Next' (the request asks
    for ``fragment=next``) only the new stage with the nav and the prediction."""
    fragment = "_next_stage.html" if where.fragment == "next" else "_explorer.html"
    return render.page_or_fragment(page_template, fragment, context)
