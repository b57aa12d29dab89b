"""Shared demos as pages: open one by its link, embed it, its preview card, the gallery, and the
share box that saves one (the JSON side is in api.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator

from ..service import Service
from .deps import (
    DEFAULT_COLOURS,
    VARY,
    Colours,
    ColoursParam,
    LinksDep,
    ModeParams,
    Render,
    RenderDep,
    SameSite,
    SaveLimit,
    Scale,
    ServiceDep,
    StepParams,
    StepQuery,
    absolute,
    in_pool,
    picture_response,
)
from .links import with_look, with_query
from .schemas import demo_links, no_nul, placed
from .security import content_security_policy
from .stepping import overview_context, render_step, step_context

router = APIRouter(tags=["pages"], include_in_schema=False)  # HTML: not in the API contract

PRIVATE = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@router.get("/d/{demo_id}", response_class=HTMLResponse, name="show_demo")
async def show_demo(
    request: Request, service: ServiceDep, links: LinksDep, render: RenderDep, demo_id: str,
    query: StepParams, mode: ModeParams,
) -> Response:  # fmt: skip
    """A shared demo, recomputed from its stored input and spec, at a step and selected cell
    (cached: see ``validators``, and kept once built, like a run's pages)."""
    cached = validators(request, render, demo_id, query, mode.key)

    def build() -> bytes:
        demo = service.demos.open(demo_id)
        page = links.path("show_demo", demo_id=demo_id)
        preview = {
            "url": absolute(request, page),
            "image": absolute(request, links.path("demo_card", demo_id=demo_id)),
        }
        overview = with_look(links.path("demo_overview", demo_id=demo_id), colours=query.colours)
        context = {
            **step_context(demo.run, query, with_query(page, **mode.query)),
            "demo": demo.record, "preview": preview, "overview": overview,
        }  # fmt: skip
        return bytes(render_step(render, query, context).body)

    return await demo_page(request, service, demo_id, cached, build)


@router.get("/d/{demo_id}/overview", response_class=HTMLResponse, name="demo_overview")
@in_pool
def demo_overview(
    service: ServiceDep, links: LinksDep, render: RenderDep, demo_id: str,
    colours: ColoursParam = DEFAULT_COLOURS,
) -> Response:  # fmt: skip
    """A demo's stages all at once; its columns open the demo's own pages."""
    demo = service.demos.open(demo_id)
    page = links.path("show_demo", demo_id=demo_id)
    context = {**overview_context(demo.run, page, colours), "demo": demo.record}
    response = render("overview.html", context)
    response.headers.update(PRIVATE)
    return response


@router.get("/embed/{demo_id}", response_class=HTMLResponse, name="embed_demo")
async def embed_demo(
    request: Request, service: ServiceDep, links: LinksDep, render: RenderDep, demo_id: str,
    query: StepParams,
) -> Response:  # fmt: skip
    """A compact view of a demo for an iframe: the one page other sites may frame. Cached like
    the demo's own page (its ETag is the demo, the view and the build)."""
    cached = {
        **validators(request, render, demo_id, query, "embed"),
        "Content-Security-Policy": content_security_policy(frame_ancestors="*"),
    }

    def build() -> bytes:
        demo = service.demos.open(demo_id)
        page = links.path("embed_demo", demo_id=demo_id)
        context = {**step_context(demo.run, query, page), "demo": demo.record}
        return bytes(render_step(render, query, context, page_template="embed.html").body)

    return await demo_page(request, service, demo_id, cached, build)


def validators(
    request: Request, render: Render, demo_id: str, query: StepQuery, variant: str
) -> dict[str, str]:
    """The caching headers of a demo's page: demos never change, so its ETag is the demo, the
    view, the page's variant (a mode, the embed), the templates' build and the address its
    absolute links are made from (the public URL, else the request's host); revalidated each
    time."""
    shape = f"{render.htmx}.{query.fragment or ''}.{variant}"
    place = f"{query.step}.{query.cell or ''}.{query.scale}.{query.colours}"
    site = hashlib.sha256(absolute(request, "").encode()).hexdigest()[:12]
    etag = f'W/"{demo_id}.{place}.{shape}.{request.app.state.build}.{site}"'
    return {**PRIVATE, "ETag": etag, "Cache-Control": "no-cache"}


async def demo_page(
    request: Request, service: Service, demo_id: str, headers: dict[str, str],
    build: Callable[[], bytes],
) -> Response:  # fmt: skip
    """A demo's page: 304 when the browser holds it already, else the page kept from before or
    built on the pool; a deleted demo is a 404 either way. Its ETag (``validators``) names all
    it depends on, so it is the key it is kept under."""
    if request.headers.get("if-none-match") == headers["ETag"]:
        service.demos.check(demo_id)
        return Response(status_code=304, headers=headers)
    key = f"{demo_id}?{headers['ETag']}"
    body = await service.kept.built("demo", key, build, lambda: service.demos.check(demo_id))
    return HTMLResponse(body, headers={**headers, "Vary": VARY})


@router.get("/gallery", response_class=HTMLResponse, name="gallery")
@in_pool
def gallery(service: ServiceDep, render: RenderDep) -> Response:
    """The featured demos (and only those: other people's demos are never listed)."""
    return render("gallery.html", {"featured": service.demos.featured()})


@router.get("/d/{demo_id}/card.png", name="demo_card")
@in_pool
def demo_card(request: Request, service: ServiceDep, demo_id: str) -> Response:
    """The 1200x630 preview a pasted link unfurls into."""
    etag = f'"{demo_id}-card"'
    return picture_response(
        request, etag, lambda: service.pictures.card(service.demos.open(demo_id))
    )


@router.post("/runs/{run_id}/share", response_class=HTMLResponse, name="share_run",
             dependencies=[SameSite, SaveLimit])  # fmt: skip
@in_pool
def share_run(
    request: Request,
    service: ServiceDep,
    links: LinksDep,
    render: RenderDep,
    run_id: str,
    title: Annotated[str, Form(max_length=120), AfterValidator(no_nul)] = "",
    description: Annotated[str, Form(max_length=2000), AfterValidator(no_nul)] = "",
    step: Annotated[int, Form(ge=0)] = 0,
    cell: Annotated[str, Form(max_length=40)] = "",
    scale: Annotated[Scale, Form()] = "stage",
    colours: Annotated[Colours, Form()] = DEFAULT_COLOURS,
) -> Response:
    """The share box on a run page: save, then show the link (opening where the sharer was: the
    step, the selected cell, the colour scale and scheme), a copy button and the delete link (in
    place for htmx; as a page of its own when the form is sent without scripts)."""
    at_step, at_cell = service.runs.place(run_id, step, cell or None)
    saved = service.demos.save(run_id, title.strip(), description.strip())
    place = (at_step, at_cell, scale, colours)
    context = {
        "links": demo_links(request, links, saved, place),
        "embed": placed(absolute(request, links.path("embed_demo", demo_id=saved.id)), place),
        "run_id": run_id,
    }
    response = render("_shared.html" if render.htmx else "shared.html", context)
    response.headers.update(PRIVATE)
    return response


@router.get("/d/{demo_id}/delete", response_class=HTMLResponse, name="demo_delete_page")
@in_pool
def demo_delete_page(
    service: ServiceDep, links: LinksDep, render: RenderDep, demo_id: str,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:  # fmt: skip
    """The private delete link, opened in a browser: the demo's card and a Delete button (a
    real form: it works without scripts). A wrong token is a 404, as for the API."""
    demo = service.demos.deletable(demo_id, token)
    context = {
        "demo": demo, "token": token, "deleted": False,
        "card": links.path("demo_card", demo_id=demo_id),
        "page": links.path("show_demo", demo_id=demo_id),
        "action": links.path("demo_delete", demo_id=demo_id),
    }  # fmt: skip
    response = render("demo_delete.html", context)
    response.headers.update(PRIVATE)
    return response


@router.post("/d/{demo_id}/delete", response_class=HTMLResponse, name="demo_delete",
             dependencies=[SameSite])  # fmt: skip
@in_pool
def demo_delete(
    service: ServiceDep, render: RenderDep, demo_id: str,
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    """Delete the demo (the API's DELETE does the same), then say so."""
    title = service.demos.deletable(demo_id, token).title
    service.demos.delete(demo_id, token)
    response = render("demo_delete.html", {"deleted": True, "title": title})
    response.headers.update(PRIVATE)
    return response
