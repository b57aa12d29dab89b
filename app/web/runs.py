"""Run a picture, then step through its stages; explain a cell; heatmap pictures."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from ..engine import EngineError, PipelineSpec, Trace, explain
from ..engine.banks import KERNELS
from ..engine.explain import receptive_field
from ..engine.presets import SLIDES_VOTE_INPUT, get_preset
from ..engine.slides import slides_vote
from ..service import Explorer, heatmap_etag
from .ratelimit import client_address
from .texts import STAGE_TEXT, conventions
from .tweaks import KERNEL_SIDES, build_spec, tweaks_from_form

router = APIRouter()

TABLE_MAX_SIDE = 16
Scale = Literal["stage", "map"]


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
    url = request.url_for("show_run", run_id=rid).include_query_params(step=0)
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Location": str(url)})
    return RedirectResponse(str(url), status_code=303)


def parse_cell(text: str | None, trace: Trace) -> tuple[int, int, int, int] | None:
    """'stage.map.row.column' -> numbers, checked against the trace; None when not given."""
    if not text:
        return None
    try:
        stage, channel, y, x = (int(part) for part in text.split("."))
    except ValueError:
        raise EngineError("cell", "a cell is written stage.map.row.column, e.g. 1.0.3.4") from None
    if not 1 <= stage < len(trace):
        raise EngineError("cell", f"pick a cell in stages 1 to {len(trace) - 1}")
    return stage, channel, y, x


def run_context(
    request: Request, run_id: str, step: int, cell: str | None, scale: Scale
) -> dict[str, Any]:
    trace = explorer(request).trace(run_id)
    step = min(step, len(trace) - 1)
    selected = parse_cell(cell, trace)
    explanation, field = None, None
    if selected is not None:
        explanation = explain(trace, *selected)
        step = max(step, selected[0])
        if trace.stages[selected[0]].data.ndim == 3:
            field = receptive_field(trace, selected[0], selected[2], selected[3])
    return {
        "run_id": run_id,
        "trace": trace,
        "step": step,
        "last": len(trace) - 1,
        "stages": trace.stages[: step + 1],
        "selected": selected,
        "explanation": explanation,
        "field": field,
        "scale": scale,
        "texts": STAGE_TEXT,
        "conventions": conventions(trace),
        "table_max_side": TABLE_MAX_SIDE,
        "slides_vote": slides_vote() if _votes_like_the_slides(trace) else None,
        "slides_vector": SLIDES_VOTE_INPUT,
    }


def _votes_like_the_slides(trace: Trace) -> bool:
    return trace.pipeline.spec.stages[-1] == get_preset("seed-xo").spec.stages[-1]


@router.get("/runs/{run_id}", response_class=HTMLResponse, name="show_run")
def show_run(
    request: Request,
    run_id: str,
    step: Annotated[int, Query(ge=0)] = 0,
    cell: Annotated[str | None, Query(max_length=40)] = None,
    scale: Scale = "stage",
) -> Response:
    context = run_context(request, run_id, step, cell, scale)
    headers = request.headers
    fragment = headers.get("hx-request") == "true" and not headers.get("hx-history-restore-request")
    if not fragment:
        name = "run.html"
    elif headers.get("hx-target", "").endswith("#stages"):
        name = "_next_stage.html"  # 'Next': only the new stage, the nav and the prediction
    else:
        name = "_explorer.html"
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "HX-Request, HX-Target, HX-History-Restore-Request"
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


@router.get("/runs/{run_id}/stages/{stage}/maps/{index}.png", name="heatmap")
def heatmap(
    request: Request, run_id: str, stage: int, index: int, scale: Scale = "stage"
) -> Response:
    cached = {"Cache-Control": "public, max-age=31536000, immutable"}
    etag = heatmap_etag(run_id, stage, index, scale)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={**cached, "ETag": etag})
    picture = explorer(request).heatmap(run_id, stage, index, per_map=scale == "map")
    return Response(picture.png, media_type="image/png", headers={**cached, "ETag": picture.etag})
