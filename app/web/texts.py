"""What each kind of stage does, in a sentence or two, for the stage panels."""

from __future__ import annotations

from ..engine import Trace
from ..engine.steps import ConvStep, PoolStep

STAGE_TEXT = {
    "input": "The picture as the network sees it: scaled to the pipeline's size, with ink as high "
    "values and paper as low ones.",
    "input_ink": "The drawing as the network sees it: cropped to the ink, its longer side scaled "
    "to 20 pixels and centred by its centre of mass in a 28x28 square, ink high and paper low. "
    "So a letter drawn small, large or off to one side reaches the network in the same place.",
    "conv": "Each kernel slides over the picture. At every position we line it up, multiply the "
    "pixels under it by its weights, add the products up and (if asked) divide by how many there "
    "are. Bright cells are where the picture looks like the kernel.",
    "relu": "ReLU keeps positive values and turns every negative one into 0, so only the places "
    "where a feature was found carry on.",
    "pool": "Pooling shrinks each map: a small window walks across it in steps and keeps only the "
    "largest value (or the average) it sees. The feature survives even if it moved a little.",
    "magnitude": "Combine the maps cell by cell into one: the square root of the sum of squares. "
    "With Sobel Gx and Gy this is how strong the edge is, whatever its direction.",
    "flatten": "The small maps are laid end to end as one list of numbers, map by map and row by "
    "row, ready for the final layers.",
    "dense": "Every output is a weighted sum of every input: each class has its own weights.",
    "softmax": "Softmax turns the scores into probabilities that add up to 1.",
    "vote": "Each class has a template. Its score is the average of the values at the positions "
    "where its template is strongest; the higher score wins.",
}


def _pad_words(step: ConvStep) -> str:
    top, bottom, left, right = step.layout.pads
    if not any(step.layout.pads):
        return "valid padding (no border: the map shrinks)"
    if step.in_shape[1:] == step.out_shape[1:]:
        return "same padding (a border of zeros keeps the size)"
    return f"{max(top, bottom, left, right)} pixels of zero padding"


def _conv_words(step: ConvStep) -> str:
    k, c, kh, kw = step.weight.shape
    lay = step.layout
    stride = f"stride {lay.sh}" if lay.sh == lay.sw else f"stride {lay.sh}x{lay.sw}"
    count = c * kh * kw
    divide = f"each sum divided by {count}, the number of pixels under the kernel"
    if not step.mean:
        divide = "sums not divided"
    return (
        f"Cross-correlation (each kernel laid on the picture as written, not flipped): "
        f"{k} kernel{'s' if k > 1 else ''} of {kh}x{kw}, {stride}, {_pad_words(step)}, {divide}."
    )


def _pool_words(step: PoolStep) -> str:
    g = step.geometry
    what = "largest value" if step.op == "max" else "average"
    return f"Keeps the {what} of each {g.kh}x{g.kw} window, moving {g.sh} cell(s) at a time."


def conventions(trace: Trace) -> dict[int, str]:
    """Stage index -> how that stage computes, stated plainly (conv and pool stages only)."""
    words: dict[int, str] = {}
    for index, step in enumerate(trace.pipeline.steps, start=1):
        if isinstance(step, ConvStep):
            words[index] = _conv_words(step)
        elif isinstance(step, PoolStep):
            words[index] = _pool_words(step)
    return words
