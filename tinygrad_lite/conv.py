"""The image ops: 2-D convolution and max pooling, forward and backward side by side.

Both work on NCHW batches (N images of C channels, H rows, W columns) and
follow the op contract of `ops/`. Both rest on one idea, *sliding windows*:

- ``sliding_window_view(x, (kH, kW), axis=(2, 3))`` is a view of x of shape
  (N, C, H-kH+1, W-kW+1, kH, kW): element [n, c, i, j] is the kH x kW patch
  whose top-left corner is x[n, c, i, j]. No data is copied: the view only
  steps through x's memory differently. Keeping every s-th window (``[..., ::s]``)
  gives a stride of s.
- *im2col* lays each image's windows out as the columns of a matrix
  (C*kH*kW rows, one column per output pixel); that one copy turns the
  convolution into a single matrix product with the (C_out, C*kH*kW) weights.
- Backward runs the other way, *col2im*: each window's gradient is added back
  to the pixels it covered, one kernel offset (i, j) at a time; windows
  overlap, so a pixel receives a contribution from every window it lies in.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .ops import needs_grad

Array = np.ndarray
Pair = tuple[int, int]


def as_pair(value: Any, name: str, minimum: int) -> Pair:
    """`value` (an int, or a pair of ints for rows and columns) as (rows, columns),
    each at least `minimum`: TypeError or ValueError saying what was expected."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints (rows, columns), given {value!r}")
    if min(pair) < minimum:
        expected = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {expected}, given {value!r}")
    return int(pair[0]), int(pair[1])


def _windows(x: Array, kernel: Pair, stride: Pair) -> Array:
    """The (N, C, H_out, W_out, kH, kW) view of x's windows: [n, c, p, q] is the
    patch at rows p*sh .. p*sh+kH-1 and columns q*sw .. q*sw+kW-1."""
    return sliding_window_view(x, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def _offset(i: int, j: int, out_hw: tuple[int, ...], stride: Pair) -> tuple[slice, ...]:
    """The index of the pixels that kernel offset (i, j) touches in the windows
    of an (H_out, W_out) output: rows i, i+sh, ..., columns j, j+sw, ...."""
    (ho, wo), (sh, sw) = out_hw, stride
    rows, columns = slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw)
    return slice(None), slice(None), rows, columns


def _check_images(x: Array, what: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"expected a 4-D {what} (N, C, H, W), given a {x.ndim}-D one of shape {x.shape}")


