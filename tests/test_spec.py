"""The pipeline spec: JSON round trip, canonical bytes, repeats."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.engine import PRESETS, compile_pipeline, parse_spec, run
from app.engine.banks import KERNELS


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_json(name):
    spec = PRESETS[name].spec
    again = parse_spec(spec.model_dump_json())
    assert again == spec
    assert again.canonical_json() == spec.canonical_json()
    assert parse_spec(spec.canonical_json()).canonical_json() == spec.canonical_json()


def test_equal_pipelines_written_differently_give_the_same_bytes():
    by_bank = {
        "input": {"size": [9, 9], "values": "ink_signed"},
        "stages": [{"kind": "conv", "kernels": "sobel"}, {"kind": "relu"}],
    }
    by_weights = {
        "version": 1,
        "stages": [
            {
                "mean": False,
                "kind": "conv",
                "kernels": [
                    {"weights": [list(r) for r in KERNELS["sobel_gx"]], "name": "sobel_gx"},
                    "sobel_gy",
                ],
                "padding": 0,
                "stride": 1,
            },
            {"kind": "relu", "name": None},
        ],
        "input": {"values": "ink_signed", "mode": "gray", "size": [9, 9]},
    }
    a, b = parse_spec(by_bank), parse_spec(json.dumps(by_weights, indent=2))
    assert a.canonical_json() == b.canonical_json()
    assert b" " not in a.canonical_json()
    assert json.loads(a.canonical_json())["stages"][0]["kernels"][1]["name"] == "sobel_gy"


def test_different_pipelines_give_different_bytes():
    base = {"input": {"size": [9, 9]}, "stages": [{"kind": "conv", "kernels": "sobel"}]}
    other = {
        "input": {"size": [9, 9]},
        "stages": [{"kind": "conv", "kernels": "sobel", "mean": True}],
    }
    assert parse_spec(base).canonical_json() != parse_spec(other).canonical_json()


def test_negative_zero_is_written_as_zero():
    spec = {
        "input": {"size": [3, 3]},
        "stages": [{"kind": "conv", "kernels": [{"name": "z", "weights": [[-0.0, 1.0]]}]}],
    }
    assert b"-0.0" not in parse_spec(spec).canonical_json()


def test_a_repeat_block_stacks_conv_relu_pool():
    spec = parse_spec(
        {
            "input": {"size": [28, 28], "values": "ink_unit"},
            "stages": [
                {
                    "kind": "repeat",
                    "times": 2,
                    "stages": [
                        {"kind": "conv", "kernels": "xo-features", "padding": "same", "mean": True},
                        {"kind": "relu"},
                        {"kind": "pool", "kernel_size": 2, "ceil_mode": True},
                    ],
                }
            ],
        }
    )
    pipeline = compile_pipeline(spec)
    names = [s.name for s in pipeline.steps]
    assert names == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"]
    assert [s.out_shape for s in pipeline.steps][-1] == (3, 7, 7)
    assert pipeline.steps[3].path == "stages[0].stages[0]"
    trace = run(spec, np.zeros((28, 28), np.float32))
    assert trace.stage("pool2").shape == (3, 7, 7)


def test_named_stages_in_a_repeat_are_numbered():
    spec = parse_spec(
        {
            "input": {"size": [8, 8]},
            "stages": [{"kind": "repeat", "times": 2, "stages": [{"kind": "relu", "name": "act"}]}],
        }
    )
    assert [s.name for s in compile_pipeline(spec).steps] == ["act.1", "act.2"]


def test_colour_input_splits_into_r_g_b():
    spec = parse_spec(
        {"input": {"mode": "rgb", "size": [4, 4]}, "stages": [{"kind": "conv", "kernels": "sobel"}]}
    )
    trace = run(spec, np.random.default_rng(0).random((3, 4, 4)))
    assert trace.stage(0).labels == ("R", "G", "B")
    # A 2-D kernel is applied to every channel: the same as summing the per-channel results.
    per_channel = [
        run(
            parse_spec(
                {"input": {"size": [4, 4]}, "stages": [{"kind": "conv", "kernels": "sobel"}]}
            ),
            trace.stage(0).data[c : c + 1],
        )
        for c in range(3)
    ]
    summed = sum(t.stage("conv1").data for t in per_channel)
    np.testing.assert_allclose(trace.stage("conv1").data, summed, rtol=1e-5, atol=1e-5)
