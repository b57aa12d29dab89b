"""The learn pages: a learner's drawings in classes become a training (/learn), and a training's
page (/learn/{id}) trains it, step by step or by itself, shows every step and rewinds."""

from __future__ import annotations

import math
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from ..learn.trainer import NEW
from ..learn.trainer import Settings as TrainSettings
from ..service import EngineError, NotFound, RunView, Service
from ..service.pacing import SPEEDS, waiting
from ..service.training_board import Board, ink_png, open_board
from ..service.trainings import STARTS
from .deps import (
    LinksDep,
    ModeParams,
    RenderDep,
    SameSite,
    ServiceDep,
    TrainingLimit,
    absolute,
    count_training,
    in_pool,
    picture_response,
)
from .links import Links, with_query
from .streams import pushed

router = APIRouter(tags=["pages"], include_in_schema=False)  # HTML: not in the API contract

RATES = (0.001, 0.003, 0.01, 0.03, 0.1)
BATCHES = (4, 8, 16, 32, 64)
TICK_SECONDS = 0.25
"""How often a stream moves its running training on and sends what changed: four updates a
second, each with the steps due at the training's speed (the pace is kept in the store)."""
Step = Annotated[int | None, Query(ge=0, le=1_000_000, description="the step shown")]
Probe = Annotated[int, Query(ge=0, le=10_000, description="the drawing whose maps are shown")]


@router.get("/learn", response_class=HTMLResponse, name="learn")
def learn_start(render: RenderDep, service: ServiceDep) -> HTMLResponse:
    context = {"starts": STARTS, "most": service.settings.max_drawings_per_class,
               "rows": range(service.settings.max_training_classes), "new": NEW}  # fmt: skip
    return render("learn_new.html", context)


async def drawn_set(form: FormData, most: int) -> tuple[list[str], list[tuple[int, bytes]]]:
    """The classes the form names (a row with neither a name nor drawings is skipped) and their
    drawings, each as (class index, image bytes)."""
    names = [str(n).strip() for n in form.getlist("class")][: most + 1]  # one more is told
    classes: list[str] = []
    pictures: list[tuple[int, bytes]] = []
    for row, name in enumerate(names):
        files = [f for f in form.getlist(f"class-{row}") if isinstance(f, UploadFile) and f.size]
        if not name and not files:
            continue
        if not name:
            raise EngineError("classes", f"class {row + 1} has drawings but no name: name it")
        if len(name) > 20:
            raise EngineError("classes", f"a class name has at most 20 characters ({name[:20]}…)")
        pictures += [(len(classes), await f.read()) for f in files]
        classes.append(name)
    return classes, pictures


@router.post("/learn", name="learn_new", dependencies=[SameSite, TrainingLimit])
async def learn_new(
    request: Request, service: ServiceDep, links: LinksDep, render: RenderDep
) -> Response:
    """A new training from the drawn classes, or from a made set (the form's 'start')."""
    form = await request.form()
    try:
        start = str(form.get("start") or "") or None
        classes, pictures = (
            ([], []) if start else await drawn_set(form, service.settings.max_training_classes)
        )
    finally:
        await form.close()
    made = await service.cpu(
        service.trainings.create, classes, pictures, start, secrets.randbelow(2**31),
        network_settings(form),
    )  # fmt: skip
    return go(request, render, links.path("training", training_id=made.id))


def network_settings(form: FormData) -> TrainSettings:
    """The network and augmentation the form chose (the defaults for what it leaves out)."""
    chosen: dict[str, Any] = {"way": str(form.get("way") or "scratch"), "shift": NEW.shift,
                              "rotate": NEW.rotate}  # fmt: skip
    for name in ("filters", "kernel", "shift", "rotate"):
        value = str(form.get(name) or "").strip()
        if value:
            if not value.isdigit():
                raise EngineError(name, f"{name} is a whole number")
            chosen[name] = int(value)
    return TrainSettings(**chosen)


def share_links(request: Request, links: Links, training_id: str, step: int) -> dict[str, str]:
    """The absolute links a shared training hands out, at ``step``."""
    page = links.path("training", training_id=training_id)
    return {
        "live": absolute(request, page),
        "step": absolute(request, with_query(page, step=step)),
        "class": absolute(request, with_query(page, step=step, lock=1)),
        "projector": absolute(request, with_query(page, step=step, present=1)),
        "embed": absolute(request, with_query(
            links.path("embed_training", training_id=training_id), step=step)),
        "card": absolute(request, with_query(
            links.path("training_card", training_id=training_id), step=step)),
    }  # fmt: skip


def go(request: Request, render: Any, path: str) -> Response:
    """To the page at ``path``, loaded whole (its own scripts and head): htmx follows
    HX-Redirect, a plain form a redirect."""
    url = absolute(request, path)
    if render.htmx:
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def board_context(links: Links, board: Board, mode: Any, following: bool) -> dict[str, Any]:
    page = links.path("training", training_id=board.view.id)
    return {
        "b": board, "v": board.view, "following": following, "speeds": SPEEDS, "rates": RATES,
        "batches": BATCHES, "mode": mode,
        "at": lambda **q: with_query(page, **{"probe": board.probe, **q, **mode.query}),
        "do": lambda action: links.path("training_do", training_id=board.view.id,
                                        action=action),
        "live": with_query(links.path("training_live", training_id=board.view.id),
                           probe=board.probe, **mode.query),
        "drawing": lambda i: links.path("training_drawing", training_id=board.view.id,
                                        index=i),
        "slow": lambda s: with_query(links.path("training_step", training_id=board.view.id,
                                                step=s), **mode.query),
        "explore": links.path("api_snapshot", training_id=board.view.id, step=board.view.step),
    }  # fmt: skip


