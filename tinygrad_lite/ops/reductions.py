"""Reductions: sum, mean, max and min over axes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .core import Array, fast_mean


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
