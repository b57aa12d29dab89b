"""Class boards: the teacher's board (/boards/{id}?token=...: the join code shown large with its
QR code, the drawings as they arrive, hide, remove, close, train) and the students' page (the
same address without the key: pick a class, draw, send; later, test the class's network)."""

from __future__ import annotations

import io
import secrets
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from ..service import BoardView, EngineError, Service
from ..service.training_board import ink_png
from .deps import (
    LinksDep,
    ModeParams,
    Render,
    RenderDep,
    RunLimit,
    SameSite,
    ServiceDep,
    TrainingLimit,
    absolute,
    in_pool,
)
from .forms import picture_bytes
from .learn import go
from .links import Links, with_query
from .ratelimit import limit, sender
from .streams import pushed

router = APIRouter(tags=["pages"], include_in_schema=False)
Token = Annotated[str, Query(max_length=64, description="the teacher's key")]
DrawingId = Annotated[str, Path(max_length=40)]
LOOK_SECONDS = 0.5
"""How often a board's stream looks for new drawings (a drawing is on the board within this)."""


def board_context(request: Request, links: Links, seen: BoardView, token: str) -> dict[str, Any]:
    board = seen.board
    page = links.path("board", board_id=board.id)
    return {
        "v": seen, "b": board, "token": token, "teacher": bool(token),
        "join": absolute(request, links.path("join", code=board.code)),
        "join_short": absolute(request, links.path("join_form")),
        "teacher_link": absolute(request, with_query(page, token=token)) if token else "",
        "student_link": absolute(request, page),
        "do": lambda action: links.path("board_do", board_id=board.id, action=action),
        "on": lambda did, action: links.path("board_drawing_do", board_id=board.id,
                                            drawing_id=did, action=action),
        "thumb": lambda did: with_query(links.path("board_drawing", board_id=board.id,
                                                   drawing_id=did), token=token or None),
        "live": with_query(links.path("board_live", board_id=board.id), token=token or None),
        "training": links.path("training", training_id=board.training) if board.training else "",
    }  # fmt: skip


@router.post("/boards", name="board_new", dependencies=[SameSite, TrainingLimit])
async def board_new(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep,
    classes: Annotated[list[str], Form(alias="class", max_length=10)],
) -> Response:  # fmt: skip
    """A new board; the teacher is taken to it, the key in the address."""
    board, token = await service.cpu(service.boards.create, [c[:200] for c in classes])
    return go(request, render, with_query(links.path("board", board_id=board.id), token=token))


async def to_board(request: Request, service: Service, links: Links, code: str) -> Response:
    """To the students' page of the board a join code names."""
    board = await service.cpu(service.boards.joined, code)
    return RedirectResponse(absolute(request, links.path("board", board_id=board.id)), 303)


