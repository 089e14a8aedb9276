"""`Value`: a scalar that remembers how it was computed (micrograd-style).

Each operation computes its result *and* its local derivatives
d(result)/d(parent) at once, and the node stores them as a tuple beside its
parents. The chain rule during backward is then one line per edge::

    parent.grad += local * node.grad

No closures are kept, so a node holds no reference back to itself and the
garbage collector has no cycles to chase. Arithmetic follows IEEE floats as
NumPy does: ``exp`` overflows to inf, ``log(0)`` is -inf, ``1/0`` is inf,
never a Python exception in the middle of a graph.
"""

from __future__ import annotations

import math
from numbers import Real

from . import autograd
from .autograd import new_seq, state
from .errors import BackwardError

Number = float | int


class Value(autograd.Node):
    """A scalar node: ``data`` (float), ``grad`` (float), ``label``, ``op`` and
    ``parents``. Every Value takes part in differentiation."""

    __slots__ = ("_local", "data", "grad", "label", "op", "parents")
    requires_grad = True
    __array_ufunc__ = None  # `np.float64(2) * v` defers to Value.__rmul__

    def __init__(self, data: Real, label: str = "") -> None:
        if type(data) is not float:
            data = _to_float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self._seq, self._mark = new_seq(), None
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self._local: tuple[float, ...] | None = ()

    # -- the node protocol used by autograd.backward ---------------------------
    def _chain(self) -> list[tuple[Value, float]]:
        g = self.grad
        return [(p, d * g) for p, d in zip(self.parents, self._local)]

    def _propagate(self) -> None:
        """`_chain` and `_accumulate` in one, unrolled (an op has one or two
        parents): backward's hot path, allocating nothing."""
        g, parents, local = self.grad, self.parents, self._local
        parents[0].grad += local[0] * g
        if len(parents) == 2:
            parents[1].grad += local[1] * g

    def _accumulate(self, g: float) -> None:
        self.grad += g

    def _reset_grad(self) -> None:
        self.grad = 0.0

    def backward(self) -> None:
        """Fill ``grad`` of every Value this one depends on with d(self)/d(node).

        Leaves accumulate across calls (zero them yourself); intermediate
        nodes are recomputed from scratch each call."""
        autograd.backward(self, self._seed(None))

    def _seed(self, grad: float | None) -> float:
        """dL/d(self) to start a backward pass from: 1.0 unless given."""
        if self._local is None:
            raise BackwardError(
                "backward() on a Value computed under no_grad(): no graph was recorded, so no "
                "gradient can reach its inputs; compute it outside no_grad() to differentiate it"
            )
        return 1.0 if grad is None else _to_float(grad)

    # -- operations: result and local derivatives side by side ----------------
    def __add__(self, other: Value | Number) -> Value:
        """z = x + y;  dz/dx = 1, dz/dy = 1."""
        other = other if type(other) is Value else _as_value(other)
        return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __sub__(self, other: Value | Number) -> Value:
        """z = x - y;  dz/dx = 1, dz/dy = -1."""
        other = other if type(other) is Value else _as_value(other)
        return _node(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __mul__(self, other: Value | Number) -> Value:
        """z = x * y;  dz/dx = y, dz/dy = x."""
        other = other if type(other) is Value else _as_value(other)
        return _node(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __truediv__(self, other: Value | Number) -> Value:
        """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2."""
        other = other if type(other) is Value else _as_value(other)
        x, y = self.data, other.data
        inv = _div(1.0, y)
        return _node(_div(x, y), "/", (self, other), (inv, -x * inv * inv))

    def __pow__(self, other: Value | Number) -> Value:
        """z = x ** y;  dz/dx = y * x**(y-1), dz/dy = z * ln(x) (only when y is a Value).

        A number exponent n is not a node: the op is named after it ("**2", as
        in micrograd) and x is the only parent."""
        x = self.data
        if not isinstance(other, Value):
            n = _to_float(other)
            return _node(_pow(x, n), f"**{n:g}", (self,), (n * _pow(x, n - 1.0),))
        y = other.data
        out = _pow(x, y)
        return _node(out, "**", (self, other), (y * _pow(x, y - 1.0), out * _log_base(x)))

    def __neg__(self) -> Value:
        """z = -x;  dz/dx = -1."""
        return _node(-self.data, "neg", (self,), (-1.0,))

    def exp(self) -> Value:
        """z = e**x;  dz/dx = e**x = z."""
        out = _exp(self.data)
        return _node(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """z = ln(x);  dz/dx = 1/x."""
        x = self.data
        return _node(_log(x), "log", (self,), (_div(1.0, x),))

    def tanh(self) -> Value:
        """z = tanh(x);  dz/dx = 1 - z**2."""
        out = math.tanh(self.data)
        return _node(out, "tanh", (self,), (1.0 - out * out,))

    def sigmoid(self) -> Value:
        """z = 1 / (1 + e**-x);  dz/dx = z * (1 - z).

        Stable as written: for x < -709, e**-x overflows to inf and
        1 / (1 + inf) = 0, the correct limit. Computed exactly as the
        tutorials write it, so their numbers reproduce to the last digit."""
        out = 1.0 / (1.0 + _exp(-self.data))
        return _node(out, "sigmoid", (self,), (out * (1.0 - out),))

    def relu(self) -> Value:
        """z = max(0, x);  dz/dx = 1 if x > 0 else 0."""
        x = self.data
        return _node(x if x > 0 else 0.0, "relu", (self,), (1.0 if x > 0 else 0.0,))

    # -- reflected operators: the math lives in the primitives above ----------
    def __radd__(self, other: Number) -> Value:
        return _as_value(other) + self

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __rmul__(self, other: Number) -> Value:
        return _as_value(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    def __rpow__(self, other: Number) -> Value:
        return _as_value(other) ** self

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _node(data: float, op: str, parents: tuple[Value, ...], local: tuple[float, ...]) -> Value:
    """A new Value; records `op`, `parents` and the local derivatives unless in `no_grad`."""
    out = Value.__new__(Value)
    out._seq, out._mark = new_seq(), None
    out.data = data
    out.grad = 0.0
    out.label = ""
    if state.plain:  # recording without anomaly checks: the common case, one test
        out.op, out.parents, out._local = op, parents, local
        return out
    # under no_grad: a leaf whose _local is None, so that backward() from it can refuse
    out.op, out.parents, out._local = (op, parents, local) if state.grad_enabled else ("", (), None)
    if state.anomaly:
        autograd.check_forward(out, math.isfinite(data) and all(map(math.isfinite, local)))
    return out


def _to_float(x: object) -> float:
    if isinstance(x, Real):
        return float(x)
    raise TypeError(f"Value needs a real number, got {type(x).__name__}: {x!r}")


def _as_value(x: Value | Number) -> Value:
    """`x` itself if it is a Value, else a constant leaf (TypeError for non-numbers)."""
    return x if isinstance(x, Value) else Value(x)


# IEEE arithmetic (NumPy's answers) where Python's math would raise.
def _div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


def _pow(x: float, y: float) -> float:
    try:
        out = x**y
    except ZeroDivisionError:  # 0.0 ** negative
        return math.copysign(math.inf, x) if float(y).is_integer() and y % 2 else math.inf
    except OverflowError:
        return math.inf if x > 0 or (float(y).is_integer() and y % 2 == 0) else -math.inf
    return math.nan if isinstance(out, complex) else out


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _log_base(x: float) -> float:
    """ln(x) for d(x**y)/dy; 0 at x == 0 (where x**y is flat in y for y > 0, as PyTorch)."""
    return 0.0 if x == 0 else _log(x)
