"""Watch it learn, the core (issue 24): the learner's network trains with the engine's own
passes, replays bit for bit from its drawings, settings and seed, and exported as a pipeline it
reads every drawing as training does."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import compile_pipeline
from app.learn import learned, made, net
from app.learn.trainer import Settings, Training, likeness, shifted, structure, turned

from .test_backward import numeric_grad

CHARS = "XOT"


@pytest.fixture(scope="module")
def drawn():
    return made.drawings(CHARS, 4, seed=1)


def test_the_gradients_are_the_chain_rule_of_the_forward(drawn):
    x, y = drawn
    shape = net.Shape(classes=3, filters=2)
    p64 = {k: v.astype(np.float64) for k, v in
           net.init_params(shape, np.random.default_rng(0)).items()}  # fmt: skip
    p64["conv.weight"] *= 10  # away from the small start, so every unit is active somewhere
    p64["conv.bias"] = np.array([0.05, -0.03])  # paper away from ReLU's kink at exactly 0
    x64 = x[:3].astype(np.float64)

    def loss() -> float:
        return float(net.gradients(p64, shape, net.forward(p64, shape, x64), y[:3])[0])

    _, grads = net.gradients(p64, shape, net.forward(p64, shape, x64), y[:3])
    for name in ("conv.weight", "conv.bias", "dense.weight", "dense.bias"):
        expected = numeric_grad(loss, p64[name])
        np.testing.assert_allclose(grads[name], expected, rtol=1e-3, atol=1e-4)


def test_a_training_replays_bit_for_bit_and_keeps_its_snapshots(drawn):
    x, y = drawn
    shape = net.Shape(classes=3)
    first = Training(x, y, shape, seed=5, settings=Settings(snapshot_every=10))
    first.advance(25)
    again = Training(x, y, shape, seed=5, settings=Settings(snapshot_every=10))
    again.advance(10)
    assert all(np.array_equal(again.params[k], first.snapshots[10].params[k]) for k in first.params)
    again.advance(15)
    assert all(np.array_equal(again.params[k], first.params[k]) for k in first.params)
    assert sorted(first.snapshots) == [0, 10, 20]
    other = Training(x, y, shape, seed=6)
    other.advance(25)
    assert not np.array_equal(other.params["conv.weight"], first.params["conv.weight"])


def test_a_rewound_training_goes_on_exactly_as_the_first_did(drawn):
    x, y = drawn
    shape = net.Shape(classes=3)
    first = Training(x[:-3], y[:-3], shape, seed=4, held_images=x[-3:], held_labels=y[-3:])
    first.advance(37)
    back = first.rewound(23)
    assert back.step == 20 and len(back.losses) == 20 and back.points[-1].step == 20
    back.advance(17)
    assert all(np.array_equal(back.params[k], first.params[k]) for k in first.params)
    assert back.losses == first.losses and back.points == first.points
    assert first.step == 37  # the copy went on, not the first
    assert [p.step for p in first.points][:3] == [0, 1, 2] and first.points[-1].step == 37
    assert all(p.held_out is not None for p in first.points)


def test_the_filters_learn_and_the_network_reads_other_hands(drawn):
    x, y = made.drawings(CHARS, 10, seed=2)
    test_x, test_y = made.drawings(CHARS, 3, seed=200, style="smooth")
    training = Training(x, y, net.Shape(classes=3), seed=2)
    start = training.params["conv.weight"].copy()
    assert structure(start) < 0.3  # noise at first
    training.advance(30)
    filters = training.params["conv.weight"]
    assert structure(filters) >= 0.5 and likeness(filters, start) <= 0.5
    assert training.accuracy(test_x, test_y) >= 0.9


@pytest.mark.parametrize(
    "shape", [net.Shape(classes=3), net.Shape(3, 4, 3), net.on_learned_features(3)],
    ids=["default", "four-3x3", "learned-features"],
)  # fmt: skip
def test_exported_it_reads_every_drawing_as_training_does(drawn, shape):
    x, y = drawn
    training = Training(x, y, shape, seed=3)
    training.advance(20)
    pipeline = compile_pipeline(net.to_spec(training.params, shape, list(CHARS)))
    logits = net.forward(training.params, shape, x).logits.astype(np.float64)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    for i, picture in enumerate(x):
        trace = pipeline.run(picture)
        assert trace.prediction is not None
        assert trace.prediction.label == CHARS[training.predict(x[i : i + 1])[0]]
        np.testing.assert_allclose(trace.stages[-1].data, probabilities[i], atol=1e-5)


def moved(picture: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``picture`` (1, H, W) moved down dy and right dx, paper (0) coming in at the edges."""
    out = np.zeros_like(picture)
    h, w = picture.shape[1:]
    out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = picture[
        :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def test_a_shift_moves_each_drawing_by_at_most_its_pixels(drawn):
    x, _ = drawn
    shifts = shifted(x, np.random.default_rng(0), 2)
    amounts = set()
    for before, after in zip(x, shifts, strict=True):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(moved(before, dy, dx), after)]  # fmt: skip
        assert found, "each drawing is itself moved by at most 2 pixels each way"
        amounts.add(found[0])
    assert len(amounts) > 1  # the amounts vary


def test_a_turn_keeps_the_ink_in_place_and_varies(drawn):
    x, _ = drawn
    rng = np.random.default_rng(1)
    assert turned(x, rng, 0) is x
    turns = turned(x, rng, 15)
    assert not np.array_equal(turns, x)
    for before, after in zip(x, turns, strict=True):  # a small turn about the centre
        assert abs(after.sum() - before.sum()) < 0.15 * before.sum()
        assert np.corrcoef(before.ravel(), after.ravel())[0, 1] > 0.3
    assert np.array_equal(
        turned(x, np.random.default_rng(1), 15)[:1], turned(x[:1], np.random.default_rng(1), 15)
    )


def test_on_learned_features_only_the_new_dense_layer_learns(drawn):
    x, y = drawn
    training = Training(x, y, net.on_learned_features(3), seed=1, settings=Settings(rotate=10))
    before = {k: v.copy() for k, v in training.params.items()}
    training.advance(15)
    for name in learned.FROZEN:
        assert np.array_equal(training.params[name], before[name]), name
    assert not np.array_equal(training.params["dense.weight"], before["dense.weight"])
    assert training.params["dense.weight"].shape == (3, learned.FLAT)
    again = Training(x, y, net.on_learned_features(3), seed=1, settings=Settings(rotate=10))
    again.advance(15)  # turning replays too
    assert all(np.array_equal(again.params[k], training.params[k]) for k in training.params)
    assert training.accuracy(x, y) == 1.0
