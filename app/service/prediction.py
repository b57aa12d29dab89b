"""The verdict of a run that ends in class scores: the top classes, and why they came out so."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Trace
from ..engine.explanations import precise
from ..engine.presets import SLIDES_VOTE_INPUT, get_preset
from ..engine.slides import slides_vote
from ..engine.steps import DenseStep, SoftmaxStep
from ..letters import weights as letters

TOP_CLASSES = 5


@dataclass(frozen=True)
class Ranked:
    label: str
    score: float
    cell: str
    """The cell whose explanation says how this score was made."""


@dataclass(frozen=True)
class PredictionView:
    label: str
    kind: str
    """The final stage's kind: 'vote' (the slides' averages) or 'softmax' (probabilities)."""
    classes: int
    ranked: tuple[Ranked, ...]
    """The top classes, best first."""
    slides: tuple[tuple[tuple[str, str], ...], dict[str, float]] | None
    """For a pipeline that votes like the slides: the slides' own vector's (label, formula)
    lines and scores (X 0.912, O 0.5175)."""
    slides_vector: tuple[float, ...]
    why: tuple[str, ...] = ()
    """Sentences that say why the scores are what they are, when there is something to say."""
    outside: str | None = None
    """For the letters network scoring only digits or only capitals: the class the whole
    network reads the picture as, when it is none of these (the scores are then only which of
    them it is least unlike, not certainty)."""

    def shown(self, score: float) -> str:
        """A score as the page prints it: a probability under 0.01 reads '<0.01', not 0."""
        return "<0.01" if self.kind == "softmax" and score < 0.01 else precise(score)


CLOSE = 0.1
"""Two best scores nearer than this make a close call worth a sentence."""
LOOKALIKES = frozenset(frozenset(pair) for pair in ("0O", "1I", "2Z", "5S", "8B", "6G", "9Q", "1L"))
"""A digit and a capital that handwriting can make the same shape."""


def why_sentences(
    kind: str, ranked: tuple[Ranked, ...], slides: bool, drawn: bool = True
) -> tuple[str, ...]:
    """Why the verdict came out as it did, in a sentence each (only what applies); ``drawn``:
    the input looks like a black-and-white drawing, not a photo."""
    said = []
    if slides and not drawn:
        said.append(
            "This vote only knows X and O, so every picture comes out as one of the two. This one "
            "is not a black-and-white drawing like the slides' (a photo, say): read the verdict "
            "as which of the two it is less unlike. Edges (Sobel) shows what is in a photo."
        )
    if slides:
        said.append(
            "The slides' 0.91 and 0.51 are worked out from an example vector the slides print "
            "(below), not from this picture's pooled maps, so these numbers need not match them."
        )
    pair = frozenset(r.label for r in ranked[:2])
    if kind == "softmax" and pair in LOOKALIKES:
        first, second = ranked[0].label, ranked[1].label
        said.append(
            f"{first} and {second} look alike: written by hand they can be the very same shape, "
            "so the network gives both a share. If you meant a digit, choose Digits (learned) "
            "under What are you drawing; for a letter, Capitals (learned)."
        )
    elif len(ranked) > 1 and ranked[0].score - ranked[1].score < CLOSE:
        first, second = ranked[0].label, ranked[1].label
        if kind == "vote" and drawn:  # a photo: the sentence above says what to use instead
            said.append(
                f"A close vote between {first} and {second}: the features are hand-made, upright "
                "diagonals and a centre cross, and a turned or unusual picture lines up with them "
                "poorly. The learned Letters and digits network was trained on turned, shifted and "
                "varied strokes and is not fooled as easily: try it on the same picture."
            )
        elif kind != "vote":
            said.append(
                f"A close call between {first} and {second}: the network finds this picture "
                "almost as much like one as the other."
            )
    return tuple(said)


def drawn(trace: Trace) -> bool:
    """Whether the input is mostly ink 1 and paper -1, as the slides' drawings are (not a photo)."""
    x = trace.stages[0].data
    return bool(np.mean(np.abs(np.abs(x) - 1) > 0.25) < 0.5)


def outside_classes(trace: Trace) -> str | None:
    """When the run is the letters network scoring some of its classes (Digits, Capitals), and
    the whole network's best class for the picture is another: that class."""
    last = len(trace) - 1
    full = letters.trained()
    if full is None or last < 2 or not isinstance(dense := trace.step(last - 1), DenseStep):
        return None
    labels = list(trace.stages[last].labels)
    if len(labels) >= len(letters.CLASSES) or not set(labels) <= set(letters.CLASSES):
        return None
    rows = [letters.CLASSES.index(c) for c in labels]
    if not np.array_equal(dense.weight, full["dense.weight"][rows]):
        return None  # another network with these labels
    features = trace.stages[last - 2].data.ravel()
    best = letters.CLASSES[int(np.argmax(full["dense.weight"] @ features + full["dense.bias"]))]
    return None if best in labels else best


def outside_sentence(best: str) -> str:
    """Why a Digits or Capitals verdict is not a certainty, when the picture is another class."""
    kind, other = ("digit", "letter") if best.isalpha() else ("capital", "digit")
    return (
        f"This looks more like the {other} {best} than any {kind}: this network may only answer "
        f"with a {kind}, so its scores say which {kind} the picture is least unlike, not that it "
        f"is one. Choose Letters and digits (learned) to read it as any of the 36."
    )


def class_cell(trace: Trace, i: int) -> str:
    """The cell to select for class ``i`` of the prediction: its dense score when a softmax turns
    scores into probabilities (that is where the arithmetic is), else the final stage itself."""
    last = len(trace) - 1
    if (
        last >= 2
        and isinstance(trace.step(last), SoftmaxStep)
        and isinstance(trace.step(last - 1), DenseStep)
    ):
        return f"{last - 1}.0.0.{i}"
    return f"{last}.0.0.{i}"


def prediction_view(trace: Trace) -> PredictionView | None:
    """The run's verdict, or None when its last stage is not labelled scores."""
    if trace.prediction is None:
        return None
    scores = list(trace.prediction.scores.items())
    order = sorted(range(len(scores)), key=lambda i: -scores[i][1])[:TOP_CLASSES]
    ranked = tuple(Ranked(scores[i][0], scores[i][1], class_cell(trace, i)) for i in order)
    slides = None
    if trace.pipeline.spec.stages[-1] == get_preset("seed-xo").spec.stages[-1]:
        formulas, prediction = slides_vote()
        slides = (formulas, prediction.scores)
    kind = trace.stages[-1].kind
    why = why_sentences(kind, ranked, slides is not None, slides is None or drawn(trace))
    outside = outside_classes(trace) if kind == "softmax" else None
    if outside is not None:
        why = (outside_sentence(outside), *why)
    return PredictionView(
        trace.prediction.label, kind, len(scores), ranked, slides, tuple(SLIDES_VOTE_INPUT),
        why, outside,
    )  # fmt: skip
