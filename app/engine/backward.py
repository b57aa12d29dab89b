"""Gradients: forward and backward passes on batches (N, C, H, W), for training.

Each backward is a pure function of the forward's inputs and the gradient of the loss with
respect to the forward's output; it returns the gradients with respect to every input. They work in
any float dtype (float64 for the gradient checks, float32 for training) and follow the forwards in
``ops`` exactly: cross-correlation, zero padding, ``mean`` dividing by C*kh*kw, max pooling's
first-maximum tie rule and PyTorch's output sizes, ReLU's gradient 0 at 0. The unbatched wrappers
take and give (C, H, W), like the forwards in ``ops``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .ops import (
    Conv2dLayout,
    FloatArray,
    IntPair,
    Padding,
    PoolGeometry,
    _pair,
    conv2d_columns,
    conv_pads,
    layer_windows,
    max_pool2d_geometry,
    pool_canvas,
    pool_geometry,
    windows_product,
)


class ConvGrads(NamedTuple):
    x: FloatArray
    weight: FloatArray
    bias: FloatArray


class ConvSaved(NamedTuple):
    """What a convolution's backward needs from its forward: the input's windows as columns
    (N, C*kh*kw, H_out*W_out), read once, and the layout."""

    cols: FloatArray
    layout: Conv2dLayout
    x_shape: tuple[int, ...]
    out_size: tuple[int, int]
    scale: float
    """What the weights are multiplied by (1 / (C*kh*kw) for a ``mean`` convolution)."""


def _layout(
    weight: FloatArray, bias: FloatArray | None, stride: IntPair, padding: Padding, mean: bool
) -> Conv2dLayout:
    """``ops.prepare_conv2d``'s layout, kept in the weight's own dtype (float64 for the checks)."""
    k, c, kh, kw = weight.shape
    sh, sw = _pair(stride, "stride")
    wmat = weight.reshape(k, -1) / (c * kh * kw) if mean else weight.reshape(k, -1)
    column = None if bias is None else bias[:, None]
    pads = conv_pads(padding, kh, kw, (sh, sw))
    return Conv2dLayout(wmat, column, c, kh, kw, sh, sw, pads)  # type: ignore[arg-type]


def _columns(x: FloatArray, lay: Conv2dLayout, mean: bool) -> ConvSaved:
    cols, out_size = layer_windows(x, lay)
    return ConvSaved(cols, lay, x.shape, out_size, 1.0 / cols.shape[1] if mean else 1.0)


def conv2d_batch(
    x: FloatArray,
    weight: FloatArray,
    bias: FloatArray | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    *,
    mean: bool = False,
) -> FloatArray:
    """``ops.conv2d`` on a batch, by the same matrix product (``ops.conv2d_columns``):
    x (N, C, H, W) -> (N, K, H_out, W_out), in x's dtype."""
    return conv2d_columns(x, _layout(weight, bias, stride, padding, mean))


def conv2d_saved(
    x: FloatArray,
    weight: FloatArray,
    bias: FloatArray | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    *,
    mean: bool = False,
) -> tuple[FloatArray, ConvSaved]:
    """``conv2d_batch``, and what its backward needs (training: the windows are read once)."""
    saved = _columns(x, _layout(weight, bias, stride, padding, mean), mean)
    return windows_product(saved.cols, saved.layout, x.shape[:-3], saved.out_size), saved


def conv2d_backward_batch(
    x: FloatArray,
    weight: FloatArray,
    grad_out: FloatArray,
    stride: IntPair = 1,
    padding: Padding = 0,
    *,
    mean: bool = False,
) -> ConvGrads:
    """Gradients of ``conv2d_batch`` for the output gradient ``grad_out`` (N, K, H_out, W_out)."""
    saved = _columns(x, _layout(weight, None, stride, padding, mean), mean)
    return conv2d_backward_saved(saved, grad_out)


