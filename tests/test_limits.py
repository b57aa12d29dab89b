"""Every invalid spec or image raises EngineError naming the field and the limit; never NaN."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import EngineError, Limits, compile_pipeline, get_preset, parse_spec, run
from app.engine.presets import SLIDES_X


def _conv_spec(size=(9, 9), **conv):
    conv = {"kind": "conv", "kernels": "sobel", **conv}
    return {"input": {"size": list(size)}, "stages": [conv]}


def _kernel(weights, name="k"):
    return {"kernels": [{"name": name, "weights": weights}]}


def _fails(spec, limits=None, image=None):
    with pytest.raises(EngineError) as info:
        parsed = parse_spec(spec)
        pipeline = compile_pipeline(parsed, limits)
        if image is not None:
            pipeline.run(image)
    return info.value


def test_a_kernel_larger_than_the_padded_input():
    error = _fails(_conv_spec(size=(4, 4), **_kernel(np.ones((7, 7)).tolist())))
    assert error.field == "stages[0].kernels"
    assert "7x7 kernels are larger than the padded input 4x4" in str(error)
    assert error.limit == (4, 4)


def test_padding_can_make_room_for_a_large_kernel():
    spec = parse_spec(_conv_spec(size=(4, 4), padding=2, **_kernel(np.ones((7, 7)).tolist())))
    assert compile_pipeline(spec).steps[0].out_shape == (1, 2, 2)


@pytest.mark.parametrize(
    ("conv", "field", "words"),
    [
        ({"stride": 0}, "stages[0].stride", "greater than or equal to 1"),
        ({"stride": [1, -2]}, "stages[0].stride[1]", "greater than or equal to 1"),
        ({"padding": -1}, "stages[0].padding", "greater than or equal to 0"),
        ({"padding": "full"}, "stages[0].padding", ""),
        ({"stride": 2, "padding": "same"}, "stages[0].padding", "'same' padding needs stride 1"),
    ],
)
def test_bad_stride_and_padding(conv, field, words):
    error = _fails(_conv_spec(**conv))
    assert error.field == field
    assert words in str(error)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinite_weights(bad):
    error = _fails(_conv_spec(**_kernel([[1.0, bad], [0.0, 1.0]])))
    assert error.field == "stages[0].kernels[0].weights[0][1]"
    assert "finite" in str(error)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1e999"])
def test_nan_and_infinite_weights_in_json_text(text):
    body = '{"input":{"size":[9,9]},"stages":[{"kind":"conv","kernels":[{"name":"k","weights":[[%s]]}]}]}'
    with pytest.raises(EngineError, match="Stage 1, kernel 1, weights, row 1, column 1") as caught:
        parse_spec(body % text)
    assert caught.value.field == "stages[0].kernels[0].weights[0][0]"


def test_absurd_weights():
    error = _fails(_conv_spec(**_kernel([[1.0, 5000.0], [0.0, 1.0]])))
    assert error.field == "stages[0].kernels[0]"
    assert "5000" in str(error) and "1000" in str(error)
    assert error.limit == 1e3


def test_ragged_and_empty_kernels():
    assert "ragged" in str(_fails(_conv_spec(**_kernel([[1.0, 2.0], [3.0]]))))
    assert "ragged or empty" in str(_fails(_conv_spec(**_kernel([]))))
    assert "at least one kernel" in str(_fails(_conv_spec(kernels=[])))
    mixed = {
        "kernels": [{"name": "a", "weights": [[1.0]]}, {"name": "b", "weights": [[1, 2], [3, 4]]}]
    }
    assert "same size" in str(_fails(_conv_spec(**mixed)))


def test_non_numeric_kernels_and_unknown_names():
    assert "valid number" in str(_fails(_conv_spec(**_kernel([["a", 1.0]]))))
    error = _fails(_conv_spec(kernels="gaussian"))
    assert error.field == "stages[0].kernels" and "unknown kernel or bank 'gaussian'" in str(error)


def test_too_many_maps_and_too_large_kernels():
    many = {"kernels": ["identity"] * 65}
    error = _fails(_conv_spec(**many))
    assert "65 kernels, more than the limit of 64" in str(error) and error.limit == 64
    error = _fails(_conv_spec(size=(20, 20), **_kernel(np.zeros((16, 16)).tolist())))
    assert "16x16, larger than the limit of 15" in str(error) and error.limit == 15
    pool = {"input": {"size": [40, 40]}, "stages": [{"kind": "pool", "kernel_size": 16}]}
    assert "larger than the limit of 15" in str(_fails(pool))


def test_too_many_stages_and_repeats():
    spec = {"input": {"size": [4, 4]}, "stages": [{"kind": "relu"}] * 25}
    error = _fails(spec)
    assert error.field == "stages" and "more than 24 stages" in str(error)
    repeat = {
        "input": {"size": [4, 4]},
        "stages": [{"kind": "repeat", "times": 9, "stages": [{"kind": "relu"}]}],
    }
    assert "more than the limit of 8" in str(_fails(repeat))


def test_more_work_than_the_budget():
    spec = _conv_spec(size=(1000, 1000), kernels=["identity"] * 8)
    error = _fails(spec)
    assert "multiply-adds, more than the budget of 50,000,000" in str(error)
    assert error.limit == 50_000_000
    # The same pipeline fits a bigger budget.
    assert compile_pipeline(parse_spec(spec), Limits(max_macs=10**9)).macs == 8 * 9 * 998 * 998


def test_an_input_larger_than_the_limit():
    error = _fails(_conv_spec(size=(2000, 8)))
    assert error.field == "input.size" and "limit of 1024" in str(error)


@pytest.mark.parametrize(
    ("image", "words"),
    [
        (np.zeros((0, 9)), "empty"),
        (np.zeros((8, 9)), "expected shape (1, 9, 9)"),
        (np.full((9, 9), np.nan), "NaN or infinite"),
        (np.full((9, 9), np.inf), "NaN or infinite"),
    ],
)
def test_bad_images(image, words):
    with pytest.raises(EngineError, match="image") as info:
        run(get_preset("seed-xo").spec, image)
    assert words in str(info.value)


def test_stage_order_mistakes_name_the_stage():
    spec = {"input": {"size": [4, 4]}, "stages": [{"kind": "relu"}, {"kind": "softmax"}]}
    error = _fails(spec)
    assert error.field == "stages[1].kind" and "flatten" in str(error)
    spec = {"input": {"size": [4, 4]}, "stages": [{"kind": "flatten"}, {"kind": "pool"}]}
    assert "needs feature maps" in str(_fails(spec))
    dense = {
        "input": {"size": [2, 2]},
        "stages": [{"kind": "flatten"}, {"kind": "dense", "weights": [[1.0] * 3]}],
    }
    assert "need 4 values" in str(_fails(dense))


def test_no_nan_in_outputs_even_at_the_limits():
    spec = parse_spec(
        {
            "input": {"size": [16, 16]},
            "stages": [
                {
                    "kind": "conv",
                    "kernels": [{"name": "big", "weights": [[1000.0] * 15] * 15}],
                    "padding": 7,
                },
                {
                    "kind": "conv",
                    "kernels": [{"name": "big", "weights": [[1000.0] * 15] * 15}],
                    "padding": 7,
                },
                {"kind": "flatten"},
                {"kind": "softmax"},
            ],
        }
    )
    trace = run(spec, np.ones((16, 16)))
    for out in trace:
        assert np.isfinite(out.data).all(), out.name
    assert run(get_preset("seed-xo").spec, SLIDES_X).prediction is not None
