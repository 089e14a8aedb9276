"""The Tensor operations: each one's forward and backward side by side.

An op is a class with two static methods:

- ``forward(ctx, *arrays, **params) -> ndarray``: the result, from the inputs'
  NumPy arrays. It may keep what backward needs in ``ctx.saved``.
- ``backward(ctx, g) -> tuple``: given g = dL/d(output), return dL/d(input)
  for each input, in order (None where an input needs no gradient). It reads
  ``ctx.data`` (the output), ``ctx.parents`` (the input Tensors) and
  ``ctx.saved``. Each gradient is g itself, a view, or a new array that
  nothing else holds (never one kept in ``ctx.saved``, nor one returned for
  two inputs): a parameter keeps such a new array as its grad, uncopied.

``ctx`` is the output Tensor itself, so nothing else is allocated per op.
Where an op may meet floating-point exceptions that are expected (``exp``
overflowing to inf, say), it silences them with `_quiet`: ``np.errstate`` as
a decorator, which costs about half as much as the ``with`` form.
Gradients for broadcast operands may come back in the broadcast shape:
the Tensor sums them back to each input's own shape in one place
(`unbroadcast`), so no op repeats that logic. Elementwise math follows IEEE
floats like NumPy: ``exp`` overflows to inf, ``log(0)`` is -inf.
"""

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


def _quiet(**errors: str) -> Callable:
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


