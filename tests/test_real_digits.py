"""Real handwriting: the held-out real digits, the digits and capitals presets, look-alikes."""

from __future__ import annotations

import numpy as np

from app.engine import run
from app.letters import real
from app.letters.weights import CLASSES
from app.service.catalog import find_preset
from app.service.prediction import Ranked, why_sentences


def test_the_real_held_out_digits_are_fixed_and_never_trained_on():
    x, y = real.held_out()
    assert x.shape == (1000, 1, 28, 28) and x.dtype == np.float32
    assert np.bincount(y - real.FIRST_DIGIT).tolist() == [100] * 10
    train_x, train_y = real.training_digits()
    assert len(train_y) == real.TRAINING_COUNT == 4000
    assert np.bincount(train_y - real.FIRST_DIGIT).tolist() == [400] * 10
    images, _ = real._all()
    mask = real._held_out_mask()
    # the split is by row: no row is in both, and the held-out rows are the same on every call
    assert mask.sum() == 1000 and (images[~mask] == train_x).all()
    assert (real._held_out_mask() == mask).all()
    # the held-out pictures are fitted as the server fits a drawing: longer ink side 20 pixels
    rows, cols = np.nonzero(x[0, 0] > 0.2)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)


def test_a_training_variant_of_a_real_digit_is_made_for_a_seed():
    images, _ = real.training_digits()
    first = real.variant(images[0], np.random.default_rng(4), 0)
    bent = real.variant(images[0], np.random.default_rng(4), 1)
    again = real.variant(images[0], np.random.default_rng(4), 1)
    assert first.shape == bent.shape == (28, 28)
    assert (bent == again).all() and not (bent == first).all()


def test_the_digits_and_capitals_presets_share_the_letters_weights():
    letters, digits, capitals = (find_preset(n).spec for n in ("letters", "digits", "capitals"))
    assert digits.stages[-2].classes == list("0123456789")
    assert capitals.stages[-2].classes == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert digits.stages[0] == letters.stages[0] == capitals.stages[0]  # the same filters
    rows = [CLASSES.index(c) for c in "0123456789"]
    assert np.array_equal(
        np.array(digits.stages[-2].weights), np.array(letters.stages[-2].weights)[rows]
    )
    # a ring: the letters preset may call it O or 0, the digits preset only a digit,
    # with the same ranking of the digits and probabilities over the ten alone
    yy, xx = np.mgrid[0:28, 0:28]
    ring = (np.abs(np.hypot((yy - 13.5) / 1.4, xx - 13.5) - 6.5) < 1.5).astype(np.float32)[None]
    wide, narrow = run(letters, ring), run(digits, ring)
    assert narrow.prediction is not None and narrow.prediction.label == "0"
    assert abs(float(narrow.stages[-1].data.sum()) - 1.0) < 1e-5
    wide_digits = [wide.stages[-2].data[i] for i in rows]
    np.testing.assert_allclose(narrow.stages[-2].data, wide_digits, rtol=1e-5)


def test_a_look_alike_pair_on_top_is_said_in_a_sentence():
    def ranked(*labels: str) -> tuple[Ranked, ...]:
        return tuple(Ranked(label, 0.6 - i * 0.3, "") for i, label in enumerate(labels))

    said = " ".join(why_sentences("softmax", ranked("O", "0", "Q"), False))
    assert "O and 0 look alike" in said and "Digits (learned)" in said
    said = " ".join(why_sentences("softmax", ranked("1", "I"), False))
    assert "1 and I look alike" in said
    assert not why_sentences("softmax", ranked("A", "H"), False)  # not alike, not close
    assert "look alike" not in " ".join(why_sentences("vote", ranked("O", "0"), False))
