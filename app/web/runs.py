"""Run a picture, then step through its stages; explain a cell; heatmap pictures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from ..catalog import get_preset
from ..engine import EngineError, PipelineSpec, Trace
from ..engine.banks import KERNELS
from ..engine.presets import SLIDES_VOTE_INPUT
from ..engine.slides import slides_vote
from ..service import Explorer, NotFound
from .cells import class_cell, parse_cell, select
from .ratelimit import client_address
from .texts import STAGE_TEXT, conventions
from .tweaks import KERNEL_SIDES, build_spec, tweaks_from_form

router = APIRouter()

TABLE_MAX_SIDE = 16
INLINE_TABLE_CELLS = 1024
"""A stage with more values than this sends its numbers tables only when they are opened."""
Scale = Literal["stage", "map"]
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


@dataclass(frozen=True)
class View:
    """Where a page stands, from its URL: the step, the selected cell, the colour scale."""

    step: int = 0
    cell: str | None = None
    scale: Scale = "stage"


def view_params(
    step: Annotated[int, Query(ge=0)] = 0,
    cell: Annotated[str | None, Query(max_length=40)] = None,
    scale: Scale = "stage",
) -> View:
    return View(step, cell, scale)


ViewParams = Annotated[View, Depends(view_params)]


def explorer(request: Request) -> Explorer:
    service: Explorer = request.app.state.explorer
    return service


def count_run(request: Request) -> None:
    """Dependency: one more run from this client address (429 past the limit)."""
    request.app.state.run_limiter.hit(client_address(request))


def _upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


async def start_run(
    request: Request, picture: UploadFile | None, example: str | None, spec: PipelineSpec
) -> str:
    """Run an uploaded picture, else a named example; the pages and the API both come here."""
    service = explorer(request)
    if picture is not None:
        return service.run_image(await picture.read(), spec)
    if example:
        return service.run_example(example, spec)
    raise EngineError("image", "choose an example, draw something or upload a picture")


def chosen_picture(form: FormData) -> tuple[UploadFile | None, str | None]:
    """The home form's picture: its 'source' field says draw, upload or example."""
    source = str(form.get("source") or "")
    uploads = {"draw": _upload(form, "drawing"), "upload": _upload(form, "image")}
    example = form.get("example")
    example = example if isinstance(example, str) and example else None
    if source in uploads:
        if uploads[source] is None:
            what = "draw something first" if source == "draw" else "choose a picture to upload"
            raise EngineError("image", what)
        return uploads[source], None
    if source == "example":
        return None, example
    return uploads["upload"] or uploads["draw"], example


def spec_from_form(request: Request, form: FormData) -> PipelineSpec:
    preset = str(form.get("preset") or "") or None
    if preset == "custom":
        return build_spec(tweaks_from_form(form))
    spec_json = form.get("spec")
    return explorer(request).resolve_spec(preset, spec_json if isinstance(spec_json, str) else None)


@router.post("/runs", name="create_run", dependencies=[Depends(count_run)])
async def create_run(request: Request) -> Response:
    form = await request.form()
    try:
        picture, example = chosen_picture(form)
        rid = await start_run(request, picture, example, spec_from_form(request, form))
    finally:
        await form.close()
    if form.get("live"):  # drawing with 'live' on: every stage at once, in a compact view
        return live_view(request, rid)
    url = request.url_for("show_run", run_id=rid).include_query_params(step=0)
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Location": str(url)})
    return RedirectResponse(str(url), status_code=303)


def live_view(request: Request, rid: str) -> Response:
    trace = explorer(request).trace(rid)
    context = {"run_id": rid, "trace": trace, "last": len(trace) - 1, "ranked": _ranked(trace)}
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, "_live.html", context)
    return response


def run_context(
    request: Request, run_id: str, view: View, page_path: str | None = None
) -> dict[str, Any]:
    """Everything the explorer templates need; ``page_path`` is where its step links go
    (the run's own page unless a demo or an embed shows it)."""
    trace = explorer(request).trace(run_id)
    step = min(view.step, len(trace) - 1)
    selected = parse_cell(view.cell, trace)
    selection = select(trace, selected) if selected else None
    if selected is not None:
        step = max(step, selected[0])
    return {
        "run_id": run_id,
        "page_path": page_path or f"/runs/{run_id}",
        "trace": trace,
        "step": step,
        "last": len(trace) - 1,
        "stages": trace.stages[: step + 1],
        "selected": selected,
        "explanation": selection.explanation if selection else None,
        "field": selection.field if selection else None,
        "dense": selection.dense if selection else None,
        "ranked": _ranked(trace),
        "scale": view.scale,
        "texts": STAGE_TEXT,
        "conventions": conventions(trace),
        "table_max_side": TABLE_MAX_SIDE,
        "inline_table_cells": INLINE_TABLE_CELLS,
        "slides_vote": slides_vote() if _votes_like_the_slides(trace) else None,
        "slides_vector": SLIDES_VOTE_INPUT,
    }


