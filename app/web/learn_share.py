"""Sharing a training: keep it (retention lets unshared ones go) and hand out its links, a
preview card a pasted link unfurls into, and an embed other sites may frame."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..service.training_board import card, open_board
from .deps import (
    LinksDep,
    Mode,
    ModeParams,
    RenderDep,
    SameSite,
    ServiceDep,
    in_pool,
    picture_response,
)
from .learn import Probe, Step, board_context, go, share_links
from .links import with_query
from .security import content_security_policy

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.post("/learn/{training_id}/share", response_class=HTMLResponse, name="training_share",
             dependencies=[SameSite])  # fmt: skip
@in_pool
def training_share(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, training_id: str,
    shown: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    step: Annotated[int | None, Form(ge=0, le=1_000_000)] = None,
) -> Response:  # fmt: skip
    """Keep the training and show its links at the step shown: the rewind slider's (htmx sends
    it along) or the one the page opened at (for htmx in place; else back to its page)."""
    service.trainings.share(training_id)
    step = shown if step is None else step
    if not render.htmx:
        page = links.path("training", training_id=training_id)
        return go(request, render, with_query(page, step=step) + "#share")
    context = {"shared": share_links(request, links, training_id, step), "step": step}
    return render("_learn_share.html", context)


@router.get("/learn/{training_id}/card.png", name="training_card")
@in_pool
def training_card(
    request: Request, service: ServiceDep, training_id: str, step: Step = None
) -> Response:
    """The 1200x630 preview of a training at a step (its furthest when none is named)."""
    at = service.trainings.record(training_id).step if step is None else step
    etag = f'"{training_id}-{at}-card"'  # a step's weights never change
    return picture_response(request, etag, lambda: card(service.trainings, training_id, at))


@router.get("/embed/learn/{training_id}", response_class=HTMLResponse, name="embed_training")
@in_pool
def embed_training(
    service: ServiceDep, render: RenderDep, links: LinksDep, mode: ModeParams, training_id: str,
    step: Step = None, probe: Probe = 0,
) -> Response:  # fmt: skip
    """A training for an iframe: its board, locked (the reader rewinds and picks drawings; only
    its own page trains it)."""
    board = open_board(service.trainings, training_id, step, probe)
    following = step is None or step == board.last
    locked = Mode(present=mode.present, lock=True)
    context = board_context(links, board, locked, following) | {"mode": locked}
    framed = {"Content-Security-Policy": content_security_policy(frame_ancestors="*")}
    return render.page_or_fragment("learn_embed.html", "_board.html", context, headers=framed)
