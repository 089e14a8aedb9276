"""Tracing one call of a step: which ops ran, on what, and what a replay may not skip.

While a call is traced, `autograd.state.tracer` is a `Tracer`: every op of
`Value` and `Tensor` reports itself to it from its slower path (``op``), even
an op whose result needs no gradient (a Tensor op on inputs alone, or one
under `no_grad`), which the graph itself would not keep. From those records
and the call's outputs, `Recording` lists the nodes of the call, each after
its inputs, each of one kind:

- ``input``: made by the step from its arguments, read again on every call;
- ``leaf``: a leaf that existed before the call (a parameter, or data held
  outside): read again on every call, by identity;
- ``constant``: a leaf made during the call (a number met in an op, a tensor
  made from a global): frozen, as the replay will not run the code that made it;
- ``op``: an op on earlier nodes, with its parameters.

A replay runs no Python of the step, so a call that decides anything from a
node's *value* cannot be replayed. The first trace of a step watches for it
(`watching`): reading ``.data`` from outside the engine's ops, comparing or
converting a node (``v > 0``, ``float(v)``, ``t.item()``, ``print(t)``),
changing data in place, or calling ``backward()`` inside the step are
reported, and compiling is refused with the place in the code where it
happened.
"""

from __future__ import annotations

import contextlib
import math
import operator
import sys
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import autograd, ops
from .. import tensor as tensor_module
from ..autograd import Node, state
from ..errors import CompileError
from ..tensor import Tensor
from ..value import Value


class Tracer:
    """Collects the ops of one traced call (``records``: node -> (op, inputs,
    params), where op is a Tensor op class or a Value op's name) and, when it
    watches, the first data-dependent thing the call did (``reason``)."""

    def __init__(self, watch: bool) -> None:
        self.records: dict[Node, tuple[Any, tuple, dict | None]] = {}
        # (ops recorded before it, node, check of its values): see autograd.check_values
        self.checks: list[tuple[int, Node, Any]] = []
        self.masks: list[Node] = []  # nodes whose data became an op's parameter (a where's condition)
        self.watch = watch
        self.reason: str | None = None
        self.start = autograd.new_seq()

    def op(self, out: Node, op: Any, inputs: tuple, params: dict | None) -> None:
        self.records[out] = (op, inputs, params)

    def check(self, node: Node, check: Any) -> None:
        self.checks.append((len(self.records), node, check))

    def refuse(self, what: str) -> None:
        """Note the first data-dependent act of the call, with where the user's code did it."""
        if self.reason is None:
            self.reason = f"{what}, at {_user_frame()}"


def _user_frame() -> str:
    """file:line and the source line of the innermost frame outside tinygrad_lite,
    and when that is in nn, of the innermost one outside nn too (the user's call)."""
    frames = [frame for frame in reversed(traceback.extract_stack()) if _ENGINE not in frame.filename]
    if not frames:
        return "inside tinygrad_lite"
    where = _place(frames[0])
    if _NN in frames[0].filename:
        caller = next((frame for frame in frames if _NN not in frame.filename), None)
        if caller is not None:
            where += f", called from {_place(caller)}"
    return where


def _place(frame: traceback.FrameSummary) -> str:
    return f"{frame.filename}:{frame.lineno} ({(frame.line or '').strip()})"


_SEP = "/" if "/" in __file__ else "\\"
_ENGINE, _NN = f"{_SEP}tinygrad_lite{_SEP}", f"{_SEP}nn{_SEP}"


# -- what the first trace watches --------------------------------------------------------
# Reading a node's value is allowed only to the code that computes ops from their
# inputs: the op classes (tinygrad_lite.ops, tinygrad_lite.conv) and Value's op methods.
_VALUE_OPS = (
    "__add__",
    "__sub__",
    "__mul__",
    "__truediv__",
    "__pow__",
    "__neg__",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "__abs__",
)
_CONVERSIONS = {
    Value: (
        "__lt__",
        "__le__",
        "__gt__",
        "__ge__",
        "__float__",
        "__int__",
        "__round__",
        "__format__",
        "__repr__",
        "backward",
    ),
    Tensor: (
        "__bool__",
        "__float__",
        "__int__",
        "__index__",
        "__format__",
        "__repr__",
        "__array__",
        "item",
        "numpy",
        "tolist",
        "backward",
    ),
}


