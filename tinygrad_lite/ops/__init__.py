"""The Tensor operations, by family: each one's forward and backward side by side.

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

The families: `arithmetic` (+ - * / ** @), `elementwise` (exp, tanh, softmax...),
`losses`, `reductions` (sum, mean, max...), `movement` (reshape, transpose,
indexing, cat, stack, expand, pad...) and `selection` (where, maximum,
gather...); `core` holds what they share (`unbroadcast`, `needs_grad`, `quiet`),
and `special` the error function (`erf`, `erfc`) in NumPy, for erf and gelu.
Every op is reachable as ``ops.Name``: this package is the one registry.
"""

from .arithmetic import (
    Add,
    Div,
    FloorDiv,
    MatMul,
    Mod,
    Mul,
    Pow,
    Sub,
    refuse_integer_division_by_zero,
    refuse_negative_integer_power,
)
from .core import Array, needs_grad, unbroadcast
from .elementwise import (
    Abs,
    BinaryCrossEntropy,
    Cast,
    Ceil,
    Clip,
    Cos,
    Elu,
    Erf,
    Exp,
    Exp2,
    Expm1,
    Floor,
    Gelu,
    Hardtanh,
    LeakyRelu,
    Log,
    Log1p,
    Log2,
    LogSigmoid,
    LogSoftmax,
    Neg,
    Reciprocal,
    Relu,
    Relu6,
    Round,
    Rsqrt,
    Sigmoid,
    Sign,
    Silu,
    Sin,
    Softmax,
    Softplus,
    Softsign,
    Sqrt,
    Square,
    Tan,
    Tanh,
    Trunc,
)
from .losses import MSE, CrossEntropy, NLLLoss
from .movement import Cat, Expand, Flip, GetItem, Pad, Repeat, Reshape, Stack, Transpose, Tril, Triu
from .reductions import CumSum, LogSumExp, Max, Mean, Min, Prod, Std, Sum, Var
from .selection import Gather, MaskedFill, Maximum, Minimum, OutsideGraph, Where

__all__ = [
    "MSE",
    "Abs",
    "Add",
    "Array",
    "BinaryCrossEntropy",
    "Cast",
    "Cat",
    "Ceil",
    "Clip",
    "Cos",
    "CrossEntropy",
    "CumSum",
    "Div",
    "Elu",
    "Erf",
    "Exp",
    "Exp2",
    "Expand",
    "Expm1",
    "Flip",
    "Floor",
    "FloorDiv",
    "Gather",
    "Gelu",
    "GetItem",
    "Hardtanh",
    "LeakyRelu",
    "Log",
    "Log1p",
    "Log2",
    "LogSigmoid",
    "LogSoftmax",
    "LogSumExp",
    "MaskedFill",
    "MatMul",
    "Max",
    "Maximum",
    "Mean",
    "Min",
    "Minimum",
    "Mod",
    "Mul",
    "NLLLoss",
    "Neg",
    "OutsideGraph",
    "Pad",
    "Pow",
    "Prod",
    "Reciprocal",
    "Relu",
    "Relu6",
    "Repeat",
    "Reshape",
    "Round",
    "Rsqrt",
    "Sigmoid",
    "Sign",
    "Silu",
    "Sin",
    "Softmax",
    "Softplus",
    "Softsign",
    "Sqrt",
    "Square",
    "Stack",
    "Std",
    "Sub",
    "Sum",
    "Tan",
    "Tanh",
    "Transpose",
    "Tril",
    "Triu",
    "Trunc",
    "Var",
    "Where",
    "needs_grad",
    "refuse_integer_division_by_zero",
    "refuse_negative_integer_power",
    "unbroadcast",
]
