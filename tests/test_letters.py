"""The learned letters network: its data, its preprocessing, a short training run, its model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.engine import run
from app.imaging import ImageError
from app.imaging.normalise import fit_ink
from app.letters import data
from app.letters import train as train_module
from app.letters.model import FLAT, PART, forward, gradients, init_params, train_step
from app.letters.strokes import GLYPHS
from app.letters.train import TrainConfig, build, dropout_mask, jitter, save, train
from app.letters.weights import load, to_spec


def test_every_class_has_strokes_and_the_labels_are_exact():
    assert tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + tuple("0123456789") == data.CLASSES
    assert set(GLYPHS) == set(data.CLASSES)


def test_held_out_fonts_and_styles_are_never_used_for_training():
    train_recipe = data.training_recipe(0, 1)
    assert not set(data.HELD_OUT_FONTS) & set(train_recipe.fonts)
    assert not set(data.HELD_OUT_STYLES) & set(train_recipe.styles)
    held = data.held_out_recipes(0, 1)
    assert any(set(r.fonts) <= set(data.HELD_OUT_FONTS) and r.fonts for r in held.values())
    assert {r.seed for r in held.values()}.isdisjoint({train_recipe.seed})


@pytest.mark.slow
def test_the_data_is_the_same_for_a_seed_and_any_worker_count(monkeypatch):
    monkeypatch.setattr(train_module, "CHUNK", 3)  # several chunks, so the workers share them
    recipe = data.training_recipe(7, 6)
    x1, y1 = build(recipe, workers=1)
    x2, y2 = build(recipe, workers=2)
    assert x1.tobytes() == x2.tobytes() and (y1 == y2).all()
    x3, _ = build(data.training_recipe(8, 6), workers=1)
    assert x3.tobytes() != x1.tobytes()
    assert x1.shape == (6 * 36, 1, 28, 28) and x1.dtype == np.float32
    assert x1.min() >= 0.0 and x1.max() <= 1.0
    assert np.bincount(y1).tolist() == [6] * 36


def test_fit_ink_centres_the_ink_and_scales_its_longer_side_to_20():
    ink = np.zeros((1, 200, 300), np.float32)
    ink[0, 150:190, 10:70] = 1.0  # a 40x60 block in the bottom-left corner
    out = fit_ink(ink, (28, 28))[0]
    rows, cols = np.nonzero(out > 0.5)
    assert cols.max() - cols.min() + 1 == 20  # the longer side
    assert 12 <= rows.max() - rows.min() + 1 <= 14  # 40 * 20 / 60, aspect kept
    mass = out / out.sum()
    cy, cx = (mass.sum(axis=1) * np.arange(28)).sum(), (mass.sum(axis=0) * np.arange(28)).sum()
    assert abs(cy - 13.5) <= 0.51 and abs(cx - 13.5) <= 0.51  # whole pixels: within a half
    with pytest.raises(ImageError, match="no ink"):
        fit_ink(np.zeros((1, 50, 50), np.float32), (28, 28))


@pytest.mark.slow
def test_a_short_training_run_lowers_the_loss_and_writes_its_files(tmp_path):
    config = TrainConfig(
        seed=3, epochs=1, per_class=10, test_per_class=2, batch=16, workers=1, real_copies=1
    )
    result = train(config, progress=False, log=lambda _: None)
    first, last = np.mean(result.losses[:4]), np.mean(result.losses[-4:])
    assert last < first, (first, last)
    weights, card_path = save(result, config, tmp_path)
    assert weights.stat().st_size < 500_000
    card = json.loads(card_path.read_text())
    assert card["classes"] == list(data.CLASSES) and card["training"]["seed"] == 3
    assert set(card["held_out_accuracy"]) >= {"all", "real digits, 36 classes"}
    sources = card["data"]["sources"]
    assert abs(sum(s["share"] for s in sources) - 1) < 1e-3
    assert any("MNIST" in s["name"] and s["licence"] == "CC BY-SA 3.0" for s in sources)
    params = load(tmp_path)
    assert params is not None
    assert all((params[k] == result.params[k]).all() for k in result.params)


def test_the_served_pipeline_computes_what_training_computed():
    params = init_params(np.random.default_rng(1))
    x, _ = build(data.training_recipe(1, 1))
    logits = forward(params, x[:5]).logits
    spec = to_spec(params)
    assert spec.input.fit == "ink" and spec.input.size == (28, 28)
    for i in range(5):
        trace = run(spec, x[i])
        dense = trace.stages[-2].data  # the dense scores, before softmax
        np.testing.assert_allclose(dense, logits[i], rtol=1e-4, atol=1e-5)
        assert trace.prediction is not None
        assert trace.prediction.label == data.CLASSES[int(np.argmax(logits[i]))]
        assert list(trace.prediction.scores) == list(data.CLASSES)


def test_dropout_is_the_network_with_those_dense_inputs_cut_off():
    """The same mask on every picture of a batch is the network whose dense weights for the
    dropped inputs are zero and the rest scaled: same scores, and by the chain rule the same
    gradients (the dense ones times the mask)."""
    rng = np.random.default_rng(4)
    params = init_params(rng)
    x, y = build(data.training_recipe(2, 1))
    row = dropout_mask(rng, 1, 0.3)
    assert row is not None and {0.0, np.float32(1 / 0.7)} == set(np.unique(row).tolist())
    assert 0.2 < (row == 0).mean() < 0.4
    keep = np.repeat(row, len(x), axis=0)
    cut = dict(params, **{"dense.weight": params["dense.weight"] * row})
    dropped, plain = forward(params, x, keep), forward(cut, x)
    np.testing.assert_allclose(dropped.logits, plain.logits, rtol=1e-5, atol=1e-5)
    loss, grads = gradients(params, dropped, y)
    cut_loss, cut_grads = gradients(cut, plain, y)
    assert loss == pytest.approx(cut_loss, rel=1e-5)
    np.testing.assert_allclose(grads["dense.weight"], cut_grads["dense.weight"] * row, atol=1e-6)
    for name in ("conv1.weight", "conv2.weight", "conv2.bias"):
        np.testing.assert_allclose(grads[name], cut_grads[name], rtol=1e-4, atol=1e-6)
    assert (grads["dense.weight"][:, row[0] == 0] == 0).all()
    assert dropout_mask(rng, 3, 0.0) is None and params["dense.weight"].shape[1] == FLAT


def test_a_step_in_parts_is_the_step_over_the_whole_batch():
    """``train_step`` splits a batch bigger than PART into parts and adds their gradients by
    share: the loss, the gradients and the logits of one pass over the whole batch."""
    rng = np.random.default_rng(5)
    params = init_params(rng)
    x, y = build(data.training_recipe(2, 2))
    assert len(x) > 2 * PART and len(x) % PART  # three parts, the last one short
    keep = dropout_mask(rng, len(x), 0.3)
    whole = forward(params, x, keep)
    loss, grads = gradients(params, whole, y)
    parts = train_step(params, x, y, keep)
    assert parts.loss == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(parts.logits, whole.logits, rtol=1e-5, atol=1e-6)
    assert parts.grads.keys() == grads.keys()
    for name, grad in grads.items():
        assert parts.grads[name].dtype == np.float32
        np.testing.assert_allclose(parts.grads[name], grad, rtol=1e-4, atol=1e-6, err_msg=name)


def test_jitter_moves_each_picture_by_at_most_its_pixels():
    x, _ = build(data.training_recipe(3, 2))
    moved = jitter(x, np.random.default_rng(0), 1)
    assert moved.shape == x.shape and moved.dtype == x.dtype
    offsets = set()
    for before, after in zip(x[:, 0], moved[:, 0], strict=True):
        padded = np.pad(before, 1)
        found = [(dy, dx) for dy in range(3) for dx in range(3)
                 if np.array_equal(padded[dy : dy + 28, dx : dx + 28], after)]  # fmt: skip
        assert found, "not a shift of at most one pixel"
        offsets.add(found[0])
    assert len(offsets) >= 5  # the shifts differ from picture to picture
    assert jitter(x, np.random.default_rng(0), 0) is x


@pytest.mark.slow
def test_train_and_evaluate_commands(tmp_path, capsys):
    out = tmp_path / "model"
    args = ["--epochs", "1", "--per-class", "4", "--test-per-class", "2", "--workers", "1",
            "--real-copies", "1"]  # fmt: skip
    assert main(["train", *args, "--out", str(out)]) == 0
    assert (out / "letters.npz").exists() and (out / "letters.json").exists()
    picture = tmp_path / "confusion.png"
    code = main(["evaluate", "--model", str(out), "--per-class", "2", "--confusion", str(picture)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "held-out accuracy" in printed and "  A " in printed and "all " in printed
    assert "real held-out digits, digits (10 classes):" in printed
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert main(["evaluate", "--model", str(tmp_path / "none")]) == 2


def test_the_test_set_up_installs_every_font_package_the_data_needs():
    script = (Path(__file__).parent.parent / "tools" / "install-test-deps").read_text()
    assert set(data.FONT_PACKAGES.split()) <= set(re.findall(r"fonts-[a-z0-9-]+", script))
