"""Run a picture, then step through its stages; heatmap pictures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ..engine import EngineError
from ..service import Explorer, heatmap_etag
from .texts import STAGE_TEXT

router = APIRouter()

TABLE_MAX_SIDE = 16


def explorer(request: Request) -> Explorer:
    service: Explorer = request.app.state.explorer
    return service


async def start_run(
    request: Request,
    image: UploadFile | None,
    example: str | None,
    preset: str | None,
    spec: str | None,
) -> str:
    service = explorer(request)
    pipeline = service.resolve_spec(preset, spec)
    if image is not None and image.filename:
        return service.run_image(await image.read(), pipeline)
    if example:
        return service.run_example(example, pipeline)
    raise EngineError("image", "choose an example or a picture to upload")


@router.post("/runs", name="create_run")
async def create_run(
    request: Request,
    image: Annotated[UploadFile | None, File()] = None,
    example: Annotated[str | None, Form()] = None,
    preset: Annotated[str | None, Form()] = None,
) -> Response:
    rid = await start_run(request, image, example, preset, None)
    url = request.url_for("show_run", run_id=rid).include_query_params(step=1)
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Location": str(url)})
    return RedirectResponse(str(url), status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse, name="show_run")
def show_run(request: Request, run_id: str, step: Annotated[int, Query(ge=0)] = 1) -> Response:
    trace = explorer(request).trace(run_id)
    step = min(step, len(trace) - 1)
    context = {
        "run_id": run_id,
        "trace": trace,
        "step": step,
        "stages": trace.stages[: step + 1],
        "texts": STAGE_TEXT,
        "table_max_side": TABLE_MAX_SIDE,
    }
    templates: Jinja2Templates = request.app.state.templates
    fragment = request.headers.get("hx-request") == "true"
    name = "_explorer.html" if fragment else "run.html"
    response: HTMLResponse = templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/runs/{run_id}/stages/{stage}/maps/{index}.png", name="heatmap")
def heatmap(request: Request, run_id: str, stage: int, index: int) -> Response:
    cached = {"Cache-Control": "public, max-age=31536000, immutable"}
    etag = heatmap_etag(run_id, stage, index)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={**cached, "ETag": etag})
    picture = explorer(request).heatmap(run_id, stage, index)
    return Response(picture.png, media_type="image/png", headers={**cached, "ETag": picture.etag})
