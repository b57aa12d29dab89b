"""The static files (styles, scripts, pictures): each page links them with a hash of their
content (``?v=``), so a browser may keep them for a year and still gets a changed file at once;
asked for without it, they are revalidated each time."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ..resources import resource_dir

STATIC = resource_dir("static")
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
"""For what never changes under its address (a versioned file, a run's picture)."""


class VersionedFiles(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers.update(IMMUTABLE if versioned else {"Cache-Control": "no-cache"})
        return response


def version(path: str) -> str:
    """A short hash of static file ``path``'s content (known again only when it changes)."""
    file = STATIC / path
    return _hashed(file, file.stat().st_mtime_ns)


@cache
def _hashed(file: Path, changed: int) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]
