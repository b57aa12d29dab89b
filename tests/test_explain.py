"""explain() recomputes one cell; it must agree with the stored outputs everywhere."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import EngineError, explain, parse_spec, receptive_field, run
from app.engine.explanations import ConvExplanation, PoolExplanation, num, precise

SPECS = {
    "strided": {
        "input": {"mode": "rgb", "size": [11, 10]},
        "stages": [
            {"kind": "conv", "kernels": ["sobel_gx", "emboss"], "stride": [2, 1], "padding": 1,
             "bias": [0.5, -0.25], "mean": True},
            {"kind": "relu"},
            {"kind": "pool", "op": "avg", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            {"kind": "pool", "kernel_size": 2, "ceil_mode": True},
            {"kind": "flatten"},
            {"kind": "dense", "weights": [[0.1] * 12, [-0.2] * 12, [0.05 * i for i in range(12)]],
             "bias": [0.0, 0.5, -1.0], "classes": ["a", "b", "c"]},
            {"kind": "softmax"},
        ],
    },
    "sobel": {
        "input": {"size": [12, 12]},
        "stages": [{"kind": "conv", "kernels": "sobel", "padding": "same"}, {"kind": "magnitude"},
                   {"kind": "pool", "kernel_size": 3, "stride": 2}],
    },
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(SPECS))
def trace(request):
    spec = parse_spec(SPECS[request.param])
    shape = (spec.input.channels, *spec.input.size)
    return run(spec, np.random.default_rng(7).uniform(-1, 1, shape))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_explain_agrees_with_the_stored_output(trace, data):
    index = data.draw(st.integers(1, len(trace) - 1))
    out = trace.stage(index)
    if out.data.ndim == 1:
        cell = (0, 0, data.draw(st.integers(0, out.data.shape[0] - 1)))
    else:
        c, h, w = out.data.shape
        cell = (
            data.draw(st.integers(0, c - 1)),
            data.draw(st.integers(0, h - 1)),
            data.draw(st.integers(0, w - 1)),
        )
    result = explain(trace, index, *cell)
    stored = float(out.data[cell] if out.data.ndim == 3 else out.data[cell[2]])
    assert result.value == stored
    assert result.formula.rsplit("= ", 1)[1] in {num(stored), precise(stored)}
    if isinstance(result, ConvExplanation):
        recomputed = result.total / result.divisor + result.bias
        assert recomputed == pytest.approx(stored, rel=1e-4, abs=1e-4)
        top, left, bottom, right = result.receptive_field
        assert 0 <= top < bottom and 0 <= left < right
    if isinstance(result, PoolExplanation):
        window = result.window
        if result.op == "max":
            assert window[result.winner] == pytest.approx(stored)
            assert np.nanmax(window) == pytest.approx(stored)
        else:
            assert result.total / result.divisor == pytest.approx(stored, rel=1e-4, abs=1e-5)


def test_the_receptive_field_grows_through_the_stack():
    spec = parse_spec(SPECS["sobel"])
    trace = run(spec, np.zeros((12, 12)))
    assert receptive_field(trace, 1, 0, 0) == (0, 0, 2, 2)  # 3x3 kernel, 'same' padding
    assert receptive_field(trace, 1, 5, 5) == (4, 4, 7, 7)
    assert receptive_field(trace, 3, 1, 1) == (1, 1, 6, 6)  # 3x3 pool, stride 2, of 3x3 convs


def test_the_max_pool_winner_is_the_first_maximum():
    spec = parse_spec({"input": {"size": [2, 2]}, "stages": [{"kind": "pool", "kernel_size": 2}]})
    trace = run(spec, np.ones((2, 2)))
    assert explain(trace, 1, 0, 0, 0).winner == (0, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0, 0, 0), "input stage"),
        ((9, 0, 0, 0), "no stage 9"),
        (("nope", 0, 0, 0), "no stage named"),
        ((1, 5, 0, 0), "outside"),
        ((1, 0, -1, 0), "outside"),
        ((5, 0, 0, 99), "vector"),
    ],
)
def test_bad_cells_raise_the_engine_error(args, message):
    trace = run(parse_spec(SPECS["strided"]), np.zeros((3, 11, 10)))
    with pytest.raises(EngineError, match=message):
        explain(trace, *args)
