"""A step of a training in slow motion (/learn/{id}/steps/{step}): the first layer's numbers
before the step, and for the weight picked among them (or the one the step moved most) its
gradient as a sum of input-times-error terms and Adam's update to the new weight."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from ..service import EngineError, NotFound, Service, TrainingRecord
from ..service.replay import shape_of
from ..service.slow_motion import SlowMotion, slow_motion
from .deps import LinksDep, ModeParams, RenderDep, ServiceDep, in_pool
from .links import with_query

router = APIRouter(tags=["pages"], include_in_schema=False)

Place = Annotated[int | None, Query(ge=1, le=16, description="1-based")]


def step_of(
    service: Service, record: TrainingRecord, step: int, weight: tuple[int, int, int] | None
) -> SlowMotion:
    if not 1 <= step <= record.step:
        raise NotFound(f"this training has steps 1 to {record.step}" if record.step
                       else "this training has not taken a step yet")  # fmt: skip
    return slow_motion(service.trainings.replays, record, step, weight)


@router.get("/learn/{training_id}/steps/{step}", name="training_step")
@in_pool
def training_step(
    service: ServiceDep, render: RenderDep, links: LinksDep, mode: ModeParams, training_id: str,
    step: Annotated[int, Path(ge=1, le=1_000_000)], filter: Place = None, row: Place = None,
    col: Place = None,
) -> Response:  # fmt: skip
    """Step ``step`` in slow motion, for first-layer weight (filter, row, col)."""
    given = (filter, row, col)
    weight = None
    if any(v is not None for v in given):
        if any(v is None for v in given):
            raise EngineError("filter", "name a weight by its filter, row and col together")
        weight = (filter - 1, row - 1, col - 1)  # type: ignore[operator]
    record = service.trainings.record(training_id)  # the page needs its classes and step alone
    if weight is not None:
        shape = shape_of(record)
        if shape.learned:
            raise EngineError("filter", "on learned features the first layer does not learn")
        if weight[0] >= shape.filters or max(weight[1:]) >= shape.kernel:
            raise EngineError("filter", f"the first layer has {shape.filters} filters of "
                              f"{shape.kernel}x{shape.kernel}")  # fmt: skip
    moved = step_of(service, record, step, weight)
    page = links.path("training_step", training_id=training_id, step=step)
    context = {
        "m": moved, "v": record, "mode": mode,
        "pick": lambda f, r, c: with_query(page, filter=f + 1, row=r + 1, col=c + 1, **mode.query),
        "drawing": lambda i: links.path("training_drawing", training_id=training_id, index=i),
        "board": with_query(links.path("training", training_id=training_id), step=step,
                            **mode.query),
        "other": lambda s: links.path("training_step", training_id=training_id, step=s),
    }  # fmt: skip
    return render.page_or_fragment("learn_step.html", "_learn_step.html", context)