def _trusted_codes() -> set:
    """The code objects allowed to read a node's value while it is watched."""
    codes = {getattr(Value, name).__code__ for name in _VALUE_OPS}
    modules = [
        m for name, m in sys.modules.items() if name.startswith(("tinygrad_lite.ops", "tinygrad_lite.conv"))
    ]
    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                for attr in vars(obj).values():
                    fn = getattr(attr, "__func__", attr)
                    fn = getattr(fn, "__wrapped__", fn)
                    if hasattr(fn, "__code__"):
                        codes.add(fn.__code__)
            elif callable(obj) and getattr(obj, "__module__", None) == module.__name__:
                fn = getattr(obj, "__wrapped__", obj)
                if hasattr(fn, "__code__"):
                    codes.add(fn.__code__)
    return codes


_TRUSTED: set | None = None
#: code that reads a node's data only to hand the array itself to an op as a parameter
#: (where's and masked_fill's condition): the Recording binds that parameter to the node
_AS_PARAMETER = {tensor_module._bool_mask.__code__}


@contextlib.contextmanager
def watching(tracer: Tracer) -> Iterator[None]:
    """While inside, a read of a node's value by anything but an op, a
    comparison or conversion of a node, a change of data held outside the call,
    and ``backward()`` are noted in ``tracer.reason``. The classes are patched
    for the duration and restored on leaving (one thread traces at a time)."""
    global _TRUSTED
    if _TRUSTED is None:
        _TRUSTED = _trusted_codes()
    trusted, start = _TRUSTED, tracer.start
    saved: list[tuple[type, str, Any]] = []

    def patch(cls: type, name: str, new: Any) -> None:
        saved.append((cls, name, cls.__dict__[name]))
        setattr(cls, name, new)

    for cls, slot in ((Value, Value.__dict__["data"]), (Tensor, Tensor.__dict__["data"])):
        get, put = slot.__get__, slot.__set__

        def read(node: Any, get: Any = get) -> Any:
            code = sys._getframe(1).f_code
            if code in _AS_PARAMETER:  # a mask given to an op as it is: bound to its node (Recording)
                tracer.masks.append(node)
            elif code not in trusted:
                tracer.refuse(f"the step reads the value of a {type(node).__name__} (.data)")
            return get(node)

        def write(node: Any, value: Any, put: Any = put) -> None:
            if getattr(node, "_seq", start) < start:
                tracer.refuse(f"the step changes the data of a {type(node).__name__} made before it")
            put(node, value)

        patch(cls, "data", property(read, write))
    for cls, names in _CONVERSIONS.items():
        for name in names:
            if name in cls.__dict__:
                patch(cls, name, _reporting(tracer, cls.__dict__[name], f"{cls.__name__}.{name}"))
    try:
        yield
    finally:
        for cls, name, old in reversed(saved):
            setattr(cls, name, old)


def _reporting(tracer: Tracer, method: Any, name: str) -> Any:
    def reporting(*args: Any, **kwargs: Any) -> Any:
        what = (
            "the step calls backward() itself"
            if name.endswith("backward")
            else (f"the step uses the value of a node in Python ({name})")
        )
        tracer.refuse(what)
        return method(*args, **kwargs)

    return reporting


@contextlib.contextmanager
def tracing(tracer: Tracer) -> Iterator[None]:
    """Ops report to `tracer` while inside (and everything is watched if it asks)."""
    if state.tracer is not None:
        raise CompileError(
            "a compiled step called inside another step being traced: compile the outer step only"
        )
    state.set_tracer(tracer)
    try:
        if tracer.watch:
            with watching(tracer):
                yield
        else:
            yield
    finally:
        state.set_tracer(None)