@router.get("/join", name="join_form")
async def join_form(
    request: Request, service: ServiceDep, links: LinksDep,
    code: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    """A typed join code, to its board."""
    return await to_board(request, service, links, code)


@router.get("/join/{code}", name="join")
async def join(
    request: Request, service: ServiceDep, links: LinksDep,
    code: Annotated[str, Path(max_length=20)],
) -> Response:  # fmt: skip
    """The join link (and QR code): to the board's students' page."""
    return await to_board(request, service, links, code)


@router.get("/boards/{board_id}", response_class=HTMLResponse, name="board")
@in_pool
def board_page(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, mode: ModeParams,
    board_id: str, token: Token = "",
) -> Response:  # fmt: skip
    """The teacher's board (with its key) or the students' page."""
    seen = service.boards.view(board_id, token)
    service.boards.seen(seen.board.id)
    context = board_context(request, links, seen, token) | {"mode": mode}
    page = "board_teacher.html" if token else "board_student.html"
    return render.page_or_fragment(page, "_board_live.html", context)


@router.get("/boards/{board_id}/qr.svg", name="board_qr")
@in_pool
def board_qr(request: Request, service: ServiceDep, links: LinksDep, board_id: str) -> Response:
    """The join link as a QR code (SVG, drawn here)."""
    board = service.boards.board(board_id)
    out = io.BytesIO()
    code = segno.make(absolute(request, links.path("join", code=board.code)), error="m")
    code.save(out, kind="svg", scale=8, border=2, xmldecl=False, title="join this class board")
    return Response(out.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


@router.get("/boards/{board_id}/drawings/{drawing_id}.png", name="board_drawing")
@in_pool
def board_drawing(
    service: ServiceDep, board_id: str, drawing_id: DrawingId, token: Token = ""
) -> Response:
    """One drawing of a board (a hidden one for its teacher only)."""
    found = service.boards.drawing(board_id, drawing_id, token)
    return Response(ink_png(found.ink), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip


async def sent_drawing(request: Request) -> tuple[int, bytes]:
    """The class a student picked and the drawing's bytes."""
    form = await request.form()
    try:
        label = str(form.get("label") or "")
        if not label.isdigit():
            raise EngineError("label", "pick the class your drawing belongs to")
        picture = form.get("drawing")
        if picture is None or isinstance(picture, str) or not picture.filename:
            raise EngineError("drawing", "draw on the pad first")
        return int(label), await picture.read()
    finally:
        await form.close()


@router.post("/boards/{board_id}/send", response_class=HTMLResponse, name="board_send",
             dependencies=[SameSite])  # fmt: skip
async def board_send(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, board_id: str
) -> Response:
    """A student's drawing, into the class they picked: said in place (the board shows it)."""
    limit(request, "drawings", request.app.state.settings.drawings_per_minute)
    label, data = await sent_drawing(request)
    board, counts = await service.cpu(service.boards.send, board_id, label, data, sender(request))
    context = {"name": board.classes[label], "count": counts[label], "total": sum(counts)}
    if not render.htmx:
        return RedirectResponse(absolute(request, links.path("board", board_id=board_id)), 303)
    return render("_board_sent.html", context)


@router.post("/boards/{board_id}/try", response_class=HTMLResponse, name="board_try",
             dependencies=[SameSite, RunLimit])  # fmt: skip
async def board_try(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, board_id: str
) -> Response:
    """A student's drawing through the network the class trained (at its furthest step)."""
    data = await picture_bytes(request, "drawing", "draw on the pad first")

    def read() -> dict[str, Any]:
        board = service.boards.board(board_id)
        if not board.training:
            raise EngineError("drawing", "the class has not trained a network yet")
        step = service.trainings.record(board.training).step
        run = service.runs.run_image(data, service.trainings.snapshot(board.training, step))
        return {"run": run, "step": step, "page": links.path("show_run", run_id=run.id)}

    return render("_board_try.html", await service.cpu(read))


Action = Literal["close", "open", "train"]


@router.post("/boards/{board_id}/{action}", name="board_do", dependencies=[SameSite])
async def board_do(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, board_id: str,
    action: Action, token: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    """The teacher closes or opens the board, or trains a network on what it shows."""
    boards = service.boards
    if action == "train":
        made = await service.cpu(boards.train, board_id, token, secrets.randbelow(2**31))
        return go(request, render, links.path("training", training_id=made.id))
    await service.cpu(boards.set_open, board_id, token, action == "open")
    return await back_to_board(request, service, render, links, board_id, token)


@router.post("/boards/{board_id}/drawings/{drawing_id}/{action}", name="board_drawing_do",
             dependencies=[SameSite])  # fmt: skip
async def board_drawing_do(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, board_id: str,
    drawing_id: DrawingId, action: Literal["hide", "show", "remove"],
    token: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    """The teacher hides, shows again or removes one drawing."""
    if action == "remove":
        await service.cpu(service.boards.remove, board_id, token, drawing_id)
    else:
        await service.cpu(service.boards.hide, board_id, token, drawing_id, action == "hide")
    return await back_to_board(request, service, render, links, board_id, token)


async def back_to_board(
    request: Request, service: Service, render: Render, links: Links, board_id: str, token: str
) -> Response:
    """The board's live part after a change (htmx), or the board's page."""
    page = with_query(links.path("board", board_id=board_id), token=token)
    if not render.htmx:
        return RedirectResponse(absolute(request, page), 303)
    seen = await service.cpu(service.boards.view, board_id, token)
    answer: Response = render("_board_live.html", board_context(request, links, seen, token))
    return answer


@router.get("/boards/{board_id}/live", name="board_live")
async def board_live(
    request: Request, service: ServiceDep, links: LinksDep, board_id: str, token: Token = ""
) -> StreamingResponse:
    """The board's drawings and counts as server-sent events, whenever they change."""
    await service.cpu(service.boards.view, board_id, token)  # 404 or 403 before streaming
    template = request.app.state.templates.get_template("_board_live.html")

    def look(last: tuple[object, ...] | None) -> tuple[tuple[object, ...], str | None]:
        now = service.boards.state(board_id)  # one read a look; the drawings when it changed
        if now == last:
            return now, None
        seen = service.boards.view(board_id, token)
        return now, template.render(board_context(request, links, seen, token))

    return pushed(request, service, look, lambda _: LOOK_SECONDS)
