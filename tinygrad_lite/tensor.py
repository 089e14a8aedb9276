"""`Tensor`: a NumPy array that remembers how it was computed.

The math of every operation lives in `ops/`, a module per family (forward and
backward side by side); this module turns operators and methods into calls of `apply`, which
runs an op's forward and records the graph node. Differentiation itself is
the shared core in `autograd.py`.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import autograd, conv, ops
from .autograd import new_seq, state
from .errors import BackwardError, ShapeError
from .value import Value

Operand = "Tensor | float | int | np.ndarray"
Axis = int | Sequence[int] | None


def _unary(fn: Any) -> Any:
    """A Tensor method applying the one-input op `fn`, documented by its math."""

    def method(self: Tensor) -> Tensor:
        return apply(fn, self)

    method.__name__, method.__qualname__ = fn.name, f"Tensor.{fn.name}"  # pickle finds it there
    method.__doc__ = fn.__doc__
    return method


class _ClassOrInstance:
    """A function that is static on the class and a method on a tensor (issue 17's
    `where`): ``Tensor.where(cond, x, y)`` calls it as written and ``x.where(cond, y)``
    with the tensor as x, as torch.where and torch.Tensor.where."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn.__func__ if isinstance(fn, staticmethod) else fn
        self.__doc__ = self.fn.__doc__

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.fn
        fn = self.fn

        def method(cond: Any, other: Operand) -> Tensor:
            return fn(cond, obj, other)

        method.__doc__ = fn.__doc__
        return method


