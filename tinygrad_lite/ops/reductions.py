"""Reductions: sum, mean, max and min over axes; var, std, prod, logsumexp and
cumsum (issue 17)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .core import Array, fast_mean, quiet


def _expand(g: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """Put back the axes a reduction removed, so `g` broadcasts against its input."""
    return g if keepdims or axis is None else np.expand_dims(g, axis)


def _spread(g: Array, shape: tuple[int, ...]) -> Array:
    """`g` (which broadcasts against `shape`) repeated over `shape`: a read-only
    view for a big array, a new one for a small array (NumPy makes that in a
    third of the time of the view)."""
    if math.prod(shape) > 4096:
        return np.broadcast_to(g, shape)
    out = np.empty(shape, g.dtype)
    out[...] = g
    return out


class Sum:
    """z = sum of x over `axis`;  dz/dx = 1 for every element summed."""

    name = "sum"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        ctx.saved = axis, keepdims
        return x.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (_spread(_expand(g, *ctx.saved), ctx.parents[0].shape),)


class Mean:
    """z = mean of x over `axis` (n elements each);  dz/dx = 1/n."""

    name = "mean"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        ctx.saved = axis, keepdims
        return fast_mean(x, axis, keepdims)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0]
        n = x.size // max(ctx.data.size, 1) if x.size else 1
        return (_spread(_expand(g, *ctx.saved) / n, x.shape),)


class Max:
    """z = max of x over `axis`;  dz/dx = 1/k at the k elements equal to the
    max (ties share the gradient evenly, like torch.amax), 0 elsewhere."""

    name = "max"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        ctx.saved = axis, keepdims
        return x.max(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        axis, keepdims = ctx.saved
        hit = ctx.parents[0].data == _expand(ctx.data, axis, keepdims)
        return (hit * (_expand(g, axis, keepdims) / hit.sum(axis=axis, keepdims=True)),)


class Min:
    """z = min of x over `axis`;  dz/dx = 1/k at the k elements equal to the
    min, 0 elsewhere (as `Max`, whose backward it shares). Computed directly,
    not as -max(-x), so it is exact for unsigned and bool arrays too."""

    name = "min"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        ctx.saved = axis, keepdims
        return x.min(axis=axis, keepdims=keepdims)

    backward = Max.backward


# -- issue 17: var, std, prod, logsumexp, cumsum -----------------------------------------
def _deviations(x: Array, axis: tuple[int, ...] | None, correction: float) -> tuple[Array, Array, Any]:
    """x - mean (over `axis`, kept), the sum of their squares (kept) and the
    divisor max(0, n - correction), in x's float dtype (float64 for integers)."""
    n = x.size if axis is None else math.prod(x.shape[a] for a in axis)
    d = x - fast_mean(x, axis, keepdims=True)
    return d, (d * d).sum(axis=axis, keepdims=True), d.dtype.type(max(0, n - correction))


def _drop(z: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """`z`, reduced with keepdims=True, without the reduced axes unless `keepdims`."""
    if keepdims:
        return z
    return z.reshape(()) if axis is None else z.squeeze(axis)


class Var:
    """z = sum((x - mean)²) / max(0, n - correction) over `axis` (n elements
    each; correction=1 is Bessel's, the sample variance, as in PyTorch);
    dz/dx = 2·(x - mean) / (n - correction). With n <= correction the divisor
    is 0: inf, or nan where every deviation is 0 (as PyTorch, without a warning).
    Integer tensors give float64 (as NumPy; PyTorch refuses them)."""

    name = "var"

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool, correction: float) -> Array:
        d, squares, dof = _deviations(x, axis, correction)
        ctx.saved = axis, keepdims, d, dof
        return _drop(squares / dof, axis, keepdims)

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        axis, keepdims, d, dof = ctx.saved
        return (_expand(g, axis, keepdims) * 2 / dof * d,)


class Std:
    """z = sqrt(var(x)) over `axis` (see `Var`);  dz/dx = (x - mean) / ((n - correction)·z),
    and 0 where z = 0 (a constant slice), as in PyTorch."""

    name = "std"

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool, correction: float) -> Array:
        d, squares, dof = _deviations(x, axis, correction)
        z = np.sqrt(squares / dof)
        ctx.saved = axis, keepdims, d, dof, z
        return _drop(z, axis, keepdims)

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        axis, keepdims, d, dof, z = ctx.saved
        scale = np.where(z == 0, 0, _expand(g, axis, keepdims) / (dof * z))
        return (scale.astype(d.dtype, copy=False) * d,)


def _product_of_others(x: Array, axis: tuple[int, ...] | None) -> Array:
    """For each element, the product of the other elements of its slice over
    `axis`, without dividing (so exact where x holds zeros): the product of
    those before it times the product of those after it (two cumprods)."""
    axes = tuple(range(x.ndim)) if axis is None else axis
    ends = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, ends)
    rows = moved.reshape(*moved.shape[: x.ndim - len(axes)], -1)  # each slice as one row
    before, after = np.ones_like(rows), np.ones_like(rows)
    np.cumprod(rows[..., :-1], axis=-1, out=before[..., 1:])
    np.cumprod(rows[..., :0:-1], axis=-1, out=after[..., -2::-1])
    return np.moveaxis((before * after).reshape(moved.shape), ends, axes)


class Prod:
    """z = product of x over `axis`;  dz/dx_i = product of the other elements
    of x_i's slice: z / x_i when x has no zero, else two cumulative products,
    so one zero gets the product of the rest and two zeros give 0 everywhere
    (as PyTorch). A bool or integer tensor multiplies to int64 (as NumPy and PyTorch)."""

    name = "prod"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        ctx.saved = axis, keepdims
        return x.prod(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        axis, keepdims = ctx.saved
        x = ctx.parents[0].data
        # z / x where nothing is 0; the cumprods are exact where something is
        others = _expand(ctx.data, axis, keepdims) / x if x.all() else _product_of_others(x, axis)
        return (_expand(g, axis, keepdims) * others,)


class LogSumExp:
    """z = log(sum(exp(x))) over `axis`, computed as m + log(sum(exp(x - m)))
    with m the max (0 where the max is ±inf or nan), so 1e308 does not
    overflow; a slice of -inf gives -inf, and so does an empty one (as PyTorch).
    dz/dx = exp(x - z) = softmax(x) over the slice (nan in a slice of -inf, as
    PyTorch). Integer tensors give float64."""

    name = "logsumexp"

    @staticmethod
    @quiet(divide="ignore", invalid="ignore", over="ignore")  # x - m is -inf for -1e308 - 1e308
    def forward(ctx: Any, x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        z = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        ctx.saved = axis, keepdims, z
        return _drop(z, axis, keepdims)

    @staticmethod
    @quiet(invalid="ignore", over="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        axis, keepdims, z = ctx.saved
        return (np.exp(ctx.parents[0].data - z) * _expand(g, axis, keepdims),)


class CumSum:
    """z_i = x_1 + ... + x_i along `axis` (a running total);  dL/dx_i = g_i + ... + g_n:
    the gradient summed from the end, a cumsum of g reversed. A bool or
    integer tensor sums to int64 (as NumPy and PyTorch)."""

    name = "cumsum"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: int) -> Array:
        ctx.saved = axis
        if x.ndim == 0:  # PyTorch's cumsum of a 0-d tensor (axis 0 or -1) is the tensor
            return np.cumsum(x).reshape(())
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        axis = ctx.saved
        if g.ndim == 0:
            return (g,)
        return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)