# -- what a traced call depends on ------------------------------------------------------
class Recording:
    """The nodes of a traced call, each after its inputs (ops in the order
    they were made, a leaf where an op first used it).

    ``nodes``: the nodes; ``kinds``: for each, "input", "leaf", "constant" or
    "op"; ``ops[i]``: (op, indices of its inputs in `nodes`, params) for an op,
    None otherwise; ``inputs``: the index in `nodes` of each flat input (or -1
    where the call did not use it); ``outputs``: the indices of the outputs."""

    def __init__(self, tracer: Tracer, inputs: list[Node], outputs: list[Node]) -> None:
        index: dict[Node, int] = {}  # node -> its place in `nodes` (nodes hash by identity)
        nodes: list[Node] = []
        records: list[tuple[Any, tuple[int, ...], dict | None] | None] = []
        place, add_node, add_record = index.get, nodes.append, records.append
        for out, (op, parents, params) in tracer.records.items():  # the order they were made
            for x in parents:
                if place(x) is None:  # a leaf: met first as an input
                    index[x] = len(nodes)
                    add_node(x)
                    add_record(None)
            index[out] = len(nodes)
            add_node(out)
            add_record((op, tuple(map(place, parents)), params))
        for x in (*inputs, *outputs):  # an argument or output that no op used or made
            if x not in index:
                index[x] = len(nodes)
                add_node(x)
                add_record(None)
        if isinstance(outputs[0], Tensor):
            _bind_parameters(nodes, records, tracer.masks)
        self.nodes, self.ops = nodes, records
        # (ops made before it, the node checked, the check), for the checks of nodes in the graph
        self.checks = [(before, index[node], check) for before, node, check in tracer.checks if node in index]
        self.outputs = [index[x] for x in outputs]
        self.inputs = [index.get(x, -1) for x in inputs]
        arguments = set(self.inputs)
        self.kinds = ["op" if op else "input" if i in arguments else "" for i, op in enumerate(self.ops)]
        for i, node in enumerate(self.nodes):
            if not self.kinds[i]:
                if node._seq >= tracer.start:
                    self.kinds[i] = "constant"
                elif node.parents:
                    raise CompileError(
                        f"the step uses a {type(node).__name__} computed before it was called (op "
                        f"{node.op!r}), not a leaf: compute it inside the step, or use x.detach() "
                        "or a parameter instead"
                    )
                else:
                    self.kinds[i] = "leaf"

    def difference(self, other: Recording) -> str | None:
        """None if `other` recorded the same computation (the same ops on the same
        nodes, the same constants and leaves); else the first difference, in words."""
        if self._same(other):
            return None
        if len(self.nodes) != len(other.nodes):
            return f"the graph has {len(other.nodes)} nodes this time, {len(self.nodes)} the first time"
        if self.outputs != other.outputs or self.inputs != other.inputs:
            return "the outputs or the arguments used are different nodes of the graph"
        if [c[:2] for c in self.checks] != [c[:2] for c in other.checks]:
            return "it checks the values of different nodes (a loss's check of its inputs)"
        for i, (a, b) in enumerate(zip(self.nodes, other.nodes)):
            ka, kb = self.kinds[i], other.kinds[i]
            if ka != kb:
                return f"node {i} is a{_article(kb)} {kb} this time, a{_article(ka)} {ka} the first time"
            what = _node_difference(ka, a, b, self.ops[i], other.ops[i])
            if what:
                return f"node {i} ({_describe(b, other.ops[i])}): {what}"
        return None

    def _same(self, other: Recording) -> bool:
        """The quick check: whole lists compared at once. False may still be the
        same computation (arrays in parameters, NaN constants): `difference` then
        looks node by node."""
        if (self.kinds, self.inputs, self.outputs) != (other.kinds, other.inputs, other.outputs):
            return False
        if [c[:2] for c in self.checks] != [c[:2] for c in other.checks]:
            return False
        try:
            with warnings.catch_warnings():  # NumPy 1.x warns on the truth of an empty array
                warnings.simplefilter("error", DeprecationWarning)
                if self.ops != other.ops:
                    return False
        except (ValueError, TypeError, DeprecationWarning):  # arrays among the parameters
            return False
        mine, theirs = self.nodes, other.nodes
        if list(map(_requires_grad, mine)) != list(map(_requires_grad, theirs)):
            return False
        if any(mine[i] is not theirs[i] for i, kind in enumerate(self.kinds) if kind == "leaf"):
            return False
        constants = [i for i, kind in enumerate(self.kinds) if kind == "constant"]
        if isinstance(mine[0], Tensor):
            if [(t.shape, t.dtype) for t in mine] != [(t.shape, t.dtype) for t in theirs]:
                return False
            return all(_same_data(mine[i]._data, theirs[i]._data) for i in constants)
        return [mine[i].data for i in constants] == [theirs[i].data for i in constants]


