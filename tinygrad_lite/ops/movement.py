"""Movement: reshape, transpose, indexing, joining (cat, stack), expand, flip, repeat, pad,
tril and triu (the data moves, the values stay or become 0)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Array, unbroadcast


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


# -- joining, shape (issue 17) ---------------------------------------------------
class Cat:
    """z = x1, x2, ... joined end to end along `axis` (numpy.concatenate, torch.cat);
    dL/dxi = the slice of g where xi lies. Any number of inputs."""

    name = "cat"

    @staticmethod
    def forward(ctx: Any, *arrays: Array, axis: int) -> Array:
        ctx.saved = axis
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        index = [slice(None)] * g.ndim
        grads, start = [], 0
        for p in ctx.parents:
            stop = start + p.shape[ctx.saved]
            index[ctx.saved] = slice(start, stop)
            grads.append(g[tuple(index)] if p.requires_grad else None)
            start = stop
        return tuple(grads)


class Stack:
    """z = x1, x2, ... (of one shape) stacked along a new axis `axis` (numpy.stack,
    torch.stack);  dL/dxi = g at position i of that axis. Any number of inputs."""

    name = "stack"

    @staticmethod
    def forward(ctx: Any, *arrays: Array, axis: int) -> Array:
        ctx.saved = axis
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        index: list[Any] = [slice(None)] * g.ndim
        grads = []
        for i, p in enumerate(ctx.parents):
            index[ctx.saved] = i
            grads.append(g[tuple(index)] if p.requires_grad else None)
        return tuple(grads)


class Expand:
    """z = x broadcast to `shape` (a read-only view, as torch.expand is a view);
    dL/dx = g summed over the axes x was stretched along (`unbroadcast`)."""

    name = "expand"

    @staticmethod
    def forward(ctx: Any, x: Array, shape: tuple[int, ...]) -> Array:
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (unbroadcast(g, ctx.parents[0].shape),)


class Flip:
    """z = x with the order of its elements reversed along `axes` (numpy.flip);
    dL/dx = g flipped back along the same axes."""

    name = "flip"

    @staticmethod
    def forward(ctx: Any, x: Array, axes: tuple[int, ...]) -> Array:
        ctx.saved = axes
        return np.flip(x, axes)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (np.flip(g, ctx.saved),)


class Repeat:
    """z = x tiled `reps[i]` times along axis i (torch.repeat, numpy.tile; x first
    gains leading axes of length 1 up to len(reps));  dL/dx = the sum of g over
    all the copies."""

    name = "repeat"

    @staticmethod
    def forward(ctx: Any, x: Array, reps: tuple[int, ...]) -> Array:
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        shape = ctx.parents[0].shape
        if 0 in shape:  # an empty x: its gradient is empty too
            return (np.zeros(shape, g.dtype),)
        own = (1,) * (g.ndim - len(shape)) + shape  # x's shape with the leading axes tile added
        pairs = [n for r, s in zip(g.shape, own) for n in (r // s, s)]  # (copies, size) per axis
        return (g.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2))).reshape(shape),)


class Pad:
    """z = x with `widths[i] = (before, after)` elements of `value` added on each
    side of axis i (numpy.pad, constant mode);  dL/dx = g with the padding cut off.
    `value` is a 0-d array: z takes the dtype it and x promote to."""

    name = "pad"

    @staticmethod
    def forward(ctx: Any, x: Array, widths: tuple[tuple[int, int], ...], value: Array) -> Array:
        shape = tuple(b + n + a for (b, a), n in zip(widths, x.shape))
        ctx.saved = inner = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape))
        out = np.full(shape, value, np.promote_types(x.dtype, value.dtype))
        out[inner] = x
        return out

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g[ctx.saved],)


class Tril:
    """z = x with the elements above diagonal `k` of its last two axes set to 0
    (numpy.tril, torch.tril);  dL/dx = tril(g, k)."""

    name = "tril"

    @staticmethod
    def forward(ctx: Any, x: Array, k: int) -> Array:
        ctx.saved = k
        return np.tril(x, k)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (np.tril(g, ctx.saved),)


class Triu:
    """z = x with the elements below diagonal `k` of its last two axes set to 0
    (numpy.triu, torch.triu);  dL/dx = triu(g, k)."""

    name = "triu"

    @staticmethod
    def forward(ctx: Any, x: Array, k: int) -> Array:
        ctx.saved = k
        return np.triu(x, k)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (np.triu(g, ctx.saved),)
