"""Shared demos: save a run with a title, open it by its link, delete it with its token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from ..service import SavedDemo
from .api import RunModel, run_model
from .ratelimit import client_address
from .runs import ViewParams, explorer, picture_response, render_step, run_context
from .security import content_security_policy

router = APIRouter()

Title = Annotated[str, Field(max_length=120)]
Description = Annotated[str, Field(max_length=2000)]
PRIVATE = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


class DemoIn(BaseModel):
    run_id: Annotated[str, Field(min_length=1, max_length=64)]
    title: Title = ""
    description: Description = ""


class DemoCreated(BaseModel):
    id: str
    url: str
    delete_url: str | None = None


class DemoModel(BaseModel):
    id: str
    url: str
    title: str
    description: str
    created_at: str
    run: RunModel


def count_save(request: Request) -> None:
    """Dependency: one more save from this client address (429 past the limit)."""
    request.app.state.save_limiter.hit(client_address(request))


def _links(request: Request, saved: SavedDemo) -> DemoCreated:
    url = str(request.url_for("show_demo", demo_id=saved.id))
    delete = None
    if saved.delete_token:
        delete_url = request.url_for("api_delete_demo", demo_id=saved.id)
        delete = str(delete_url.include_query_params(token=saved.delete_token))
    return DemoCreated(id=saved.id, url=url, delete_url=delete)


@router.post("/api/demos", tags=["api"], dependencies=[Depends(count_save)],
             responses={201: {"model": DemoCreated}, 200: {"model": DemoCreated}})  # fmt: skip
def api_save_demo(request: Request, body: DemoIn) -> JSONResponse:
    """Save a run as a demo: 201 with a delete link when new, 200 when it already exists."""
    saved = explorer(request).save_demo(body.run_id, body.title.strip(), body.description.strip())
    links = _links(request, saved)
    status = 201 if saved.created else 200
    return JSONResponse(links.model_dump(exclude_none=True), status_code=status)


@router.get("/api/demos/{demo_id}", tags=["api"], response_model=DemoModel, name="api_get_demo")
def api_get_demo(request: Request, demo_id: str) -> DemoModel:
    record, rid = explorer(request).demo(demo_id)
    return DemoModel(
        id=demo_id,
        url=str(request.url_for("show_demo", demo_id=demo_id)),
        title=record.title,
        description=record.description,
        created_at=record.created_at,
        run=run_model(request, rid, explorer(request).trace(rid)),
    )


@router.delete("/api/demos/{demo_id}", tags=["api"], status_code=204, name="api_delete_demo")
def api_delete_demo(request: Request, demo_id: str, token: str = "") -> Response:
    """Delete a demo with the token its creator got; anything else is a 404."""
    explorer(request).delete_demo(demo_id, token)
    return Response(status_code=204)


@router.get("/d/{demo_id}", response_class=HTMLResponse, name="show_demo")
def show_demo(request: Request, demo_id: str, view: ViewParams) -> Response:
    """A shared demo, recomputed from its stored input and spec, at a step and selected cell.

    Demos never change, so the page's ETag is the demo, the view and the templates' build."""
    shape = ".".join(request.headers.get(h, "") for h in ("hx-request", "hx-target"))
    app_build = request.app.state.build
    etag = f'W/"{demo_id}.{view.step}.{view.cell or ""}.{view.scale}.{shape}.{app_build}"'
    cached = {**PRIVATE, "ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        explorer(request).demo_record(demo_id)  # a deleted demo is a 404, not a 304
        return Response(status_code=304, headers=cached)
    record, rid = explorer(request).demo(demo_id)
    preview = {
        "url": public_url(request, "show_demo", demo_id=demo_id),
        "image": public_url(request, "demo_card", demo_id=demo_id),
    }
    context = {
        **run_context(request, rid, view, page_path=f"/d/{demo_id}"),
        "demo": record,
        "preview": preview,
    }
    response = render_step(request, context)
    response.headers.update(cached)
    return response


@router.get("/embed/{demo_id}", response_class=HTMLResponse, name="embed_demo")
def embed_demo(request: Request, demo_id: str, view: ViewParams) -> Response:
    """A compact view of a demo for an iframe: the one page other sites may frame."""
    record, rid = explorer(request).demo(demo_id)
    context = {**run_context(request, rid, view, page_path=f"/embed/{demo_id}"), "demo": record}
    response = render_step(request, context, page_template="embed.html")
    response.headers.update(PRIVATE)
    response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors="*")
    return response


@router.get("/gallery", response_class=HTMLResponse, name="gallery")
def gallery(request: Request) -> Response:
    """The featured demos (and only those: other people's demos are never listed)."""
    templates: Jinja2Templates = request.app.state.templates
    context = {"featured": explorer(request).featured()}
    response: HTMLResponse = templates.TemplateResponse(request, "gallery.html", context)
    return response


def public_url(request: Request, name: str, **params: str) -> str:
    """An absolute URL as others should see it: CONVLENS_PUBLIC_URL when set, else the request's."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + request.url_for(name, **params).path


@router.get("/d/{demo_id}/card.png", name="demo_card")
def demo_card(request: Request, demo_id: str) -> Response:
    """The 1200x630 preview a pasted link unfurls into."""
    etag = f'"{demo_id}-card"'
    return picture_response(request, etag, lambda: explorer(request).card(demo_id))


@router.post("/runs/{run_id}/share", response_class=HTMLResponse, name="share_run",
             dependencies=[Depends(count_save)])  # fmt: skip
def share_run(
    request: Request,
    run_id: str,
    title: Annotated[str, Form(max_length=120)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The share box on a run page: save, then show the link, a copy button and the delete link."""
    saved = explorer(request).save_demo(run_id, title.strip(), description.strip())
    templates: Jinja2Templates = request.app.state.templates
    embed = public_url(request, "embed_demo", demo_id=saved.id)
    context = {"links": _links(request, saved), "created": saved.created, "embed": embed}
    response: HTMLResponse = templates.TemplateResponse(request, "_shared.html", context)
    response.headers.update(PRIVATE)
    return response
