"""What the op families share: the adjoint of broadcasting (`unbroadcast`), whether an
input wants a gradient (`needs_grad`), silenced floating-point warnings (`quiet`) and a
fast mean (`fast_mean`)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray


def needs_grad(ctx: Any, i: int) -> bool:
    """Whether input `i` wants a gradient (skip costly work when it does not)."""
    return ctx.parents[i].requires_grad


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum `g` down to `shape`: the adjoint of NumPy broadcasting.

    Leading axes that broadcasting added are summed away; axes where `shape`
    has 1 but `g` does not are summed with keepdims."""
    if g.shape == shape:
        return g
    if g.size == math.prod(shape):  # the summed axes all have length 1: nothing to add up
        return g.reshape(shape)
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    if g.shape != shape:  # summing an axis where g has 1 already changes nothing
        g = g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    return g


def quiet(**errors: str) -> Callable:
    """``np.errstate(**errors)`` as a decorator. NumPy 2's decorator is safe
    across threads; NumPy 1.x's shares one state object among all calls, so
    two threads in one op could leave each other's error settings behind.
    There each call gets its own ``with`` block."""
    if int(np.__version__.split(".")[0]) >= 2:
        return np.errstate(**errors)

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def quiet(*args: Any, **kwargs: Any) -> Any:
            with np.errstate(**errors):
                return fn(*args, **kwargs)

        return quiet

    return decorate


def fast_mean(x: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
    """np.mean(x, axis, keepdims) at a third of its cost: its own formula,
    sum / count, for float32 and float64 (np.mean sums other dtypes in a wider
    type, so they go to it). An empty mean is nan, without NumPy's warning
    (as in PyTorch)."""
    if x.size == 0:
        total = np.sum(x, axis=axis, keepdims=keepdims)
        return np.full(np.shape(total), np.nan, x.dtype if x.dtype.kind == "f" else np.float64)
    if x.dtype.kind != "f" or x.itemsize < 4:
        return np.mean(x, axis=axis, keepdims=keepdims)
    total = x.sum(axis=axis, keepdims=keepdims)
    count = x.size // max(total.size, 1)
    # a float32 count keeps float32 on NumPy 1.x too; a plain int is faster for float64
    return total / (count if x.itemsize == 8 else x.dtype.type(count))