class Conv2D:
    """2-D cross-correlation (PyTorch's conv2d) of x (N, C, H, W) with weights
    w (C_out, C, kH, kW), zero padding (ph, pw) and stride (sh, sw):

        z[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, c, p*sh + i, q*sw + j]

    with xp the input padded by ph rows and pw columns of zeros on each side,
    H_out = (H + 2ph - kH)//sh + 1, W_out likewise. With X the im2col matrix
    (per image, C*kH*kW rows, one column per output pixel) and W the weights
    as a (C_out, C*kH*kW) matrix, this is z = W X + b, so

        dL/dW = sum_n g X^T,   dL/dX = W^T g  (then col2im back to x's pixels),
        dL/db[o] = sum of g[:, o] over the batch and all pixels.
    """

    name = "conv2d"

    @staticmethod
    def forward(
        ctx: Any, x: Array, w: Array, b: Array | None = None, *, stride: Pair, padding: Pair
    ) -> Array:
        _check_images(x, "input")
        _check_images(w, "weight")
        if w.shape[1] != x.shape[1]:
            raise ValueError(
                f"the weight expects C_in = {w.shape[1]} input channels (its axis 1), "
                f"given an input with {x.shape[1]} channels (its axis 1)"
            )
        if b is not None and b.shape != w.shape[:1]:
            raise ValueError(f"expected a bias of shape ({w.shape[0]},) (one per filter), given {b.shape}")
        (ph, pw), kernel = padding, w.shape[2:]
        n, c, h, wd = x.shape
        if h + 2 * ph < kernel[0] or wd + 2 * pw < kernel[1]:
            raise ValueError(
                f"the kernel {kernel[0]}x{kernel[1]} is larger than the padded input "
                f"{h + 2 * ph}x{wd + 2 * pw}: expected kH <= H + 2*ph and kW <= W + 2*pw"
            )
        if ph or pw:
            padded = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), x.dtype)
            padded[:, :, ph : ph + h, pw : pw + wd] = x
            x = padded
        windows = _windows(x, kernel, stride)
        ho, wo = windows.shape[2:4]
        cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, -1, ho * wo)  # im2col: the one copy
        ctx.saved = cols, stride, padding
        out = (w.reshape(len(w), -1) @ cols).reshape(n, len(w), ho, wo)
        if b is not None:
            bias = b.reshape(-1, 1, 1)
            if np.can_cast(bias.dtype, out.dtype):
                out += bias
            else:  # a float64 bias on float32 images: promote, as x + b would
                out = out + bias
        return out

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        cols, stride, (ph, pw) = ctx.saved
        x, w = ctx.parents[0].data, ctx.parents[1].data
        n, c_out, ho, wo = g.shape
        g3 = g.reshape(n, c_out, ho * wo)
        gx = gw = None
        if needs_grad(ctx, 0):
            dcols = (w.reshape(c_out, -1).T @ g3).reshape(n, *w.shape[1:], ho, wo)
            h, wd = x.shape[2:]
            gx = np.zeros((n, x.shape[1], h + 2 * ph, wd + 2 * pw), dcols.dtype)
            for i in range(w.shape[2]):  # col2im: one strided add per kernel offset
                for j in range(w.shape[3]):
                    gx[_offset(i, j, (ho, wo), stride)] += dcols[:, :, i, j]
            if ph or pw:
                gx = gx[:, :, ph : ph + h, pw : pw + wd]
        if needs_grad(ctx, 1):
            gw = (g3 @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
        if len(ctx.parents) == 2:
            return gx, gw
        return gx, gw, (g3.sum(axis=0).sum(axis=1) if needs_grad(ctx, 2) else None)


class MaxPool2D:
    """Max pooling of x (N, C, H, W) over kH x kW windows with stride (sh, sw),
    no padding, floor mode (PyTorch's max_pool2d defaults):

        z[n, c, p, q] = max_{i, j} x[n, c, p*sh + i, q*sw + j],

    dL/dx = g at the element of each window where the max was taken, 0
    elsewhere, summed over windows when they overlap (stride < kernel).

    Ties: ALL of g goes to the FIRST maximal element of the window in
    row-major order, as in PyTorch's max_pool2d. (`Tensor.max` shares a tie's
    gradient evenly instead, like torch.amax.) Ties are common here: after a
    ReLU many windows are all zeros, and following PyTorch keeps training steps
    identical to its own. A NaN counts as the maximum, as in PyTorch."""

    name = "max_pool2d"

    @staticmethod
    def forward(ctx: Any, x: Array, *, kernel_size: Pair, stride: Pair) -> Array:
        _check_images(x, "input")
        if x.shape[2] < kernel_size[0] or x.shape[3] < kernel_size[1]:
            raise ValueError(
                f"the window {kernel_size[0]}x{kernel_size[1]} is larger than the input's "
                f"{x.shape[2]}x{x.shape[3]} pixels: expected kH <= H and kW <= W"
            )
        windows = _windows(x, kernel_size, stride)
        flat = windows.reshape(*windows.shape[:4], -1)  # each window's elements in row-major order
        first_max = flat.argmax(axis=-1)  # argmax returns the first maximum (or the first NaN)
        ctx.saved = first_max, kernel_size, stride
        return np.take_along_axis(flat, first_max[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        first_max, (kh, kw), stride = ctx.saved
        gx = np.zeros(ctx.parents[0].shape, g.dtype)
        overlap = stride[0] < kh or stride[1] < kw
        for k in range(kh * kw):  # the windows' element k sits at offset (k // kW, k % kW)
            where, part = _offset(*divmod(k, kw), g.shape[2:], stride), np.where(first_max == k, g, 0)
            if overlap:  # a pixel may lie in several windows: add up what each sends it
                gx[where] += part
            else:  # each pixel lies in at most one window, at one offset: set it
                gx[where] = part
        return (gx,)
