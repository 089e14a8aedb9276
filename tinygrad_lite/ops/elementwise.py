"""Elementwise functions and activations: each output element from the same element of the input."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Array, needs_grad, quiet


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
    @quiet(over="ignore", under="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.exp(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * ctx.data,)


class Log:
    """z = ln(x);  dz/dx = 1/x.  log(0) = -inf, as in NumPy (without its warning)."""

    name = "log"

    @staticmethod
    @quiet(divide="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.log(x)

    @staticmethod
    @quiet(divide="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g / ctx.parents[0].data,)


class Sqrt:
    """z = sqrt(x);  dz/dx = 1 / (2 sqrt(x)) = 1 / (2z)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.sqrt(x)

    @staticmethod
    @quiet(divide="ignore")
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
    @quiet(over="ignore", under="ignore")
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
    @quiet(under="ignore")
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
    @quiet(under="ignore")
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
    @quiet(under="ignore", divide="ignore")  # divide: ln(0) for an empty axis
    def forward(ctx: Any, x: Array, axis: int) -> Array:
        ctx.saved = axis
        shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)  # -inf: an empty axis
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    @staticmethod
    @quiet(under="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g - np.exp(ctx.data) * g.sum(axis=ctx.saved, keepdims=True),)


class BinaryCrossEntropy:
    """z = -(t ln p + (1 - t) ln(1 - p)), elementwise for probability p and target t;
    dz/dp = (p - t) / (p (1 - p)),  dz/dt = ln(1 - p) - ln p.

    Finite at p = 0 and p = 1, as in PyTorch: each log is clamped at -100 and
    p (1 - p) at 1e-12 in the derivative."""

    name = "bce"

    @staticmethod
    @quiet(divide="ignore")
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
