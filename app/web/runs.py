"""Run a picture, then step through its stages; numbers tables; heatmap and kernel pictures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ..service import (
    DEFAULT_SCHEME,
    KERNEL_NAMES,
    KERNEL_SIDES,
    SCHEMES,
    NotFound,
    PipelineSpec,
    RunView,
    kernel_grid,
    resolve_spec,
    spec_from_fields,
)
from .deps import (
    DEFAULT_COLOURS,
    VARY,
    ColoursParam,
    LinksDep,
    ModeParams,
    RenderDep,
    RunLimit,
    SameSite,
    Scale,
    ServiceDep,
    StepParams,
    absolute,
    in_pool,
    picture_response,
)
from .forms import chosen_picture
from .links import step_link, with_look, with_query
from .static_files import IMMUTABLE
from .stepping import look, overview_context, render_step, step_context

router = APIRouter(tags=["pages"], include_in_schema=False)  # HTML: not in the API contract


LOOKS = {"1": "_live.html", "build": "_build_result.html"}
"""A look at a run, stored nowhere, by what asks: live drawing, or the builder's preview."""


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def spec_from_form(form: FormData) -> PipelineSpec:
    """The pipeline the form asks for: a preset, a spec as JSON, or 'Build your own'."""
    preset = _text(form, "preset") or None
    if preset == "custom":
        return spec_from_fields(
            lambda name: _text(form, name), lambda name: [str(v) for v in form.getlist(name)]
        )
    return resolve_spec(preset, _text(form, "spec"))


@router.post("/runs", name="create_run", dependencies=[SameSite, RunLimit])
async def create_run(
    request: Request, service: ServiceDep, links: LinksDep, render: RenderDep
) -> Response:
    form = await request.form()
    try:
        picture, example = chosen_picture(form)
        data = await picture.read() if picture is not None else None

        # drawing with Live on, or the builder's preview: every stage at once, its pictures
        # inside, and nothing stored
        live = request.query_params.get("live") or _text(form, "live")
        fragment = LOOKS.get(live or "")

        def run() -> RunView:  # decoding and running happen on the CPU pool, not the event loop
            spec = spec_from_form(form)
            if fragment:
                return service.runs.look(data, example, spec)
            return service.runs.run_upload(data, example, spec)

        made = await service.cpu(run)
    finally:
        await form.close()
    colours = _text(form, "colours")
    colours = colours if colours in SCHEMES else DEFAULT_SCHEME
    if fragment:
        return await service.cpu(lambda: render(fragment, {"run": made, **look(colours)}))
    url = absolute(request, step_link(links.path("show_run", run_id=made.id), 0, colours=colours))
    if render.htmx:
        return Response(status_code=204, headers={"HX-Location": url})
    return RedirectResponse(url, status_code=303)


@router.get("/runs/{run_id}", response_class=HTMLResponse, name="show_run")
async def show_run(
    service: ServiceDep, links: LinksDep, render: RenderDep, run_id: str, query: StepParams,
    mode: ModeParams,
) -> Response:  # fmt: skip
    """A run at a step. Runs never change, so a page once built is kept and the same step asked
    again is sent from memory; a new one is built on the CPU pool."""
    key = f"{run_id}?{query.step}&{query.cell}&{query.scale}&{query.colours}&{query.fragment}"
    key += f"&{render.htmx}&{mode.key}"

    def build() -> bytes:
        run = service.runs.view(run_id, checked=True)
        page = with_query(links.path("show_run", run_id=run_id), **mode.query)
        overview = with_look(links.path("overview", run_id=run_id), colours=query.colours)
        context = {**step_context(run, query, page), "overview": overview}
        return bytes(render_step(render, query, context).body)

    page = await service.kept.built("page", key, build, lambda: service.retention.check(run_id))
    return HTMLResponse(page, headers={"Vary": VARY})


