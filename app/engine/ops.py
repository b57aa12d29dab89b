"""The network's operations, on unbatched float32 arrays in (C, H, W) layout.

Names, arguments and semantics follow ``torch.nn.functional`` so each op can be checked against it:

- convolution is cross-correlation: the kernel is not flipped;
- pooling follows PyTorch's output-size rule, ceil mode included: a window may hang over the
  bottom or right edge (it then covers fewer cells), but a window that would start inside the
  right/bottom padding is dropped;
- max pooling breaks ties by taking the first cell in row-major order within the window;
- softmax subtracts the maximum before exponentiating, so it cannot overflow;
- ReLU's value at exactly 0 is 0 (and so is its gradient, when there is one).

Every op is vectorised: NumPy slices and one matrix product per convolution, no Python loop over
pixels or windows. A convolution's weight matrix can be laid out once with ``prepare_conv2d`` and
reused (the pipeline does this once per compiled pipeline).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from .errors import EngineError

Array = npt.NDArray[np.float32]
IntPair = int | tuple[int, int]
Padding = int | tuple[int, int] | Literal["valid", "same"]

F32 = np.float32


def _pair(value: IntPair, field: str) -> tuple[int, int]:
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise EngineError(field, f"expected an int or a pair of ints, got {value!r}")


def _as_chw(x: npt.ArrayLike, field: str = "x") -> Array:
    arr = np.asarray(x, dtype=F32)
    if arr.ndim != 3:
        raise EngineError(field, f"expected a (C, H, W) array, got shape {arr.shape}")
    if 0 in arr.shape:
        raise EngineError(field, f"array is empty (shape {arr.shape})")
    return arr


# --------------------------------------------------------------------------- convolution


class Conv2dLayout(NamedTuple):
    """A convolution's weights laid out for the matrix product, and its geometry."""

    wmat: Array
    """(K, C*kh*kw): one row per kernel, already divided by C*kh*kw when ``mean``."""
    bias: Array | None
    """(K, 1) or None."""
    channels: int
    kh: int
    kw: int
    sh: int
    sw: int
    pads: tuple[int, int, int, int]
    """(top, bottom, left, right) zero padding."""


