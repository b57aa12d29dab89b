"""Pure-NumPy CNN engine: ops, filter banks, pipeline specs, runs and explanations.

Imports only NumPy, pydantic (for the spec) and the standard library: nothing of the web,
imaging or storage layers.
"""

from .errors import EngineError
from .explain import Explanation, explain
from .limits import Limits
from .pipeline import Pipeline, compile_pipeline, run
from .presets import PRESETS, Preset, get_preset
from .spec import PipelineSpec, parse_spec
from .trace import Prediction, StageOutput, Trace

__all__ = [
    "PRESETS",
    "EngineError",
    "Explanation",
    "Limits",
    "Pipeline",
    "PipelineSpec",
    "Prediction",
    "Preset",
    "StageOutput",
    "Trace",
    "compile_pipeline",
    "explain",
    "get_preset",
    "parse_spec",
    "run",
]
