"""The slides' X/O walkthrough, number by number, from tests/fixtures/seed_xo.json."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import explain, get_preset, run
from app.engine.banks import BANKS, KERNELS
from app.engine.presets import SLIDES_O, SLIDES_VOTE_INPUT, SLIDES_X
from app.engine.spec import FlattenStage, InputSpec, PipelineSpec

from .helpers import assert_close


@pytest.fixture(scope="module")
def trace():
    return run(get_preset("seed-xo").spec, SLIDES_X)


def test_the_preset_uses_the_slides_image_and_features(seed):
    assert_close(SLIDES_X[0], np.array(seed["image_x"], np.float32))
    names = BANKS["xo-features"]
    assert list(names) == seed["feature_order"]
    for name in names:
        assert_close(np.array(KERNELS[name]), seed["features"][name], dtype=None)


@pytest.mark.parametrize(
    ("stage", "key"),
    [
        ("conv1", "conv_sums"),
        ("relu1", "relu_sums"),
        ("pool1", "pool1_sums"),
        ("pool2", "pool2_sums"),
    ],
)
def test_every_table_matches_the_slides(trace, seed, stage, key):
    divisor = seed["conv_divisor"]
    assert_close(trace.stage(stage).data, np.array(seed[key], np.float32) / divisor)


def test_pooling_turns_7x7_into_4x4_with_partial_windows(trace):
    assert trace.stage("relu1").shape == (3, 7, 7)
    assert trace.stage("pool1").shape == (3, 4, 4)
    assert trace.stage("pool2").shape == (3, 2, 2)


def test_the_flattened_vector_has_12_values(trace, seed):
    assert_close(trace.stage("flatten").data, np.array(seed["flattened_sums"]) / 9)


def test_the_x_image_votes_x_and_the_o_image_votes_o(trace):
    assert trace.prediction.label == "X"
    assert trace.prediction.scores["X"] == pytest.approx(1.0)
    assert trace.prediction.scores["O"] == pytest.approx(5 / 9)
    o_trace = run(get_preset("seed-xo").spec, SLIDES_O)
    assert o_trace.prediction.label == "O"
    assert o_trace.prediction.scores["O"] > o_trace.prediction.scores["X"]


def _vote_only(seed):
    vote = get_preset("seed-xo").spec.stages[-1]
    assert vote.classes == ["X", "O"]
    assert vote.templates == [seed["vote"]["templates"]["X"], seed["vote"]["templates"]["O"]]
    spec = PipelineSpec(input=InputSpec(size=(1, 12)), stages=[FlattenStage(), vote])
    assert seed["vote"]["input_vector"] == SLIDES_VOTE_INPUT
    return run(spec, np.array(seed["vote"]["input_vector"], np.float32)[None, None])


def test_the_slides_vote_gives_x_091_and_o_051(seed):
    trace = _vote_only(seed)
    expected = seed["vote"]["expected_scores"]
    assert trace.prediction.label == seed["vote"]["expected_label"]
    assert trace.prediction.scores["X"] == pytest.approx(expected["X"], abs=1e-6)
    assert trace.prediction.scores["O"] == pytest.approx(expected["O"], abs=1e-6)


def test_the_vote_explanation_shows_the_sum_and_division(seed):
    trace = _vote_only(seed)
    x_vote = explain(trace, "vote", 0, 0, 0)
    assert x_vote.positions == (0, 3, 4, 9, 10)  # the slides' 1st, 4th, 5th, 10th and 11th
    assert x_vote.total == pytest.approx(4.56)
    assert x_vote.formula == "(0.90 + 0.87 + 0.96 + 0.89 + 0.94) / 5 = 4.56 / 5 = 0.912"
    o_vote = explain(trace, "vote", 0, 0, 1)
    assert o_vote.positions == (1, 2, 8, 11)
    assert o_vote.formula == "(0.65 + 0.45 + 0.44 + 0.53) / 4 = 2.07 / 4 = 0.5175"


def test_the_slides_convolution_cell_reads_as_on_the_slide(trace):
    # The slide's "(1 + 1 - 1 + 1 + 1 + 1 - 1 + 1 + 1)/9 = .55": the centre of the X, diagonal down.
    cell = explain(trace, "conv1", 0, 3, 3)
    assert cell.products.ravel().tolist() == [1, 1, -1, 1, 1, 1, -1, 1, 1]
    assert cell.total == 5 and cell.divisor == 9
    assert cell.formula == "(1 + 1 - 1 + 1 + 1 + 1 - 1 + 1 + 1) / 9 = 0.56"
    assert explain(trace, "conv1", 0, 1, 1).formula == "(1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1) / 9 = 1"


def test_sobel_kernels_are_the_slides(seed):
    assert_close(np.array(KERNELS["sobel_gx"]), seed["sobel"]["Gx"], dtype=None)
    assert_close(np.array(KERNELS["sobel_gy"]), seed["sobel"]["Gy"], dtype=None)