def conv_pads(padding: Padding, kh: int, kw: int, stride: tuple[int, int]) -> tuple[int, ...]:
    """Resolve ``padding`` to (top, bottom, left, right).

    'valid' is no padding. 'same' keeps H_out = H and needs stride 1 (as in PyTorch); for an even
    kernel the extra row/column of padding goes at the bottom/right.
    """
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise EngineError("padding", "'same' padding needs stride 1")
        return ((kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2)
    if isinstance(padding, str):
        raise EngineError("padding", f"expected an int, a pair, 'valid' or 'same', got {padding!r}")
    ph, pw = _pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise EngineError("padding", f"must be >= 0, got {padding!r}", limit=0)
    return (ph, ph, pw, pw)


def prepare_conv2d(
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    *,
    mean: bool = False,
) -> Conv2dLayout:
    """Lay out ``weight`` (K, C, kh, kw) and ``bias`` (K,) once for repeated ``conv2d_prepared``."""
    w = np.asarray(weight, dtype=F32)
    if w.ndim != 4 or 0 in w.shape:
        raise EngineError("weight", f"expected a non-empty (K, C, kh, kw) array, got {w.shape}")
    k, c, kh, kw = w.shape
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise EngineError("stride", f"must be >= 1, got {stride!r}", limit=1)
    pads = conv_pads(padding, kh, kw, (sh, sw))
    wmat = w.reshape(k, c * kh * kw).copy()
    if mean:
        wmat /= F32(c * kh * kw)
    b = None
    if bias is not None:
        b = np.asarray(bias, dtype=F32).reshape(-1, 1)
        if b.shape[0] != k:
            raise EngineError("bias", f"expected {k} values (one per kernel), got {b.shape[0]}")
    return Conv2dLayout(wmat, b, c, kh, kw, sh, sw, pads)  # type: ignore[arg-type]


def conv2d_out_size(size: int, k: int, s: int, pad_total: int) -> int:
    """H_out = floor((H + pad_top + pad_bottom - kh) / sh) + 1 (and the same for W)."""
    return (size + pad_total - k) // s + 1


FloatArray = npt.NDArray[np.floating]


def pad_maps(x: FloatArray, pads: tuple[int, ...]) -> FloatArray:
    """x (..., H, W) with (top, bottom, left, right) zeros around each map; x itself (made
    C-contiguous) when there are none."""
    top, bottom, left, right = pads
    if not any(pads):
        return np.ascontiguousarray(x)
    *lead, h, w = x.shape
    xp = np.zeros((*lead, h + top + bottom, w + left + right), x.dtype)
    xp[..., top : top + h, left : left + w] = x
    return xp


def im2col(xp: FloatArray, kh: int, kw: int, sh: int, sw: int) -> FloatArray:
    """Every window of a padded, C-contiguous xp (..., C, H, W) as a strided view
    (..., C*kh*kw, H_out*W_out): the one place both the forward and the backward read windows
    from. The reshape makes the one copy."""
    *lead, c, h, w = xp.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    *outer, s0, s1, s2 = xp.strides
    shape = (*lead, c, kh, kw, ho, wo)
    windows = np.ndarray(shape, xp.dtype, xp, 0, (*outer, s0, s1, s2, s1 * sh, s2 * sw))
    return windows.reshape(*lead, c * kh * kw, ho * wo)


def conv2d_columns(x: FloatArray, layout: Conv2dLayout) -> FloatArray:
    """The convolution as one matrix product: x (..., C, H, W) -> (..., K, H_out, W_out), in
    x's dtype (the served pass in float32, training's checks in float64; the layout's weights
    in the same dtype)."""
    cols, out_size = layer_windows(x, layout)
    return windows_product(cols, layout, x.shape[:-3], out_size)


def layer_windows(x: FloatArray, layout: Conv2dLayout) -> tuple[FloatArray, tuple[int, int]]:
    """x's windows as the layer reads them (``im2col`` of x padded), and the output's size."""
    top, bottom, left, right = layout.pads
    h, w = x.shape[-2:]
    ho = conv2d_out_size(h, layout.kh, layout.sh, top + bottom)
    wo = conv2d_out_size(w, layout.kw, layout.sw, left + right)
    return im2col(pad_maps(x, layout.pads), layout.kh, layout.kw, layout.sh, layout.sw), (ho, wo)


def windows_product(
    cols: FloatArray, layout: Conv2dLayout, lead: tuple[int, ...], out_size: tuple[int, int]
) -> FloatArray:
    """The layer's weights times its windows, plus the bias: (*lead, K, H_out, W_out)."""
    out: FloatArray = np.matmul(layout.wmat, cols)
    if layout.bias is not None:
        out += layout.bias
    return out.reshape(*lead, len(layout.wmat), *out_size)


def conv2d_prepared(x: Array, layout: Conv2dLayout) -> Array:
    """``conv2d`` with weights laid out by ``prepare_conv2d``; x (C, H, W) float32."""
    c, h, w = x.shape
    if c != layout.channels:
        raise EngineError("x", f"has {c} channels, the kernels expect {layout.channels}")
    top, bottom, left, right = layout.pads
    hp, wp = h + top + bottom, w + left + right
    if layout.kh > hp or layout.kw > wp:
        raise EngineError(
            "weight",
            f"kernel {layout.kh}x{layout.kw} is larger than the padded input {hp}x{wp}",
            limit=(hp, wp),
        )
    out: Array = conv2d_columns(x, layout)
    return out


def conv2d(
    x: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    *,
    mean: bool = False,
) -> Array:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d`` on one unbatched image.

    x (C, H, W), weight (K, C, kh, kw), bias (K,) or None -> out (K, H_out, W_out) with
    H_out = floor((H + pad_top + pad_bottom - kh) / sh) + 1 and
    W_out = floor((W + pad_left + pad_right - kw) / sw) + 1.

    out[k, i, j] = sum over c, u, v of x_pad[c, i*sh + u, j*sw + v] * weight[k, c, u, v]
                   (divided by C*kh*kw when ``mean``) + bias[k].

    ``stride`` is an int or (sh, sw); ``padding`` an int, (ph, pw), 'valid' or 'same' (zeros).
    ``mean=True`` is the slides' step 4: divide each sum of products by the number of pixels in the
    feature, C*kh*kw, before the bias is added.
    """
    arr = _as_chw(x)
    return conv2d_prepared(arr, prepare_conv2d(weight, bias, stride, padding, mean=mean))


# --------------------------------------------------------------------------- activations


class WindowView(NamedTuple):
    """How to see a C-contiguous float32 (C, H, W) input as its im2col matrix without copying:
    the strided view's shape and strides, and the matrix's (rows, columns)."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    matrix: tuple[int, int]
    out: tuple[int, int, int]


def window_view(in_shape: tuple[int, ...], layout: Conv2dLayout) -> WindowView | None:
    """The im2col view for inputs of ``in_shape``, when the convolution needs no padding."""
    if any(layout.pads):
        return None
    c, h, w = in_shape
    kh, kw, sh, sw = layout.kh, layout.kw, layout.sh, layout.sw
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    item = np.dtype(F32).itemsize
    s0, s1, s2 = h * w * item, w * item, item
    return WindowView(
        (c, kh, kw, ho, wo), (s0, s1, s2, s1 * sh, s2 * sw), (c * kh * kw, ho * wo),
        (len(layout.wmat), ho, wo),
    )  # fmt: skip


def conv2d_windows(x: Array, layout: Conv2dLayout, view: WindowView) -> Array:
    """``conv2d_prepared`` for an input of the shape ``view`` was made for: the same arithmetic
    without the per-call checks and geometry."""
    x = np.ascontiguousarray(x, F32)  # x itself when it is already so (the usual case)
    windows = np.ndarray(view.shape, F32, x, 0, view.strides)
    out: Array = layout.wmat @ windows.reshape(view.matrix)
    if layout.bias is not None:
        out += layout.bias
    return out.reshape(view.out)


def relu(x: npt.ArrayLike) -> Array:
    """max(0, x) elementwise; any shape in, the same shape out. relu(0) = 0."""
    arr = np.asarray(x, dtype=F32)
    return relu_into_zeros(arr, np.zeros_like(arr))


def relu_into_zeros(x: Array, zeros: Array) -> Array:
    """max(x, zeros) for a zeros array of x's shape: NumPy's maximum runs about twice as fast
    against an array as against a broadcast scalar, so a pipeline keeps one zeros per stage."""
    out: Array = np.maximum(x, zeros)
    return out


def tanh(x: npt.ArrayLike) -> Array:
    """tanh(x) elementwise, any shape: squashes every value into (-1, 1), keeping its sign."""
    out: Array = np.tanh(np.asarray(x, dtype=F32))
    return out


def sigmoid(x: npt.ArrayLike) -> Array:
    """1 / (1 + exp(-x)) elementwise, any shape: squashes every value into (0, 1).

    Numerics: written as (1 + tanh(x / 2)) / 2, which is the same function but never overflows
    exp for large negative x (float32 exp(88.8) is already infinite).
    """
    arr = np.asarray(x, dtype=F32)
    out: Array = np.tanh(arr * F32(0.5))
    out += F32(1.0)
    out *= F32(0.5)
    return out


def magnitude(x: npt.ArrayLike) -> Array:
    """Length of each pixel's vector across channels: x (C, H, W) -> out (1, H, W).

    out[0, i, j] = sqrt(sum over c of x[c, i, j]**2). With Sobel Gx and Gy as the two channels this
    is the gradient magnitude sqrt(Gx**2 + Gy**2).
    """
    arr = _as_chw(x)
    squares: Array = np.einsum("chw,chw->hw", arr, arr)
    return np.sqrt(squares)[None]


# --------------------------------------------------------------------------- pooling


class PoolGeometry(NamedTuple):
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    ho: int
    wo: int
    ceil_mode: bool


def pool_out_size(size: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """PyTorch's rule: H_out = floor_or_ceil((H + 2p - k) / s) + 1, and with ceil_mode a last
    window that would start inside the right padding is dropped: if (H_out - 1)*s >= H + p then
    H_out -= 1."""
    span = size + 2 * p - k
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def pool_geometry(
    h: int,
    w: int,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
) -> PoolGeometry:
    """Check pooling arguments against an H x W input and work out the output size."""
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, "stride")
    ph, pw = _pair(padding, "padding")
    if kh < 1 or kw < 1:
        raise EngineError("kernel_size", f"must be >= 1, got {kernel_size!r}", limit=1)
    if sh < 1 or sw < 1:
        raise EngineError("stride", f"must be >= 1, got {stride!r}", limit=1)
    if ph < 0 or pw < 0:
        raise EngineError("padding", f"must be >= 0, got {padding!r}", limit=0)
    if ph > kh // 2 or pw > kw // 2:
        raise EngineError("padding", "must be at most half the window size", limit=(kh, kw))
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise EngineError(
            "kernel_size",
            f"window {kh}x{kw} is larger than the padded input {h + 2 * ph}x{w + 2 * pw}",
            limit=(h + 2 * ph, w + 2 * pw),
        )
    ho = pool_out_size(h, kh, sh, ph, ceil_mode)
    wo = pool_out_size(w, kw, sw, pw, ceil_mode)
    return PoolGeometry(kh, kw, sh, sw, ph, pw, ho, wo, ceil_mode)


def pool_canvas(x: FloatArray, g: PoolGeometry, fill: float) -> FloatArray:
    """x (..., H, W) on a canvas big enough for every window, ``fill`` wherever a window reaches
    past x; x itself when none does. x sits at (ph, pw) in it, whole, so a gradient on the canvas
    is cut back to x's shape by the same offsets."""
    *lead, h, w = x.shape
    hn, wn = (g.ho - 1) * g.sh + g.kh, (g.wo - 1) * g.sw + g.kw
    if not (g.ph or g.pw or hn > h or wn > w):
        return x
    canvas = np.full((*lead, max(hn, h + g.ph), max(wn, w + g.pw)), fill, x.dtype)
    canvas[..., g.ph : g.ph + h, g.pw : g.pw + w] = x
    return canvas


def _reduce_windows(canvas: FloatArray, g: PoolGeometry, combine: np.ufunc) -> FloatArray:
    """Combine each window's cells with ``combine`` (np.maximum or np.add): canvas (..., H, W)
    -> (..., H_out, W_out), in the canvas's dtype.

    Separable: first across the window's rows, then across its columns, so a k x k window costs
    2(k - 1) elementwise calls on strided slices rather than k*k - 1.
    """
    hs, ws = (g.ho - 1) * g.sh + 1, (g.wo - 1) * g.sw + 1
    rows = canvas[..., 0 : hs : g.sh, :]
    if g.kh > 1:
        rows = combine(rows, canvas[..., 1 : 1 + hs : g.sh, :])
        for u in range(2, g.kh):
            combine(rows, canvas[..., u : u + hs : g.sh, :], out=rows)
    out = rows[..., 0 : ws : g.sw]
    if g.kw > 1:
        out = combine(out, rows[..., 1 : 1 + ws : g.sw])
        for v in range(2, g.kw):
            combine(out, rows[..., v : v + ws : g.sw], out=out)
    return out.copy() if out.base is not None else out


PoolSlices = tuple[tuple[slice, ...], tuple[slice, ...]]


def pool_slices(h: int, w: int, g: PoolGeometry) -> PoolSlices | None:
    """The row and column slices of each window offset, for a geometry whose windows all lie
    inside an H x W input (no padding); None when some do not."""
    hs, ws = (g.ho - 1) * g.sh + 1, (g.wo - 1) * g.sw + 1
    if g.ph or g.pw or hs + g.kh - 1 > h or ws + g.kw - 1 > w:
        return None
    rows = tuple(slice(u, u + hs, g.sh) for u in range(g.kh))
    cols = tuple(slice(v, v + ws, g.sw) for v in range(g.kw))
    return rows, cols


def max_pool2d_slices(x: Array, slices: PoolSlices) -> Array:
    """``max_pool2d`` with the window offsets worked out by ``pool_slices``: the same separable
    maximum as ``_reduce_windows``, without the per-call geometry."""
    rows, cols = slices
    across = x[:, rows[0]]
    if len(rows) > 1:
        across = np.maximum(across, x[:, rows[1]])
        for r in rows[2:]:
            np.maximum(across, x[:, r], out=across)
    out = across[:, :, cols[0]]
    if len(cols) > 1:
        out = np.maximum(out, across[:, :, cols[1]])
        for c in cols[2:]:
            np.maximum(out, across[:, :, c], out=out)
    return out if out.base is None else np.array(out, F32)


def max_pool2d_geometry(x: FloatArray, g: PoolGeometry) -> FloatArray:
    """``max_pool2d`` with its geometry already worked out by ``pool_geometry``; x (..., H, W)
    in any float dtype (training pools batches with it)."""
    return _reduce_windows(pool_canvas(x, g, -np.inf), g, np.maximum)


def max_pool2d(
    x: npt.ArrayLike,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
) -> Array:
    """Max pooling, as ``torch.nn.functional.max_pool2d`` on one unbatched image.

    x (C, H, W) -> out (C, H_out, W_out), H_out = pool_out_size(H, kh, sh, ph, ceil_mode):
    floor((H + 2*ph - kh) / sh) + 1, or with ceil_mode ceil(...) + 1 less one if the last window
    would start in the bottom padding. ``stride`` defaults to ``kernel_size``; padding (at most
    half the window) is -inf, so it never wins. With ceil_mode a window may hang over the bottom or
    right edge: the slides' 7x7 map with window 2, stride 2 gives 4x4.
    """
    arr = _as_chw(x)
    g = pool_geometry(arr.shape[1], arr.shape[2], kernel_size, stride, padding, ceil_mode)
    out: Array = max_pool2d_geometry(arr, g)
    return out


def avg_pool_divisors(h: int, w: int, g: PoolGeometry, count_include_pad: bool) -> Array:
    """(H_out, W_out) divisor of each window, by PyTorch's rule: the window clipped to the padded
    input (count_include_pad) or to the input itself."""

    def extent(n: int, k: int, s: int, p: int, out: int) -> npt.NDArray[np.int64]:
        start = np.arange(out) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            return end - start
        return np.minimum(end, n) - np.maximum(start, 0)

    rows = extent(h, g.kh, g.sh, g.ph, g.ho)
    cols = extent(w, g.kw, g.sw, g.pw, g.wo)
    return np.outer(rows, cols).astype(F32)


def avg_pool2d(
    x: npt.ArrayLike,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """Average pooling, as ``torch.nn.functional.avg_pool2d`` on one unbatched image.

    x (C, H, W) -> out (C, H_out, W_out) with the same output size as ``max_pool2d``. Each window's
    sum is divided by the number of its cells inside the padded input (or inside the input itself
    when ``count_include_pad`` is False); cells a ceil-mode window hangs past the edge never count.
    """
    arr = _as_chw(x)
    g = pool_geometry(arr.shape[1], arr.shape[2], kernel_size, stride, padding, ceil_mode)
    divisors = avg_pool_divisors(arr.shape[1], arr.shape[2], g, count_include_pad)
    return avg_pool2d_geometry(arr, g, divisors)


def avg_pool2d_geometry(x: Array, g: PoolGeometry, divisors: Array) -> Array:
    """``avg_pool2d`` with its geometry and (H_out, W_out) divisors already worked out."""
    out: Array = _reduce_windows(pool_canvas(x, g, 0.0), g, np.add)
    out /= divisors
    return out


# --------------------------------------------------------------------------- classifier head


def flatten(x: npt.ArrayLike) -> Array:
    """x (C, H, W) -> out (C*H*W,), channel by channel, each map row by row."""
    return np.asarray(x, dtype=F32).reshape(-1)


def dense(x: npt.ArrayLike, weight: npt.ArrayLike, bias: npt.ArrayLike | None = None) -> Array:
    """Fully connected layer, as ``torch.nn.functional.linear``: x (N,), weight (M, N),
    bias (M,) or None -> out (M,) = weight @ x + bias."""
    v = np.asarray(x, dtype=F32).reshape(-1)
    wm = np.asarray(weight, dtype=F32)
    if wm.ndim != 2 or wm.shape[1] != v.shape[0]:
        raise EngineError("weight", f"expected shape (M, {v.shape[0]}), got {wm.shape}")
    out = wm @ v
    if bias is not None:
        out = out + np.asarray(bias, dtype=F32)
    return out


def softmax(x: npt.ArrayLike) -> Array:
    """exp(x - max(x)) / sum(exp(x - max(x))): x (N,) -> out (N,), summing to 1."""
    v = np.asarray(x, dtype=F32)
    e: Array = np.exp(v - v.max())
    e /= e.sum()
    return e


def vote_matrix(templates: npt.ArrayLike) -> Array:
    """templates (M, N) -> (M, N) weights: 1/count where a template is at its maximum, else 0.

    This is the slides' vote as a dense layer: ``vote_matrix(t) @ x`` is ``vote(x, t)``.
    """
    t = np.asarray(templates, dtype=F32)
    if t.ndim != 2 or 0 in t.shape:
        raise EngineError("templates", f"expected a non-empty (M, N) array, got {t.shape}")
    strongest: Array = (t == t.max(axis=1, keepdims=True)).astype(F32)
    strongest /= strongest.sum(axis=1, keepdims=True)
    return strongest


def vote(x: npt.ArrayLike, templates: npt.ArrayLike) -> Array:
    """The slides' vote: x (N,), templates (M, N) -> scores (M,).

    A class's score is the mean of the x values at the positions where that class's template is at
    its strongest (its maximum), e.g. X: (0.9 + 0.87 + 0.96 + 0.89 + 0.94) / 5 = 0.912.
    """
    v = np.asarray(x, dtype=F32).reshape(-1)
    m = vote_matrix(templates)
    if m.shape[1] != v.shape[0]:
        raise EngineError("templates", f"expected {v.shape[0]} values each, got {m.shape[1]}")
    return m @ v
