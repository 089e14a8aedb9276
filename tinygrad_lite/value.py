"""`Value`: a scalar that remembers how it was computed (micrograd-style).

Each operation computes its result *and* its local derivatives
d(result)/d(parent) at once, and the node stores them as a tuple beside its
parents. The chain rule during backward is then one line per edge::

    parent.grad += local * node.grad

No closures are kept, so a node holds no reference back to itself and the
garbage collector has no cycles to chase. Arithmetic follows IEEE floats as
NumPy does: ``exp`` overflows to inf, ``log(0)`` is -inf, ``1/0`` is inf,
never a Python exception in the middle of a graph.

Where the API says nothing, a Value behaves as a zero-dimensional PyTorch
tensor of float64: a leaf made with ``requires_grad=False`` (and every plain
number met in an op) is data that no gradient reaches, an op's result
requires grad when any of its inputs does, and ``abs`` has derivative 0 at 0.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from numbers import Real

from . import autograd
from .autograd import new_seq, state
from .errors import BackwardError

Number = float | int


class Value(autograd.Node):
    """A scalar node: ``data`` (float), ``grad`` (float), ``label``, ``op``,
    ``parents`` and ``requires_grad``.

    A leaf made with ``requires_grad=False`` is data (an input): no gradient
    flows into it, its ``grad`` stays 0.0. An op's result requires grad when
    any of its parents does and recording is on (outside `no_grad`), as in
    PyTorch; a plain number met in an op (``v * 2``) becomes a constant leaf
    that does not require grad (PyTorch gives Python scalars no gradient)."""

    __slots__ = ("_local", "data", "grad", "label", "op", "parents", "requires_grad")
    __array_ufunc__ = None  # `np.float64(2) * v` defers to Value.__rmul__
    _no_grad_yet = 0.0  # the grad before a backward pass reaches the Value

    def __init__(self, data: Real, label: str = "", requires_grad: bool = True) -> None:
        if type(data) is not float:
            data = _to_float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self.requires_grad = requires_grad
        self._seq, self._mark = new_seq(), None
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self._local: tuple[float, ...] | None = ()
        if state.group is not None:
            self._group = state.group

    # -- the node protocol used by autograd.backward ---------------------------
    def _chain(self) -> list[tuple[Value, float]]:
        g = self.grad
        return [(p, d * g) for p, d in zip(self.parents, self._local) if p.requires_grad]

    def _propagate(self) -> None:
        """`_chain` and `_accumulate` in one, unrolled (an op has one or two
        parents): backward's hot path, allocating nothing. A parent that does
        not require grad (data, a number) is skipped: no gradient is written
        into it."""
        g, local = self.grad, self._local
        if len(local) == 2:
            a, b = self.parents
            if a.requires_grad:
                a.grad += local[0] * g
            if b.requires_grad:
                b.grad += local[1] * g
        else:
            a = self.parents[0]
            if a.requires_grad:
                a.grad += local[0] * g

    def _accumulate(self, g: float) -> None:
        self.grad += g

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
        if not self.requires_grad:
            raise BackwardError(
                "backward() on a Value that does not require grad: it is data, or computed only "
                "from data and numbers, so no gradient can reach anything; make the inputs you "
                "want gradients for with Value(x, requires_grad=True) (the default)"
            )
        return 1.0 if grad is None else _to_float(grad)

    # -- operations: result and local derivatives side by side ----------------
    def __add__(self, other: Value | Number) -> Value:
        """z = x + y;  dz/dx = 1, dz/dy = 1."""
        other = other if type(other) is Value else _as_value(other)
        requires_grad = self.requires_grad or other.requires_grad
        return _node(self.data + other.data, "+", (self, other), (1.0, 1.0), requires_grad)

    def __sub__(self, other: Value | Number) -> Value:
        """z = x - y;  dz/dx = 1, dz/dy = -1."""
        other = other if type(other) is Value else _as_value(other)
        requires_grad = self.requires_grad or other.requires_grad
        return _node(self.data - other.data, "-", (self, other), (1.0, -1.0), requires_grad)

    def __mul__(self, other: Value | Number) -> Value:
        """z = x * y;  dz/dx = y, dz/dy = x."""
        other = other if type(other) is Value else _as_value(other)
        requires_grad = self.requires_grad or other.requires_grad
        x, y = self.data, other.data
        return _node(x * y, "*", (self, other), (y, x), requires_grad)

    def __truediv__(self, other: Value | Number) -> Value:
        """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2."""
        other = other if type(other) is Value else _as_value(other)
        x, y = self.data, other.data
        inv = _div(1.0, y)
        requires_grad = self.requires_grad or other.requires_grad
        return _node(_div(x, y), "/", (self, other), (inv, -x * inv * inv), requires_grad)

    def __pow__(self, other: Value | Number) -> Value:
        """z = x ** y;  dz/dx = y * x**(y-1), dz/dy = z * ln(x) (only when y is a Value).

        As in PyTorch (and `Tensor`), dz/dx is 0 where y == 0 and dz/dy is 0
        where x == 0 and y >= 0 (x**y is flat in y there), instead of 0*inf.
        A number exponent n is not a node: the op is named after it ("**2", as
        in micrograd; "**0.1234567" in full where the short form would round
        it) and x is the only parent."""
        x = self.data
        if not isinstance(other, Value):
            n = other if type(other) is float else _to_float(other)
            name = _POWER_NAMES.get(n) or power_name(n)
            return _node(_pow(x, n), name, (self,), (_dpow_dx(x, n),), self.requires_grad)
        y = other.data
        out = _pow(x, y)
        requires_grad = self.requires_grad or other.requires_grad
        return _node(out, "**", (self, other), (_dpow_dx(x, y), _dpow_dy(out, x, y)), requires_grad)

    def __neg__(self) -> Value:
        """z = -x;  dz/dx = -1."""
        return _node(-self.data, "neg", (self,), (-1.0,), self.requires_grad)

    def exp(self) -> Value:
        """z = e**x;  dz/dx = e**x = z."""
        out = _exp(self.data)
        return _node(out, "exp", (self,), (out,), self.requires_grad)

    def log(self) -> Value:
        """z = ln(x);  dz/dx = 1/x."""
        x = self.data
        return _node(_log(x), "log", (self,), (_div(1.0, x),), self.requires_grad)

    def tanh(self) -> Value:
        """z = tanh(x);  dz/dx = 1 - z**2."""
        out = math.tanh(self.data)
        return _node(out, "tanh", (self,), (1.0 - out * out,), self.requires_grad)

    def sigmoid(self) -> Value:
        """z = 1 / (1 + e**-x);  dz/dx = z * (1 - z).

        Stable as written: for x < -709, e**-x overflows to inf and
        1 / (1 + inf) = 0, the correct limit. Computed exactly as the
        tutorials write it, so their numbers reproduce to the last digit."""
        out = 1.0 / (1.0 + _exp(-self.data))
        return _node(out, "sigmoid", (self,), (out * (1.0 - out),), self.requires_grad)

    def relu(self) -> Value:
        """z = max(0, x);  dz/dx = 1 if x > 0 else 0. NaN stays NaN (with
        derivative 0), as `Tensor.relu` and PyTorch's relu."""
        x = self.data
        return _node(0.0 if x <= 0 else x, "relu", (self,), (1.0 if x > 0 else 0.0,), self.requires_grad)

    def __abs__(self) -> Value:
        """z = |x|;  dz/dx = sign(x): 1 for x > 0, -1 for x < 0, and 0 at x = 0
        (and at NaN), as PyTorch's abs."""
        x = self.data
        sign = 1.0 if x > 0 else -1.0 if x < 0 else 0.0
        return _node(abs(x), "abs", (self,), (sign,), self.requires_grad)

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

    # -- in place (+= -= *= /= **=) ---------------------------------------------
    # Inside `no_grad` they change `data` and keep the object, as PyTorch's
    # ``with no_grad(): p -= lr * p.grad``, so a parameter held elsewhere is
    # updated (and a graph that already used the old data refuses backward, as
    # PyTorch's version counter makes it). Outside it, returning
    # NotImplemented makes Python evaluate ``v = v + w``: a new node, so the
    # running sum ``total += term`` builds the graph (PyTorch would refuse an
    # in-place change of a leaf that requires grad).
    def __iadd__(self, other: Value | Number) -> Value:
        return _in_place(self, other, operator.add)

    def __isub__(self, other: Value | Number) -> Value:
        return _in_place(self, other, operator.sub)

    def __imul__(self, other: Value | Number) -> Value:
        return _in_place(self, other, operator.mul)

    def __itruediv__(self, other: Value | Number) -> Value:
        return _in_place(self, other, _div)

    def __ipow__(self, other: Value | Number) -> Value:
        return _in_place(self, other, _pow)

    # -- comparisons of data: bools, for sorted() and max() ----------------------
    # No __eq__: == stays identity, so Values stay hashable graph nodes.
    def __lt__(self, other: Value | Number) -> bool:
        return _compare(self, other, operator.lt)

    def __le__(self, other: Value | Number) -> bool:
        return _compare(self, other, operator.le)

    def __gt__(self, other: Value | Number) -> bool:
        return _compare(self, other, operator.gt)

    def __ge__(self, other: Value | Number) -> bool:
        return _compare(self, other, operator.ge)

    # -- Python conversions of data: as the same conversions of a float ----------
    def __float__(self) -> float:
        return self.data

    def __int__(self) -> int:
        """`data` truncated toward zero, as ``int(float)``."""
        return int(self.data)

    def __round__(self, ndigits: int | None = None) -> int | float:
        """``round(data, ndigits)``: an int without `ndigits`, else a float."""
        return round(self.data, ndigits)

    def __format__(self, spec: str) -> str:
        """``format(data, spec)``, so f"{v:.4f}" prints the number; an empty
        spec (plain ``format(v)``, f"{v}") gives the repr, as ``str(v)``."""
        return format(self.data, spec) if spec else str(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _node(
    data: float, op: str, parents: tuple[Value, ...], local: tuple[float, ...], requires_grad: bool
) -> Value:
    """A new Value; records `op`, `parents` and the local derivatives unless in
    `no_grad`. `requires_grad` is the op's answer to "does any parent require
    grad?" (it asks its operands directly: cheaper than a walk of `parents`
    here). A graph of data alone is still recorded, for the graph views, but
    backward never enters it."""
    out = Value.__new__(Value)
    out._seq, out._mark = new_seq(), None
    out.data = data
    out.grad = 0.0
    out.label = ""
    mode = state.plain
    if mode:  # recording without anomaly checks: the common case, one test
        out.requires_grad = requires_grad
        out.op, out.parents, out._local = op, parents, local
        if mode is not True:  # inside a group: mode is the group
            out._group = mode
        return out
    if state.grad_enabled:
        out.requires_grad = requires_grad
        out.op, out.parents, out._local = op, parents, local
        if state.group is not None:
            out._group = state.group
    else:  # a leaf whose _local is None, so that backward() from it can refuse
        out.requires_grad = False
        out.op, out.parents, out._local = "", (), None
    if state.anomaly:
        autograd.check_forward(out, math.isfinite(data) and all(map(math.isfinite, local)))
    if state.tracer is not None:
        state.tracer.op(out, op, parents, None)
    return out


def power_name(n: float) -> str:
    """The op name of ``x ** n`` for a number n: "**2", "**0.5", "**-1"; the
    exponent in full ("**0.1234567") where the short form would round it, so
    that ``float(name[2:]) == n`` always (a compiled replay reads it back)."""
    short = f"{n:g}"
    return f"**{short}" if float(short) == n or n != n else f"**{n!r}"


_POWER_NAMES = {float(n): power_name(n) for n in (-2, -1, 0.5, 2, 3)}  # the common ones, made once


def _to_float(x: object) -> float:
    if isinstance(x, Real):
        return float(x)
    raise TypeError(f"Value needs a real number, got {type(x).__name__}: {x!r}")


def _as_value(x: Value | Number) -> Value:
    """`x` itself if it is a Value, else a constant leaf that does not require
    grad (TypeError for non-numbers): `Value(x, requires_grad=False)`, each
    slot set here, without a call of __init__ (one per number met in an op)."""
    if isinstance(x, Value):
        return x
    out = Value.__new__(Value)
    out.data = x if type(x) is float else _to_float(x)
    out._seq, out._mark, out.grad, out.label, out.requires_grad = new_seq(), None, 0.0, "", False
    out.op, out.parents, out._local = "", (), ()
    return out


def _in_place(v: Value, other: Value | Number, op: Callable[[float, float], float]) -> Value:
    """``v.data = op(v.data, other)`` and `v` itself inside `no_grad`; else
    NotImplemented, so that Python computes ``v = v <op> other`` (a new node)."""
    if state.grad_enabled:
        return NotImplemented
    if isinstance(other, Value):
        other = other.data
    elif not isinstance(other, Real):
        return NotImplemented  # Python then tries `v <op> other`, which refuses it
    v.data = float(op(v.data, other))
    v.changed_in_place()
    return v


def _compare(v: Value, other: object, op: Callable[[float, float], bool]) -> bool:
    """``op(v.data, other's data)`` as a Python bool; NotImplemented for a
    non-number, so that Python raises its TypeError."""
    if isinstance(other, Value):
        return op(v.data, other.data)
    if isinstance(other, Real):
        return bool(op(v.data, other))
    return NotImplemented


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


def _dpow_dx(x: float, y: float) -> float:
    """d(x**y)/dx = y * x**(y-1); 0 where y == 0 (as PyTorch)."""
    return 0.0 if y == 0 else y * _pow(x, y - 1.0)


def _dpow_dy(z: float, x: float, y: float) -> float:
    """d(x**y)/dy = z * ln(x) for z = x**y; 0 where x == 0 and y >= 0 (as PyTorch)."""
    return 0.0 if x == 0 and y >= 0 else z * _log(x)
