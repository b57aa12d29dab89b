"""Pure-NumPy CNN engine: ops, filter banks, pipeline specs, runs and explanations.

Imports only NumPy, pydantic (the spec and the limits are pydantic models, so they validate and
round-trip through JSON) and the standard library: nothing of the web, imaging or storage layers.
Every kind of stage is listed once, in ``kinds.KINDS``.
"""

from .cell import explain, receptive_field
from .errors import EngineError
from .explanations import Explanation
from .kinds import KINDS, StageKind, register, unregister
from .limits import Limits
from .pipeline import Pipeline, compile_pipeline, run
from .presets import PRESETS, Preset, get_preset
from .spec import PipelineSpec, parse_spec
from .trace import Prediction, StageOutput, Trace

__all__ = [
    "KINDS",
    "PRESETS",
    "EngineError",
    "Explanation",
    "Limits",
    "Pipeline",
    "PipelineSpec",
    "Prediction",
    "Preset",
    "StageKind",
    "StageOutput",
    "Trace",
    "compile_pipeline",
    "explain",
    "get_preset",
    "parse_spec",
    "receptive_field",
    "register",
    "run",
    "unregister",
]
