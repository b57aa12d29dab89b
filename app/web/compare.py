"""Two runs side by side, stage by stage: the comparison page, and 'compare with...' on a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..service import EngineError, compare
from .deps import (
    VARY,
    ComputeLimit,
    LinksDep,
    ModeParams,
    RenderDep,
    RunLimit,
    SameSite,
    ServiceDep,
    StepParams,
    absolute,
)
from .forms import chosen_picture
from .links import look_params, with_query
from .stepping import look

router = APIRouter(tags=["pages"], include_in_schema=False)  # HTML: not in the API contract

RunId = Annotated[str, Query(max_length=64, description="a run's id")]


@router.get("/compare", response_class=HTMLResponse, name="compare", dependencies=[ComputeLimit])
async def compare_runs(
    service: ServiceDep, render: RenderDep, links: LinksDep, a: RunId, b: RunId, query: StepParams,
    mode: ModeParams,
) -> Response:  # fmt: skip
    """Runs a and b of one pipeline, stages 0 to ``step``, two columns on one scale per stage;
    built once per address and kept (while both runs are stored)."""

    def build() -> bytes:
        both = compare(service.runs.view(a), service.runs.view(b), query.step, query.colours)
        page, looks = links.path("compare"), look_params("stage", query.colours)
        context = {
            "cmp": both,
            "step": len(both.stages) - 1,
            "at": lambda step: with_query(page, a=a, b=b, step=step, **looks, **mode.query),
            **look(query.colours),
        }
        return bytes(render.page_or_fragment("compare.html", "_compare.html", context).body)

    def stored() -> None:
        service.retention.check(a)
        service.retention.check(b)

    key = f"{a}|{b}|{query.step}|{query.colours}|{mode.key}|{render.htmx}"
    return HTMLResponse(await service.kept.built("compare", key, build, stored),
                        headers={"Vary": VARY})  # fmt: skip


@router.post("/runs/{run_id}/compare", name="compare_with", dependencies=[SameSite, RunLimit])
async def compare_with(
    request: Request, service: ServiceDep, links: LinksDep, render: RenderDep, run_id: str
) -> Response:
    """Run another picture (an example, a drawing or an upload) through this run's pipeline and
    open the two side by side."""
    form = await request.form()
    try:
        picture, example = chosen_picture(form)
        if picture is None and not example:
            raise EngineError("image", "pick an example or choose a picture to compare with")
        data = await picture.read() if picture is not None else None
    finally:
        await form.close()
    other = await service.cpu(service.runs.run_like, run_id, data, example)
    url = absolute(request, with_query(links.path("compare"), a=run_id, b=other.id))
    if render.htmx:
        return Response(status_code=204, headers={"HX-Location": url})
    return RedirectResponse(url, status_code=303)
