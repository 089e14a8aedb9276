"""The image ops: 2-D convolution, max and average pooling, forward and backward side by side.

All work on NCHW batches (N images of C channels, H rows, W columns) and
follow the op contract of `ops/`. All rest on one idea, *sliding windows*:

- ``sliding_window_view(x, (kH, kW), axis=(2, 3))`` is a view of x of shape
  (N, C, H-kH+1, W-kW+1, kH, kW): element [n, c, i, j] is the kH x kW patch
  whose top-left corner is x[n, c, i, j]. No data is copied: the view only
  steps through x's memory differently. Keeping every s-th window (``[..., ::s]``)
  gives a stride of s; a dilation d takes a (d*(kH-1)+1)-row window and keeps
  every d-th row of it (and likewise for columns).
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


def positive_int(value: Any, name: str) -> int:
    """`value` as an int of at least 1 (conv2d's `groups`): TypeError or ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, given {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be positive, given {value!r}")
    return int(value)


def check_pool_padding(kernel: Pair, padding: Pair) -> None:
    """PyTorch's rule for pooling: each side's padding at most half the window,
    so that every window holds at least one pixel of the image."""
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"padding must be at most half the window (as in PyTorch), given padding={padding} "
            f"for kernel_size={kernel}: at most ({kernel[0] // 2}, {kernel[1] // 2})"
        )


