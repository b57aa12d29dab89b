"""How much work one pipeline may ask for: each limit declared once, here.

``app.settings.Settings`` inherits these fields, so each is also a setting (CONVLENS_MAX_MACS...)
with the same default, bound and description, and a Settings object is itself a ``Limits``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_maps_per_stage: int = Field(64, ge=1, description="Feature maps one stage may produce.")
    max_kernel_size: int = Field(15, ge=1, description="Largest kernel or pooling window side.")
    max_stages: int = Field(24, ge=1, description="Stages in a pipeline, repeats unrolled.")
    max_macs: int = Field(50_000_000, ge=1, description="Multiply-adds one run may cost.")
    max_input_side: int = Field(1024, ge=1, description="Longest side of a normalised input.")
    max_abs_weight: float = Field(1e3, gt=0, description="Largest magnitude of any weight.")
    max_repeat: int = Field(8, ge=1, description="Most times a repeat block may run.")

    def limits(self) -> Limits:
        """Only the limits (a Settings object drops everything else)."""
        return Limits(**{name: getattr(self, name) for name in Limits.model_fields})
