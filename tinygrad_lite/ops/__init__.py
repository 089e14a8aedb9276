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
`losses`, `reductions` (sum, mean, max...) and `movement` (reshape, transpose,
indexing); `core` holds what they share (`unbroadcast`, `needs_grad`, `quiet`).
Every op is reachable as ``ops.Name``: this package is the one registry.
"""

from .arithmetic import Add, Div, MatMul, Mul, Pow, Sub, refuse_negative_integer_power
from .core import Array, needs_grad, unbroadcast
from .elementwise import (
    Abs,
    BinaryCrossEntropy,
    Clip,
    Exp,
    Log,
    LogSigmoid,
    LogSoftmax,
    Neg,
    Relu,
    Sigmoid,
    Softmax,
    Softplus,
    Sqrt,
    Tanh,
)
from .losses import MSE, CrossEntropy
from .movement import GetItem, Reshape, Transpose
from .reductions import Max, Mean, Min, Sum

__all__ = [
    "MSE",
    "Abs",
    "Add",
    "Array",
    "BinaryCrossEntropy",
    "Clip",
    "CrossEntropy",
    "Div",
    "Exp",
    "GetItem",
    "Log",
    "LogSigmoid",
    "LogSoftmax",
    "MatMul",
    "Max",
    "Mean",
    "Min",
    "Mul",
    "Neg",
    "Pow",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Sqrt",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
    "needs_grad",
    "refuse_negative_integer_power",
    "unbroadcast",
]
