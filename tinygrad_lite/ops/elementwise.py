"""Elementwise functions and activations: each output element from the same element of the input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import special
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
    """z = |x|;  dz/dx = sign(x) (0 at x == 0 and at NaN, as in PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.abs(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0].data
        return (g * np.where(np.isnan(x), 0, np.sign(x)),)


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


# -- issue 17: more elementwise math, rounding and activations -----------------
# Constants are Python floats, so that float32 stays float32 (a NumPy float64
# scalar would promote it).
LN2 = math.log(2.0)
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


class Sin:
    """z = sin(x);  dz/dx = cos(x)."""

    name = "sin"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.sin(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * np.cos(ctx.parents[0].data),)


class Cos:
    """z = cos(x);  dz/dx = -sin(x)."""

    name = "cos"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.cos(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * -np.sin(ctx.parents[0].data),)


class Tan:
    """z = tan(x);  dz/dx = 1 + tan(x)**2 = 1 + z**2."""

    name = "tan"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return np.tan(x)

    @staticmethod
    @quiet(over="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        z = ctx.data
        return (g * (1 + z * z),)


class Log1p:
    """z = ln(1 + x), accurate for tiny x;  dz/dx = 1 / (1 + x).  log1p(-1) = -inf."""

    name = "log1p"

    @staticmethod
    @quiet(divide="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.log1p(x)

    @staticmethod
    @quiet(divide="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g / (1 + ctx.parents[0].data),)


class Expm1:
    """z = e**x - 1, accurate for tiny x;  dz/dx = e**x = z + 1."""

    name = "expm1"

    @staticmethod
    @quiet(over="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.expm1(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * (ctx.data + 1),)


class Log2:
    """z = log2(x) = ln(x) / ln(2);  dz/dx = 1 / (x ln 2).  log2(0) = -inf."""

    name = "log2"

    @staticmethod
    @quiet(divide="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.log2(x)

    @staticmethod
    @quiet(divide="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g / (ctx.parents[0].data * LN2),)


class Exp2:
    """z = 2**x;  dz/dx = 2**x ln 2 = z ln 2."""

    name = "exp2"

    @staticmethod
    @quiet(over="ignore", under="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return np.exp2(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * (ctx.data * LN2),)


class Rsqrt:
    """z = 1 / sqrt(x);  dz/dx = -1 / (2 x sqrt(x)) = -z**3 / 2.  rsqrt(0) = inf."""

    name = "rsqrt"

    @staticmethod
    @quiet(divide="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return 1 / np.sqrt(x)

    @staticmethod
    @quiet(over="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        z = ctx.data
        return (g * (z * z * z * -0.5),)


class Square:
    """z = x**2;  dz/dx = 2x.  Integers stay integers (as in PyTorch)."""

    name = "square"

    @staticmethod
    @quiet(over="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return x * x

    @staticmethod
    @quiet(over="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        return (g * (2 * ctx.parents[0].data),)


class Reciprocal:
    """z = 1 / x;  dz/dx = -1 / x**2 = -z**2.  reciprocal(0) = inf."""

    name = "reciprocal"

    @staticmethod
    @quiet(divide="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return 1 / x

    @staticmethod
    @quiet(over="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        z = ctx.data
        return (g * -(z * z),)


def zero_gradient(ctx: Any, g: Array) -> tuple:
    """The backward of a step function (sign, floor, ceil, trunc, round): dz/dx = 0."""
    return (np.zeros_like(g),)


class Sign:
    """z = sign(x): -1, 0 or 1 (the dtype of x);  dz/dx = 0.

    sign(nan) is nan, as in NumPy (PyTorch gives 0, hiding the NaN)."""

    name = "sign"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return x.copy() if x.dtype.kind == "b" else np.sign(x)

    backward = staticmethod(zero_gradient)


def _integral(fn: Any, x: Array) -> Array:
    """`fn` (floor, ceil, trunc) of `x`; an integer or bool x is its own
    result (NumPy would make it a float), as in PyTorch."""
    return x.copy() if x.dtype.kind in "biu" else fn(x)


class Floor:
    """z = floor(x), the largest integer <= x;  dz/dx = 0 (as in PyTorch)."""

    name = "floor"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return _integral(np.floor, x)

    backward = staticmethod(zero_gradient)


class Ceil:
    """z = ceil(x), the smallest integer >= x;  dz/dx = 0 (as in PyTorch)."""

    name = "ceil"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return _integral(np.ceil, x)

    backward = staticmethod(zero_gradient)


class Trunc:
    """z = trunc(x), x rounded toward 0;  dz/dx = 0 (as in PyTorch)."""

    name = "trunc"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return _integral(np.trunc, x)

    backward = staticmethod(zero_gradient)


class Round:
    """z = x rounded to `decimals` decimal places, halves to even (round(2.5) = 2,
    round(-0.5) = -0), as in PyTorch and NumPy;  dz/dx = 0.

    With decimals != 0 it is round(x * 10**decimals) / 10**decimals (NumPy's and
    PyTorch's method), so a decimal that is not exact in binary, such as
    2.675, may round down."""

    name = "round"

    @staticmethod
    @quiet(over="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, decimals: int) -> Array:
        if x.dtype.kind in "biu" and decimals >= 0:
            return x.copy()
        return np.round(x, decimals)

    backward = staticmethod(zero_gradient)


class Erf:
    """z = erf(x) = 2/sqrt(pi) * integral from 0 to x of e**(-t**2) dt;
    dz/dx = 2/sqrt(pi) * e**(-x**2).  Accurate to float64, without SciPy
    (`special.erf`)."""

    name = "erf"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return special.erf(x)

    @staticmethod
    @quiet(over="ignore", under="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0].data
        return (g * (np.exp(-(x * x)) * TWO_OVER_SQRT_PI),)


class LeakyRelu:
    """z = x where x > 0, else negative_slope * x;
    dz/dx = 1 where x > 0, else negative_slope (also at 0, as in PyTorch)."""

    name = "leaky_relu"

    @staticmethod
    def forward(ctx: Any, x: Array, negative_slope: float) -> Array:
        ctx.saved = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (np.where(ctx.parents[0].data > 0, g, g * ctx.saved),)


class Elu:
    """z = x where x > 0, else alpha (e**x - 1);
    dz/dx = 1 where x > 0, else alpha e**x (as in PyTorch).

    e**x - 1 is computed as expm1(min(x, 0)): exact for tiny x, and never
    overflowing for large x."""

    name = "elu"

    @staticmethod
    def forward(ctx: Any, x: Array, alpha: float) -> Array:
        ctx.saved = alpha
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)) * alpha)

    @staticmethod
    @quiet(under="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0].data
        return (np.where(x <= 0, g * (np.exp(np.minimum(x, 0)) * ctx.saved), g),)


class Gelu:
    """The Gaussian error linear unit, as in PyTorch.

    approximate="none": z = x Phi(x), with Phi(x) = (1 + erf(x / sqrt 2)) / 2 the
    standard normal CDF;  dz/dx = Phi(x) + x phi(x), phi(x) = e**(-x**2/2) / sqrt(2 pi).
    Phi is computed as erfc(-x / sqrt 2) / 2, which keeps its digits for x < 0.

    approximate="tanh": z = x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x**3);
    dz/dx = (1 + tanh(u)) / 2 + x (1 - tanh(u)**2) sqrt(2/pi) (1 + 3 * 0.044715 x**2) / 2.

    Finite at extreme inputs without warnings: at x = ±1e308 the value is 1e308 or
    -0, the derivative 1 or 0 (PyTorch's tanh form gives nan there). At x = -inf
    the value is -inf * 0 = nan, as in PyTorch."""

    name = "gelu"

    @staticmethod
    @quiet(over="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array, approximate: str) -> Array:
        if approximate == "tanh":
            t = np.tanh((x + x * x * x * 0.044715) * SQRT_2_OVER_PI)
            ctx.saved = approximate, t
            return x * 0.5 * (t + 1)  # x * 0.5 first: x * 2 would overflow at x = 1e308
        cdf = special.erfc(x * -math.sqrt(0.5)) * 0.5
        ctx.saved = approximate, cdf
        return x * cdf

    @staticmethod
    @quiet(over="ignore", under="ignore", invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0].data
        approximate, saved = ctx.saved
        if approximate == "tanh":
            t = saved
            sech2 = 1 - t * t
            inner = (x * x * (3 * 0.044715) + 1) * SQRT_2_OVER_PI
            # where tanh(u) rounds to ±1 the second term is 0 (x * 0 * x**2 could be nan)
            second = np.where(sech2 == 0, 0.0, x * 0.5 * sech2 * inner)
            return (g * ((t + 1) * 0.5 + second),)
        pdf = np.exp(x * x * -0.5) * INV_SQRT_2PI
        return (g * (saved + x * pdf),)


class Silu:
    """z = x sigmoid(x) (also called swish);  dz/dx = s (1 + x (1 - s)), s = sigmoid(x).

    At x = -1e308 the value and derivative are -0 (no warning); at -inf,
    -inf * 0 = nan, as in PyTorch."""

    name = "silu"

    @staticmethod
    @quiet(over="ignore", under="ignore", invalid="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        s = ctx.saved = Sigmoid.forward(ctx, x)
        return x * s

    @staticmethod
    @quiet(invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        s = ctx.saved
        return (g * (s * (1 + ctx.parents[0].data * (1 - s))),)


class Softsign:
    """z = x / (1 + |x|);  dz/dx = 1 / (1 + |x|)**2.  At ±inf, inf / inf = nan, as in PyTorch."""

    name = "softsign"

    @staticmethod
    @quiet(invalid="ignore")
    def forward(ctx: Any, x: Array) -> Array:
        return x / (1 + np.abs(x))

    @staticmethod
    @quiet(over="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        d = 1 + np.abs(ctx.parents[0].data)
        return (g / (d * d),)


class Hardtanh:
    """z = min(max(x, min_val), max_val);  dz/dx = 1 where min_val < x < max_val, else 0.

    The bounds themselves get 0, as in PyTorch's hardtanh (its clamp, and `clip`
    here, pass the gradient there)."""

    name = "hardtanh"

    @staticmethod
    def forward(ctx: Any, x: Array, min_val: float, max_val: float) -> Array:
        ctx.saved = min_val, max_val
        return np.minimum(np.maximum(x, min_val), max_val)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        x = ctx.parents[0].data
        lo, hi = ctx.saved
        return (np.where((x <= lo) | (x >= hi), 0, g),)


class Relu6:
    """z = min(max(x, 0), 6);  dz/dx = 1 where 0 < x < 6, else 0 (hardtanh(x, 0, 6),
    as in PyTorch)."""

    name = "relu6"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return Hardtanh.forward(ctx, x, 0, 6)

    backward = staticmethod(Hardtanh.backward)


class Cast:
    """z = x converted to another floating dtype;  dz/dx = 1 (g converted back
    to the dtype of x). Casts to integers and bools are not ops: no gradient
    flows through them (`Tensor.astype`)."""

    name = "astype"

    @staticmethod
    def forward(ctx: Any, x: Array, dtype: np.dtype) -> Array:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        return (g.astype(ctx.parents[0].data.dtype),)
