"""The JSON API's answers, as pydantic models made from the service's view of a run."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..service import DEFAULT_SCHEME, CellView, RunView, SavedDemo, StageView
from .deps import Colours, absolute
from .links import Links, step_link, with_query

SIGNIFICANT = 7
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
"""A route's error answers, as the API documents them (see ``contract``)."""


def nested(values: Any) -> Any:
    """An array as nested lists of floats to 7 significant digits (the precision of float32);
    NaN (a window cell outside the input) becomes null."""
    arr = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(arr)
    safe = np.where(finite & (arr != 0), np.abs(arr), 1.0)
    digits = SIGNIFICANT - 1 - np.floor(np.log10(safe))
    factor = 10.0**digits
    rounded = np.where(finite, np.round(arr * factor) / factor, np.nan)
    listed = rounded.tolist()
    if not finite.all():
        return _nan_to_none(listed)
    return listed


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


class ScaleModel(BaseModel):
    palette: str = Field(description="'diverging' (centred on 0) or 'sequential' (0 upwards)")
    colormap: str = Field(
        description="the published colour map the pictures use, by its name in the cmap "
        "package (e.g. bids:viridis): value low is its first colour, high its last"
    )
    low: float = Field(description="the value at the first colour")
    high: float = Field(description="the value at the last colour")


class StageModel(BaseModel):
    index: int
    name: str
    kind: str
    shape: list[int]
    min: float
    max: float
    labels: list[str]
    scale: ScaleModel = Field(description="the colour scale the stage's heatmaps use")
    heatmaps: list[str]
    values: list[Any] | None = Field(
        None,
        description="with values=true: the stage's numbers, nested lists in (C, H, W) order "
        "(a vector as a flat list), to 7 significant digits",
    )


class PredictionModel(BaseModel):
    label: str
    scores: dict[str, float]


class BoxModel(BaseModel):
    top: int
    left: int
    bottom: int = Field(description="exclusive")
    right: int = Field(description="exclusive")


def box(b: tuple[int, int, int, int] | None) -> BoxModel | None:
    return None if b is None else BoxModel(top=b[0], left=b[1], bottom=b[2], right=b[3])


class RunModel(BaseModel):
    id: str
    url: str
    stages: list[StageModel]
    prediction: PredictionModel | None
    content: BoxModel | None = Field(
        None,
        description="where the picture lies in the input (stage 0) when its shape differs from "
        "the input's: the rest was filled in by repeating the picture's edge pixels",
    )


class PresetModel(BaseModel):
    name: str
    title: str
    description: str
    spec: dict[str, Any]


def stage_model(
    stage: StageView, run_id: str, links: Links, base: str, values: bool, colours: str
) -> StageModel:
    """One stage as the API gives it, with its numbers when ``values``."""
    extra = {"values": nested(stage.data)} if values else {}  # left unset (and out) otherwise
    return StageModel(
        index=stage.index,
        name=stage.name,
        kind=stage.kind,
        shape=list(stage.shape),
        min=stage.low,
        max=stage.high,
        labels=list(stage.labels),
        scale=ScaleModel(
            palette=stage.scale.palette,
            colormap=stage.scale.colormap(colours),
            low=stage.scale.low,
            high=stage.scale.high,
        ),
        heatmaps=[
            base + url
            for url in links.heatmaps(run_id, stage.index, stage.map_count, colours=colours)
        ],
        **extra,
    )


def run_model(
    view: RunView, links: Links, base: str, values: Collection[int] = (),
    colours: str = DEFAULT_SCHEME,
) -> RunModel:  # fmt: skip
    """The run as the API gives it, with the numbers of the stages in ``values``; ``base``
    makes its links absolute."""
    prediction = view.trace.prediction
    return RunModel(
        id=view.id,
        url=base + links.path("show_run", run_id=view.id),
        stages=[
            stage_model(s, view.id, links, base, s.index in values, colours) for s in view.stages
        ],
        prediction=PredictionModel(label=prediction.label, scores=prediction.scores)
        if prediction
        else None,
        content=box(view.content),
    )


class PlaceModel(BaseModel):
    row: int
    col: int


class TermModel(BaseModel):
    index: int = Field(description="which input")
    source: str = Field(description="where that input came from")
    value: float
    weight: float | None = Field(None, description="(a vote averages its terms: no weight)")
    product: float


