"""What the stores keep, and how an input is written down compactly and read back bit for bit."""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from ..imaging.normalise import Box

RAW = "f4"
"""A codec: the float32 values as they are (databases from before version 5)."""
PACKED = "zf4"
"""A codec: the float32 values' bytes grouped by significance (all first bytes, then all second
bytes, ...) and deflated. Pictures are smooth, so each group repeats itself; lossless."""


@dataclass(frozen=True)
class RunRecord:
    id: str
    spec: bytes
    """The canonical spec JSON."""
    input: npt.NDArray[np.float32]
    """The normalised input, (C, H, W)."""
    content: Box | None = None
    """Where the picture lies in the input when the rest was filled in (``imaging.Fitted``)."""
    public: bool = False
    """Made from one of the app's own examples: anyone may know its id, so deleting a demo never
    deletes it (it still expires like any run)."""


@dataclass(frozen=True)
class DemoRecord:
    id: str
    spec: bytes
    input: npt.NDArray[np.float32]
    title: str
    description: str
    created_at: str = ""
    content: Box | None = None
    """Where the picture lies in the input (``RunRecord.content``)."""
    run_id: str = ""
    """The run the demo shows (``run_address`` of its spec, input and content)."""


@dataclass(frozen=True)
class TrainingRecord:
    """A training as stored: its drawings, labels, settings and seed, from which any step is
    rebuilt by replay (training is deterministic), and how far it has gone."""

    id: str
    classes: list[str]
    drawings: npt.NDArray[np.float32]
    """(N, 28, 28) fitted ink."""
    labels: list[int]
    """Each drawing's class, an index into ``classes``."""
    settings: str
    """The settings as JSON."""
    seed: int
    step: int = 0
    changes: list[tuple[int, str]] = field(default_factory=list)
    """Settings changed on the way: (the step after which they apply, the settings as JSON)."""
    running: bool = False
    speed: int = 10
    """Steps a second while running; 0 is as fast as it goes."""
    ticked: float = 0.0
    """When (clock seconds) it was last moved on while running."""
    stopped: str = ""
    """Why it stopped by itself, if it did."""
    since: int = 0
    """The step it was at when Train was last pressed (the stopping rules look at the steps
    after it, so Train after a stop goes on)."""
    cpu: float = 0.0
    """Seconds of CPU its steps have cost so far."""
    shared: bool = False
    """Shared (its card and embed handed out): kept however long no one opens it."""


def run_address(spec: bytes, x: npt.NDArray[np.float32], content: Box | None = None) -> str:
    """A run's id: a hash of the canonical spec, the normalised input's bytes and where the
    picture lies in it (when the rest was filled in); 160 bits in base 32."""
    digest = _spec_hashed(spec).copy()  # the spec's part, hashed once per spec
    digest.update(repr(x.shape).encode())
    digest.update(np.ascontiguousarray(x, dtype="<f4").tobytes())
    if content is not None:
        digest.update(repr(content).encode())
    return base64.b32encode(digest.digest()[:20]).decode().lower()


@lru_cache(maxsize=64)
def _spec_hashed(spec: bytes) -> Any:
    """A hash fed with the spec and no more, kept: a learned spec is a megabyte, and each run of
    it starts from here (bytes keep their own hash, so the lookup costs little)."""
    return hashlib.sha256(spec)


def spec_hash(spec: bytes) -> str:
    """The key a spec is stored under (worked out once per spec)."""
    return str(_spec_hashed(spec).hexdigest())


def token_hash(token: str) -> str:
    """What is kept of a secret token (a demo's delete token, a board's teacher key)."""
    return hashlib.sha256(token.encode()).hexdigest()


def pack_input(x: npt.NDArray[np.float32]) -> bytes:
    """The input in the PACKED codec."""
    raw = np.ascontiguousarray(x, dtype="<f4").view(np.uint8).reshape(-1, 4)
    return zlib.compress(np.ascontiguousarray(raw.T).tobytes(), 6)


def unpack_input(data: bytes, codec: str, c: int, h: int, w: int) -> npt.NDArray[np.float32]:
    """The input back from its stored bytes, exactly as it was stored."""
    if codec == PACKED:
        grouped = np.frombuffer(zlib.decompress(data), np.uint8).reshape(4, -1)
        data = np.ascontiguousarray(grouped.T).tobytes()
    return np.frombuffer(data, dtype="<f4").astype(np.float32).reshape(c, h, w)


def box_text(box: Box | None) -> str | None:
    """A content box as its column holds it: 'top,left,bottom,right', or NULL."""
    return None if box is None else ",".join(map(str, box))


def box_from(text: str | None) -> Box | None:
    if not text:
        return None
    top, left, bottom, right = map(int, text.split(","))
    return top, left, bottom, right
