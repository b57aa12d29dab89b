"""Keeping freed memory in the process, for the engine's big short-lived arrays.

A training step makes and frees arrays of a few megabytes (a layer's windows as columns, their
gradients). By default glibc hands blocks that big straight back to the system when freed, and
the next step's arrays then fault in fresh zeroed pages: on the letters network that doubled a
step's time (bench/train_step.py). Raising the thresholds keeps those pages in the process for
the next step. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_BYTES = 64 << 20
"""Blocks up to this size come from the heap (and stay in the process when freed); bigger ones
(a huge upload's decoding) are still mapped and returned at once."""
TRIM_BYTES = 256 << 20
"""Free memory at the heap's top is returned to the system only past this much."""


@cache
def keep_freed_memory() -> bool:
    """Set glibc's thresholds (once per process); whether they were set."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        return False
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_BYTES)
    )
