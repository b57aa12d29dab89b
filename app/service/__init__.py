"""The use cases the HTML pages and the JSON API share, one room each: ``runs`` (run a picture,
find a run), ``demos`` (save, open, feature, delete), ``pictures`` (heatmaps, kernels, the
card), ``kept`` (answers built once), ``rates`` (limits), ``retention`` (which runs are stored),
``lesson`` (the chapters), ``compare``; wired together in ``container.Service``.

The web layer imports only this package (and the settings): what it needs is named here.
"""

from ..engine import EngineError, PipelineSpec
from ..engine.explanations import num, nums, precise, sum_terms
from ..imaging import ImageError
from ..imaging.heatmap import COLOURS, DEFAULT_SCHEME, SCHEMES, ColourScale, Scheme
from ..store import TrainingRecord
from .boards import BoardView, Closed, NotAllowed
from .builder import (
    ACTIVATIONS,
    INPUT_SIDES,
    KERNEL_NAMES,
    KERNEL_SIDES,
    SLIDES,
    form_fields,
    kernel_grid,
    spec_from_fields,
)
from .catalog import all_presets, drawing_presets, resolve_spec
from .cells import CellView, cell_key, cut_note, parse_cell
from .cells import explain as explain_cell
from .comparison import Comparison, compare
from .container import Service
from .demos import DemoView, SavedDemo
from .examples import EXAMPLES, Example
from .lesson import (
    CHAPTERS,
    UPLOADS,
    Chapter,
    Place,
    chapter_number,
    letters_spec,
    question,
    slides_print,
)
from .pool import Busy, OverBudget
from .prediction import PredictionView
from .retention import Gone, NotFound
from .run_view import MapView, RunView, StageView
from .trainings import TrainingView

__all__ = [
    "ACTIVATIONS",
    "CHAPTERS",
    "COLOURS",
    "DEFAULT_SCHEME",
    "EXAMPLES",
    "INPUT_SIDES",
    "KERNEL_NAMES",
    "KERNEL_SIDES",
    "SCHEMES",
    "SLIDES",
    "UPLOADS",
    "BoardView",
    "Busy",
    "CellView",
    "Chapter",
    "Closed",
    "ColourScale",
    "Comparison",
    "DemoView",
    "EngineError",
    "Example",
    "Gone",
    "ImageError",
    "MapView",
    "NotAllowed",
    "NotFound",
    "OverBudget",
    "PipelineSpec",
    "Place",
    "PredictionView",
    "RunView",
    "SavedDemo",
    "Scheme",
    "Service",
    "StageView",
    "TrainingRecord",
    "TrainingView",
    "all_presets",
    "cell_key",
    "chapter_number",
    "compare",
    "cut_note",
    "drawing_presets",
    "explain_cell",
    "form_fields",
    "kernel_grid",
    "letters_spec",
    "num",
    "nums",
    "parse_cell",
    "precise",
    "question",
    "resolve_spec",
    "slides_print",
    "spec_from_fields",
    "sum_terms",
]