@router.get("/learn/{training_id}", response_class=HTMLResponse, name="training")
@in_pool
def training_page(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, mode: ModeParams,
    training_id: str, step: Step = None, probe: Probe = 0,
) -> Response:  # fmt: skip
    """A training at its furthest step (following it live), or at ``step`` (rewound)."""
    board = open_board(service.trainings, training_id, step, probe)
    service.trainings.seen(training_id)
    following = step is None or step == board.last
    context = board_context(links, board, mode, following) | {
        "preview": share_links(request, links, training_id, board.view.step),
        "ttl_days": service.settings.run_ttl_days,
    }  # fmt: skip
    return render.page_or_fragment("learn.html", "_board.html", context)


Action = Literal["train", "pause", "step", "epoch", "reset", "settings", "explore", "compare"]


@router.post("/learn/{training_id}/{action}", name="training_do", dependencies=[SameSite])
async def training_do(
    request: Request, service: ServiceDep, render: RenderDep, links: LinksDep, mode: ModeParams,
    training_id: str, action: Action, speed: Annotated[int, Form()] = 10,
    rate: Annotated[float | None, Form()] = None, batch: Annotated[int | None, Form()] = None,
    seed: Annotated[Literal["same", "new"], Form()] = "same", probe: Annotated[int, Form()] = 0,
    step: Annotated[int, Form(ge=0)] = 0, against: Annotated[int, Form(ge=0)] = 0,
) -> Response:  # fmt: skip
    """Train (at a speed), Pause, Step, Epoch, Reset (same or new seed) or new settings; the
    answer is the board at the training's furthest step (Reset: the new training's page). Explore
    opens step ``step`` in the explorer; Compare puts it beside step ``against``."""
    trainings = service.trainings
    if action == "explore":
        run = await service.cpu(explore, service, training_id, step, probe)
        return go(request, render, links.path("show_run", run_id=run.id))
    if action == "compare":
        before = await service.cpu(explore, service, training_id, against, probe)
        after = await service.cpu(explore, service, training_id, step, probe)
        return go(request, render, with_query(links.path("compare"), a=before.id, b=after.id))
    if action == "reset":
        await count_training(request)
        fresh = await service.cpu(
            trainings.reset, training_id, None if seed == "same" else secrets.randbelow(2**31)
        )
        return go(request, render, links.path("training", training_id=fresh.id))
    if action == "train":
        await service.cpu(service.pacing.play, training_id, speed)
    elif action == "settings":
        await service.cpu(trainings.change, training_id, rate, batch)
    else:
        await service.cpu(service.pacing.pause, training_id)
        if action != "pause":
            await service.cpu(by_hand, service, training_id, action == "epoch")
    if not render.htmx:
        page = links.path("training", training_id=training_id)
        return go(request, render, with_query(page, probe=probe, **mode.query))
    board = await service.cpu(open_board, trainings, training_id, None, probe)
    return render("_board.html", board_context(links, board, mode, True))


def explore(service: Service, training_id: str, step: int, drawing: int) -> RunView:
    """The network at ``step`` as a pipeline in the explorer, on one of the training's drawings."""
    spec = service.trainings.snapshot(training_id, step)
    drawings = service.trainings.record(training_id).drawings
    return service.runs.run_image(
        ink_png(drawings[drawing if drawing < len(drawings) else 0]), spec
    )


def by_hand(service: Service, training_id: str, epoch: bool) -> None:
    """One step, or an epoch's worth (every training drawing seen once, on average)."""
    view = service.trainings.view(training_id)
    trained = sum(view.counts) - sum(view.held_out)
    steps = math.ceil(trained / int(view.settings["batch"])) if epoch else 1
    left = service.settings.max_training_steps - view.step
    if left <= 0:
        raise EngineError("steps", "this training ran all its steps: reset it to go again")
    service.trainings.advance(training_id, min(steps, left))


@router.get("/learn/{training_id}/drawings/{index}.png", name="training_drawing")
@in_pool
def training_drawing(
    request: Request, service: ServiceDep, training_id: str, index: Annotated[int, Path(ge=0)]
) -> Response:
    """One drawing of a training's set, as it was fitted (a training's drawings never change)."""
    drawings = service.trainings.record(training_id).drawings
    if index >= len(drawings):
        raise NotFound(f"this training has {len(drawings)} drawings")
    return picture_response(request, f'"{training_id}-{index}"', lambda: ink_png(drawings[index]))


@router.get("/learn/{training_id}/live", name="training_live")
async def training_live(
    request: Request, service: ServiceDep, links: LinksDep, mode: ModeParams, training_id: str,
    probe: Probe = 0,
) -> StreamingResponse:  # fmt: skip
    """The live view as server-sent events: the board's live part, whenever the training moved
    on, paused or stopped; while it runs, this stream is also what moves it on."""
    await service.cpu(service.trainings.record, training_id)  # 404 before streaming
    template = request.app.state.templates.get_template("_learn_live.html")

    def tick(sent: tuple[object, ...] | None) -> tuple[tuple[object, ...], str | None]:
        """Move the training on if it runs; its live view when anything shown changed (one job
        on the pool: a tick is one wait in its queue)."""
        record = service.pacing.follow(training_id).record
        late = waiting(service.settings, record, service.clock())
        now = (record.step, record.running, record.stopped, record.speed, late)
        if now == sent:
            return now, None
        board = open_board(service.trainings, training_id, None, probe)
        html: str = template.render(board_context(links, board, mode, True) | {"stream": True})
        return now, html

    return pushed(request, service, tick, lambda now: TICK_SECONDS if now and now[1] else 0.5)