class Bound:
    """An op's parameter that is the data of node `index` of the Recording (a
    where's condition computed in the step): a replay passes that node's data."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bound) and other.index == self.index

    def __repr__(self) -> str:
        return f"the data of node {self.index}"


def _bind_parameters(nodes: list[Node], records: list, masks: list[Node]) -> None:
    """Replace each op parameter that is a node's data array, the same object, by
    `Bound` (in place in `records`). A mask read by `_bool_mask` (in `masks`)
    must have become one, or the replay would keep the first call's values."""
    data = {id(node._data): i for i, node in enumerate(nodes)}
    bound = set()
    for k, record in enumerate(records):
        if record is not None and record[2]:
            params = {
                name: Bound(data[id(value)]) if isinstance(value, np.ndarray) and id(value) in data else value
                for name, value in record[2].items()
            }
            bound.update(param.index for param in params.values() if isinstance(param, Bound))
            records[k] = (record[0], record[1], params)
    index = {id(node): i for i, node in enumerate(nodes)}
    for mask in masks:
        if index.get(id(mask)) not in bound:
            raise CompileError(
                "the step uses a mask's values in a way a replay cannot repeat (its array was not "
                "given to an op as it is); compute it outside the step and pass it as an argument"
            )


def needed(recording: Recording) -> bytearray:
    """1 for each node of `recording` that its outputs depend on, else 0 (an op
    whose result the step did not return nor use is not replayed)."""
    ops = recording.ops
    flags = bytearray(len(ops))
    for k in recording.outputs:
        flags[k] = 1
    for i in range(len(ops) - 1, -1, -1):
        if flags[i] and ops[i] is not None:
            for j in ops[i][1]:
                flags[j] = 1
            for param in ops[i][2].values() if ops[i][2] else ():
                if isinstance(param, Bound):  # a parameter computed in the step (a where's mask)
                    flags[param.index] = 1
    return flags


_requires_grad = operator.attrgetter("requires_grad")


def _article(word: str) -> str:
    return "n" if word[0] in "aeio" else ""


def _describe(node: Node, op: Any) -> str:
    if op is None:
        return f"a {type(node).__name__} leaf"
    return f"op {getattr(op[0], 'name', op[0])!r}"


def _node_difference(kind: str, a: Node, b: Node, op_a: Any, op_b: Any) -> str | None:
    if a.requires_grad != b.requires_grad:
        return "requires_grad differs"
    if isinstance(a, Tensor) and (a.shape != b.shape or a.dtype != b.dtype):
        return f"shape or dtype differs: {a.shape} {a.dtype} first, {b.shape} {b.dtype} now"
    if kind == "leaf" and a is not b:
        return "a different leaf (a parameter or tensor held outside the step) is used"
    if kind == "constant" and not _same_data(a.data, b.data):
        return (
            "a number or array made inside the step has a different value this time (random "
            "numbers, or data read from a global that changed); a replay would keep the first "
            "one: pass such data to the step as an argument"
        )
    if kind == "op":
        if op_a[0] is not op_b[0] and op_a[0] != op_b[0]:
            return f"a different op ({getattr(op_a[0], 'name', op_a[0])!r} the first time)"
        if op_a[1] != op_b[1]:
            return "the op takes different inputs"
        if not _same_params(op_a[2], op_b[2]):
            return f"the op's parameters differ: {op_a[2]!r} the first time, {op_b[2]!r} now"
    return None


def _same_data(a: Any, b: Any) -> bool:
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    )


def _same_params(a: Any, b: Any) -> bool:
    """Equal op parameters: numbers, tuples, slices and arrays (by content)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and _same_data(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_params(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same_params, a, b))
    try:
        return bool(a == b)
    except Exception:
        return False


#: the Tensor op that computes each `Value` op on arrays: the replay of a Value graph
#: uses the Tensor ops' own forward and backward (one set of formulas). "**n", a power
#: with a number exponent n, is `ops.Pow` with n as a constant second input.
VALUE_OPS: dict[str, Any] = {
    "+": ops.Add,
    "-": ops.Sub,
    "*": ops.Mul,
    "/": ops.Div,
    "**": ops.Pow,
    "neg": ops.Neg,
    "exp": ops.Exp,
    "log": ops.Log,
    "tanh": ops.Tanh,
    "sigmoid": ops.Sigmoid,
    "relu": ops.Relu,
    "abs": ops.Abs,
}


def tensor_op(value_op: str) -> Any:
    """The Tensor op class for a Value op name ("**2" is `ops.Pow`)."""
    return ops.Pow if value_op.startswith("**") else VALUE_OPS[value_op]
