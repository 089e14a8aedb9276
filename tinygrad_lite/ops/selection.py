"""Selection: each output element is picked from one input (where, maximum,
minimum, masked_fill, gather), so its gradient goes back to the element it came from;
and what picks them, the masks of comparisons (`OutsideGraph`), which no gradient reaches."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Array, needs_grad


def _zero(g: Array) -> Array:
    """A 0-d zero of g's dtype: ``np.where(c, g, 0)`` keeps g's dtype on every NumPy."""
    return np.zeros((), g.dtype)


class Where:
    """z = x where `cond` holds, else y (torch.where, numpy.where; all three broadcast);
    dz/dx = 1 where cond holds, else 0;  dz/dy = the opposite."""

    name = "where"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array, cond: Array) -> Array:
        ctx.saved = cond
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        cond, zero = ctx.saved, _zero(g)
        return (
            np.where(cond, g, zero) if needs_grad(ctx, 0) else None,
            np.where(cond, zero, g) if needs_grad(ctx, 1) else None,
        )


def _split_ties(g: Array, x: Array, y: Array, x_loses: Array) -> Array:
    """g where x was picked, g/2 where x and y tie, 0 where x lost: as PyTorch's
    maximum and minimum (where either is NaN both get all of g, as in PyTorch)."""
    return np.where(x == y, g * 0.5, np.where(x_loses, _zero(g), g))


class Maximum:
    """z = the larger of x and y, elementwise (torch.maximum; NaN wins);
    dz/dx = 1 where x > y, 1/2 where x == y, 0 where x < y (dz/dy likewise)."""

    name = "maximum"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x, y = ctx.parents[0].data, ctx.parents[1].data
        return (
            _split_ties(g, x, y, x < y) if needs_grad(ctx, 0) else None,
            _split_ties(g, y, x, y < x) if needs_grad(ctx, 1) else None,
        )


class Minimum:
    """z = the smaller of x and y, elementwise (torch.minimum; NaN wins);
    dz/dx = 1 where x < y, 1/2 where x == y, 0 where x > y (dz/dy likewise)."""

    name = "minimum"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x, y = ctx.parents[0].data, ctx.parents[1].data
        return (
            _split_ties(g, x, y, x > y) if needs_grad(ctx, 0) else None,
            _split_ties(g, y, x, y > x) if needs_grad(ctx, 1) else None,
        )


class MaskedFill:
    """z = `value` where `mask` holds, else x (torch.masked_fill; the mask broadcasts);
    dz/dx = 0 where the mask holds, else 1. `value` is a 0-d array of z's dtype."""

    name = "masked_fill"

    @staticmethod
    def forward(ctx: Any, x: Array, mask: Array, value: Array) -> Array:
        ctx.saved = mask
        return np.where(mask, value, x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (np.where(ctx.saved, _zero(g), g),)


class Gather:
    """z[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (and so on for the others:
    torch.gather); z has index's shape. dL/dx = zeros with g added at each
    gathered place (an element gathered twice gets both gradients, `np.add.at`)."""

    name = "gather"

    @staticmethod
    def forward(ctx: Any, x: Array, axis: int, index: Array) -> Array:
        if x.ndim == 0:  # a 0-d x and index: one element, index 0 (as torch.gather)
            ctx.saved = (np.zeros(1, np.intp),)
            return x.reshape(1)[ctx.saved].reshape(())
        places = list(np.ogrid[tuple(slice(n) for n in index.shape)])  # each axis's own positions
        places[axis] = index
        ctx.saved = tuple(places)
        return x[ctx.saved]

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        shape = ctx.parents[0].shape
        out = np.zeros(shape or (1,), g.dtype)
        np.add.at(out, ctx.saved, g.reshape(-1) if not shape else g)
        return (out.reshape(shape),)


class OutsideGraph:
    """z = fn(x, ...) for a NumPy function whose result the gradient does not
    reach: a comparison (``x > y`` is numpy.greater), isnan, any and all. It has
    no backward: its result is a leaf, as in PyTorch. It is an op so that a
    compiled step (`compile_step`) computes a mask again from each call's data."""

    name = "outside_graph"

    @staticmethod
    def forward(ctx: Any, *arrays: Array, fn: Any, **params: Any) -> Array:
        return fn(*arrays, **params)
