"""What each kind of stage does, in a sentence or two, for the stage panels."""

from __future__ import annotations

STAGE_TEXT = {
    "input": "The picture as the network sees it: scaled to the pipeline's size, with ink as high "
    "values and paper as low ones.",
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
