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

Operand = "Tensor | float | int | np.ndarray"
Axis = int | Sequence[int] | None


def _unary(fn: Any) -> Any:
    """A Tensor method applying the one-input op `fn`, documented by its math."""

    def method(self: Tensor) -> Tensor:
        return apply(fn, self)

    method.__name__, method.__qualname__ = fn.name, f"Tensor.{fn.name}"  # pickle finds it there
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
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad, got dtype {self.data.dtype}; "
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
            (p, ops.unbroadcast(g, p.data.shape))
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
        return len(self.data)

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
        other_data = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor(fn(self.data, other_data), dtype=bool)
        except ValueError:
            shapes = [self.shape, np.shape(other_data)]
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
    def sum(self, axis: Axis = None, keepdims: bool = False, **numpy_kw: Any) -> Tensor:
        """Sum over `axis` (an int, a tuple, or None for all). A bool or integer
        tensor sums to int64 (as NumPy and PyTorch)."""
        _numpy_keywords("sum", numpy_kw)
        return apply(ops.Sum, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, **numpy_kw: Any) -> Tensor:
        """Mean over `axis` (an int, a tuple, or None for all); float64 for
        integer input (as NumPy)."""
        _numpy_keywords("mean", numpy_kw)
        return apply(ops.Mean, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False, **numpy_kw: Any) -> Tensor:
        """Max over `axis`, exact for every dtype; tied maxima share the gradient evenly."""
        _numpy_keywords("max", numpy_kw)
        return apply(ops.Max, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, **numpy_kw: Any) -> Tensor:
        """Min over `axis`, exact for every dtype; tied minima share the gradient evenly."""
        _numpy_keywords("min", numpy_kw)
        return apply(ops.Min, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

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

    def flatten(self) -> Tensor:
        """All elements in one axis."""
        return self.reshape(-1)

    def __getitem__(self, index: Any) -> Tensor:
        """Basic slicing and integer/boolean-array indexing, as NumPy; an index
        repeated inside an array, list or tuple adds up its gradients."""
        return apply(ops.GetItem, self, index=_plain_index(index))

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

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Limit values to [lo, hi] (either bound may be None)."""
        if lo is None and hi is None:
            raise ValueError("clip needs at least one bound: lo or hi")
        return apply(ops.Clip, self, lo=lo, hi=hi)

    def softmax(self, axis: int = -1) -> Tensor:
        return apply(ops.Softmax, self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return apply(ops.LogSoftmax, self, axis=axis)

    def conv2d(
        self,
        weight: Tensor,
        bias: Tensor | None = None,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
    ) -> Tensor:
        """2-D cross-correlation, as torch.nn.functional.conv2d: self (N, C_in, H, W)
        with `weight` (C_out, C_in, kH, kW) and an optional `bias` (C_out,), zero
        `padding` on each side; the result is (N, C_out, H_out, W_out) with
        H_out = (H + 2*padding - kH) // stride + 1 (W_out likewise). One node,
        the bias included; the math is `conv.Conv2D`'s."""
        stride, padding = conv.as_pair(stride, "stride", 1), conv.as_pair(padding, "padding", 0)
        inputs = (self, weight) if bias is None else (self, weight, bias)
        return apply(conv.Conv2D, *inputs, stride=stride, padding=padding)

    def max_pool2d(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
    ) -> Tensor:
        """Max over kH x kW windows of self (N, C, H, W), as torch.nn.functional.max_pool2d:
        `stride` defaults to `kernel_size`, no padding, floor mode. The gradient of
        each window goes wholly to its first maximal element (row-major), as in
        PyTorch; `max` shares ties evenly instead. See `conv.MaxPool2D`."""
        kernel = conv.as_pair(kernel_size, "kernel_size", 1)
        stride = kernel if stride is None else conv.as_pair(stride, "stride", 1)
        return apply(conv.MaxPool2D, self, kernel_size=kernel, stride=stride)


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
        autograd.check_forward(out, autograd.all_finite(out._data))  # anomaly detection is on
        return out
    # a leaf: nothing to differentiate through
    out.requires_grad, out.op, out._fn, out.parents, out.saved = False, "", None, (), None
    if state.anomaly:
        autograd.check_forward(out, autograd.all_finite(out._data))
    return out


_data = operator.attrgetter("_data")


def _lift(inputs: tuple) -> tuple[Tensor, ...]:
    """`inputs` with each number or array made a constant tensor (see `apply`)."""
    for x in inputs:
        if isinstance(x, Tensor):
            dtype = x.data.dtype
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
        reason = "rows of different lengths" if "inhomogeneous" in str(exc) else exc
        raise TypeError(f"Tensor needs numeric data, got {type(data).__name__}: {reason}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor needs numeric data (numbers or arrays of numbers), got {type(data).__name__} "
            f"with NumPy dtype {arr.dtype}"
        )
    if dtype is None and arr.dtype.kind not in "fb":
        arr = arr.astype(np.float64)
    return arr


def _shape(shape: tuple) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


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
