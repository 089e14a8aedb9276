"""Movement: reshape, transpose and indexing (the data moves, the values stay)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Array


class Reshape:
    """z = x with a new shape;  dL/dx = g reshaped back."""

    name = "reshape"

    @staticmethod
    def forward(ctx: Any, x: Array, shape: tuple[int, ...]) -> Array:
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g.reshape(ctx.parents[0].shape),)


class Transpose:
    """z = x with its axes permuted;  dL/dx = g with the inverse permutation."""

    name = "transpose"

    @staticmethod
    def forward(ctx: Any, x: Array, axes: tuple[int, ...] | None) -> Array:
        ctx.saved = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        axes = ctx.saved
        return (np.transpose(g, None if axes is None else np.argsort(axes)),)


class GetItem:
    """z = x[index];  dL/dx = zeros with g added at the indexed places.

    Integer-array indices may repeat an element; `np.add.at` then adds each
    occurrence's gradient (a plain assignment would keep only the last)."""

    name = "getitem"

    @staticmethod
    def forward(ctx: Any, x: Array, index: Any) -> Array:
        ctx.saved = index
        return x[index]

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x, index = ctx.parents[0], ctx.saved
        out = np.zeros(x.shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return (out,)


def _is_advanced(index: Any) -> bool:
    """True when `index` uses integer or boolean arrays (NumPy's advanced indexing)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) for p in parts)
