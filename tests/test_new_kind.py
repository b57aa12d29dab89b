"""A kind of stage made here, in the test (its spec, its op, its step, its explanation), and
registered with the engine, reaches the API's /explain and the page's explain panel with every
one of its fields, with no edit to the service, the web layer or a template."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pytest
from pydantic import BaseModel, ConfigDict

from app.engine import KINDS, EngineError, StageKind, parse_spec, register, unregister
from app.engine.compile import Context
from app.engine.explanations import Explanation, Head, Where, num
from app.engine.kinds import POINTWISE, Window
from app.engine.steps import Step

from .helpers import X_PNG, parse

pytestmark = pytest.mark.anyio


class ScaleStage(BaseModel):
    """The spec: multiply every value by ``factor``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["scale"] = "scale"
    name: str | None = None
    factor: float = 2.0


def scale(x: npt.ArrayLike, factor: float) -> npt.NDArray[np.float32]:
    """The op: x * factor, any shape."""
    return np.asarray(x, np.float32) * np.float32(factor)


@dataclass(frozen=True, eq=False)
class ScaleStep(Step):
    factor: float = 1.0

    def forward(self, x: Any) -> Any:
        return scale(x, self.factor)


def compile_scale(stage: ScaleStage, ctx: Context) -> Step:
    size = int(np.prod(ctx.shape))
    return ScaleStep(**ctx.common(stage), out_shape=ctx.shape, labels=ctx.labels, macs=size,
                     factor=stage.factor)  # fmt: skip


@dataclass(frozen=True)
class ScaleExplanation(Explanation):
    input_value: float
    factor: float


def explain_scale(step: Step, source: Any, head: Head, where: Where) -> Explanation:
    assert isinstance(step, ScaleStep)
    c, y, x = head["cell"]
    before = float(source[c, y, x])
    formula = f"{num(step.factor)} * {num(before)} = {num(head['value'])}"
    return ScaleExplanation(**head, formula=formula, input_value=before, factor=step.factor)


def pointwise(step: Step) -> Window:
    return POINTWISE


@pytest.fixture
def scale_kind():
    about = "Multiplies every value by one factor."
    register(StageKind("scale", compile_scale, explain_scale, pointwise, about), ScaleStage)
    yield about
    unregister("scale")


SPEC = {
    "input": {"size": [9, 9], "values": "ink_signed"},
    "stages": [
        {"kind": "conv", "kernels": "xo-features", "mean": True},
        {"kind": "scale", "factor": 3},
    ],
}


async def test_a_kind_made_outside_the_engine_explains_itself_in_the_api_and_the_page(
    client, scale_kind
):
    sent = await client.post(
        "/api/run", files={"image": ("x.png", X_PNG)}, data={"spec": json.dumps(SPEC)}
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert [s["kind"] for s in body["stages"]] == ["input", "conv", "scale"]
    where = {"stage": 2, "map": 0, "row": 1, "col": 1}  # the X's perfect match, 1, times 3
    cell = (await client.get(f"/api/runs/{body['id']}/explain", params=where)).json()
    assert cell["kind"] == "scale" and cell["value"] == pytest.approx(3.0)
    assert cell["factor"] == 3 and cell["input_value"] == pytest.approx(1.0)
    assert cell["text"] == "3 * 1 = 3"
    assert cell["receptive_field"] == {"top": 1, "left": 1, "bottom": 4, "right": 4}

    page = await client.get(f"/runs/{body['id']}", params={"cell": "2.0.1.1"})
    assert page.status_code == 200
    html = parse(page.text)
    panel = html.one("aside", class_="explain")
    assert panel.one("p", class_="formula").text == "3 * 1 = 3"
    shown = dict(zip([t.text for t in panel.find_all("dt")],
                     [d.text for d in panel.find_all("dd")], strict=True))  # fmt: skip
    assert shown == {"input value": "1", "factor": "3"}
    assert scale_kind in page.text  # what the stage does, in its own words


def test_a_kind_taken_back_is_unknown_again(scale_kind):
    assert "scale" in KINDS
    unregister("scale")
    try:
        assert "scale" not in KINDS
        with pytest.raises(EngineError, match="does not match any of the expected tags"):
            parse_spec(SPEC)
    finally:  # the fixture takes it back once more
        register(StageKind("scale", compile_scale, explain_scale, pointwise, ""), ScaleStage)
