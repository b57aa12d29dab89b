"""Every setting and limit, in one typed object. Environment variables CONVLENS_<NAME> override."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .engine.limits import Limits


class Settings(BaseSettings, Limits):
    """The app's settings; the engine's limits (``Limits``) are inherited, declared there once."""

    model_config = SettingsConfigDict(env_prefix="CONVLENS_", extra="forbid", frozen=True)

    host: str = Field("127.0.0.1", description="Address `convlens serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `convlens serve` listens on.")
    data_dir: Path = Field(
        Path.home() / ".local" / "share" / "convlens",
        description="Where the SQLite database and other data live; created on first start.",
    )
    database_url: str | None = Field(
        None,
        description="A postgresql:// URL to keep everything in PostgreSQL, where running trainings "
        "are jobs for `convlens worker`; when unset, SQLite in the data directory, and the server "
        "trains by itself.",
    )
    public_url: str | None = Field(
        None,
        description="The site's address as others see it (e.g. https://convlens.example), for "
        "absolute links in previews; when unset, the address of each request.",
    )
    allowed_hosts: list[str] = Field(
        [],
        description="Host names requests may be addressed to (JSON list; * allows any); "
        "localhost, 127.0.0.1, [::1] and the public URL's host are always allowed. Others get 400.",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Addresses of proxies whose X-Forwarded-For and X-Forwarded-Proto are "
        "trusted (comma-separated, passed to uvicorn); none by default.",
    )
    run_ttl_days: float = Field(
        7.0, gt=0, description="Runs no demo shows are deleted when not viewed for this long."
    )
    max_store_bytes: int = Field(
        1_000_000_000,
        ge=1,
        description="When the stored runs' inputs pass this many bytes, the runs viewed longest "
        "ago (that no demo shows) are deleted until they fit (specs are kept while a run or demo "
        "uses them, and not counted). A limit too small to keep one run of each preset stops "
        "the server at start, saying so.",
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
    drawings_per_minute: int = Field(
        30,
        ge=0,
        description="Drawings one session may send to class boards a minute; 0 turns the "
        "limit off.",
    )
    sessions_per_address: int = Field(
        40,
        ge=1,
        description="A client with a session cookie is limited by its session; all the sessions "
        "of one address together by this many sessions' worth (a class behind one school "
        "address).",
    )
    secret_key: str | None = Field(
        None,
        description="The key session cookies are signed with; when unset, one is made and kept "
        "in the data directory (set it when several servers share a database).",
    )
    live_updates_per_minute: int = Field(
        900,
        ge=0,
        description="Live drawing's updates (a run each time the pen moves, up to 8 a second) "
        "one client may ask for a minute, counted apart from runs; 0 turns the limit off.",
    )
    saves_per_minute: int = Field(
        30, ge=0, description="Demos one client address may save a minute; 0 turns the limit off."
    )
    computes_per_minute: int = Field(
        600,
        ge=0,
        description="API reads that compute (a run's numbers, a cell's arithmetic) and "
        "comparisons one client address may ask for a minute; 0 turns the limit off.",
    )
    max_answer_values: int = Field(
        1_000_000,
        ge=1,
        description="Most numbers one API answer carries (a run's stages with values=true); past "
        "it the answer is refused with 413 and a note to ask for one stage at a time.",
    )

    cache_bytes: int = Field(
        256_000_000,
        ge=0,
        description="Bytes of computed runs and compiled pipelines one server process keeps "
        "between requests; the oldest go first.",
    )
    cpu_threads: int = Field(
        2, ge=1, description="Threads that decode, run and draw at once in each server process."
    )
    cpu_queue: int = Field(
        32,
        ge=0,
        description="Jobs that may wait for one of those threads; past that a request is "
        "answered 503 with Retry-After at once.",
    )
    max_training_steps: int = Field(2000, ge=1, description="Steps one training may run, in all.")
    max_running_trainings: int = Field(
        40,
        ge=1,
        description="Trainings that may run by themselves at once; past it Train is "
        "answered 503 with Retry-After.",
    )
    worker_trainings: int = Field(
        20,
        ge=1,
        description="Trainings one `convlens worker` moves on at once (PostgreSQL only); more "
        "wait in the queue for a free worker.",
    )
    max_drawings_per_class: int = Field(
        50, ge=3, description="Drawings one class of a training may have."
    )
    max_training_classes: int = Field(
        6, ge=2, le=10, description="Classes one training may have (at least 2)."
    )
    max_training_cpu_seconds: float = Field(
        120.0,
        gt=0,
        description="Seconds of CPU one training's steps may cost, in all; past it, it stops and "
        "a reset starts again.",
    )
    trainings_per_minute: int = Field(
        30,
        ge=0,
        description="Trainings one client address may make a minute (a class behind one school "
        "address makes one each); 0 turns the limit off.",
    )
    max_training_bytes: int = Field(
        200_000_000,
        ge=1,
        description="When the stored trainings' drawings pass this many bytes, the ones opened "
        "longest ago (not shared, not running) are deleted to make room; when none can go, a new "
        "training is answered 503 with Retry-After.",
    )
    body_seconds: float = Field(
        15.0,
        gt=0,
        description="Longest wait for the next piece of a request's body; an upload that stalls "
        "longer is answered 408 and its connection closed.",
    )
    request_seconds: float = Field(
        20.0,
        gt=0,
        description="Time one request's decoding, running and drawing may take before it is "
        "answered 503.",
    )

    @property
    def hosts(self) -> list[str]:
        """Every host name a request may name (see ``allowed_hosts``)."""
        found = ["localhost", "127.0.0.1", "[::1]", *self.allowed_hosts]
        if self.public_url:
            host = urlsplit(self.public_url).hostname
            if host:
                found.append(f"[{host}]" if ":" in host else host)
        return found

    @property
    def database_path(self) -> Path:
        return self.data_dir / "convlens.sqlite3"

    @property
    def trains_on_workers(self) -> bool:
        """Whether running trainings are jobs for `convlens worker` (with PostgreSQL), rather
        than moved on by the web server that streams them (with SQLite)."""
        return self.database_url is not None
