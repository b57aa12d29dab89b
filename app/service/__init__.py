"""One function per use case, shared by the HTML pages and the JSON API.

The web layer imports only this package (and the settings): the explorer, the view of a run it
returns, and the error types that web turns into 4xx answers.
"""

from ..engine import EngineError, PipelineSpec
from ..engine.explain import num, precise, sum_terms
from ..imaging import ImageError
from ..imaging.heatmap import COLOURS, DEFAULT_SCHEME, SCHEMES, Scheme
from .builder import ACTIVATIONS, INPUT_SIDES, KERNEL_NAMES, KERNEL_SIDES, kernel_grid
from .cells import CellView, Term, cell_key, parse_cell
from .cells import explain as explain_cell
from .compare import Comparison, compare
from .examples import EXAMPLES, Example
from .explorer import Explorer, Gone, NotFound, SavedDemo
from .lesson import (
    CHAPTERS,
    PIXELS_SPEC,
    Chapter,
    Place,
    chapter_data,
    chapter_number,
    letters_spec,
    slides_print,
)
from .pool import Busy, OverBudget
from .view import ColourScale, MapView, PredictionView, RunView, StageView

__all__ = [
    "ACTIVATIONS",
    "CHAPTERS",
    "COLOURS",
    "DEFAULT_SCHEME",
    "EXAMPLES",
    "INPUT_SIDES",
    "KERNEL_NAMES",
    "KERNEL_SIDES",
    "PIXELS_SPEC",
    "SCHEMES",
    "Busy",
    "CellView",
    "Chapter",
    "ColourScale",
    "Comparison",
    "EngineError",
    "Example",
    "Explorer",
    "Gone",
    "ImageError",
    "MapView",
    "NotFound",
    "OverBudget",
    "PipelineSpec",
    "Place",
    "PredictionView",
    "RunView",
    "SavedDemo",
    "Scheme",
    "StageView",
    "Term",
    "cell_key",
    "chapter_data",
    "chapter_number",
    "compare",
    "explain_cell",
    "kernel_grid",
    "letters_spec",
    "num",
    "parse_cell",
    "precise",
    "slides_print",
    "sum_terms",
]
