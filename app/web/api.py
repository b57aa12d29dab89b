"""The JSON API: the same stages as the pages, from the same service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel

from ..catalog import presets
from ..engine import Trace
from .runs import count_run, explorer, start_run

router = APIRouter(prefix="/api", tags=["api"])


class StageModel(BaseModel):
    index: int
    name: str
    kind: str
    shape: list[int]
    min: float
    max: float
    labels: list[str]
    heatmaps: list[str]


class PredictionModel(BaseModel):
    label: str
    scores: dict[str, float]


class RunModel(BaseModel):
    id: str
    url: str
    stages: list[StageModel]
    prediction: PredictionModel | None


class PresetModel(BaseModel):
    name: str
    title: str
    description: str
    spec: dict[str, Any]


def run_model(request: Request, rid: str, trace: Trace) -> RunModel:
    stages = []
    for out in trace:
        maps = out.data.shape[0] if out.data.ndim == 3 else 1
        lo, hi = out.value_range
        urls = [
            str(request.url_for("heatmap", run_id=rid, stage=out.index, index=i))
            for i in range(maps)
        ]
        stages.append(
            StageModel(
                index=out.index,
                name=out.name,
                kind=out.kind,
                shape=list(out.shape),
                min=lo,
                max=hi,
                labels=list(out.labels),
                heatmaps=urls,
            )
        )
    prediction = trace.prediction
    return RunModel(
        id=rid,
        url=str(request.url_for("show_run", run_id=rid)),
        stages=stages,
        prediction=PredictionModel(label=prediction.label, scores=prediction.scores)
        if prediction
        else None,
    )


@router.post("/run", response_model=RunModel, dependencies=[Depends(count_run)])
async def api_run(
    request: Request,
    image: Annotated[UploadFile, File(description="PNG, JPEG, GIF or WebP")],
    preset: Annotated[str | None, Form(description="a preset name (default seed-xo)")] = None,
    spec: Annotated[str | None, Form(description="a pipeline spec as JSON")] = None,
) -> RunModel:
    pipeline = explorer(request).resolve_spec(preset, spec)
    rid = await start_run(request, image, None, pipeline)
    return run_model(request, rid, explorer(request).trace(rid))


@router.get("/runs/{run_id}", response_model=RunModel)
def api_get_run(request: Request, run_id: str) -> RunModel:
    return run_model(request, run_id, explorer(request).trace(run_id))


@router.get("/presets", response_model=list[PresetModel])
def api_presets() -> list[PresetModel]:
    return [
        PresetModel(
            name=p.name,
            title=p.title,
            description=p.description,
            spec=p.spec.model_dump(mode="json"),
        )
        for p in presets().values()
    ]