def _windows(x: Array, kernel: Pair, stride: Pair, dilation: Pair = (1, 1)) -> Array:
    """The (N, C, H_out, W_out, kH, kW) view of x's windows: [n, c, p, q] is the
    patch at rows p*sh + i*dh (i < kH) and columns q*sw + j*dw (j < kW)."""
    if dilation == (1, 1):  # the common case, without the slicing that dilation needs
        return sliding_window_view(x, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]
    (kh, kw), (dh, dw) = kernel, dilation
    windows = sliding_window_view(x, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return windows[:, :, :: stride[0], :: stride[1], ::dh, ::dw]


def _pad(x: Array, padding: Pair, fill: Any = 0) -> Array:
    """x with `fill` added around each image: ph rows above and below, pw columns each side."""
    (ph, pw), (n, c, h, w) = padding, x.shape
    shape = (n, c, h + 2 * ph, w + 2 * pw)
    padded = np.zeros(shape, x.dtype) if fill == 0 else np.full(shape, fill, x.dtype)
    padded[:, :, ph : ph + h, pw : pw + w] = x
    return padded


def _pooled_size(x: Array, kernel: Pair, stride: Pair, padding: Pair) -> tuple[int, int]:
    """(H_out, W_out) of pooling x with `kernel` windows; the window must fit the padded image."""
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        padded = f" padded to {h}x{w}" if any(padding) else ""
        raise ValueError(
            f"the window {kernel[0]}x{kernel[1]} is larger than the input's {x.shape[2]}x{x.shape[3]} "
            f"pixels{padded}: expected kH <= H + 2*ph and kW <= W + 2*pw"
        )
    return (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1


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
    w (C_out, C/G, kH, kW) in G groups, zero padding (ph, pw), stride (sh, sw)
    and dilation (dh, dw):

        z[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, G(o) + c, p*sh + i*dh, q*sw + j*dw]

    with xp the input padded by ph rows and pw columns of zeros on each side,
    G(o) the first input channel of filter o's group (the filters and the
    channels are each split into G equal consecutive groups; group k's filters
    see only group k's channels), H_out = (H + 2ph - dh*(kH-1) - 1)//sh + 1,
    W_out likewise. With X the im2col matrix of a group (per image, C/G*kH*kW
    rows, one column per output pixel) and W the group's weights as a
    (C_out/G, C/G*kH*kW) matrix, this is z = W X + b, so

        dL/dW = sum_n g X^T,   dL/dX = W^T g  (then col2im back to x's pixels),
        dL/db[o] = sum of g[:, o] over the batch and all pixels.
    """

    name = "conv2d"

    @staticmethod
    def forward(
        ctx: Any,
        x: Array,
        w: Array,
        b: Array | None = None,
        *,
        stride: Pair,
        padding: Pair,
        dilation: Pair = (1, 1),
        groups: int = 1,
    ) -> Array:
        _check_images(x, "input")
        _check_images(w, "weight")
        c_out, c_group, kh, kw = w.shape
        if c_out % groups:
            raise ValueError(
                f"groups={groups} must divide the weight's {c_out} filters (its axis 0, C_out), as in PyTorch"
            )
        if c_group * groups != x.shape[1]:
            expected = "C_in = " if groups == 1 else f"groups x C_in/groups = {groups} x {c_group} = "
            raise ValueError(
                f"the weight expects {expected}{c_group * groups} input channels (its axis 1), "
                f"given an input with {x.shape[1]} channels (its axis 1)"
            )
        if b is not None and b.shape != (c_out,):
            raise ValueError(f"expected a bias of shape ({c_out},) (one per filter), given {b.shape}")
        (ph, pw), (dh, dw) = padding, dilation
        n, h, wd = x.shape[0], *x.shape[2:]
        span = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        if h + 2 * ph < span[0] or wd + 2 * pw < span[1]:
            spans = f" (dilated to {span[0]}x{span[1]})" if dh > 1 or dw > 1 else ""
            raise ValueError(
                f"the kernel {kh}x{kw}{spans} is larger than the padded input "
                f"{h + 2 * ph}x{wd + 2 * pw}: expected kH <= H + 2*ph and kW <= W + 2*pw"
            )
        if ph or pw:
            x = _pad(x, padding)
        windows = _windows(x, (kh, kw), stride, dilation)
        ho, wo = windows.shape[2:4]
        # im2col, the one copy: per image and group, a (C/G*kH*kW, H_out*W_out) matrix
        cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, groups, c_group * kh * kw, ho * wo)
        ctx.saved = cols, stride, padding, dilation, groups
        out = (w.reshape(groups, c_out // groups, c_group * kh * kw) @ cols).reshape(n, c_out, ho, wo)
        if b is not None:
            bias = b.reshape(-1, 1, 1)
            if np.can_cast(bias.dtype, out.dtype):
                out += bias
            else:  # a float64 bias on float32 images: promote, as x + b would
                out = out + bias
        return out

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        cols, stride, (ph, pw), (dh, dw), groups = ctx.saved
        x, w = ctx.parents[0].data, ctx.parents[1].data
        n, c_out, ho, wo = g.shape
        g4 = g.reshape(n, groups, c_out // groups, ho * wo)
        gx = gw = None
        if needs_grad(ctx, 0):
            w3 = w.reshape(groups, c_out // groups, -1)
            dcols = (w3.transpose(0, 2, 1) @ g4).reshape(n, x.shape[1], *w.shape[2:], ho, wo)
            h, wd = x.shape[2:]
            gx = np.zeros((n, x.shape[1], h + 2 * ph, wd + 2 * pw), dcols.dtype)
            for i in range(w.shape[2]):  # col2im: one strided add per kernel offset
                for j in range(w.shape[3]):
                    gx[_offset(i * dh, j * dw, (ho, wo), stride)] += dcols[:, :, i, j]
            if ph or pw:
                gx = gx[:, :, ph : ph + h, pw : pw + wd]
        if needs_grad(ctx, 1):
            gw = (g4 @ cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w.shape)
        if len(ctx.parents) == 2:
            return gx, gw
        # two sums, the batch first: a third of the cost of g.sum(axis=(0, 2, 3))
        gb = g.reshape(n, c_out, ho * wo).sum(axis=0).sum(axis=1) if needs_grad(ctx, 2) else None
        return gx, gw, gb


class MaxPool2D:
    """Max pooling of x (N, C, H, W) over kH x kW windows with stride (sh, sw),
    padding (ph, pw) of -inf (the lowest value for integers) on each side,
    floor mode (PyTorch's max_pool2d):

        z[n, c, p, q] = max_{i, j} xp[n, c, p*sh + i, q*sw + j],

    dL/dx = g at the element of each window where the max was taken, 0
    elsewhere, summed over windows when they overlap (stride < kernel).

    Ties: ALL of g goes to the FIRST maximal element of the window in
    row-major order, as in PyTorch's max_pool2d. (`Tensor.max` shares a tie's
    gradient evenly instead, like torch.amax.) Ties are common here: after a
    ReLU many windows are all zeros, and following PyTorch keeps training steps
    identical to its own. A NaN counts as the maximum, as in PyTorch; padding
    never does (a window of -inf sends g to its first pixel of the image)."""

    name = "max_pool2d"

    @staticmethod
    def forward(ctx: Any, x: Array, *, kernel_size: Pair, stride: Pair, padding: Pair = (0, 0)) -> Array:
        _check_images(x, "input")
        ho, wo = _pooled_size(x, kernel_size, stride, padding)
        image_hw = x.shape[2:]
        if padding != (0, 0):
            lowest = _lowest(x.dtype)
            x = _pad(x, padding, lowest)
        windows = _windows(x, kernel_size, stride)
        flat = windows.reshape(*x.shape[:2], ho, wo, kernel_size[0] * kernel_size[1])  # row-major windows
        first_max = flat.argmax(axis=-1)  # argmax returns the first maximum (or the first NaN)
        out = np.take_along_axis(flat, first_max[..., None], axis=-1)[..., 0]
        if padding != (0, 0):
            at_lowest = out == lowest  # padding may have won the tie: PyTorch takes the image's first pixel
            if at_lowest.any():
                first = _first_pixel(image_hw, kernel_size, stride, padding)
                first_max = np.where(at_lowest, first, first_max)
        ctx.saved = first_max, kernel_size, stride, padding
        return out

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        first_max, (kh, kw), stride, (ph, pw) = ctx.saved
        n, c, h, w = ctx.parents[0].shape
        gx = np.zeros((n, c, h + 2 * ph, w + 2 * pw), g.dtype)
        overlap = stride[0] < kh or stride[1] < kw
        for k in range(kh * kw):  # the windows' element k sits at offset (k // kW, k % kW)
            where, part = _offset(*divmod(k, kw), g.shape[2:], stride), np.where(first_max == k, g, 0)
            if overlap:  # a pixel may lie in several windows: add up what each sends it
                gx[where] += part
            else:  # each pixel lies in at most one window, at one offset: set it
                gx[where] = part
        return (gx[:, :, ph : ph + h, pw : pw + w] if ph or pw else gx,)


def _lowest(dtype: np.dtype) -> Any:
    """The value no element is below: max pooling's padding."""
    if dtype.kind == "f":
        return -np.inf
    return np.iinfo(dtype).min if dtype.kind in "iu" else False


def _first_pixel(image_hw: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair) -> Array:
    """(H_out, W_out): the row-major index, within each window, of its first
    pixel of the image (not padding)."""
    (ph, pw), (h, w) = padding, image_hw
    image = np.zeros((1, 1, h + 2 * ph, w + 2 * pw), bool)
    image[:, :, ph : ph + h, pw : pw + w] = True
    windows = _windows(image, kernel, stride)
    return windows.reshape(*windows.shape[2:4], -1).argmax(axis=-1)


class AvgPool2D:
    """Average pooling of x (N, C, H, W) over kH x kW windows with stride (sh, sw)
    and zero padding (ph, pw), floor mode (PyTorch's avg_pool2d):

        z[n, c, p, q] = (1/k) sum_{i, j} xp[n, c, p*sh + i, q*sw + j],

    k = kH*kW (count_include_pad=True, PyTorch's default: padding counts as
    zeros), or the number of the window's pixels inside the image
    (count_include_pad=False). dL/dx = g/k from each window the pixel lies in.
    Integer images give float64 (as NumPy's mean; PyTorch keeps integers)."""

    name = "avg_pool2d"

    @staticmethod
    def forward(
        ctx: Any, x: Array, *, kernel_size: Pair, stride: Pair, padding: Pair, count_include_pad: bool = True
    ) -> Array:
        _check_images(x, "input")
        ho, wo = _pooled_size(x, kernel_size, stride, padding)
        (kh, kw), (ph, pw) = kernel_size, padding
        count: Any = kh * kw
        if (ph or pw) and not count_include_pad:
            image = _pad(np.ones((1, 1, *x.shape[2:]), np.int64), padding)
            count = _windows(image, kernel_size, stride).sum(axis=(4, 5))[0, 0]  # (H_out, W_out)
        if ph or pw:
            x = _pad(x, padding)
        out = np.zeros((*x.shape[:2], ho, wo), x.dtype if x.dtype.kind == "f" else np.float64)
        for i in range(kh):  # one strided add per window offset
            for j in range(kw):
                out += x[_offset(i, j, (ho, wo), stride)]
        ctx.saved = kernel_size, stride, padding, count
        return np.divide(out, count, out=out, casting="unsafe")

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        (kh, kw), stride, (ph, pw), count = ctx.saved
        n, c, h, w = ctx.parents[0].shape
        share = (g / count).astype(g.dtype, copy=False)
        gx = np.zeros((n, c, h + 2 * ph, w + 2 * pw), g.dtype)
        for i in range(kh):  # each pixel gets share from every window it lies in
            for j in range(kw):
                gx[_offset(i, j, g.shape[2:], stride)] += share
        return (gx[:, :, ph : ph + h, pw : pw + w] if ph or pw else gx,)
