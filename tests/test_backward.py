"""Every backward pass against central-difference gradients in float64, on random shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import backward as bw
from app.engine import ops

from .helpers import assert_close

EPS = 1e-6
TOL = 1e-6


def numeric_grad(f, x: np.ndarray) -> np.ndarray:
    """d f / d x by central differences, one element at a time (float64)."""
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + EPS
        up = f()
        flat[i] = keep - EPS
        down = f()
        flat[i] = keep
        out[i] = (up - down) / (2 * EPS)
    return grad


def rng_for(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@st.composite
def conv_cases(draw):
    n, c, k = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.one_of(st.integers(0, 2), st.just("valid"), st.just("same")))
    if padding == "same":
        stride = (1, 1)
    pads = ops.conv_pads(padding, kh, kw, stride)
    h = draw(st.integers(max(1, kh - pads[0] - pads[1]), 7))
    w = draw(st.integers(max(1, kw - pads[2] - pads[3]), 7))
    return n, c, k, h, w, kh, kw, stride, padding, draw(st.booleans()), draw(st.integers(0, 999))


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_conv2d_backward_matches_numerical_gradients(case):
    n, c, k, h, w, kh, kw, stride, padding, mean, seed = case
    rng = rng_for(seed)
    x = rng.normal(size=(n, c, h, w))
    weight = rng.normal(size=(k, c, kh, kw))
    bias = rng.normal(size=k)
    out = bw.conv2d_batch(x, weight, bias, stride, padding, mean=mean)
    probe = rng.normal(size=out.shape)  # loss = sum(out * probe), so d loss / d out = probe

    def loss() -> float:
        return float((bw.conv2d_batch(x, weight, bias, stride, padding, mean=mean) * probe).sum())

    grads = bw.conv2d_backward_batch(x, weight, probe, stride, padding, mean=mean)
    assert_close(grads.x, numeric_grad(loss, x), rtol=TOL, atol=TOL, dtype=np.float64)
    assert_close(grads.weight, numeric_grad(loss, weight), rtol=TOL, atol=TOL, dtype=np.float64)
    assert_close(grads.bias, numeric_grad(loss, bias), rtol=TOL, atol=TOL, dtype=np.float64)
    # the batched forward is the engine's forward, image by image
    for i in range(n):
        single = ops.conv2d(x[i], weight, bias, stride, padding, mean=mean)
        assert_close(out[i].astype(np.float32), single, rtol=1e-4, atol=1e-4)


@st.composite
def pool_cases(draw):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), 7))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), 7))
    return n, c, h, w, (kh, kw), stride, padding, draw(st.booleans()), draw(st.integers(0, 999))


@settings(max_examples=40, deadline=None)
@given(pool_cases())
def test_max_pool2d_backward_matches_numerical_gradients(case):
    n, c, h, w, kernel, stride, padding, ceil_mode, seed = case
    rng = rng_for(seed)
    # distinct values, so that no window has a tie a small nudge could flip
    x = rng.permutation(n * c * h * w).reshape(n, c, h, w).astype(np.float64) / 10
    out = bw.max_pool2d_batch(x, kernel, stride, padding, ceil_mode)
    probe = rng.normal(size=out.shape)

    def loss() -> float:
        return float((bw.max_pool2d_batch(x, kernel, stride, padding, ceil_mode) * probe).sum())

    dx = bw.max_pool2d_backward_batch(x, probe, kernel, stride, padding, ceil_mode)
    assert_close(dx, numeric_grad(loss, x), rtol=TOL, atol=TOL, dtype=np.float64)
    for i in range(n):
        single = ops.max_pool2d(x[i], kernel, stride, padding, ceil_mode)
        assert_close(out[i].astype(np.float32), single)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = np.array([[[[1.0, 1.0], [1.0, 0.0]]]])
    dx = bw.max_pool2d_backward_batch(x, np.array([[[[5.0]]]]), 2)
    assert dx.tolist() == [[[[5.0, 0.0], [0.0, 0.0]]]]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.integers(0, 999))
def test_dense_backward_matches_numerical_gradients(n, inputs, outputs, seed):
    rng = rng_for(seed)
    x = rng.normal(size=(n, inputs))
    weight = rng.normal(size=(outputs, inputs))
    bias = rng.normal(size=outputs)
    probe = rng.normal(size=(n, outputs))

    def loss() -> float:
        return float(((x @ weight.T + bias) * probe).sum())

    dx, dweight, dbias = bw.dense_backward(x, weight, probe)
    assert_close(dx, numeric_grad(loss, x), rtol=TOL, atol=TOL, dtype=np.float64)
    assert_close(dweight, numeric_grad(loss, weight), rtol=TOL, atol=TOL, dtype=np.float64)
    assert_close(dbias, numeric_grad(loss, bias), rtol=TOL, atol=TOL, dtype=np.float64)
    forward = (x[0] @ weight.T + bias).astype(np.float32)
    assert_close(forward, ops.dense(x[0], weight, bias), rtol=1e-4, atol=1e-4)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(0, 999))
def test_relu_backward_matches_numerical_gradients(c, seed):
    rng = rng_for(seed)
    x = rng.normal(size=(2, c, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # stay clear of the kink, where the difference is undefined
    probe = rng.normal(size=x.shape)

    def loss() -> float:
        return float((np.maximum(x, 0) * probe).sum())

    assert_close(bw.relu_backward(x, probe), numeric_grad(loss, x), rtol=TOL, atol=TOL,
                 dtype=np.float64)  # fmt: skip
    assert bw.relu_backward(np.array([0.0]), np.array([3.0])).tolist() == [0.0]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["tanh", "sigmoid"]), st.integers(1, 3), st.integers(0, 999))
def test_tanh_and_sigmoid_backward_match_numerical_gradients(kind, c, seed):
    rng = rng_for(seed)
    x = rng.normal(size=(2, c, 4, 5)) * 3
    probe = rng.normal(size=x.shape)
    exact = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[kind]
    backward = {"tanh": bw.tanh_backward, "sigmoid": bw.sigmoid_backward}[kind]

    def loss() -> float:
        return float((exact(x) * probe).sum())

    assert_close(backward(exact(x), probe), numeric_grad(loss, x), rtol=TOL, atol=TOL,
                 dtype=np.float64)  # fmt: skip
    # the float32 forwards agree with the float64 definitions
    forward = {"tanh": ops.tanh, "sigmoid": ops.sigmoid}[kind]
    assert_close(forward(x.astype(np.float32)), exact(x).astype(np.float32), rtol=1e-5, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(2, 8), st.integers(0, 999))
def test_softmax_cross_entropy_matches_numerical_gradients(n, classes, seed):
    rng = rng_for(seed)
    logits = rng.normal(scale=3, size=(n, classes))
    labels = rng.integers(0, classes, size=n)

    def loss() -> float:
        return bw.softmax_cross_entropy(logits, labels)[0]

    value, grad = bw.softmax_cross_entropy(logits, labels)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # small logits: no overflow
    assert value == pytest.approx(-np.mean(np.log(probs[np.arange(n), labels])), rel=1e-9)
    assert_close(ops.softmax(logits[0].astype(np.float32)), probs[0], rtol=1e-5, atol=1e-6)
    assert_close(grad, numeric_grad(loss, logits), rtol=TOL, atol=TOL, dtype=np.float64)


def test_softmax_cross_entropy_survives_huge_logits():
    loss, grad = bw.softmax_cross_entropy(np.array([[1000.0, 0.0, -1000.0]]), np.array([0]))
    assert loss == pytest.approx(0.0) and np.isfinite(grad).all()
    loss, _ = bw.softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0)


def test_unbatched_wrappers_match_the_batched_passes():
    rng = rng_for(3)
    x, weight = rng.normal(size=(2, 6, 6)), rng.normal(size=(3, 2, 3, 3))
    grad_out = rng.normal(size=(3, 3, 3))
    single = bw.conv2d_backward(x, weight, grad_out, stride=2, padding=1, mean=True)
    batch = bw.conv2d_backward_batch(x[None], weight, grad_out[None], 2, 1, mean=True)
    assert_close(single.x, batch.x[0], dtype=np.float64)
    pooled = rng.normal(size=(2, 3, 3))
    assert_close(bw.max_pool2d_backward(x, pooled, 2), bw.max_pool2d_backward_batch(
        x[None], pooled[None], 2)[0], dtype=np.float64)  # fmt: skip