class ExplainModel(BaseModel):
    """One cell's arithmetic. The first fields are always there; the others are the fields of
    the cell's kind, as the engine names them (those below are the engine's own kinds'; a kind
    added later brings its own)."""

    model_config = ConfigDict(extra="allow")

    stage: int
    stage_name: str
    kind: str
    map: int
    row: int
    col: int
    value: float
    text: str = Field(description="the formula the page shows, e.g. (-1 + 1 + ... + 1) / 9 = 0.78")
    label: str | None = None
    receptive_field: BoxModel | None = Field(None, description="the input pixels this cell sees")
    window: list[Any] | None = Field(
        None, description="convolution: the input under the kernel (C, kh, kw); pooling: the "
        "window (kh, kw), null where it lies outside the map",
    )  # fmt: skip
    kernel: list[Any] | None = Field(None, description="convolution: the weights (C, kh, kw)")
    products: list[Any] | None = Field(None, description="convolution: window x kernel")
    bias: float | None = None
    divisor: int | None = Field(None, description="what the sum is divided by, when it is")
    origin: PlaceModel | None = Field(
        None, description="the window's top-left on the stage's input"
    )
    op: str | None = Field(None, description="pooling: max or avg")
    winner: PlaceModel | None = Field(None, description="max pooling: the winner, in the window")
    terms: list[TermModel] | None = Field(
        None, description="dense: the largest terms; vote: the averaged values"
    )
    positions: list[int] | None = Field(
        None, description="vote: where the class's template is strongest"
    )
    rest_count: int | None = Field(None, description="dense: how many smaller terms")
    rest_sum: float | None = Field(None, description="dense: their sum")
    input_value: float | None = Field(None, description="activations: the value going in")
    components: list[Any] | None = Field(None, description="magnitude: the values combined")
    total: float | None = Field(None, description="the sum before any division")
    softmax: str | None = Field(None, description="dense class score: the softmax line")


def plain(value: Any) -> Any:
    """A field of an explanation as JSON holds it: arrays as nested lists (``nested``), places
    and boxes as objects, terms as objects, tuples as lists."""
    if isinstance(value, np.ndarray):
        return nested(value)
    if hasattr(value, "_asdict"):  # a NamedTuple: At, Box
        return value._asdict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in vars(value).items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def explain_model(cell: CellView) -> ExplainModel:
    """The cell as the API gives it: its head, then its kind's fields, each made plain."""
    return ExplainModel(
        stage=cell.stage, stage_name=cell.stage_name, kind=cell.kind, map=cell.map,
        row=cell.row, col=cell.col, value=cell.value, text=cell.text, label=cell.label,
        receptive_field=plain(cell.receptive_field), softmax=cell.softmax,
        **{name: plain(value) for name, value in cell.details.items()},
    )  # fmt: skip


def no_nul(text: str) -> str:
    """Text that may be stored: a NUL character is refused (PostgreSQL cannot keep one)."""
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    return text


NO_NUL = {"pattern": "^[^\\u0000]*$"}
"""What ``no_nul`` refuses, as the schema says it."""
Title = Annotated[str, Field(max_length=120, json_schema_extra=NO_NUL), AfterValidator(no_nul)]
SharedPlace = tuple[int, str | None, str, str]
"""Where a shared link opens: (step, cell, scale, colours)."""
Description = Annotated[
    str, Field(max_length=2000, json_schema_extra=NO_NUL), AfterValidator(no_nul)
]


class DemoIn(BaseModel):
    run_id: Annotated[str, Field(min_length=1, max_length=64)]
    title: Title = ""
    description: Description = ""
    step: Annotated[int | None, Field(ge=0, description="the stage the link opens at")] = None
    cell: Annotated[
        str | None,
        Field(
            max_length=40, description="the selected cell, stage.map.row.column",
            json_schema_extra={"pattern": "^([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)?$"},
        ),
    ] = None  # fmt: skip
    scale: Annotated[
        Literal["stage", "map"], Field(description="one colour scale per stage, or per map")
    ] = "stage"
    colours: Annotated[
        Colours,
        Field(description="the colour scheme: viridis, or cividis (tuned for colour-blind eyes)"),
    ] = "viridis"


class DemoCreated(BaseModel):
    id: str
    url: str
    delete_url: str | None = None
    """Send it a DELETE request to delete the demo (whoever saved it is told it only once)."""
    delete_page: str | None = None
    """The same, as a page to open in a browser: the demo's card and a Delete button."""


class DemoModel(BaseModel):
    id: str
    url: str
    title: str
    description: str
    created_at: str
    run: RunModel


def placed(url: str, place: SharedPlace | None) -> str:
    """A demo's page (or its embed) opening at ``place``: the sharer's (step, cell, scale,
    colours); the start needs no query."""
    if place is None or place == (0, None, "stage", DEFAULT_SCHEME):
        return url
    step, cell, scale, colours = place
    return step_link(url, step, cell, scale, colours=colours)


def demo_links(
    request: Request, links: Links, saved: SavedDemo, place: SharedPlace | None = None
) -> DemoCreated:
    """A saved demo's link (opening at ``place``, the sharer's (step, cell, scale, colours), when
    given), and its private delete link when the save made it."""
    url = placed(absolute(request, links.path("show_demo", demo_id=saved.id)), place)
    if not saved.delete_token:
        return DemoCreated(id=saved.id, url=url)
    token = saved.delete_token
    api = with_query(links.path("api_delete_demo", demo_id=saved.id), token=token)
    page = with_query(links.path("demo_delete_page", demo_id=saved.id), token=token)
    return DemoCreated(id=saved.id, url=url, delete_url=absolute(request, api),
                       delete_page=absolute(request, page))  # fmt: skip