@router.get("/runs/{run_id}/overview", response_class=HTMLResponse, name="overview")
async def overview(
    service: ServiceDep, links: LinksDep, render: RenderDep, run_id: str,
    colours: ColoursParam = DEFAULT_COLOURS,
) -> Response:  # fmt: skip
    """Every stage of a run at once, left to right, each column opening its stage."""

    def build() -> bytes:
        page = links.path("show_run", run_id=run_id)
        context = overview_context(service.runs.view(run_id, checked=True), page, colours)
        return bytes(render("overview.html", context).body)

    key = f"{run_id}?{colours}"
    stored = lambda: service.retention.check(run_id)  # noqa: E731
    return HTMLResponse(await service.kept.built("overview", key, build, stored))


@router.get("/runs/{run_id}/stages/{stage}/maps/{index}/numbers", name="numbers")
@in_pool
def numbers(
    service: ServiceDep, render: RenderDep, run_id: str, stage: int, index: int
) -> Response:
    """One map's values as a table, for a numbers toggle opened on a large stage."""
    out = service.runs.stage(run_id, stage)
    if not out.tables or not 0 <= index < out.map_count:
        raise NotFound(f"stage {stage} has no numbers table for map {index}")
    return render("_numbers.html", {"rows": out.maps[index].numbers}, headers=IMMUTABLE)


@router.get("/kernel-editor", response_class=HTMLResponse, name="kernel_editor")
def kernel_editor(
    render: RenderDep,
    ksize: Annotated[int, Query(ge=min(KERNEL_SIDES), le=max(KERNEL_SIDES))] = 3,
    start: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The kernel grid at a size, filled with a named kernel (centred) or zeros."""
    context = {
        "grid": kernel_grid(ksize, start), "ksize": ksize, "kernel_names": KERNEL_NAMES,
        "start": start,
    }  # fmt: skip
    return render("_kernel_grid.html", context)


@router.get("/runs/{run_id}/stages/{stage}/kernels/{kernel}", name="kernel_numbers")
@in_pool
def kernel_numbers(
    service: ServiceDep, render: RenderDep, run_id: str, stage: int, kernel: int
) -> Response:
    """One kernel's weights as numbers, for its toggle on the page."""
    out = service.runs.stage(run_id, stage)
    if out.kernels is None or not 0 <= kernel < out.kernels.count:
        raise NotFound(f"stage {stage} has no kernel {kernel + 1}")
    tables = out.kernels.numbers(kernel)
    context = {"tables": tables, "inputs": out.kernels.inputs}
    return render("_kernel_numbers.html", context, headers=IMMUTABLE)


@router.get("/runs/{run_id}/stages/{stage}/kernels.png", name="kernels")
@in_pool
def kernels(
    request: Request, service: ServiceDep, run_id: str, stage: int,
    colours: ColoursParam = DEFAULT_COLOURS,
) -> Response:  # fmt: skip
    etag = f'"{run_id}-{stage}-kernels-{colours}"'
    return picture_response(request, etag, lambda: service.pictures.kernels(run_id, stage, colours))


@router.get("/runs/{run_id}/stages/{stage}/maps.png", name="sheet")
async def sheet(
    request: Request, service: ServiceDep, run_id: str, stage: int, scale: Scale = "stage",
    colours: ColoursParam = DEFAULT_COLOURS,
) -> Response:  # fmt: skip
    """Every map of a stage side by side in one picture (the page shows each map's part of it),
    so a stage costs one request however many maps it has."""
    return await _picture(request, service, run_id, stage, None, scale, colours)


@router.get("/runs/{run_id}/stages/{stage}/maps/{index}.png", name="heatmap")
async def heatmap(
    request: Request, service: ServiceDep, run_id: str, stage: int, index: int,
    scale: Scale = "stage", colours: ColoursParam = DEFAULT_COLOURS,
) -> Response:  # fmt: skip
    """One map's heatmap."""
    return await _picture(request, service, run_id, stage, index, scale, colours)


async def _picture(
    request: Request, service: ServiceDep, run_id: str, stage: int, index: int | None,
    scale: Scale, colours: str,
) -> Response:  # fmt: skip
    """304 when the browser has it, else the picture (from memory when drawn before)."""
    etag = f'"{run_id}-{stage}-{"all" if index is None else index}-{scale}-{colours}"'
    headers = {**IMMUTABLE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    png = await service.pictures.heatmap(run_id, stage, index, scale == "map", colours)
    return Response(png, media_type="image/png", headers=headers)