def conv2d_weight_backward(saved: ConvSaved, grad_out: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The weights' and the bias's gradients of the convolution ``saved`` came from (all a first
    layer needs: nothing below it learns)."""
    lay = saved.layout
    n, c = saved.x_shape[:2]
    k = len(lay.wmat)
    g = grad_out.reshape(n, k, -1)
    # each drawing's product, then their sum: no copy of the columns (a tensordot made two)
    dwmat = np.matmul(g, saved.cols.transpose(0, 2, 1)).sum(axis=0)
    dweight = (dwmat * saved.scale).reshape(k, c, lay.kh, lay.kw)
    return dweight.astype(grad_out.dtype, copy=False), g.sum(axis=(0, 2))


def conv2d_backward_saved(saved: ConvSaved, grad_out: FloatArray) -> ConvGrads:
    """Every gradient of the convolution ``saved`` came from, its input's too."""
    dweight, dbias = conv2d_weight_backward(saved, grad_out)
    lay = saved.layout
    if lay.sh == lay.sw == 1:
        dxp = _input_gradient_flat(saved, grad_out)
    else:
        dxp = _input_gradient_strided(saved, grad_out)
    top, _, left, _ = lay.pads
    h, w = saved.x_shape[2:]
    if dxp.shape[2:] == (h, w):
        return ConvGrads(dxp, dweight, dbias)
    return ConvGrads(
        np.ascontiguousarray(dxp[:, :, top : top + h, left : left + w]), dweight, dbias
    )


def _input_gradient_flat(saved: ConvSaved, grad_out: FloatArray) -> FloatArray:
    """The padded input's gradient of a stride-1 convolution. Each output row is widened by
    zeros to the padded input's width, so a kernel offset's share of the gradient lands as one
    run over the flattened map, not as a window whose rows are each a few numbers long: numpy
    adds nine runs of (N, C) rows several times faster than nine windows. The zeros land on
    the next row's first columns, where they change nothing."""
    lay = saved.layout
    n, c, h, w = saved.x_shape
    ho, wo = saved.out_size
    top, bottom, left, right = lay.pads
    hp, wp = h + top + bottom, w + left + right
    k = len(lay.wmat)
    widened = np.zeros((n, k, ho, wp), grad_out.dtype)
    widened[..., :wo] = grad_out.reshape(n, k, ho, wo)
    shares = np.matmul(lay.wmat.T, widened.reshape(n, k, ho * wp))  # the forward's weights
    shares = shares.reshape(n, c, lay.kh * lay.kw, ho * wp)
    flat = np.zeros((n, c, hp * wp + lay.kw - 1), grad_out.dtype)  # the last run's spill
    for offset in range(lay.kh * lay.kw):
        u, v = divmod(offset, lay.kw)
        start = u * wp + v
        flat[:, :, start : start + ho * wp] += shares[:, :, offset]
    return flat[:, :, : hp * wp].reshape(n, c, hp, wp)


def _input_gradient_strided(saved: ConvSaved, grad_out: FloatArray) -> FloatArray:
    """The padded input's gradient, window by window (any stride)."""
    lay = saved.layout
    n, c, h, w = saved.x_shape
    kh, kw, sh, sw = lay.kh, lay.kw, lay.sh, lay.sw
    ho, wo = saved.out_size
    g = grad_out.reshape(n, len(lay.wmat), ho * wo)
    dcols = np.matmul(lay.wmat.T, g).reshape(n, c, kh, kw, ho, wo)  # the forward's own weights
    top, bottom, left, right = lay.pads
    dxp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=grad_out.dtype)
    for u in range(kh):
        for v in range(kw):
            dxp[:, :, u : u + sh * ho : sh, v : v + sw * wo : sw] += dcols[:, :, u, v]
    return dxp


def relu_backward(x: FloatArray, grad_out: FloatArray) -> FloatArray:
    """d relu(x) / dx is 1 where x > 0 and 0 elsewhere (0 at exactly 0); any shape."""
    return np.where(x > 0, grad_out, 0).astype(grad_out.dtype, copy=False)


def tanh_backward(out: FloatArray, grad_out: FloatArray) -> FloatArray:
    """d tanh(x) / dx = 1 - tanh(x)**2, from the forward's output ``out``; any shape."""
    return (grad_out * (1 - out * out)).astype(grad_out.dtype, copy=False)


def sigmoid_backward(out: FloatArray, grad_out: FloatArray) -> FloatArray:
    """d sigmoid(x) / dx = s * (1 - s) with s = sigmoid(x), the forward's output; any shape."""
    return (grad_out * out * (1 - out)).astype(grad_out.dtype, copy=False)