def _mean(x: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
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


# -- binary arithmetic --------------------------------------------------------
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
    @_quiet(divide="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, y: Array) -> Array:
        refuse_negative_integer_power(x, y)
        return x**y

    @staticmethod
    @_quiet(divide="ignore", invalid="ignore")
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


# -- elementwise ------------------------------------------------------------
class Neg:
    """z = -x;  dz/dx = -1."""

    name = "neg"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return -x

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (-g,)


class Exp:
    """z = e**x;  dz/dx = e**x = z."""

    name = "exp"

    @staticmethod
    @_quiet(over="ignore", under="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.exp(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * ctx.data,)


class Log:
    """z = ln(x);  dz/dx = 1/x.  log(0) = -inf, as in NumPy (without its warning)."""

    name = "log"

    @staticmethod
    @_quiet(divide="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.log(x)

    @staticmethod
    @_quiet(divide="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g / ctx.parents[0].data,)


class Sqrt:
    """z = sqrt(x);  dz/dx = 1 / (2 sqrt(x)) = 1 / (2z)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.sqrt(x)

    @staticmethod
    @_quiet(divide="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g / (2 * ctx.data),)


class Abs:
    """z = |x|;  dz/dx = sign(x) (0 at x == 0, as in PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.abs(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * np.sign(ctx.parents[0].data),)


class Tanh:
    """z = tanh(x);  dz/dx = 1 - z**2."""

    name = "tanh"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.tanh(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        z = ctx.data
        return (g * (1 - z * z),)


class Sigmoid:
    """z = 1 / (1 + e**-x);  dz/dx = z * (1 - z).

    Stable as written: for x < -709, e**-x overflows to inf and
    1 / (1 + inf) = 0, the correct limit (the overflow is expected, so
    silenced, as is the harmless underflow of e**-x to 0 for x > 745).
    Computed exactly as the tutorials write it, so their numbers reproduce
    to the last digit."""

    name = "sigmoid"

    @staticmethod
    @_quiet(over="ignore", under="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return 1 / (1 + np.exp(-x))

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        z = ctx.data
        return (g * (z * (1 - z)),)  # the local derivative first, as the tutorials compute it


class Relu:
    """z = max(x, 0);  dz/dx = 1 where x > 0, else 0."""

    name = "relu"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * (ctx.parents[0].data > 0),)


class Clip:
    """z = min(max(x, lo), hi);  dz/dx = 1 where lo <= x <= hi, else 0
    (the bounds included, as in PyTorch's clamp)."""

    name = "clip"

    @staticmethod
    def forward(ctx: Any, x: Array, lo: float | None, hi: float | None) -> Array:
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0].data
        return (g * (x == ctx.data),)


class Softplus:
    """z = ln(1 + e**x);  dz/dx = sigmoid(x).

    Stable: z = max(x, 0) + ln(1 + e**-|x|)."""

    name = "softplus"

    @staticmethod
    @_quiet(under="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * Sigmoid.forward(ctx, ctx.parents[0].data),)


class LogSigmoid:
    """z = ln(sigmoid(x)) = -softplus(-x);  dz/dx = 1 - sigmoid(x) = sigmoid(-x)."""

    name = "log_sigmoid"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return -Softplus.forward(ctx, -x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * Sigmoid.forward(ctx, -ctx.parents[0].data),)


class Softmax:
    """z_i = e**x_i / sum_j e**x_j along `axis`;  dL/dx = z * (g - sum(g * z)).

    Stable: the max along `axis` is subtracted first, so e is raised to
    non-positive powers only."""

    name = "softmax"

    @staticmethod
    @_quiet(under="ignore")
    def forward(ctx: Any, x: Array, axis: int) -> Array:
        ctx.saved = axis
        e = np.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))  # -inf: an empty axis
        return e / e.sum(axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        z = ctx.data
        return (z * (g - (g * z).sum(axis=ctx.saved, keepdims=True)),)


class LogSoftmax:
    """z_i = x_i - ln(sum_j e**x_j) along `axis`;  dL/dx = g - softmax(x) * sum(g).

    Stable: computed as (x - m) - ln(sum e**(x - m)) with m the max."""

    name = "log_softmax"

    @staticmethod
    @_quiet(under="ignore", divide="ignore")  # divide: ln(0) for an empty axis
    def forward(ctx: Any, x: Array, axis: int) -> Array:
        ctx.saved = axis
        shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)  # -inf: an empty axis
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    @staticmethod
    @_quiet(under="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g - np.exp(ctx.data) * g.sum(axis=ctx.saved, keepdims=True),)


class BinaryCrossEntropy:
    """z = -(t ln p + (1 - t) ln(1 - p)), elementwise for probability p and target t;
    dz/dp = (p - t) / (p (1 - p)),  dz/dt = ln(1 - p) - ln p.

    Finite at p = 0 and p = 1, as in PyTorch: each log is clamped at -100 and
    p (1 - p) at 1e-12 in the derivative."""

    name = "bce"

    @staticmethod
    @_quiet(divide="ignore")
    def forward(ctx: Any, p: Array, t: Array) -> Array:
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        ctx.saved = log_p, log_q
        return -(t * log_p + (1 - t) * log_q)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        p, t = ctx.parents[0].data, ctx.parents[1].data
        log_p, log_q = ctx.saved
        gp = g * (p - t) / np.maximum(p * (1 - p), 1e-12) if needs_grad(ctx, 0) else None
        gt = g * (log_q - log_p) if needs_grad(ctx, 1) else None
        return gp, gt


# -- losses: one node each, the mean over the batch included ---------------------
class MSE:
    """Mean squared error of a prediction p and a target t of one shape (n elements):
    z = (1/n) sum (p - t)**2;  dz/dp = 2 (p - t) / n,  dz/dt = -2 (p - t) / n."""

    name = "mse"

    @staticmethod
    def forward(ctx: Any, p: Array, t: Array) -> Array:
        d = ctx.saved = p - t
        return _mean(d * d)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        d = ctx.saved
        gp = d * (g / d.size) * 2
        return gp, (-gp if ctx.parents[1].requires_grad else None)


class CrossEntropy:
    """Softmax cross-entropy of logits x, shape (n, classes), with n integer
    labels t: the mean over the rows of -ln softmax(x_i)[t_i],
    z = (1/n) sum_i (lse(x_i) - x_i,t_i)  with lse(x_i) = ln sum_j e**x_ij;
    dz/dx = (softmax(x) - onehot(t)) / n.  The labels get no gradient.

    With rows t_i of class probabilities instead of labels:
    z = (1/n) sum_i sum_j t_ij (lse(x_i) - x_ij),  dz/dx = (softmax(x) sum_j t_ij - t) / n,
    dz/dt = -log_softmax(x) / n (as PyTorch, when t requires grad);
    a one-hot row gives exactly the loss and gradient of its label. One node
    for log_softmax, picking the label and the mean; stable as LogSoftmax
    (e is raised to x - max(x_i) <= 0 only)."""

    name = "cross_entropy"

    @staticmethod
    @_quiet(under="ignore")
    def forward(ctx: Any, x: Array, t: Array) -> Array:
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=1, keepdims=True)
        if t.dtype.kind == "f":
            neg_log_softmax = np.log(sums) - shifted
            ctx.saved = e, sums, neg_log_softmax
            return _mean((t * neg_log_softmax).sum(axis=1))
        ctx.saved = e, sums, None
        return _mean(np.log(sums[:, 0]) - shifted[np.arange(len(x)), t])

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        e, sums, neg_log_softmax = ctx.saved
        t = ctx.parents[1].data
        n = len(e)
        d = e / sums  # softmax(x)
        if t.dtype.kind == "f":
            d = d * t.sum(axis=1, keepdims=True) - t
        else:
            d[np.arange(n), t] -= 1
        d *= g
        d /= n
        gt = neg_log_softmax * (g / n) if needs_grad(ctx, 1) else None
        return d, gt


# -- reductions -------------------------------------------------------------
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
        return _mean(x, axis, keepdims)

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


# -- shape --------------------------------------------------------------------
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
