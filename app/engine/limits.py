"""How much work one pipeline may ask for. ``app.settings.Settings`` exposes each as a setting."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_maps_per_stage: int = 64
    """Feature maps (channels) one stage may produce."""
    max_kernel_size: int = 15
    """Largest kernel side, and largest pooling window side."""
    max_stages: int = 24
    """Stages after repeats are expanded (the input stage not counted)."""
    max_macs: int = 50_000_000
    """Multiply-adds one run may cost, summed over its stages."""
    max_input_side: int = 1024
    """Longest side of a normalised input."""
    max_abs_weight: float = 1e3
    """Largest magnitude of any kernel, dense or template weight."""
    max_repeat: int = 8
    """Most times a repeat block may run."""