def _offset_views(canvas: FloatArray, g: PoolGeometry) -> list[FloatArray]:
    """For every offset (u, v) inside the window, in row-major order, the (N, C, H_out, W_out)
    view of what each window holds there. A running max over these views is many times faster
    than a max over a windows view, whose innermost axis is only a window row long."""
    return [
        canvas[:, :, u : u + g.sh * g.ho : g.sh, v : v + g.sw * g.wo : g.sw]
        for u in range(g.kh)
        for v in range(g.kw)
    ]


def max_pool2d_batch(
    x: FloatArray,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
) -> FloatArray:
    """``ops.max_pool2d`` on a batch, by the same pass (``ops.max_pool2d_geometry``):
    x (N, C, H, W) -> (N, C, H_out, W_out), in x's dtype."""
    h, w = x.shape[2:]
    g = pool_geometry(h, w, kernel_size, stride, padding, ceil_mode)
    return max_pool2d_geometry(x, g)


def max_pool2d_backward_batch(
    x: FloatArray,
    grad_out: FloatArray,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    *,
    pooled: FloatArray | None = None,
) -> FloatArray:
    """Each window's gradient goes to its winner (the first maximum, as the forward picks it).
    ``pooled``: the forward's output, when the caller kept it (training), else worked out again.
    """
    h, w = x.shape[2:]
    g = pool_geometry(h, w, kernel_size, stride, padding, ceil_mode)
    canvas = pool_canvas(x, g, -np.inf)
    best = max_pool2d_geometry(x, g) if pooled is None else pooled
    left = grad_out.copy()  # what is still to be given: all of it, until a window's winner
    dcanvas = np.zeros(canvas.shape, grad_out.dtype)
    # windows that overlap add up in a spare array; apart, each cell is in one window at most
    # and its share goes straight into place (a view of dcanvas)
    spare = None if g.sh >= g.kh and g.sw >= g.kw else np.empty_like(left)
    views = _offset_views(canvas, g)
    for i, (view, dview) in enumerate(zip(views, _offset_views(dcanvas, g), strict=True)):
        given = dview if spare is None else spare
        np.multiply(left, view == best, out=given)
        if spare is not None:
            dview += spare
        if i < len(views) - 1:
            left -= given  # a tie later in the window gets nothing: the first maximum took it
    if dcanvas.shape == x.shape:
        return dcanvas
    return np.ascontiguousarray(dcanvas[:, :, g.ph : g.ph + h, g.pw : g.pw + w])


def dense_backward(
    x: FloatArray, weight: FloatArray, grad_out: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """out = x @ weight.T + bias for x (N, in) or (in,): gradients (dx, dweight, dbias)."""
    xb, gb = np.atleast_2d(x), np.atleast_2d(grad_out)
    dx = gb @ weight
    return dx.reshape(x.shape), gb.T @ xb, gb.sum(axis=0)


def softmax_cross_entropy(
    logits: FloatArray, labels: npt.NDArray[np.integer]
) -> tuple[float, FloatArray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Fused and stable: log-softmax is logits - max - log(sum(exp(logits - max))), and the gradient
    with respect to the logits is (softmax - one_hot) / N. logits (N, classes) or (classes,).
    """
    z = np.atleast_2d(logits)
    y = np.atleast_1d(labels)
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(total)
    n = z.shape[0]
    loss = float(-log_probs[np.arange(n), y].mean())
    grad = exp / total
    grad[np.arange(n), y] -= 1.0
    grad /= n
    return loss, grad.reshape(logits.shape).astype(logits.dtype, copy=False)


# ---- unbatched wrappers: (C, H, W) in and out, like the forwards in ops


def conv2d_backward(
    x: FloatArray, weight: FloatArray, grad_out: FloatArray, **options: Any
) -> ConvGrads:
    """Gradients of ``ops.conv2d(x, weight, bias, ...)`` for x (C, H, W); ``options`` (stride,
    padding, mean) as ``conv2d_backward_batch`` takes them."""
    grads = conv2d_backward_batch(x[None], weight, grad_out[None], **options)
    return ConvGrads(grads.x[0], grads.weight, grads.bias)


def max_pool2d_backward(
    x: FloatArray, grad_out: FloatArray, kernel_size: IntPair, **options: Any
) -> FloatArray:
    """Gradient of ``ops.max_pool2d`` with respect to x (C, H, W); ``options`` (stride, padding,
    ceil_mode) as ``max_pool2d_backward_batch`` takes them."""
    dx = max_pool2d_backward_batch(x[None], grad_out[None], kernel_size, **options)
    first: FloatArray = dx[0]
    return first
