"""The JSON API: the same stages, numbers and arithmetic as the pages, from the same service."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from ..service import NotFound, RunView, all_presets, resolve_spec
from .deps import (
    DEFAULT_COLOURS,
    Colours,
    ColoursParam,
    ComputeLimit,
    LinksDep,
    RunLimit,
    SaveLimit,
    ServiceDep,
    absolute,
    in_pool,
)
from .errors import TooLarge
from .schemas import (
    PROBLEM,
    DemoCreated,
    DemoIn,
    DemoModel,
    ExplainModel,
    PresetModel,
    RunModel,
    demo_links,
    explain_model,
    run_model,
)

router = APIRouter(prefix="/api", tags=["api"])

RUN_EXAMPLE = {
    "id": "k3v6…",
    "url": "http://127.0.0.1:8000/runs/k3v6…",
    "stages": [
        {"index": 1, "name": "conv1", "kind": "conv", "shape": [3, 7, 7], "min": -0.7777778,
         "max": 1.0, "labels": ["diagonal_down", "x_center", "diagonal_up"],
         "scale": {"palette": "diverging", "colormap": "colorcet:cet_d9", "low": -1.0, "high": 1.0},
         "heatmaps": ["http://127.0.0.1:8000/runs/k3v6…/stages/1/maps/0.png", "…"],
         "values": [[[0.7777778, -0.1111111, 0.1111111, "…"], "…"], "…"]}
    ],
    "prediction": {"label": "X", "scores": {"X": 0.912, "O": 0.5175}},
}  # fmt: skip
EXPLAIN_EXAMPLE = {
    "stage": 1, "stage_name": "conv1", "kind": "conv", "map": 0, "row": 0, "col": 0,
    "value": 0.7777778, "text": "(-1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1) / 9 = 0.78",
    "label": "diagonal_down", "receptive_field": {"top": 0, "left": 0, "bottom": 3, "right": 3},
    "window": [[[-1, -1, -1], [-1, 1, -1], [-1, -1, 1]]],
    "kernel": [[[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]],
    "products": [[[-1, 1, 1], [1, 1, 1], [1, 1, 1]]], "bias": 0.0, "divisor": 9,
    "origin": {"row": 0, "col": 0}, "total": 7.0,
}  # fmt: skip


@router.post(
    "/run", response_model=RunModel, response_model_exclude_unset=True, dependencies=[RunLimit],
    responses={422: PROBLEM, 413: PROBLEM, 429: PROBLEM},
)  # fmt: skip
async def api_run(
    request: Request,
    service: ServiceDep,
    links: LinksDep,
    image: Annotated[
        UploadFile, File(description="PNG, JPEG, GIF or WebP", json_schema_extra={"minLength": 1})
    ],
    preset: Annotated[str | None, Form(description="a preset name (default seed-xo)")] = None,
    spec: Annotated[str | None, Form(description="a pipeline spec as JSON")] = None,
    colours: Annotated[
        Colours, Form(description="the colour scheme of the pictures: viridis or cividis")
    ] = DEFAULT_COLOURS,
) -> Response:
    """Run a picture through a preset or a spec: every stage's shape, range and pictures."""
    # a form cannot send a null: "null" is how a client says it means none
    preset, spec = (None if v == "null" else v for v in (preset, spec))
    data, base = await image.read(), absolute(request, "")
    # the same picture through the same pipeline gives the same run: its answer is kept
    digest = hashlib.sha256(f"{base}\0{preset or ''}\0{spec or ''}\0{colours}\0".encode() + data)

    def run() -> bytes:  # decoding and running happen on the CPU pool, not the event loop
        made = service.runs.run_upload(data, None, resolve_spec(preset, spec))
        answer = run_model(made, links, base, colours=colours)
        return answer.model_dump_json(exclude_unset=True).encode()

    body = await service.kept.built("api-run", digest.hexdigest(), run)
    return Response(body, media_type="application/json")