class Tensor(autograd.Node):
    """An n-dimensional array node.

    ``data`` is a NumPy array (float64 unless you ask for float32, or pass a
    float32 array); ``grad`` is None until a backward pass reaches the tensor,
    then an array of the same shape and dtype. Leaves you create have
    ``requires_grad=False`` unless you ask; an op's result requires grad when
    any of its inputs does (and recording is on: see `no_grad`).
    """

    __slots__ = ("_data", "_fn", "grad", "label", "op", "parents", "requires_grad", "saved")
    __array_ufunc__ = None  # `ndarray + Tensor` defers to Tensor.__radd__
    _no_grad_yet = None  # the grad before a backward pass reaches the tensor
    __hash__ = object.__hash__  # == is elementwise, identity is the hash

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> None:
        self._data = _to_array(data, dtype, copy=requires_grad)
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad, got dtype {self._data.dtype}; "
                "pass dtype=np.float64 (the default for numbers) or np.float32"
            )
        self._seq, self._mark, self._call = new_seq(), None, None
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self.label = label
        self.op = ""
        self.parents: tuple[Tensor, ...] = ()
        self._fn: Any = None
        self.saved: Any = None
        if state.group is not None:
            self._group = state.group

    # -- the node protocol used by autograd.backward ---------------------------
    def _chain(self) -> list[tuple[Tensor, np.ndarray]]:
        grads = self._fn.backward(self, self.grad)
        return [
            (p, ops.unbroadcast(g, p._data.shape))
            for p, g in zip(self.parents, grads)
            if g is not None and p.requires_grad
        ]

    def _propagate(self) -> None:
        """`_chain` and `_accumulate` in one loop, without the list (backward's
        hot path): a contribution, summed to its parent's shape, becomes an
        intermediate parent's grad or is added to it; a leaf keeps its first
        contribution when that is a new array of this pass (not a view, nor
        the gradient flowing in, which this node keeps as its grad), and
        takes any other through `_accumulate`."""
        grad = self.grad
        for parent, g in zip(self.parents, self._fn.backward(self, grad)):
            if g is None or not parent.requires_grad:
                continue
            data = parent._data  # the slot behind the `data` property: backward's hot path
            if g.shape != data.shape:
                g = ops.unbroadcast(g, data.shape)
            if g.dtype != data.dtype:
                parent._accumulate(g, type(g) is np.ndarray and g.base is None and g is not grad)
            elif parent.parents:
                parent.grad = g if parent.grad is None else parent.grad + g
            elif parent.grad is None and type(g) is np.ndarray and g.base is None and g is not grad:
                parent.grad = g  # a leaf's first contribution, a new array of this pass: kept
            else:
                parent._accumulate(g)  # added to the leaf's grad, or copied: it is not new

    def _accumulate(self, g: np.ndarray, new: bool = False) -> None:
        """Add the contribution `g` to ``grad``. `new` says that nothing else
        holds `g` (see `_propagate`): a leaf may then keep it, not a copy."""
        dtype = self._data.dtype
        if self.parents:  # an intermediate may share `g` with other nodes: never write into it
            g = g if g.dtype == dtype else g.astype(dtype)
            self.grad = g if self.grad is None else self.grad + g
        elif self.grad is None:  # a leaf's grad is the user's: its own writable array
            self.grad = g if new and g.dtype == dtype else _grad_copy(g, dtype)
        else:
            self.grad += g

    def backward(self, grad: Any = None) -> None:
        """Fill ``grad`` of every tensor this one depends on (that requires grad).

        `grad` is dL/d(self); it defaults to 1 for a one-element tensor and is
        required otherwise. Leaves accumulate across calls (zero them yourself);
        intermediate tensors are recomputed from scratch each call."""
        autograd.backward(self, self._seed(grad))

    def _seed(self, grad: Any) -> np.ndarray:
        """dL/d(self) to start a backward pass from, checked: see `backward`."""
        if not self.requires_grad:
            raise BackwardError(
                "backward() on a tensor that does not require grad: none of its inputs "
                "had requires_grad=True, or it was computed under no_grad()"
            )
        if grad is None:
            if self._data.size != 1:
                raise BackwardError(
                    f"backward() on a tensor of shape {self.shape} needs grad=: an array of "
                    f"shape {self.shape} holding dL/d(this tensor); to differentiate a "
                    "scalar loss, reduce first, e.g. y.sum().backward() or y.mean().backward()"
                )
            return np.array(1, self._data.dtype, ndmin=self._data.ndim)  # np.ones, at half the cost
        try:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
        except (TypeError, ValueError):
            raise TypeError(
                f"backward(grad=...) needs numbers: an array of shape {self.shape}, got "
                f"{type(grad).__name__} {grad!r:.40}"
            ) from None
        if seed.shape != self.shape:
            raise BackwardError(
                f"backward(grad=...) needs a grad of shape {self.shape} (the tensor's "
                f"shape), got shape {seed.shape}"
            )
        return seed

    # -- plain attributes -----------------------------------------------------
    def _set_data(self, value: Any) -> None:
        if type(value) is not np.ndarray:
            value = _to_array(value, None, copy=False)
        if self.requires_grad and value.dtype.kind != "f":
            raise TypeError(
                f"x.data = ...: a tensor that requires grad needs floating-point data, got {value.dtype}"
            )
        self._data = value

    data = property(
        operator.attrgetter("_data"),
        _set_data,
        doc="The values, a NumPy array. Assigning converts (as `Tensor(...)` does) and refuses "
        "anything that is not numbers, as PyTorch refuses a non-tensor.",
    )

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def size(self) -> int:
        return self._data.size

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The single element of a one-element tensor, as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, outside the graph."""
        return Tensor(self.data, dtype=self.dtype, label=self.label)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """What NumPy sees when it converts a tensor (``np.asarray(t)``, ``np.dot(t, ...)``).
        Refused for a tensor that requires grad, as in PyTorch: the NumPy result
        would silently leave the graph, and no gradient would flow through it."""
        if self.requires_grad:
            raise TypeError(
                f"NumPy cannot take a tensor that requires grad (shape {self.shape}): the result "
                "would be a plain array outside the graph, so no gradient would flow through it. "
                "Use the tensor's own operations (t.sum(), t @ w, t.reshape(...)), or t.numpy() / "
                "t.detach() for the values alone"
            )
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        """The single element, truncated toward zero (as ``int(torch.tensor([2.7]))``)."""
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the single element of a one-element tensor
        (as PyTorch); an empty spec gives the repr."""
        if not spec:
            return repr(self)
        if self.data.size != 1:
            raise TypeError(
                f"format spec {spec!r} needs a one-element tensor, got shape {self.shape}; "
                "format t.numpy() or pick an element"
            )
        return format(self.item(), spec)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = ""
        if self.dtype != np.float64:
            extras += f", dtype={self.dtype}"
        if self.requires_grad:
            extras += ", requires_grad=True"
        if self.op:
            extras += f", op={self.op!r}"
        if self.label:
            extras += f", label={self.label!r}"
        return f"Tensor({body}{extras})"

    # -- constructors ---------------------------------------------------------
    @staticmethod
    def zeros(*shape: int, requires_grad: bool = False, dtype: Any = None, label: str = "") -> Tensor:
        """A tensor of zeros; ``Tensor.zeros(2, 3)`` or ``Tensor.zeros((2, 3))``."""
        return Tensor(np.zeros(_shape(shape)), requires_grad, dtype, label)

    @staticmethod
    def ones(*shape: int, requires_grad: bool = False, dtype: Any = None, label: str = "") -> Tensor:
        """A tensor of ones."""
        return Tensor(np.ones(_shape(shape)), requires_grad, dtype, label)

    @staticmethod
    def randn(
        *shape: int, rng: Any = None, requires_grad: bool = False, dtype: Any = None, label: str = ""
    ) -> Tensor:
        """Standard normal samples; `rng` is a numpy Generator or an int seed."""
        return Tensor(np.random.default_rng(rng).standard_normal(_shape(shape)), requires_grad, dtype, label)

    @staticmethod
    def rand(
        *shape: int, rng: Any = None, requires_grad: bool = False, dtype: Any = None, label: str = ""
    ) -> Tensor:
        """Uniform samples in [0, 1); `rng` is a numpy Generator or an int seed."""
        return Tensor(np.random.default_rng(rng).random(_shape(shape)), requires_grad, dtype, label)

    # -- creation (issue 17) ----------------------------------------------------------
    # Default dtypes follow this project's rule (numbers default to float64, where
    # PyTorch's default float is float32); integer arguments give int64 as in PyTorch.
    @staticmethod
    def arange(
        start: float,
        stop: float | None = None,
        step: float = 1,
        *,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> Tensor:
        """start, start + step, start + 2·step, ... while before `stop` (torch.arange):
        ``arange(n)`` is 0, 1, ..., n - 1. Element i is start + i·step and there are
        ceil((stop - start) / step) of them, as in PyTorch. Integer arguments give
        int64 (as PyTorch and NumPy), any float gives float64 (this project's default
        float; PyTorch's is float32). A step of 0, or one pointing away from `stop`,
        is a ValueError, as in PyTorch (NumPy gives an empty array)."""
        if stop is None:
            start, stop = 0, start
        for what, v in (("start", start), ("stop", stop), ("step", step)):
            _creation_number(f"arange {what}", v)
            if not np.isfinite(v):
                raise ValueError(f"arange {what} must be finite, got {v}")
        if step == 0:
            raise ValueError("arange step must not be 0")
        if (stop - start) * step < 0:
            raise ValueError(
                f"arange from {start} to {stop} with step {step}: the step points away from stop, so "
                "it is never reached (PyTorch refuses this too); count down with a negative step"
            )
        if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)):
            values = np.arange(start, stop, step, dtype=np.int64)
        else:
            n = int(np.ceil((stop - start) / step))
            values = start + np.arange(n) * float(step)
        return Tensor(values, requires_grad, values.dtype if dtype is None else dtype, label)

    @staticmethod
    def linspace(
        start: float,
        stop: float,
        num: int,
        *,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> Tensor:
        """`num` evenly spaced values from `start` to `stop`, both included (torch.linspace,
        numpy.linspace). Computed as PyTorch computes them: with step = (stop - start) /
        (num - 1), the first half is start + i·step and the second half stop - (num - 1 - i)·step,
        so both ends are exact (PyTorch's vectorized kernel may differ in the last bit inside).
        float64 unless `dtype` says otherwise (PyTorch: float32)."""
        _creation_number("linspace start", start)
        _creation_number("linspace stop", stop)
        num = _creation_count("linspace num", num)
        i = np.arange(num)
        if num > 1:
            step = (stop - start) / (num - 1)
            values = np.where(i < num // 2, start + i * step, stop - (num - 1 - i) * step)
        else:
            values = i + start  # one value: start (as PyTorch), or none
        return Tensor(values.astype(np.float64), requires_grad, dtype, label)

    @staticmethod
    def eye(
        n: int, m: int | None = None, *, requires_grad: bool = False, dtype: Any = None, label: str = ""
    ) -> Tensor:
        """The n x m identity matrix (m defaults to n): 1 on the diagonal, 0 elsewhere
        (torch.eye, numpy.eye); float64 unless `dtype` says otherwise."""
        n = _creation_count("eye n", n)
        m = n if m is None else _creation_count("eye m", m)
        return Tensor(np.eye(n, m), requires_grad, dtype, label)

    @staticmethod
    def full(
        shape: int | Sequence[int],
        value: float,
        *,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
    ) -> Tensor:
        """A tensor of `shape` with every element `value` (torch.full). Without `dtype`
        the value decides, as in PyTorch: a bool gives bool, an int int64, a float
        float64 (this project's default float). A value the dtype cannot hold (2.5 in
        an integer tensor) is refused: PyTorch would cut it down silently."""
        shape = _creation_shape("full", shape)
        _creation_number("full value", value, bools=True)
        if dtype is None:
            integer = isinstance(value, (int, np.integer))
            dtype = bool if isinstance(value, (bool, np.bool_)) else np.int64 if integer else np.float64
        kind = _fill_dtype("full", value, np.dtype(dtype))
        return Tensor(np.full(shape, value, kind), requires_grad, kind, label)

    @staticmethod
    def zeros_like(t: Any, *, requires_grad: bool = False, dtype: Any = None, label: str = "") -> Tensor:
        """Zeros of t's shape and dtype (or `dtype`), as torch.zeros_like: a new leaf,
        which does not take t's requires_grad (pass requires_grad=True for that)."""
        return _filled_like(t, np.zeros, requires_grad, dtype, label)

    @staticmethod
    def ones_like(t: Any, *, requires_grad: bool = False, dtype: Any = None, label: str = "") -> Tensor:
        """Ones of t's shape and dtype (or `dtype`), as torch.ones_like (a new leaf)."""
        return _filled_like(t, np.ones, requires_grad, dtype, label)

    @staticmethod
    def full_like(
        t: Any, value: float, *, requires_grad: bool = False, dtype: Any = None, label: str = ""
    ) -> Tensor:
        """`value` in every element, with t's shape and dtype (or `dtype`), as
        torch.full_like (a new leaf). A value the dtype cannot hold (2.5 in an integer
        tensor) is refused, where PyTorch would cut it down: pass dtype=np.float64."""
        shape, own = _like(t)
        _creation_number("full_like value", value, bools=True)
        kind = _fill_dtype("full_like", value, own if dtype is None else np.dtype(dtype))
        return Tensor(np.full(shape, value, kind), requires_grad, kind, label)

    # -- arithmetic -------------------------------------------------------------
    def __add__(self, other: Operand) -> Tensor:
        return apply(ops.Add, self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return apply(ops.Add, other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return apply(ops.Sub, self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return apply(ops.Sub, other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return apply(ops.Mul, self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return apply(ops.Mul, other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return apply(ops.Div, self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return apply(ops.Div, other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return apply(ops.Pow, self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return apply(ops.Pow, other, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return apply(ops.MatMul, self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return apply(ops.MatMul, other, self)

    __neg__ = _unary(ops.Neg)

    # -- comparisons: boolean tensors, outside the graph ------------------------
    def _compare(self, other: Operand, fn: Any) -> Tensor:
        try:
            if isinstance(other, Tensor):
                return outside_graph(fn, self, other)
            return outside_graph(_compared, self, compare=fn, other=other)  # a number stays a Python number
        except ValueError:
            shapes = [self.shape, np.shape(other.data if isinstance(other, Tensor) else other)]
            raise ShapeError(
                f"{fn.__name__}: cannot compare shapes {shapes[0]} and {shapes[1]}: "
                + _broadcast_mismatch(shapes)
            ) from None

    def __lt__(self, other: Operand) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Operand) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Operand) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Operand) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Operand) -> Tensor | bool:  # type: ignore[override]
        """Elementwise ==, a bool tensor; ``t == None`` is plain False (as PyTorch)."""
        return False if other is None else self._compare(other, np.equal)

    def __ne__(self, other: Operand) -> Tensor | bool:  # type: ignore[override]
        return True if other is None else self._compare(other, np.not_equal)

    # -- reductions ---------------------------------------------------------
    # ``np.sum(t)``, ``np.mean(t)``, ``np.max(t)`` call these methods with NumPy's
    # keywords; `_numpy_keywords` accepts the defaults and refuses the rest.
    # PyTorch's ``dim=`` and ``keepdim=`` spell ``axis=`` and ``keepdims=``
    # (`_axis_keywords`); the common call ``t.sum()`` pays one test for them.
    def sum(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Sum over `axis` (an int, a tuple, or None for all; or ``dim=``, as
        PyTorch). A bool or integer tensor sums to int64 (as NumPy and PyTorch)."""
        if dim is not None or keepdim is not None or numpy_kw:
            axis, keepdims = _axis_keywords("sum", axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
        return apply(ops.Sum, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def mean(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Mean over `axis` (an int, a tuple, or None for all; or ``dim=``, as
        PyTorch); float64 for integer input (as NumPy)."""
        if dim is not None or keepdim is not None or numpy_kw:
            axis, keepdims = _axis_keywords("mean", axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
        return apply(ops.Mean, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def max(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Max over `axis` (or ``dim=``), exact for every dtype; tied maxima share
        the gradient evenly (as torch.amax: one tensor, never PyTorch's
        (values, indices) pair; see `argmax`)."""
        if dim is not None or keepdim is not None or numpy_kw:
            axis, keepdims = _axis_keywords("max", axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
        return apply(ops.Max, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def min(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Min over `axis` (or ``dim=``), exact for every dtype; tied minima share
        the gradient evenly (as torch.amin)."""
        if dim is not None or keepdim is not None or numpy_kw:
            axis, keepdims = _axis_keywords("min", axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
        return apply(ops.Min, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    # -- reductions (issue 17) --
    # Each takes ``axis=``/``keepdims=`` or PyTorch's ``dim=``/``keepdim=``; the math
    # is in the op's docstring (`ops.Var`, ...).
    def var(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        correction: float = 1,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        ddof: float | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Variance over `axis`: sum((x - mean)²) / (n - correction), as torch.var;
        correction=1 (the default) is the sample variance, 0 the population's.
        NumPy's ``ddof=`` names the correction too, so ``np.var(t)`` gives
        NumPy's population variance. See `ops.Var`."""
        params = _spread_keywords("var", self.ndim, axis, keepdims, correction, dim, keepdim, ddof, numpy_kw)
        return apply(ops.Var, self, **params)

    def std(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        correction: float = 1,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        ddof: float | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Standard deviation over `axis`: the square root of `var` (same
        arguments), as torch.std; ``np.std(t)`` gives NumPy's (ddof=0). See `ops.Std`."""
        params = _spread_keywords("std", self.ndim, axis, keepdims, correction, dim, keepdim, ddof, numpy_kw)
        return apply(ops.Std, self, **params)

    def prod(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Product over `axis` (an int, or a tuple as NumPy: torch.prod takes one
        dim), with PyTorch's gradient where x holds zeros. See `ops.Prod`."""
        if dim is not None or keepdim is not None or numpy_kw:
            axis, keepdims = _axis_keywords("prod", axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
        return apply(ops.Prod, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def logsumexp(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """log(sum(exp(x))) over `axis` (required, an int or a tuple, as
        torch.logsumexp's dim), without overflow. See `ops.LogSumExp`."""
        if dim is not None or keepdim is not None:
            axis, keepdims = _axis_keywords("logsumexp", axis, dim, keepdims, keepdim)
        axes = _required_axes("logsumexp", axis, self.ndim)
        return apply(ops.LogSumExp, self, axis=axes, keepdims=keepdims)

    def cumsum(self, axis: int | None = None, *, dim: int | None = None, **numpy_kw: Any) -> Tensor:
        """Running totals along `axis` (required, one int, as torch.cumsum's dim;
        on a 0-d tensor 0 or -1, giving the tensor). See `ops.CumSum`."""
        if dim is not None or numpy_kw:
            axis, _ = _axis_keywords("cumsum", axis, dim, numpy_kw=numpy_kw)
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"cumsum() takes one axis (an int), as torch.cumsum, got {axis!r}")
        axes = _required_axes("cumsum", axis, self.ndim)
        return apply(ops.CumSum, self, axis=None if axes is None else axes[0])

    def any(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Whether any element over `axis` is nonzero: a bool tensor with no
        gradient, like a comparison (as torch.any; an empty slice gives False)."""
        return self._truth(np.any, "any", axis, keepdims, dim, keepdim, numpy_kw)

    def all(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        **numpy_kw: Any,
    ) -> Tensor:
        """Whether every element over `axis` is nonzero: a bool tensor with no
        gradient, like a comparison (as torch.all; an empty slice gives True)."""
        return self._truth(np.all, "all", axis, keepdims, dim, keepdim, numpy_kw)

    def _truth(
        self, fn: Any, name: str, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None, numpy_kw: dict
    ) -> Tensor:
        """`any` or `all` (`fn`) over the axes given in either spelling."""
        if dim is not None or keepdim is not None or numpy_kw:
            axis, keepdims = _axis_keywords(name, axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
        return outside_graph(fn, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    # -- shape --------------------------------------------------------------
    def reshape(self, *shape: int) -> Tensor:
        """The same elements in a new shape: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        return apply(ops.Reshape, self, shape=_shape(shape))

    def transpose(self, *axes: int) -> Tensor:
        """The axes reordered, as in PyTorch: ``transpose()`` reverses them,
        ``transpose(a, b)`` swaps axes a and b (so ``m.transpose(0, 1)`` is the
        transpose of a matrix, not NumPy's identity permutation), and one entry
        per axis (3 or more axes) permutes them as ``numpy.transpose`` does."""
        axes = _shape(axes)
        if not axes:
            return apply(ops.Transpose, self, axes=None)
        if len(axes) == 2:
            a, b = _axes(axes, self.ndim)
            perm = list(range(self.ndim))
            perm[a], perm[b] = b, a
            return apply(ops.Transpose, self, axes=tuple(perm))
        return self.permute(*axes)

    def permute(self, *axes: int) -> Tensor:
        """The axes in the order `axes`, one entry per axis: ``x.permute(2, 0, 1)``
        or ``x.permute((2, 0, 1))`` (as torch.permute and numpy.transpose)."""
        perm = _axes(_shape(axes), self.ndim)
        if sorted(perm) != list(range(self.ndim)):
            raise ShapeError(
                f"permute needs each of the {self.ndim} axes exactly once, got {_shape(axes)} "
                f"for a tensor of shape {self.shape}"
            )
        return apply(ops.Transpose, self, axes=perm)

    @property
    def T(self) -> Tensor:
        """The axes reversed (the usual transpose of a matrix)."""
        return self.transpose()

    def flatten(self, start: int = 0, end: int = -1) -> Tensor:
        """Axes `start` to `end` (both included) merged into one, as torch.flatten(start_dim,
        end_dim): ``flatten()`` puts all elements in one axis, ``flatten(1)`` keeps the
        first (a batch). A 0-d tensor becomes shape (1,), as in PyTorch."""
        if start == 0 and end == -1:
            return self.reshape(-1)
        s, e = _axes((start, end), max(self.ndim, 1))
        if s > e:
            raise ShapeError(f"flatten({start}, {end}): the start axis comes after the end axis")
        merged = int(np.prod(self.shape[s : e + 1], dtype=np.int64))
        return apply(ops.Reshape, self, shape=(*self.shape[:s], merged, *self.shape[e + 1 :]))

    def __getitem__(self, index: Any) -> Tensor:
        """Basic slicing and integer/boolean-array indexing, as NumPy; an index
        repeated inside an array, list or tuple adds up its gradients."""
        return apply(ops.GetItem, self, index=_plain_index(index))

    # -- joining, shape, selection (issue 17) ---------------------------------------
    # Each method checks its arguments and names the fix; the math is its op's, in
    # ops/movement.py and ops/selection.py. `dim=` is accepted for `axis=`, as PyTorch spells it.
    @staticmethod
    def cat(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
        """The tensors joined end to end along `axis` (torch.cat, numpy.concatenate):
        each with the same number of dimensions (at least 1) and the same sizes on
        every other axis. One node with a parent per tensor; each parent's gradient
        is its slice of g. Arrays and lists join as constants; dtypes promote as in
        NumPy. (PyTorch's legacy skipping of 1-D empty tensors is not copied.)"""
        if dim is not None:
            axis, _ = _axis_keywords("cat", axis, dim, default=0)
        parts = _tensor_list("cat", tensors)
        first = parts[0].shape
        if not first:
            raise ShapeError(
                "cat cannot join 0-d tensors end to end: they have no axis; use Tensor.stack "
                "(a new axis) or reshape each to (1,)"
            )
        (a,) = _axes(axis, len(first))
        for k, p in enumerate(parts):
            if p.ndim != len(first) or p.shape[:a] + p.shape[a + 1 :] != first[:a] + first[a + 1 :]:
                raise ShapeError(
                    f"cat along axis {axis}: tensor {k} has shape {p.shape} and tensor 0 {first}; they "
                    f"need the same number of dimensions and equal sizes on every axis but {axis}"
                )
        return apply(ops.Cat, *parts, axis=a)

    @staticmethod
    def stack(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
        """The tensors, all of one shape, stacked along a new axis `axis` (torch.stack,
        numpy.stack): n tensors of shape s give shape s with n inserted at `axis`
        (from -(len(s) + 1) to len(s)). One node with a parent per tensor; each
        parent's gradient is g at its position. Arrays and lists join as constants."""
        if dim is not None:
            axis, _ = _axis_keywords("stack", axis, dim, default=0)
        parts = _tensor_list("stack", tensors)
        first = parts[0].shape
        for k, p in enumerate(parts):
            if p.shape != first:
                raise ShapeError(
                    f"stack needs tensors of one shape: tensor {k} has shape {p.shape}, tensor 0 {first}"
                )
        return apply(ops.Stack, *parts, axis=_new_axis("stack", axis, len(first)))

    def split(
        self, size_or_sizes: int | Sequence[int], axis: int = 0, *, dim: int | None = None
    ) -> tuple[Tensor, ...]:
        """Pieces along `axis` (torch.split): an int gives pieces of that size, the
        last one smaller when it does not divide the axis; a list gives pieces of
        those sizes, which must add up to the axis's length. Each piece is a slice
        of this tensor (a getitem node), so gradients flow back through each."""
        if dim is not None:
            axis, _ = _axis_keywords("split", axis, dim, default=0)
        if self.ndim == 0:
            raise ShapeError("split needs a tensor with at least 1 dimension, got a 0-d tensor")
        (a,) = _axes(axis, self.ndim)
        n = self.shape[a]
        if _is_int(size_or_sizes):
            size = int(size_or_sizes)
            if size < 0 or (size == 0 and n):
                raise ValueError(f"split size must be positive, got {size} (for an axis of length {n})")
            sizes = [size] * (n // size) + [n % size] * bool(n % size) if n else [0]
        elif isinstance(size_or_sizes, (list, tuple)) and all(_is_int(k) and k >= 0 for k in size_or_sizes):
            sizes = [int(k) for k in size_or_sizes]
            if sum(sizes) != n:
                raise ValueError(
                    f"split sizes {sizes} add up to {sum(sizes)}, but axis {axis} has length {n} "
                    f"(shape {self.shape}): they must add up to it"
                )
        else:
            given = f"{size_or_sizes!r:.40}"
            raise TypeError(f"split takes a size (an int) or a list of sizes (ints >= 0), got {given}")
        before, start, pieces = (slice(None),) * a, 0, []
        for size in sizes:
            pieces.append(self[(*before, slice(start, start + size))])
            start += size
        return tuple(pieces)

    def chunk(self, n: int, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
        """Up to `n` pieces of equal size along `axis`, the last one smaller when n does
        not divide the axis (torch.chunk: pieces of ceil(length / n), so there may be
        fewer than n: 6 elements in 4 chunks are 3 pieces of 2; an empty axis gives n
        empty pieces). Slices, as `split`."""
        if dim is not None:
            axis, _ = _axis_keywords("chunk", axis, dim, default=0)
        if not _is_int(n) or n < 1:
            raise ValueError(f"chunk needs a number of chunks n >= 1, got {n!r}")
        if self.ndim == 0:
            raise ShapeError("chunk needs a tensor with at least 1 dimension, got a 0-d tensor")
        (a,) = _axes(axis, self.ndim)
        length = self.shape[a]
        return self.split([0] * n if length == 0 else -(-length // n), a)

    def view(self, *shape: int) -> Tensor:
        """`reshape` under PyTorch's name: ``x.view(2, -1)``. NumPy reshapes any array,
        so PyTorch's rule that a view needs contiguous memory does not apply here."""
        for n in _shape(shape):
            if not _is_int(n):
                raise TypeError(f"view takes a shape (ints, one may be -1), got {_shape(shape)!r}")
        return self.reshape(*shape)

    def squeeze(self, axis: int | Sequence[int] | None = None, *, dim: int | None = None) -> Tensor:
        """The axes of length 1 removed: all of them, or those among `axis` (an int or
        a tuple); an axis named whose length is not 1 stays, as in PyTorch."""
        if dim is not None:
            axis, _ = _axis_keywords("squeeze", axis, dim)
        if axis is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            axes = _axes(axis, max(self.ndim, 1))  # a 0-d tensor takes axis 0 or -1, as in PyTorch
            shape = tuple(n for i, n in enumerate(self.shape) if n != 1 or i not in axes)
        return apply(ops.Reshape, self, shape=shape)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """A new axis of length 1 at position `axis`, from -(ndim + 1) to ndim (as torch.unsqueeze)."""
        if dim is not None:
            axis, _ = _axis_keywords("unsqueeze", axis, dim)
        a = _new_axis("unsqueeze", axis, self.ndim)
        return apply(ops.Reshape, self, shape=(*self.shape[:a], 1, *self.shape[a:]))

    def expand(self, *shape: int) -> Tensor:
        """This tensor broadcast to `shape` (torch.expand): an axis of length 1 may
        take any length, -1 keeps an axis's length, and new leading axes may be
        added. A read-only view, as PyTorch's is a view; the gradient is summed over
        the stretched axes."""
        sizes, new = _shape(shape), len(_shape(shape)) - self.ndim
        if new < 0:
            raise ShapeError(
                f"expand to {sizes}: give at least one size per axis of the tensor's shape {self.shape}"
            )
        target = []
        for i, n in enumerate(sizes):
            own = self.shape[i - new] if i >= new else None
            if not _is_int(n) or n < -1 or (n == -1 and own is None):
                keep = "" if own is not None else " (-1 keeps an axis's length: a new leading axis has none)"
                raise ShapeError(f"expand to {sizes}: size {n!r} at position {i} is not allowed{keep}")
            n = own if n == -1 else int(n)
            if own is not None and own != 1 and n != own:
                raise ShapeError(
                    f"expand shape {self.shape} to {sizes}: axis {i - new} has length {own}; only an "
                    f"axis of length 1 can be expanded (to {n} here)"
                )
            target.append(n)
        return apply(ops.Expand, self, shape=tuple(target))

    def flip(self, *axis: int) -> Tensor:
        """The order of the elements reversed along the given axes: ``x.flip(0)``,
        ``x.flip(0, 1)`` or ``x.flip((0, 1))`` (torch.flip, numpy.flip); each axis once."""
        if not axis:
            raise TypeError("flip needs the axes to reverse: x.flip(0), x.flip(0, 1) or x.flip((0, 1))")
        axes = _axes(_shape(axis), max(self.ndim, 1))
        if len(set(axes)) != len(axes):
            raise ShapeError(f"flip got an axis twice: {_shape(axis)}")
        return apply(ops.Flip, self, axes=axes if self.ndim else ())

    def repeat(self, *reps: int) -> Tensor:
        """The tensor tiled reps[i] times along axis i (torch.repeat, numpy.tile):
        ``x.repeat(2, 3)``; more counts than axes add leading axes. Fewer counts than
        axes are refused, as in PyTorch (numpy.tile would pad them with 1)."""
        counts = _shape(reps)
        if not all(_is_int(r) and r >= 0 for r in counts):
            raise ValueError(f"repeat takes counts (ints >= 0), got {counts!r}")
        if len(counts) < self.ndim:
            raise ShapeError(
                f"repeat needs a count per axis: {len(counts)} given for shape {self.shape} "
                f"({self.ndim} axes); pass 1 for an axis to keep as it is"
            )
        return apply(ops.Repeat, self, reps=tuple(int(r) for r in counts))

    def pad(self, pad_width: int | Sequence[Any], value: float = 0.0) -> Tensor:
        """`value` added around the tensor, with NumPy's pad widths (numpy.pad, constant
        mode): an int pads every side of every axis by it; (before, after) pads every
        axis so; ((before0, after0), (before1, after1), ...) gives one pair per axis.
        The result's dtype is that of `value` meeting this tensor (float32 stays
        float32; a float around an integer tensor gives float64). Widths must be >= 0
        (NumPy's rule; PyTorch's F.pad also crops with negative ones and orders them
        from the last axis)."""
        widths = np.asarray(pad_width)
        if widths.dtype.kind not in "iu" or (widths.size and widths.min() < 0):
            raise ValueError(f"pad widths must be ints >= 0, got {pad_width!r}")
        try:
            widths = np.broadcast_to(widths, (self.ndim, 2))
        except ValueError:
            raise ShapeError(
                f"pad widths {pad_width!r} do not fit a tensor of shape {self.shape}: give an int, one "
                f"(before, after) pair, or {self.ndim} pairs, one per axis"
            ) from None
        value = _fill_number("pad", value)
        widths = tuple((int(b), int(e)) for b, e in widths)
        return apply(ops.Pad, self, widths=widths, value=np.array(value, number_dtype(value, self.dtype)))

    def tril(self, k: int = 0) -> Tensor:
        """The lower triangle: elements above diagonal `k` of the last two axes set to 0
        (torch.tril; k > 0 keeps diagonals above the main one, k < 0 removes more)."""
        return apply(ops.Tril, self, k=_diagonal("tril", self, k))

    def triu(self, k: int = 0) -> Tensor:
        """The upper triangle: elements below diagonal `k` of the last two axes set to 0 (torch.triu)."""
        return apply(ops.Triu, self, k=_diagonal("triu", self, k))

    @_ClassOrInstance
    @staticmethod
    def where(cond: Any, x: Operand, y: Operand) -> Tensor:
        """x where the bool `cond` holds, else y, elementwise (torch.where(cond, x, y),
        numpy.where); cond, x and y broadcast together. Also a method, ``x.where(cond, y)``
        (torch.Tensor.where). `cond` must be bool (a comparison such as ``x > 0``, or a
        list of bools), as in PyTorch; x or y may be numbers, and dtypes promote as in
        arithmetic. The gradient goes to x where cond holds and to y elsewhere."""
        cond = _bool_mask("where", cond)
        if not isinstance(x, Tensor) and not isinstance(y, Tensor):  # two numbers: x sets the dtype
            x = Tensor(x, dtype=np.asarray(x).dtype) if isinstance(x, _NUMBERS) else Tensor(x)
        _check_broadcast("where", {"condition": cond.shape, "x": np.shape(x), "y": np.shape(y)})
        return apply(ops.Where, x, y, cond=cond)

    def maximum(self, other: Operand) -> Tensor:
        """The larger of this tensor and `other`, elementwise, broadcasting (torch.maximum;
        NaN wins). Where they tie, each gets half the gradient, as in PyTorch."""
        return apply(ops.Maximum, self, other)

    def minimum(self, other: Operand) -> Tensor:
        """The smaller of this tensor and `other`, elementwise, broadcasting (torch.minimum;
        NaN wins). Where they tie, each gets half the gradient, as in PyTorch."""
        return apply(ops.Minimum, self, other)

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """`value` where the bool `mask` holds, this tensor elsewhere (torch.masked_fill;
        the mask broadcasts with the tensor). The dtype is that of `value` meeting this
        tensor: a float into an integer tensor gives float64 (PyTorch would cut it down).
        The gradient is 0 at the filled places. For a value that needs a gradient, use
        ``Tensor.where(mask, value, x)``."""
        cond = _bool_mask("masked_fill", mask)
        value = _fill_number("masked_fill", value)
        _check_broadcast("masked_fill", {"tensor": self.shape, "mask": cond.shape})
        return apply(ops.MaskedFill, self, mask=cond, value=np.array(value, number_dtype(value, self.dtype)))

    def gather(self, axis: int, index: Any) -> Tensor:
        """Elements picked along `axis` by `index` (torch.gather(dim, index)): for axis 1,
        z[i, j] = x[i, index[i, j]]. `index` holds integers in [0, length of that axis),
        has as many dimensions as x, and on every other axis is no longer than x; z has
        its shape. The gradient is added back at the picked places (twice if picked twice)."""
        (a,) = _axes(axis, max(self.ndim, 1))
        idx = _integer_index("gather", index)
        if idx.ndim != self.ndim:
            raise ShapeError(
                f"gather: the index has {idx.ndim} dimensions (shape {idx.shape}) and the tensor "
                f"{self.ndim} (shape {self.shape}): they need as many"
            )
        for d in range(self.ndim):
            if d != a and idx.shape[d] > self.shape[d]:
                raise ShapeError(
                    f"gather along axis {axis}: index shape {idx.shape} is longer than the tensor's "
                    f"shape {self.shape} on axis {d}; only the gathered axis may differ freely"
                )
        length = self.shape[a] if self.ndim else 1
        bad = idx[(idx < 0) | (idx >= length)]
        if bad.size:
            raise IndexError(
                f"gather: index {bad.flat[0]} is out of range for axis {axis} of length {length} "
                f"(shape {self.shape}); indices run from 0 to {length - 1} (negative ones are refused, "
                "as in PyTorch)"
            )
        return apply(ops.Gather, self, axis=a, index=idx)

    def argmax(
        self,
        axis: int | None = None,
        keepdims: bool = False,
        *,
        dim: int | None = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """The index of the largest element (the first one on a tie; a NaN counts as
        largest), over all elements flattened or along `axis` (torch.argmax,
        numpy.argmax): an int64 tensor outside the graph."""
        if dim is not None or keepdim is not None:
            axis, keepdims = _axis_keywords("argmax", axis, dim, keepdims, keepdim)
        return _arg_extreme("argmax", np.argmax, self, axis, keepdims)

    def argmin(
        self,
        axis: int | None = None,
        keepdims: bool = False,
        *,
        dim: int | None = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """The index of the smallest element (the first one on a tie; a NaN counts as
        smallest), as `argmax`: an int64 tensor outside the graph (torch.argmin)."""
        if dim is not None or keepdim is not None:
            axis, keepdims = _axis_keywords("argmin", axis, dim, keepdims, keepdim)
        return _arg_extreme("argmin", np.argmin, self, axis, keepdims)

    # -- in place: the rule of PyTorch -------------------------------------------
    # With nothing to record (inside no_grad, or no operand requires grad) the
    # data changes in place and the object stays the same, so
    # ``with no_grad(): p -= lr * p.grad`` updates a model's parameter. While
    # recording, a leaf that requires grad refuses (its old value would be lost
    # to backward); otherwise ``x += y`` records a new node, as ``x = x + y``
    # (so ``total += term`` builds the graph).
    def __iadd__(self, other: Operand) -> Tensor:
        return self._in_place(ops.Add, np.add, other, "+=")

    def __isub__(self, other: Operand) -> Tensor:
        return self._in_place(ops.Sub, np.subtract, other, "-=")

    def __imul__(self, other: Operand) -> Tensor:
        return self._in_place(ops.Mul, np.multiply, other, "*=")

    def __itruediv__(self, other: Operand) -> Tensor:
        return self._in_place(ops.Div, np.true_divide, other, "/=")

    def __ipow__(self, other: Operand) -> Tensor:
        return self._in_place(ops.Pow, np.power, other, "**=")

    def __imatmul__(self, other: Operand) -> Tensor:
        raise TypeError("x @= y is not supported (as in PyTorch): write x = x @ y")

    def _must_record(self, other: Any, what: str) -> bool:
        """Whether changing this tensor by `other` must be recorded (grad is on
        and either requires grad); a leaf that requires grad refuses it: its
        old value would be lost to backward."""
        if not (state.grad_enabled and (self.requires_grad or getattr(other, "requires_grad", False))):
            return False
        if self.requires_grad and not self.parents:
            raise RuntimeError(
                f"{what} on a leaf tensor that requires grad (shape {self.shape}) while recording: its "
                "old value would be lost to backward. To update a parameter, do it inside `with "
                "no_grad():` (e.g. with no_grad(): p -= lr * p.grad); to build a new value, write x = x + ..."
            )
        return True

    def _in_place(self, fn: Any, ufunc: np.ufunc, other: Operand, symbol: str) -> Tensor:
        if self._must_record(other, f"x {symbol} ..."):
            return apply(fn, self, other)
        value = _in_place_operand(self, other, symbol)
        try:
            ufunc(self.data, value, out=self.data)
        except ValueError:
            raise ShapeError(
                f"x {symbol} y in place cannot change x's shape {self.shape}: y has shape "
                f"{np.shape(value)}, and the result must broadcast to x's shape"
            ) from None
        self.changed_in_place()
        return self

    def __setitem__(self, index: Any, value: Operand) -> None:
        """``t[index] = value``: in place, under the same rule as ``+=``; on a
        tensor computed with grad while recording it raises (the assignment
        cannot be recorded: build the result with ops instead)."""
        if self._must_record(value, "x[index] = ..."):
            raise RuntimeError(
                "x[index] = ... cannot be recorded for backward where x or the value requires grad "
                "(x is computed with grad, or the value is). Build the result with ops instead (e.g. "
                "x = x * keep + value * (1 - keep) with a 0/1 mask keep), or assign under no_grad() "
                "if no gradient should flow through it"
            )
        self.data[_plain_index(index)] = _in_place_operand(self, value, "[index] =")
        self.changed_in_place()

    # -- elementwise: each method is its op (docstring included) -----------------
    exp = _unary(ops.Exp)
    log = _unary(ops.Log)
    sqrt = _unary(ops.Sqrt)
    abs = _unary(ops.Abs)
    tanh = _unary(ops.Tanh)
    sigmoid = _unary(ops.Sigmoid)
    relu = _unary(ops.Relu)
    softplus = _unary(ops.Softplus)
    log_sigmoid = _unary(ops.LogSigmoid)

    # -- elementwise (issue 17) --
    sin = _unary(ops.Sin)
    cos = _unary(ops.Cos)
    tan = _unary(ops.Tan)
    log1p = _unary(ops.Log1p)
    expm1 = _unary(ops.Expm1)
    log2 = _unary(ops.Log2)
    exp2 = _unary(ops.Exp2)
    rsqrt = _unary(ops.Rsqrt)
    square = _unary(ops.Square)
    reciprocal = _unary(ops.Reciprocal)
    sign = _unary(ops.Sign)
    floor = _unary(ops.Floor)
    ceil = _unary(ops.Ceil)
    trunc = _unary(ops.Trunc)
    erf = _unary(ops.Erf)
    silu = _unary(ops.Silu)
    softsign = _unary(ops.Softsign)
    relu6 = _unary(ops.Relu6)

    def round(self, decimals: int = 0, **numpy_kw: Any) -> Tensor:
        """Round to `decimals` decimal places (negative: tens, hundreds...), halves
        to even, as torch.round and numpy.round (``np.round(t)`` calls it); zero
        gradient. See `ops.Round`."""
        _numpy_keywords("round", numpy_kw)
        return apply(ops.Round, self, decimals=_whole("round", "decimals", decimals))

    def isnan(self) -> Tensor:
        """Where the elements are NaN: a bool tensor outside the graph (as torch.isnan)."""
        return outside_graph(np.isnan, self)

    def isinf(self) -> Tensor:
        """Where the elements are +inf or -inf: a bool tensor outside the graph."""
        return outside_graph(np.isinf, self)

    def isfinite(self) -> Tensor:
        """Where the elements are neither inf nor NaN: a bool tensor outside the graph."""
        return outside_graph(np.isfinite, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, else negative_slope * x (torch.nn.functional.leaky_relu)."""
        slope = _real("leaky_relu", "negative_slope", negative_slope)
        return apply(ops.LeakyRelu, self, negative_slope=slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x where x > 0, else alpha (e**x - 1) (torch.nn.functional.elu)."""
        return apply(ops.Elu, self, alpha=_real("elu", "alpha", alpha))

    def gelu(self, approximate: str = "none") -> Tensor:
        """x Phi(x), Phi the standard normal CDF, or its tanh approximation with
        ``approximate="tanh"`` (torch.nn.functional.gelu). See `ops.Gelu`."""
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh' (PyTorch's), got {approximate!r}")
        return apply(ops.Gelu, self, approximate=approximate)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        """x limited to [min_val, max_val], with zero gradient at and beyond the
        bounds (torch.nn.functional.hardtanh; `clip` passes it at the bounds)."""
        lo, hi = _real("hardtanh", "min_val", min_val), _real("hardtanh", "max_val", max_val)
        if lo > hi:
            raise ValueError(f"hardtanh needs min_val <= max_val, got min_val={lo} and max_val={hi}")
        return apply(ops.Hardtanh, self, min_val=lo, max_val=hi)

    def __floordiv__(self, other: Operand) -> Tensor:
        return apply(ops.FloorDiv, self, other)

    def __rfloordiv__(self, other: Operand) -> Tensor:
        return apply(ops.FloorDiv, other, self)

    def __mod__(self, other: Operand) -> Tensor:
        return apply(ops.Mod, self, other)

    def __rmod__(self, other: Operand) -> Tensor:
        return apply(ops.Mod, other, self)

    def __ifloordiv__(self, other: Operand) -> Tensor:
        return self._in_place(ops.FloorDiv, _in_place_division(np.floor_divide, "//"), other, "//=")

    def __imod__(self, other: Operand) -> Tensor:
        return self._in_place(ops.Mod, _in_place_division(np.remainder, "%"), other, "%=")

    # casts: t.float() is a float32 tensor, as in PyTorch; float(t) is a Python number
    def astype(self, dtype: Any) -> Tensor:
        """A new tensor of `dtype` (a NumPy dtype, its name, or float, int, bool),
        as numpy's astype: always a copy (PyTorch's ``.to`` returns the tensor
        itself when the dtype already matches). Between floating dtypes the
        gradient flows, converted back to this tensor's dtype; a cast to an
        integer or bool dtype gives a tensor that does not require grad (as in
        PyTorch). Floats are truncated toward zero when cast to integers."""
        target = _numeric_dtype(dtype)
        if target.kind == "f" and self._data.dtype.kind == "f":
            return apply(ops.Cast, self, dtype=target)
        return outside_graph(np.ndarray.astype, self, dtype=target)

    def float(self) -> Tensor:
        """As float32 (torch.Tensor.float); ``float(t)`` is the Python number of a one-element tensor."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """As float64 (torch.Tensor.double)."""
        return self.astype(np.float64)

    def long(self) -> Tensor:
        """As int64, outside the graph (torch.Tensor.long)."""
        return self.astype(np.int64)

    def int(self) -> Tensor:
        """As int32, outside the graph (torch.Tensor.int); ``int(t)`` is a Python int."""
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        """As bool (nonzero is True), outside the graph (torch.Tensor.bool)."""
        return self.astype(np.bool_)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Limit values to [lo, hi] (either bound may be None)."""
        if lo is None and hi is None:
            raise ValueError("clip needs at least one bound: lo or hi")
        return apply(ops.Clip, self, lo=lo, hi=hi)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along `axis` (or PyTorch's ``dim=``)."""
        if dim is not None:
            axis, _ = _axis_keywords("softmax", axis, dim, default=-1)
        return apply(ops.Softmax, self, axis=axis)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x - log(sum(exp(x))) along `axis` (or PyTorch's ``dim=``)."""
        if dim is not None:
            axis, _ = _axis_keywords("log_softmax", axis, dim, default=-1)
        return apply(ops.LogSoftmax, self, axis=axis)

    def conv2d(
        self,
        weight: Tensor,
        bias: Tensor | None = None,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
    ) -> Tensor:
        """2-D cross-correlation, as torch.nn.functional.conv2d: self (N, C_in, H, W)
        with `weight` (C_out, C_in/groups, kH, kW) and an optional `bias` (C_out,), zero
        `padding` on each side; the result is (N, C_out, H_out, W_out) with
        H_out = (H + 2*padding - dilation*(kH-1) - 1) // stride + 1 (W_out likewise).
        `dilation` spaces the kernel's taps `dilation` pixels apart; `groups` splits
        the channels and the filters into that many groups, each filter seeing
        only its group's channels (groups=C_in: depthwise). One node, the bias
        included; the math is `conv.Conv2D`'s."""
        stride, padding = conv.as_pair(stride, "stride", 1), conv.as_pair(padding, "padding", 0)
        dilation, groups = conv.as_pair(dilation, "dilation", 1), conv.positive_int(groups, "groups")
        inputs = (self, weight) if bias is None else (self, weight, bias)
        return apply(conv.Conv2D, *inputs, stride=stride, padding=padding, dilation=dilation, groups=groups)

    def max_pool2d(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> Tensor:
        """Max over kH x kW windows of self (N, C, H, W), as torch.nn.functional.max_pool2d:
        `stride` defaults to `kernel_size`, `padding` of -inf (at most half the
        window, as in PyTorch), floor mode. The gradient of each window goes
        wholly to its first maximal element (row-major), as in PyTorch; `max`
        shares ties evenly instead. See `conv.MaxPool2D`."""
        kernel = conv.as_pair(kernel_size, "kernel_size", 1)
        stride = kernel if stride is None else conv.as_pair(stride, "stride", 1)
        if type(padding) is int and padding == 0:  # the common call, at the cost it had before padding
            return apply(conv.MaxPool2D, self, kernel_size=kernel, stride=stride)
        padding = conv.as_pair(padding, "padding", 0)
        conv.check_pool_padding(kernel, padding)
        return apply(conv.MaxPool2D, self, kernel_size=kernel, stride=stride, padding=padding)

    def avg_pool2d(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        count_include_pad: bool = True,
    ) -> Tensor:
        """Mean over kH x kW windows of self (N, C, H, W), as torch.nn.functional.avg_pool2d:
        `stride` defaults to `kernel_size`, zero `padding` (at most half the
        window) counted in the mean unless ``count_include_pad=False``, floor
        mode. See `conv.AvgPool2D`."""
        kernel = conv.as_pair(kernel_size, "kernel_size", 1)
        stride = kernel if stride is None else conv.as_pair(stride, "stride", 1)
        padding = conv.as_pair(padding, "padding", 0)
        conv.check_pool_padding(kernel, padding)
        return apply(
            conv.AvgPool2D,
            self,
            kernel_size=kernel,
            stride=stride,
            padding=padding,
            count_include_pad=bool(count_include_pad),
        )


def apply(fn: Any, *inputs: Operand, **params: Any) -> Tensor:
    """Run op `fn` on `inputs` (Tensors, numbers or arrays) and record the node.

    Numbers and arrays become constant tensors (a Python number takes the
    dtype of the tensor it meets when that dtype can hold it: `number_dtype`). The graph is
    recorded only when grad is enabled and some input requires grad.
    Every op of every forward pass comes through here: it is kept to the
    fewest Python steps."""
    for x in inputs:
        if type(x) is not Tensor:
            inputs = _lift(inputs)
            break
    out = Tensor.__new__(Tensor)  # every slot is set here, without __init__'s checks
    out._seq, out._mark, out._call, out.grad, out.saved, out.label = new_seq(), None, None, None, None, ""
    out.parents = inputs  # forward may read ctx.parents
    try:
        data = fn.forward(out, *map(_data, inputs), **params)
    except ValueError as exc:
        shapes = [p.shape for p in inputs]
        reason = _broadcast_mismatch(shapes) if "could not be broadcast" in str(exc) else exc
        raise ShapeError(
            f"op {fn.name!r} cannot take input shapes {' and '.join(map(str, shapes))}"
            f"{_format_params(params)}: {reason}"
        ) from None
    out._data = data if type(data) is np.ndarray else np.asarray(data)
    mode = state.plain
    if mode:  # recording without anomaly checks: the common case, one test
        for p in inputs:
            if p.requires_grad:
                out.requires_grad, out.op, out._fn = True, fn.name, fn
                if mode is not True:  # inside a group: mode is the group
                    out._group = mode
                return out
    elif state.grad_enabled and any(p.requires_grad for p in inputs):
        out.requires_grad, out.op, out._fn = True, fn.name, fn
        if state.group is not None:
            out._group = state.group
        return _checked(out, fn, inputs, params)
    # a leaf: nothing to differentiate through
    out.requires_grad, out.op, out._fn, out.parents, out.saved = False, "", None, (), None
    return out if mode else _checked(out, fn, inputs, params)


def _checked(out: Tensor, fn: Any, inputs: tuple[Tensor, ...], params: dict) -> Tensor:
    """`apply`'s slower path: `out` checked for NaN and inf under anomaly
    detection, and shown to the tracer while `compile_step` traces a call."""
    if state.anomaly:
        autograd.check_forward(out, autograd.all_finite(out._data))
    if state.tracer is not None:
        state.tracer.op(out, fn, inputs, params)
    return out


_data = operator.attrgetter("_data")


def _compared(x: np.ndarray, *, compare: Any, other: Any) -> np.ndarray:
    """``compare(x, other)`` for an `other` that is not a Tensor (see `Tensor._compare`)."""
    return compare(x, other)


def outside_graph(fn: Any, *inputs: Tensor, **params: Any) -> Tensor:
    """``fn(*arrays, **params)`` for a result outside the graph (a comparison's
    mask, isnan, a cast to integers): a leaf that no gradient reaches, as in
    PyTorch. Shown to `compile_step`'s tracer as an op (`ops.OutsideGraph`), so
    that a replay computes it again from each call's data."""
    out = fn(*map(_data, inputs), **params)
    out = _leaf(out if type(out) is np.ndarray else np.asarray(out))
    if state.tracer is not None:
        state.tracer.op(out, ops.OutsideGraph, inputs, {"fn": fn, **params})
    return out


def _lift(inputs: tuple) -> tuple[Tensor, ...]:
    """`inputs` with each number or array made a constant tensor (see `apply`)."""
    for x in inputs:
        if isinstance(x, Tensor):
            dtype = x._data.dtype
            break
    return tuple([x if isinstance(x, Tensor) else _constant(x, dtype) for x in inputs])


def _broadcast_mismatch(shapes: list[tuple[int, ...]]) -> str:
    """Which axis keeps `shapes` from broadcasting, in plain words (NumPy's
    message only repeats the shapes)."""
    for axis in range(1, max(map(len, shapes)) + 1):
        sizes = {shape[-axis] for shape in shapes if len(shape) >= axis} - {1}
        if len(sizes) > 1:
            listed = " and ".join(str(shape[-axis]) if len(shape) >= axis else "-" for shape in shapes)
            return (
                f"they do not broadcast: axis {-axis} has sizes {listed}, and broadcasting needs "
                "them equal or 1 (axes are matched from the right)"
            )
    return "they do not broadcast"


def _format_params(params: dict) -> str:
    return "".join(f", {k}={v!r}" for k, v in params.items())


def _constant(x: Any, dtype: np.dtype) -> Tensor:
    """A non-grad leaf for a plain number or array met in an op (a number
    takes `number_dtype`; arrays are checked as `Tensor(x)` checks them)."""
    if type(x) is float or type(x) is int:  # the common case, at a third of Tensor(x)'s cost
        return _leaf(np.array(x, dtype if dtype.kind == "f" else number_dtype(x, dtype)))
    if isinstance(x, _NUMBERS):
        return _leaf(np.array(x, number_dtype(x, dtype)))
    return Tensor(x)


def _leaf(data: np.ndarray) -> Tensor:
    """A constant leaf holding `data` as it is (the caller made the array),
    every slot set as `Tensor.__init__` sets it, without its checks."""
    t = Tensor.__new__(Tensor)
    t._data, t._seq, t._mark, t._call, t.grad, t.saved = data, new_seq(), None, None, None, None
    t.label = ""
    t.requires_grad, t.op, t._fn, t.parents = False, "", None, ()
    return t


_NUMBERS = (int, float, np.integer, np.floating, np.bool_)


def number_dtype(x: Any, dtype: np.dtype) -> np.dtype:
    """The dtype a plain number `x` takes when it meets a tensor of `dtype`:
    the tensor's own when it can hold `x` (float32 stays float32, int32 + 2 is
    int32), else the smallest that can. A float meeting an integer or bool
    tensor gives float64, the default float (PyTorch gives its default,
    float32): never a float cut down to an integer. An int meeting a bool
    tensor gives int64 (as NumPy 2 and PyTorch)."""
    if dtype.kind == "f" or isinstance(x, (bool, np.bool_)):
        return dtype
    if isinstance(x, (float, np.floating)):
        return np.dtype(np.float64)
    if dtype.kind == "b":
        dtype = np.dtype(np.int64)
    info = np.iinfo(dtype)
    return dtype if info.min <= x <= info.max else np.promote_types(dtype, np.min_scalar_type(x))


def _in_place_operand(target: Tensor, value: Any, symbol: str) -> Any:
    """`value` (a Tensor, number or array) as the operand of an in-place change
    of `target`'s data, refused when the result could not be stored there
    without losing something: a float into an integer tensor, say."""
    if isinstance(value, Tensor):
        value = value.data
    if not target.data.flags.writeable:
        raise ValueError(
            f"x {symbol} ...: this tensor's data is a read-only NumPy array; give the tensor its own "
            "copy first (Tensor(array.copy()))"
        )
    if isinstance(value, _NUMBERS):
        kind = number_dtype(value, target.dtype)
    else:
        value = _to_array(value, None, copy=False) if isinstance(value, (list, tuple)) else value
        kind = np.result_type(target.data, value)
    if symbol == "/=" and kind.kind in "biu":
        kind = np.dtype(np.float64)
    if symbol == "**=":
        ops.refuse_negative_integer_power(target.data, np.asarray(value))
    if not np.can_cast(kind, target.dtype, "same_kind"):
        raise TypeError(
            f"x {symbol} ... would give {kind} values, which this tensor's dtype {target.dtype} "
            "cannot hold without losing them; write x = x ... (a new tensor) or convert x first"
        )
    return value


def _grad_copy(g: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A leaf's own copy of the gradient `g`, in the leaf's dtype; refused for
    an integer leaf (requires_grad set by hand), which would truncate it."""
    if dtype.kind != "f":
        raise TypeError(
            f"a tensor of dtype {dtype} cannot hold a gradient: only floating-point tensors can "
            "require grad (as in PyTorch)"
        )
    return np.array(g, dtype=dtype)


def _numpy_keywords(name: str, given: dict) -> None:
    """Refuse what `np.sum(t)` and its kin may pass beyond the defaults."""
    for key, value in given.items():
        if key in ("dtype", "out") and value is None:
            continue
        raise TypeError(
            f"Tensor.{name}() takes axis and keepdims only, got {key}={value!r}: "
            "tensors are graph nodes, so there is no out= array to write into"
        )


def _to_array(data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """`data` as an ndarray: float64 unless `dtype` is given or `data` is
    already floating or bool (a list of bools makes a bool tensor, as in
    PyTorch, to be used as a mask); non-numeric data is refused."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        arr = np.array(data, dtype=dtype) if copy else np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        if isinstance(data, (list, tuple)) and _holds_grad_tensor(data):  # issue 17
            raise TypeError(
                "Tensor([...]) got tensors that require grad inside a list: a new tensor made of their "
                "values would leave the graph, and no gradient would reach them. Join them in the graph "
                "with Tensor.stack([...]) (a new axis) or Tensor.cat([...]) (end to end); "
                "use t.detach() for the values alone"
            ) from None
        reason = "rows of different lengths" if "inhomogeneous" in str(exc) else exc
        raise TypeError(f"Tensor needs numeric data, got {type(data).__name__}: {reason}") from None
    if arr.dtype.kind not in "biuf":
        hint = ""
        if isinstance(data, Value):
            hint = (
                ": a Value (a scalar node) does not mix with Tensors. In a compiled step, a number "
                "argument becomes a Value; pass np.array(x) to get a Tensor instead"
            )
        raise TypeError(
            f"Tensor needs numeric data (numbers or arrays of numbers), got {type(data).__name__} "
            f"with NumPy dtype {arr.dtype}{hint}"
        )
    if dtype is None and arr.dtype.kind not in "fb":
        arr = arr.astype(np.float64)
    return arr


def _shape(shape: tuple) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _axis_keywords(
    name: str,
    axis: Any,
    dim: Any,
    keepdims: bool = False,
    keepdim: bool | None = None,
    default: Any = None,
    numpy_kw: dict | None = None,
) -> tuple[Any, bool]:
    """(axis, keepdims) from NumPy's ``axis=``/``keepdims=`` or PyTorch's
    ``dim=``/``keepdim=`` spellings (issue 17: shared by every reduction, the
    issue's argmax/argmin, softmax and log_softmax; call it only when `dim`,
    `keepdim` or `numpy_kw` is given, so the common call pays nothing). A keyword
    counts as given when it differs from its default (`default` for axis: None,
    or -1 for softmax), so ``axis=1, dim=1`` or ``keepdims=True, keepdim=True``
    is a TypeError naming both; ``keepdims=False`` cannot be told from its
    default. `numpy_kw` (what ``np.sum(t)`` and its kin pass) goes to `_numpy_keywords`."""
    if numpy_kw:
        _numpy_keywords(name, numpy_kw)
    if dim is not None:
        if axis != default:
            raise TypeError(f"{name}() got both axis={axis!r} and dim={dim!r}: two names of one argument")
        axis = dim
    if keepdim is not None:
        if keepdims is not False:
            raise TypeError(
                f"{name}() got both keepdims={keepdims!r} and keepdim={keepdim!r}: two names of one argument"
            )
        keepdims = keepdim
    return axis, keepdims


def _spread_keywords(
    name: str,
    ndim: int,
    axis: Axis,
    keepdims: bool,
    correction: float,
    dim: Axis,
    keepdim: bool | None,
    ddof: float | None,
    numpy_kw: dict,
) -> dict[str, Any]:
    """The checked parameters of `var` and `std`: `_axis_keywords`, and the
    correction given once, as ``correction=`` (PyTorch) or ``ddof=`` (NumPy)."""
    if ddof is not None:
        if correction != 1:
            raise TypeError(
                f"{name}() got both correction={correction!r} and ddof={ddof!r}: two names of one argument"
            )
        correction = ddof
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}() needs a number correction (1 for the sample {name}), got {correction!r}")
    axis, keepdims = _axis_keywords(name, axis, dim, keepdims, keepdim, numpy_kw=numpy_kw)
    return {"axis": _axes(axis, ndim), "keepdims": keepdims, "correction": correction}


def _required_axes(name: str, axis: Axis, ndim: int) -> tuple[int, ...] | None:
    """`_axes` for a reduction whose axis is required, as PyTorch's dim is; on a
    0-d tensor 0 and -1 are accepted (as in PyTorch) and mean the whole tensor (None)."""
    if axis is None:
        raise TypeError(f"{name}() needs axis= (or dim=): the axis to reduce over, as in PyTorch")
    if ndim == 0 and axis in (0, -1, (0,), (-1,)):
        return None
    return _axes(axis, ndim)


def _axes(axis: Axis, ndim: int) -> tuple[int, ...] | None:
    """`axis` as a tuple of non-negative ints (None stays None)."""
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"axis must be an int, a tuple of ints or None, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ShapeError(f"axis {axis} is out of range for a tensor with {ndim} dimensions")
    return tuple(int(a) % ndim for a in axes)


def _plain_index(index: Any, top: bool = True) -> Any:
    """`index` with Tensors, lists and tuples nested in it made arrays (as NumPy
    reads them: ``x[(0, 0),]`` picks element 0 twice); a float array index is
    an `IndexError` (as in NumPy and PyTorch), never truncated."""
    if isinstance(index, tuple) and top:
        return tuple(_plain_index(i, top=False) for i in index)
    if isinstance(index, (list, tuple)):
        index = np.asarray(index) if index else np.empty(0, np.intp)
    elif isinstance(index, Tensor):
        index = index.data
    if isinstance(index, np.ndarray) and index.dtype.kind not in "biu":
        raise IndexError(
            f"an index array must hold integers or bools, got {index.dtype}: tensors made from "
            "numbers are float64, so pass a list of ints, an integer array, or "
            "Tensor(..., dtype=np.int64)"
        )
    return index


# -- issue 17 (creation, joining, shape, selection): argument checks ----------------
def _is_int(x: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _creation_number(what: str, x: Any, bools: bool = False) -> None:
    """Refuse anything but a number (a bool only where `bools` allows it)."""
    if (isinstance(x, (bool, np.bool_)) and not bools) or not isinstance(x, _NUMBERS):
        raise TypeError(f"{what} must be a number, got {type(x).__name__} {x!r:.40}")


def _creation_count(what: str, n: Any) -> int:
    """`n` as a count: an int >= 0."""
    if not _is_int(n) or n < 0:
        raise ValueError(f"{what} must be an int >= 0, got {n!r:.40}")
    return int(n)


def _creation_shape(what: str, shape: Any) -> tuple[int, ...]:
    """A shape given as an int or a sequence of ints >= 0."""
    sizes = (shape,) if _is_int(shape) else shape
    if not isinstance(sizes, (tuple, list)) or not all(_is_int(n) and n >= 0 for n in sizes):
        raise ValueError(f"{what} needs a shape (an int or a tuple of ints >= 0), got {shape!r:.40}")
    return tuple(int(n) for n in sizes)


def _fill_dtype(what: str, value: Any, dtype: np.dtype) -> np.dtype:
    """`dtype`, when it can hold the number `value` (as `number_dtype` decides), else a TypeError."""
    if number_dtype(value, dtype) != dtype:
        raise TypeError(
            f"{what}: dtype {dtype} cannot hold the value {value!r} without changing it (PyTorch "
            "would cut it down); pass a dtype that can, e.g. dtype=np.float64"
        )
    return dtype


def _filled_like(t: Any, make: Any, requires_grad: bool, dtype: Any, label: str) -> Tensor:
    """`zeros_like` / `ones_like`: a new leaf made by `make` (np.zeros or np.ones) in t's
    shape and dtype (or `dtype`)."""
    shape, own = _like(t)
    kind = own if dtype is None else dtype
    return Tensor(make(shape, kind), requires_grad, kind, label)


def _like(t: Any) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype of a Tensor or an array, or of what `Tensor(...)` makes of a list."""
    if isinstance(t, (Tensor, np.ndarray)):
        return t.shape, t.dtype
    data = _to_array(t, None, copy=False)
    return data.shape, data.dtype


def _tensor_list(what: str, tensors: Any) -> list[Tensor]:
    """The tensors to join, as a non-empty list of Tensors (arrays and lists become constants)."""
    if isinstance(tensors, (Tensor, np.ndarray)) or not hasattr(tensors, "__iter__"):
        raise TypeError(
            f"Tensor.{what} takes a list or tuple of tensors, got {type(tensors).__name__}: "
            f"write Tensor.{what}([a, b])"
        )
    parts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not parts:
        raise ValueError(f"Tensor.{what} needs at least one tensor, got none")
    return parts


def _new_axis(what: str, axis: Any, ndim: int) -> int:
    """The position of a new axis in a result of ndim + 1 axes: -(ndim + 1) to ndim."""
    if not _is_int(axis):
        raise TypeError(f"{what} takes an axis (an int), got {axis!r}")
    if not -(ndim + 1) <= axis <= ndim:
        raise ShapeError(
            f"{what}: axis {axis} is out of range: the new axis of a result with {ndim + 1} "
            f"dimensions goes at a position from {-(ndim + 1)} to {ndim}"
        )
    return int(axis) % (ndim + 1)


def _diagonal(what: str, t: Tensor, k: Any) -> int:
    """Check tril/triu's arguments: a tensor of at least 2 dimensions, an int diagonal."""
    if t.ndim < 2:
        raise ShapeError(f"{what} needs a tensor with at least 2 dimensions (a matrix), got shape {t.shape}")
    if not _is_int(k):
        raise TypeError(f"{what}: the diagonal k must be an int, got {k!r}")
    return int(k)


def _bool_mask(what: str, mask: Any) -> np.ndarray:
    """A condition or mask as a bool array: a bool Tensor, array or list (as PyTorch, no other dtype)."""
    data = mask.data if isinstance(mask, Tensor) else _to_array(mask, None, copy=False)
    if data.dtype != bool:
        raise TypeError(
            f"{what} needs a bool condition (a comparison such as x > 0, or a list of bools), got "
            f"dtype {data.dtype}, as PyTorch refuses it; write mask != 0 to test for nonzero values"
        )
    return data


def _fill_number(what: str, value: Any) -> Any:
    """The fill value of pad and masked_fill: a number, or a 0-d Tensor's number."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(
                f"{what}: the value requires grad, and a fill value is a constant; for a value "
                "that needs a gradient, use Tensor.where(mask, value, x)"
            )
        if value.ndim:
            raise ShapeError(f"{what} takes one number as the value, got a tensor of shape {value.shape}")
        value = value.item()
    if not isinstance(value, _NUMBERS):
        raise TypeError(f"{what} takes a number as the value, got {type(value).__name__} {value!r:.40}")
    return value


def _check_broadcast(what: str, shapes: dict[str, tuple[int, ...]]) -> None:
    """Refuse shapes that do not broadcast together, naming each."""
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        mismatch = _broadcast_mismatch([*shapes.values()])
        raise ShapeError(f"{what}: the shapes do not fit ({listed}): {mismatch}") from None


def _integer_index(what: str, index: Any) -> np.ndarray:
    """An index argument as an integer array (a Tensor, an array or a list of ints)."""
    data = index.data if isinstance(index, Tensor) else np.asarray(index)
    if isinstance(index, (list, tuple)) and data.size == 0:
        data = data.astype(np.int64)
    if data.dtype.kind not in "iu":
        raise TypeError(
            f"{what} needs an integer index, got dtype {data.dtype}: Tensor([...]) of numbers is "
            "float64, so pass dtype=np.int64, an integer array, or a list of ints"
        )
    return data


def _arg_extreme(what: str, fn: Any, t: Tensor, axis: Any, keepdims: bool) -> Tensor:
    """argmax / argmin (`fn`) of t over all elements or along one axis, as an int64 leaf."""
    if axis is None:
        if t.size == 0:
            raise ValueError(f"{what} of an empty tensor (shape {t.shape}): there is no element to pick")
        return Tensor(np.asarray(fn(t.data, keepdims=keepdims), np.int64), dtype=np.int64)
    if not _is_int(axis):
        raise TypeError(f"{what} takes one axis (an int) or None, got {axis!r}, as in PyTorch")
    (a,) = _axes(axis, max(t.ndim, 1))
    if t.ndim == 0:  # axis 0 or -1 of a 0-d tensor: its one element
        return Tensor(np.zeros((), np.int64), dtype=np.int64)
    if t.shape[a] == 0:
        raise ValueError(f"{what} along axis {axis} of length 0 (shape {t.shape}): no element to pick")
    return Tensor(fn(t.data, axis=a, keepdims=keepdims).astype(np.int64, copy=False), dtype=np.int64)


def _holds_grad_tensor(data: Any) -> bool:
    """Whether a (nested) list or tuple holds a Tensor that requires grad."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            if item.requires_grad:
                return True
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


# -- issue 17 (elementwise, casts): argument checks -----------------------------------
def _real(op: str, name: str, value: Any) -> float:
    """`value` as a Python float (so float32 stays float32), or a clear error:
    a real number that is not NaN."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__} {value!r:.40}")
    if value != value:
        raise ValueError(f"{op}: {name} must be a number, got nan")
    return float(value)


def _whole(op: str, name: str, value: Any) -> int:
    """`value` as a Python int, or a TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r:.40}")
    return int(value)


def _numeric_dtype(dtype: Any) -> np.dtype:
    """`dtype` as a NumPy dtype a Tensor can hold (bool, integer or float), or a TypeError."""
    try:
        target = np.dtype(dtype)
    except TypeError:
        target = None
    if dtype is None or target is None or target.kind not in "biuf":
        raise TypeError(
            f"astype needs a bool, integer or floating dtype such as np.float32, 'int64' or bool, "
            f"got {dtype!r:.40}"
        )
    return target


def _in_place_division(ufunc: np.ufunc, symbol: str) -> Any:
    """`ufunc` (floor_divide or remainder) for ``x //= y`` and ``x %= y`` in
    place: an integer divisor of 0 raises ZeroDivisionError, as ``x // y`` does."""

    def divide(x: np.ndarray, y: Any, out: np.ndarray) -> np.ndarray:
        ops.refuse_integer_division_by_zero(x, np.asarray(y), symbol)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ufunc(x, y, out=out)

    return divide
