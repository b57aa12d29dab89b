"""Slow, obviously correct versions of the ops: plain loops over every output cell and window.

They follow PyTorch's definitions literally, so the fast ops can be checked against them.
"""

from __future__ import annotations

import math

import numpy as np


def conv2d(x, weight, bias=None, stride=(1, 1), pads=(0, 0, 0, 0), mean=False):
    c, h, w = x.shape
    k, _, kh, kw = weight.shape
    top, bottom, left, right = pads
    xp = np.zeros((c, h + top + bottom, w + left + right))
    xp[:, top : top + h, left : left + w] = x
    sh, sw = stride
    ho = (h + top + bottom - kh) // sh + 1
    wo = (w + left + right - kw) // sw + 1
    out = np.zeros((k, ho, wo))
    for o in range(k):
        for i in range(ho):
            for j in range(wo):
                total = 0.0
                for ci in range(c):
                    for u in range(kh):
                        for v in range(kw):
                            total += xp[ci, i * sh + u, j * sw + v] * weight[o, ci, u, v]
                if mean:
                    total /= c * kh * kw
                out[o, i, j] = total + (0.0 if bias is None else bias[o])
    return out


def _out_size(n, k, s, p, ceil_mode):
    if ceil_mode:
        out = math.ceil((n + 2 * p - k) / s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
    else:
        out = math.floor((n + 2 * p - k) / s) + 1
    return out


def pool2d(x, kernel, stride, padding, ceil_mode, op, count_include_pad=True):
    c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    ho, wo = _out_size(h, kh, sh, ph, ceil_mode), _out_size(w, kw, sw, pw, ceil_mode)
    out = np.zeros((c, ho, wo))
    for ci in range(c):
        for i in range(ho):
            for j in range(wo):
                hs, ws = i * sh - ph, j * sw - pw
                he, we = min(hs + kh, h + ph), min(ws + kw, w + pw)
                pool_size = (he - hs) * (we - ws)
                values = [
                    x[ci, u, v]
                    for u in range(max(hs, 0), min(he, h))
                    for v in range(max(ws, 0), min(we, w))
                ]
                if op == "max":
                    out[ci, i, j] = max(values)
                else:
                    divisor = pool_size if count_include_pad else len(values)
                    out[ci, i, j] = sum(values) / divisor
    return out