@router.get(
    "/runs/{run_id}", response_model=RunModel, response_model_exclude_unset=True,
    dependencies=[ComputeLimit],
    responses={200: {"content": {"application/json": {"example": RUN_EXAMPLE}}}, 404: PROBLEM,
               410: PROBLEM, 413: PROBLEM, 429: PROBLEM},
)  # fmt: skip
@in_pool
def api_get_run(
    request: Request,
    service: ServiceDep,
    links: LinksDep,
    run_id: str,
    values: Annotated[bool, Query(description="add each stage's numbers")] = False,
    stage: Annotated[
        int | None, Query(ge=0, description="with values=true: only this stage's numbers")
    ] = None,
    colours: ColoursParam = DEFAULT_COLOURS,
) -> Response:
    """A stored run: its stages (and with ``values=true`` their numbers, every stage's or, with
    ``stage``, one stage's; at most CONVLENS_MAX_ANSWER_VALUES numbers an answer) and its
    prediction. Built on the CPU pool, within the request's time budget."""
    view = service.runs.view(run_id)
    numbered = numbered_stages(view, stage) if values else ()
    count = sum(view.stage(i).data.size for i in numbered)
    cap = request.app.state.settings.max_answer_values
    if count > cap:
        raise TooLarge(
            f"{'stage ' + str(stage) if stage is not None else 'this run'} holds {count:,} "
            f"numbers, more than the {cap:,} one answer carries: "
            + ("ask for one stage at a time with ?values=true&stage=S" if stage is None
               else "read its picture instead, /runs/{id}/stages/S/maps.png")
        )  # fmt: skip
    answer = run_model(view, links, absolute(request, ""), numbered, colours=colours)
    return Response(answer.model_dump_json(exclude_unset=True), media_type="application/json")


def numbered_stages(view: RunView, stage: int | None) -> range:
    """The stages whose numbers an answer carries: one, or every one."""
    if stage is None:
        return range(len(view))
    if stage > view.last:
        raise NotFound(f"this run has no stage {stage}")
    return range(stage, stage + 1)


@router.get(
    "/runs/{run_id}/explain", response_model=ExplainModel, response_model_exclude_none=True,
    dependencies=[ComputeLimit],
    responses={200: {"content": {"application/json": {"example": EXPLAIN_EXAMPLE}}},
               404: PROBLEM, 410: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)  # fmt: skip
@in_pool
def api_explain(
    service: ServiceDep,
    run_id: str,
    stage: Annotated[int, Query(description="the stage, 1 and up (0 is the input)")],
    map: Annotated[int, Query(description="the map (0 for a vector stage)")] = 0,
    row: Annotated[int, Query(description="the row (0 for a vector stage)")] = 0,
    col: Annotated[int, Query(description="the column, or a vector's index")] = 0,
) -> ExplainModel:
    """One cell's arithmetic, as the page's explain panel shows it: the formula, and by kind the
    window, kernel and products (convolution), the window and winner (pooling), the terms
    (dense, vote)."""
    return explain_model(service.runs.explain(run_id, stage, map, row, col))


@router.get("/presets", response_model=list[PresetModel])
def api_presets() -> list[PresetModel]:
    return [
        PresetModel(
            name=p.name, title=p.title, description=p.description,
            spec=p.spec.model_dump(mode="json"),
        )
        for p in all_presets().values()
    ]  # fmt: skip


@router.post(
    "/demos", dependencies=[SaveLimit],
    responses={201: {"model": DemoCreated}, 404: PROBLEM, 410: PROBLEM,
               422: PROBLEM, 429: PROBLEM},
)  # fmt: skip
@in_pool
def api_save_demo(
    request: Request, service: ServiceDep, links: LinksDep, body: DemoIn
) -> JSONResponse:
    """Save a run as a demo: 201 with its link and a delete link for whoever saved it (saving
    the same content again makes another demo, with its own delete link)."""
    step, cell = service.runs.place(body.run_id, body.step or 0, body.cell)
    saved = service.demos.save(body.run_id, body.title.strip(), body.description.strip())
    created = demo_links(request, links, saved, (step, cell, body.scale, body.colours))
    return JSONResponse(created.model_dump(exclude_none=True), status_code=201)


@router.get(
    "/demos/{demo_id}", response_model=DemoModel, response_model_exclude_unset=True,
    name="api_get_demo",
    responses={404: PROBLEM},
)  # fmt: skip
@in_pool
def api_get_demo(request: Request, service: ServiceDep, links: LinksDep, demo_id: str) -> DemoModel:
    demo = service.demos.open(demo_id)
    record, base = demo.record, absolute(request, "")
    return DemoModel(
        id=demo_id, url=base + links.path("show_demo", demo_id=demo_id), title=record.title,
        description=record.description, created_at=record.created_at,
        run=run_model(demo.run, links, base),
    )  # fmt: skip


@router.delete(
    "/demos/{demo_id}", status_code=204, name="api_delete_demo", responses={404: PROBLEM}
)
@in_pool
def api_delete_demo(service: ServiceDep, demo_id: str, token: str = "") -> Response:
    """Delete a demo with the token its creator got; anything else is a 404."""
    service.demos.delete(demo_id, token)
    return Response(status_code=204)
