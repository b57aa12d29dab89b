"""The JSON API of trainings: make one from drawings (or a starting set), run steps, read its
state, and take any step's network as a pipeline spec, ready for POST /api/run."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal, get_args, get_origin

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..learn.trainer import NEW
from ..learn.trainer import Settings as TrainSettings
from ..service import EngineError, TrainingView
from .deps import ComputeLimit, LinksDep, ServiceDep, TrainingLimit, absolute, in_pool
from .schemas import PROBLEM, no_nul

router = APIRouter(prefix="/api", tags=["api"])
ClassName = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(no_nul)]


def integral(value: Any) -> Any:
    """47.0 is the integer 47, as JSON Schema has it; true and "47" stay what they are (refused:
    the models are strict)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole_number(annotation: Any) -> bool:
    """int, int | None, or a Literal of ints."""
    if get_origin(annotation) is Literal:
        return all(isinstance(a, int) for a in get_args(annotation))
    return annotation in (int, int | None)


class Strict(BaseModel):
    """JSON numbers as numbers: true is not 1 and "1" is not 1, but 47.0 is 47."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _integral(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        whole = {n for n, f in cls.model_fields.items() if whole_number(f.annotation)}
        return {k: integral(v) if k in whole else v for k, v in data.items()}


class DrawingIn(Strict):
    label: int = Field(ge=0, le=5, description="its class: an index into classes")
    image: str = Field(max_length=400_000, description="a PNG, JPEG, GIF or WebP, in base64")


class TrainingIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"start": "x-vs-o", "seed": 1}]})

    start: Literal["x-vs-o"] | None = Field(
        None, description="begin from a made set (its classes and drawings) instead"
    )
    classes: list[ClassName] = Field([], max_length=6, description="2 to 6 class names")
    drawings: list[DrawingIn] = Field([], max_length=300, description="at least 3 a class")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="the same seed, the same weights")
    rate: float = Field(0.01, gt=0, le=1, description="the learning rate")
    batch: int = Field(16, ge=1, le=64, description="drawings a step")
    way: Literal["scratch", "features"] = Field(
        "scratch", description="from scratch, or on the letters network's features (frozen)"
    )
    filters: int = Field(8, ge=1, le=16, description="first-layer filters (from scratch)")
    kernel: Literal[3, 5, 7] = Field(5, description="their size (from scratch)")
    shift: int = Field(
        NEW.shift, ge=0, le=3, description="move each drawing by up to this many pixels"
    )
    rotate: int = Field(
        NEW.rotate, ge=0, le=30, description="and turn it by up to this many degrees"
    )

    def settings(self) -> TrainSettings:
        return TrainSettings(rate=self.rate, batch=self.batch, way=self.way,
                             filters=self.filters, kernel=self.kernel, shift=self.shift,
                             rotate=self.rotate)  # fmt: skip


class StepsIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"steps": 30}]})

    steps: int = Field(ge=1, le=500, description="steps to run now")


class TrainingModel(BaseModel):
    id: str
    url: str
    step: int
    classes: list[str]
    counts: list[int] = Field(description="drawings in each class, the held-out ones included")
    held_out: list[int] = Field(description="every fifth drawing of a class: never trained on")
    settings: dict[str, int | float | str]
    seed: int
    loss: float | None
    accuracy: float = Field(description="on the drawings it trains on")
    held_out_accuracy: float | None
    per_class: list[float | None] = Field(description="held-out accuracy of each class")
    snapshot: str = Field(description="this step's network as a pipeline spec")


def training_model(request: Request, links: LinksDep, view: TrainingView) -> TrainingModel:
    base = absolute(request, "")
    url = base + links.path("api_get_training", training_id=view.id)
    snapshot = base + links.path("api_snapshot", training_id=view.id, step=view.step)
    return TrainingModel(**vars(view), url=url, snapshot=snapshot)


def decoded(drawing: DrawingIn) -> tuple[int, bytes]:
    try:
        return drawing.label, base64.b64decode(drawing.image, validate=True)
    except ValueError:  # binascii.Error, or characters base64 does not use
        raise EngineError("drawings", "a drawing's image is not base64") from None


@router.post(
    "/trainings", status_code=201, dependencies=[TrainingLimit],
    responses={201: {"model": TrainingModel}, 422: PROBLEM, 429: PROBLEM, 503: PROBLEM},
)  # fmt: skip
@in_pool
def api_new_training(
    request: Request, service: ServiceDep, links: LinksDep, body: TrainingIn
) -> JSONResponse:
    """Make a training: classes and drawings (each image in base64), or a starting set."""
    made = service.trainings.create(
        body.classes, [decoded(d) for d in body.drawings], body.start, body.seed, body.settings()
    )
    answer = training_model(request, links, made)
    return JSONResponse(answer.model_dump(), status_code=201)


@router.get("/trainings/{training_id}", response_model=TrainingModel, name="api_get_training",
            responses={404: PROBLEM})  # fmt: skip
@in_pool
def api_get_training(
    request: Request, service: ServiceDep, links: LinksDep, training_id: str
) -> TrainingModel:
    """A training's state: its step, loss and accuracies, on trained and held-out drawings."""
    view = service.trainings.view(training_id)
    service.trainings.seen(training_id)
    return training_model(request, links, view)


@router.post(
    "/trainings/{training_id}/steps", response_model=TrainingModel, dependencies=[ComputeLimit],
    responses={404: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)  # fmt: skip
@in_pool
def api_train(
    request: Request, service: ServiceDep, links: LinksDep, training_id: str, body: StepsIn
) -> TrainingModel:
    """Run steps now, on the CPU pool, and answer the new state."""
    return training_model(request, links, service.trainings.advance(training_id, body.steps))


class ChangeIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rate": 0.03}]})

    rate: float | None = Field(None, gt=0, le=1, description="the learning rate")
    batch: int | None = Field(None, ge=1, le=64, description="drawings a step")


@router.patch(
    "/trainings/{training_id}", response_model=TrainingModel,
    responses={404: PROBLEM, 422: PROBLEM},
)  # fmt: skip
@in_pool
def api_change_training(
    request: Request, service: ServiceDep, links: LinksDep, training_id: str, body: ChangeIn
) -> TrainingModel:
    """Change the learning rate or the batch size from the next step on, without a reset (the
    steps before keep theirs, so every step still replays exactly)."""
    view = service.trainings.change(training_id, body.rate, body.batch)
    return training_model(request, links, view)


@router.get("/trainings/{training_id}/snapshots/{step}", name="api_snapshot",
            responses={404: PROBLEM})  # fmt: skip
@in_pool
def api_snapshot(service: ServiceDep, training_id: str, step: int) -> dict[str, Any]:
    """The network at a step it has reached, as a pipeline spec (POST it to /api/run)."""
    spec: dict[str, Any] = service.trainings.snapshot(training_id, step).model_dump(mode="json")
    return spec
