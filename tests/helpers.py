"""Shared test helpers."""

from __future__ import annotations

import numpy as np

FORWARD_RTOL = 1e-5
FORWARD_ATOL = 1e-5


def assert_close(actual, expected, *, rtol=FORWARD_RTOL, atol=FORWARD_ATOL, dtype=np.float32):
    """Shape first, then dtype (when ``dtype`` is given), then values."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    if dtype is not None:
        assert actual.dtype == dtype, f"dtype {actual.dtype} != {dtype}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
