"""Every setting and limit, in one typed object. Environment variables CONVLENS_<NAME> override."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .engine.limits import Limits

_DEFAULT_LIMITS = Limits()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVLENS_", extra="forbid", frozen=True)

    host: str = Field("127.0.0.1", description="Address `convlens serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `convlens serve` listens on.")
    data_dir: Path = Field(
        Path.home() / ".local" / "share" / "convlens",
        description="Where the SQLite database and other data live; created on first start.",
    )
    database_url: str | None = Field(
        None,
        description="A postgresql:// URL to keep runs and demos in PostgreSQL; when unset, SQLite "
        "in the data directory.",
    )
    public_url: str | None = Field(
        None,
        description="The site's address as others see it (e.g. https://convlens.example), for "
        "absolute links in previews; when unset, the address of each request.",
    )
    max_upload_bytes: int = Field(
        10_000_000, ge=1, description="Largest request body accepted, in bytes."
    )
    max_image_pixels: int = Field(
        40_000_000, ge=1, description="Largest decoded image, in pixels (width x height)."
    )
    runs_per_minute: int = Field(
        120, ge=0, description="Runs one client address may start a minute; 0 turns the limit off."
    )
    saves_per_minute: int = Field(
        30, ge=0, description="Demos one client address may save a minute; 0 turns the limit off."
    )
    max_maps_per_stage: int = Field(
        _DEFAULT_LIMITS.max_maps_per_stage, ge=1, description="Feature maps one stage may produce."
    )
    max_kernel_size: int = Field(
        _DEFAULT_LIMITS.max_kernel_size, ge=1, description="Largest kernel or pooling window side."
    )
    max_stages: int = Field(
        _DEFAULT_LIMITS.max_stages, ge=1, description="Stages in a pipeline, repeats unrolled."
    )
    max_macs: int = Field(
        _DEFAULT_LIMITS.max_macs, ge=1, description="Multiply-adds one run may cost."
    )
    max_input_side: int = Field(
        _DEFAULT_LIMITS.max_input_side, ge=1, description="Longest side of a normalised input."
    )
    max_abs_weight: float = Field(
        _DEFAULT_LIMITS.max_abs_weight, gt=0, description="Largest magnitude of any weight."
    )
    max_repeat: int = Field(
        _DEFAULT_LIMITS.max_repeat, ge=1, description="Most times a repeat block may run."
    )

    @property
    def database_path(self) -> Path:
        return self.data_dir / "convlens.sqlite3"

    def limits(self) -> Limits:
        """The engine's limits, as set here."""
        return Limits(
            max_maps_per_stage=self.max_maps_per_stage,
            max_kernel_size=self.max_kernel_size,
            max_stages=self.max_stages,
            max_macs=self.max_macs,
            max_input_side=self.max_input_side,
            max_abs_weight=self.max_abs_weight,
            max_repeat=self.max_repeat,
        )