def _ranked(trace: Trace, count: int = 5) -> list[tuple[str, float, str]]:
    """The top classes: (label, score, the cell that explains the score), best first."""
    if trace.prediction is None:
        return []
    scores = list(trace.prediction.scores.items())
    order = sorted(range(len(scores)), key=lambda i: -scores[i][1])[:count]
    return [(scores[i][0], scores[i][1], class_cell(trace, i)) for i in order]


def _votes_like_the_slides(trace: Trace) -> bool:
    return trace.pipeline.spec.stages[-1] == get_preset("seed-xo").spec.stages[-1]


@router.get("/runs/{run_id}", response_class=HTMLResponse, name="show_run")
def show_run(request: Request, run_id: str, view: ViewParams) -> Response:
    return render_step(request, run_context(request, run_id, view))


def render_step(
    request: Request, context: dict[str, Any], page_template: str = "run.html"
) -> HTMLResponse:
    """The whole page when opened cold; for htmx, the explorer, or (for 'Next') only the new
    stage with the nav and the prediction."""
    headers = request.headers
    fragment = headers.get("hx-request") == "true" and not headers.get("hx-history-restore-request")
    if not fragment:
        name = page_template
    elif headers.get("hx-target", "").endswith("#stages"):
        name = "_next_stage.html"
    else:
        name = "_explorer.html"
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "HX-Request, HX-Target, HX-History-Restore-Request"
    return response


@router.get("/runs/{run_id}/stages/{stage}/maps/{index}/numbers", name="numbers")
def numbers(request: Request, run_id: str, stage: int, index: int) -> Response:
    """One map's values as a table, for a numbers toggle opened on a large stage."""
    _, out = explorer(request).stage(run_id, stage)
    maps = out.data
    if maps.ndim != 3:
        raise NotFound(f"stage {stage} has no maps")
    if not 0 <= index < len(maps) or max(maps.shape[1:]) > TABLE_MAX_SIDE:
        raise NotFound(f"stage {stage} has no numbers table for map {index}")
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, "_numbers.html", {"plane": maps[index]}, headers=IMMUTABLE
    )
    return response


@router.get("/kernel-editor", response_class=HTMLResponse, name="kernel_editor")
def kernel_editor(
    request: Request,
    ksize: Annotated[int, Query(ge=min(KERNEL_SIDES), le=max(KERNEL_SIDES))] = 3,
    start: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The kernel grid at a size, filled with a named kernel (centred) or zeros."""
    grid = [[0.0] * ksize for _ in range(ksize)]
    named = KERNELS.get(start)
    if named is not None:
        offset = (ksize - len(named)) // 2
        for r, row in enumerate(named):
            for c, value in enumerate(row):
                if 0 <= r + offset < ksize and 0 <= c + offset < ksize:
                    grid[r + offset][c + offset] = value
    templates: Jinja2Templates = request.app.state.templates
    context = {"grid": grid, "ksize": ksize, "kernel_names": list(KERNELS), "start": start}
    response: HTMLResponse = templates.TemplateResponse(request, "_kernel_grid.html", context)
    return response


def picture_response(request: Request, etag: str, make: Callable[[], bytes]) -> Response:
    """A content-addressed picture: its address says everything, so its ETag is made from the
    address; 304 when the browser has it, else the PNG, cached forever."""
    headers = {**IMMUTABLE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(make(), media_type="image/png", headers=headers)


@router.get("/runs/{run_id}/stages/{stage}/kernels.png", name="kernels")
def kernels(request: Request, run_id: str, stage: int) -> Response:
    etag = f'"{run_id}-{stage}-kernels"'
    return picture_response(request, etag, lambda: explorer(request).kernels(run_id, stage))


@router.get("/runs/{run_id}/stages/{stage}/maps/{index}.png", name="heatmap")
def heatmap(
    request: Request, run_id: str, stage: int, index: int, scale: Scale = "stage"
) -> Response:
    etag = f'"{run_id}-{stage}-{index}-{scale}"'
    per_map = scale == "map"
    return picture_response(
        request, etag, lambda: explorer(request).heatmap(run_id, stage, index, per_map=per_map)
    )
