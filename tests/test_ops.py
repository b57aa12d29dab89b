"""The fast ops against the slow loop references, on random shapes, strides and paddings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import EngineError, ops

from . import reference
from .helpers import assert_close

pytestmark = pytest.mark.filterwarnings("error")


def _array(rng_seed: int, shape) -> np.ndarray:
    return np.random.default_rng(rng_seed).uniform(-2, 2, size=shape).astype(np.float32)


@st.composite
def conv_cases(draw):
    c, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(
        st.one_of(
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            st.just("valid"),
            st.just("same"),
        )
    )
    if padding == "same":
        stride = (1, 1)
    pads = ops.conv_pads(padding, kh, kw, stride)
    h = draw(st.integers(max(1, kh - pads[0] - pads[1]), 12))
    w = draw(st.integers(max(1, kw - pads[2] - pads[3]), 12))
    seed = draw(st.integers(0, 2**31))
    return c, k, h, w, kh, kw, stride, padding, pads, draw(st.booleans()), draw(st.booleans()), seed


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_matches_the_loop_reference(case):
    c, k, h, w, kh, kw, stride, padding, pads, mean, with_bias, seed = case
    x = _array(seed, (c, h, w))
    weight = _array(seed + 1, (k, c, kh, kw))
    bias = _array(seed + 2, (k,)) if with_bias else None
    expected = reference.conv2d(x, weight, bias, stride, pads, mean)
    actual = ops.conv2d(x, weight, bias, stride, padding, mean=mean)
    assert_close(actual, expected, rtol=1e-4, atol=1e-4)
    # a pipeline's path: the window view worked out once, for unpadded inputs of this shape;
    # also fed a non-contiguous input (the view needs a contiguous one and must make it)
    layout = ops.prepare_conv2d(weight, bias, stride, padding, mean=mean)
    view = ops.window_view((c, h, w), layout)
    assert (view is None) == any(pads)
    if view is not None:
        assert_close(ops.conv2d_windows(x, layout, view), expected, rtol=1e-4, atol=1e-4)
        strided = np.ascontiguousarray(x.transpose(0, 2, 1)).transpose(0, 2, 1)
        assert_close(ops.conv2d_windows(strided, layout, view), expected, rtol=1e-4, atol=1e-4)


def test_same_padding_keeps_the_size_for_odd_and_even_kernels():
    x = _array(0, (2, 7, 6))
    for kh, kw in [(3, 3), (2, 4), (5, 1)]:
        assert ops.conv2d(x, _array(1, (4, 2, kh, kw)), padding="same").shape == (4, 7, 6)


def test_conv2d_is_cross_correlation_not_convolution():
    x = np.zeros((1, 3, 3), np.float32)
    x[0, 0, 0] = 1.0  # top-left pixel only
    weight = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    # A flipped kernel would read weight[2, 2] = 8 here; cross-correlation reads weight[0, 0].
    assert ops.conv2d(x, weight)[0, 0, 0] == 0.0
    assert ops.conv2d(x, weight, padding=1)[0, 1, 1] == 0.0
    assert ops.conv2d(x, weight, padding=1)[0, 0, 0] == 4.0


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 11))
    w = draw(st.integers(max(1, kw - 2 * pw), 11))
    c = draw(st.integers(1, 3))
    return c, h, w, (kh, kw), (sh, sw), (ph, pw), draw(st.booleans()), draw(st.integers(0, 2**31))


@settings(max_examples=200, deadline=None)
@given(pool_cases(), st.sampled_from(["max", "avg", "avg_no_pad"]))
def test_pooling_matches_the_loop_reference(case, op):
    c, h, w, kernel, stride, padding, ceil_mode, seed = case
    x = _array(seed, (c, h, w))
    if op == "max":
        actual = ops.max_pool2d(x, kernel, stride, padding, ceil_mode)
    else:
        include = op == "avg"
        actual = ops.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad=include)
    expected = reference.pool2d(
        x, kernel, stride, padding, ceil_mode, op[:3], count_include_pad=op == "avg"
    )
    assert_close(actual, expected)
    g = ops.pool_geometry(h, w, kernel, stride, padding, ceil_mode)
    slices = ops.pool_slices(h, w, g)  # a pipeline's path when no window needs padding
    if op == "max" and slices is not None:
        fast = ops.max_pool2d_slices(x, slices)
        assert fast.flags.c_contiguous and fast.base is None
        assert_close(fast, expected)
    if padding == (0, 0) and not ceil_mode:
        assert slices is not None


@pytest.mark.parametrize(
    ("size", "k", "s", "p", "ceil", "expected"),
    [
        (7, 2, 2, 0, True, 4),  # the slides: 7x7 -> 4x4
        (7, 2, 2, 0, False, 3),
        (4, 2, 2, 0, True, 2),  # the slides' second pass: 4x4 -> 2x2
        (5, 3, 2, 1, True, 3),  # a last window starting in the padding is dropped
        (6, 3, 3, 1, True, 3),
    ],
)
def test_pool_output_size_follows_pytorch(size, k, s, p, ceil, expected):
    assert ops.pool_out_size(size, k, s, p, ceil) == expected


def test_max_pool_stride_defaults_to_the_window():
    x = _array(3, (1, 6, 6))
    assert_close(ops.max_pool2d(x, 3), ops.max_pool2d(x, 3, 3))


def test_relu_softmax_dense_flatten_and_magnitude():
    x = np.array([[[-1.0, 0.0], [2.5, -0.0]]], np.float32)
    assert ops.relu(x).tolist() == [[[0.0, 0.0], [2.5, 0.0]]]
    assert ops.flatten(np.arange(8, dtype=np.float32).reshape(2, 2, 2)).tolist() == list(range(8))
    p = ops.softmax(np.array([1000.0, 1000.0, 0.0], np.float32))  # would overflow without the shift
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)
    assert p[0] == pytest.approx(0.5)
    out = ops.dense([1.0, 2.0], [[1.0, 0.0], [0.5, 0.5], [0.0, -1.0]], bias=[0.0, 1.0, 0.0])
    assert_close(out, [1.0, 2.5, -2.0])
    gx_gy = np.array([[[3.0]], [[4.0]]], np.float32)
    assert_close(ops.magnitude(gx_gy), [[[5.0]]])


def test_tanh_and_sigmoid_keep_shape_and_stay_finite_at_the_extremes():
    x = np.array([[[-1000.0, -1.0], [0.0, 1000.0]]], np.float32)
    t, s = ops.tanh(x), ops.sigmoid(x)
    assert t.shape == s.shape == x.shape and t.dtype == s.dtype == np.float32
    assert_close(t, np.tanh(x.astype(np.float64)).astype(np.float32))
    assert s[0, 1, 0] == 0.5 and s[0, 0, 0] == 0.0 and s[0, 1, 1] == 1.0
    assert s[0, 0, 1] == pytest.approx(1 / (1 + np.e), abs=1e-6)


def test_vote_is_the_mean_where_the_template_is_strongest():
    templates = [[1.0, 0.5, 1.0], [0.2, 0.9, 0.2]]
    assert_close(ops.vote([0.3, 0.6, 0.9], templates), [0.6, 0.6])
    assert_close(ops.vote_matrix(templates) @ np.array([0.3, 0.6, 0.9], np.float32), [0.6, 0.6])


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: ops.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 4, 4))), "weight"),
        (lambda: ops.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=0), "stride"),
        (lambda: ops.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), padding=-1), "padding"),
        (
            lambda: ops.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2, padding="same"),
            "padding",
        ),
        (lambda: ops.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), padding="full"), "padding"),
        (lambda: ops.conv2d(np.ones((2, 3, 3)), np.ones((1, 1, 3, 3))), "x"),
        (lambda: ops.conv2d(np.ones((3, 3)), np.ones((1, 1, 3, 3))), "x"),
        (lambda: ops.conv2d(np.ones((1, 0, 3)), np.ones((1, 1, 1, 1))), "x"),
        (lambda: ops.max_pool2d(np.ones((1, 3, 3)), 2, padding=2), "padding"),
        (lambda: ops.max_pool2d(np.ones((1, 3, 3)), 5), "kernel_size"),
        (lambda: ops.max_pool2d(np.ones((1, 3, 3)), 0), "kernel_size"),
        (lambda: ops.avg_pool2d(np.ones((1, 3, 3)), 2, stride=0), "stride"),
        (lambda: ops.dense([1.0, 2.0], [[1.0, 2.0, 3.0]]), "weight"),
    ],
)
def test_bad_arguments_raise_the_engine_error(call, field):
    with pytest.raises(EngineError) as info:
        call()
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
