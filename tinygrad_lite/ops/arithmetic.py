"""Binary arithmetic: + - * / ** // % and the matrix product @."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Array, needs_grad, quiet


class Add:
    """z = x + y;  dz/dx = 1, dz/dy = 1."""

    name = "+"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        return x + y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return g, g


class Sub:
    """z = x - y;  dz/dx = 1, dz/dy = -1."""

    name = "-"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        return x - y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return g, (-g if ctx.parents[1].requires_grad else None)


class Mul:
    """z = x * y;  dz/dx = y, dz/dy = x."""

    name = "*"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        return x * y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x, y = ctx.parents
        return (
            g * y.data if x.requires_grad else None,
            g * x.data if y.requires_grad else None,
        )


class Div:
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2 = -z/y."""

    name = "/"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        return x / y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x, y = ctx.parents
        gx = g / y.data
        return gx if x.requires_grad else None, (-gx * ctx.data if y.requires_grad else None)


class Pow:
    """z = x ** y;  dz/dx = y * x**(y-1), dz/dy = z * ln(x).

    As in PyTorch, dz/dx is 0 where y == 0 and dz/dy is 0 where x == 0 and
    y >= 0 (x**y is flat in y there), instead of 0*inf = nan."""

    name = "**"

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        refuse_negative_integer_power(x, y)
        return x**y

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        x, y = ctx.parents[0].data, ctx.parents[1].data
        gx = gy = None
        if needs_grad(ctx, 0):
            gx = g * np.where(y == 0, 0.0, y * x ** (y - 1))
        if needs_grad(ctx, 1):
            gy = g * np.where((x == 0) & (y >= 0), 0.0, ctx.data * np.log(x))
        return gx, gy


def refuse_negative_integer_power(x: Array, y: Array) -> None:
    """x ** y is undefined for an integer x and a negative integer y (NumPy and
    PyTorch refuse it too): a TypeError saying what to write instead."""
    if y.dtype.kind in "iu" and x.dtype.kind in "biu" and (y < 0).any():
        raise TypeError(
            "an integer tensor cannot be raised to a negative integer power (as in NumPy and "
            "PyTorch): make the base or the exponent a float, e.g. x ** -1.0"
        )


class MatMul:
    """z = x @ y (numpy.matmul);  dL/dx = g @ y^T, dL/dy = x^T @ g.

    A 1-D x is a row (1, n) and a 1-D y a column (n, 1) during the product;
    the gradient drops that axis again. Batch axes broadcast like any
    operand and are summed back by `unbroadcast`."""

    name = "@"

    @staticmethod
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        try:
            return x @ y
        except ValueError:  # NumPy's message speaks of gufunc signatures: say it plainly
            raise ValueError(_matmul_mismatch(x.shape, y.shape)) from None

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        xt, yt = ctx.parents
        x, y = xt.data, yt.data
        if x.ndim == 2 and y.ndim == 2:  # plain matrices, the common case: no axes to juggle
            return (g @ y.T if xt.requires_grad else None, x.T @ g if yt.requires_grad else None)
        if y.ndim == 1:  # first: when both are 1-D, g is 0-d and gains the column axis
            y, g = y[:, None], np.expand_dims(g, -1)
        if x.ndim == 1:
            x, g = x[None, :], np.expand_dims(g, -2)
        gx = gy = None
        if xt.requires_grad:
            gx = g @ np.swapaxes(y, -1, -2)
            if xt.ndim == 1:
                gx = gx[..., 0, :]
        if yt.requires_grad:
            gy = np.swapaxes(x, -1, -2) @ g
            if yt.ndim == 1:
                gy = gy[..., 0]
        return gx, gy


def _matmul_mismatch(x: tuple[int, ...], y: tuple[int, ...]) -> str:
    """Why ``x @ y`` is undefined for arrays of shapes `x` and `y`."""
    if not x or not y:
        return "@ needs operands of at least 1 dimension; scale by a number with * instead"
    rows = y[-2] if len(y) > 1 else y[0]
    if x[-1] != rows:
        where = "second-to-last" if len(y) > 1 else "only"
        return (
            f"the inner dimensions differ: the left operand's last axis has {x[-1]} elements, "
            f"the right operand's {where} axis has {rows}"
        )
    return f"the batch axes {x[:-2]} and {y[:-2]} do not broadcast together"


# -- issue 17: floor division and remainder ---------------------------------------
class FloorDiv:
    """z = x // y = floor(x / y), as Python and PyTorch (floor, not truncation:
    -7 // 2 = -4);  dz/dx = dz/dy = 0 (a step function; PyTorch does not
    differentiate it at all). x // 0 is ±inf or nan for floats (no warning);
    for integers it raises ZeroDivisionError, as in PyTorch."""

    name = "//"

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        refuse_integer_division_by_zero(x, y, "//")
        return np.floor_divide(x, y)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (
            np.zeros_like(g) if needs_grad(ctx, 0) else None,
            np.zeros_like(g) if needs_grad(ctx, 1) else None,
        )


class Mod:
    """z = x % y = x - y * (x // y): the remainder with the sign of the divisor y,
    as Python and PyTorch's remainder (NumPy's too): -7 % 3 = 2, 7 % -3 = -2;
    dz/dx = 1, dz/dy = -(x // y) (as in PyTorch). x % 0 is nan for floats (no
    warning); for integers it raises ZeroDivisionError, as in PyTorch."""

    name = "%"

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        refuse_integer_division_by_zero(x, y, "%")
        return np.remainder(x, y)

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        x, y = ctx.parents[0].data, ctx.parents[1].data
        gy = g * -np.floor_divide(x, y) if needs_grad(ctx, 1) else None
        return g, gy


def refuse_integer_division_by_zero(x: Array, y: Array, symbol: str) -> None:
    """An integer x // 0 or x % 0 has no answer: a ZeroDivisionError (PyTorch
    raises too; NumPy would warn and give 0)."""
    if y.dtype.kind in "biu" and x.dtype.kind in "biu" and not y.all():
        raise ZeroDivisionError(
            f"integer {symbol} by zero: a divisor is 0 (with float tensors it gives ±inf or nan)"
        )
