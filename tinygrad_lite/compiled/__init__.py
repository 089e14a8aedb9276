"""`compile_step`: record a training step's graph once, then replay it without Python nodes.

A training step builds the same graph on every call: only the numbers in it
change. ``compile_step(fn)`` traces `fn` on its first two calls (eagerly, as
written), checks that both built the same graph, and from the third call on
replays that graph: forward and backward as a short fixed list of NumPy calls,
reading the parameters and the arguments afresh, writing gradients into the
parameters' ``.grad`` as ``loss.backward()`` would. This is what tinygrad's
TinyJit does; a `Value` graph gains most, as its thousands of scalar nodes
become a few array ops per level (`value_tape`).
"""

from __future__ import annotations

import functools
import operator
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import autograd
from ..autograd import state
from ..errors import CompileError
from ..tensor import Tensor, _leaf
from ..value import Value
from .tensor_tape import TensorTape
from .trace import Recording, Tracer, tracing
from .value_tape import ValueTape

__all__ = ["CompiledStep", "compile_step"]


def compile_step(fn: Callable[..., Any] | None = None, *, max_shapes: int = 8, replay: str = "auto") -> Any:
    """Compile a training step: ``step = compile_step(fn)`` or ``@compile_step``.

    `fn` builds the loss from the parameters and its arguments, as you would
    write it before ``loss.backward()``, and returns the loss (a `Value`, or a
    one-element `Tensor`), or a tuple or list whose first item is the loss and
    whose others are nodes (or lists of nodes) you want the values of.
    ``step(*args)`` then runs forward *and* backward: it returns what `fn`
    returns, each node replaced by a leaf holding its value, and adds
    dL/dparameter to each parameter's ``.grad`` as ``loss.backward()`` does
    (zero them yourself between steps, e.g. ``optimizer.zero_grad()``).

    Arguments: a Python number becomes a `Value` input and a NumPy array a
    `Tensor` input of its dtype, as ``torch.as_tensor`` (integer labels stay
    integers; neither requires grad), lists and tuples of them are taken
    apart; a `Value` or `Tensor` leaf is used as it is, and receives a gradient
    if it requires grad; anything else (a str, a bool, None) is a fixed setting.

    The rule: the first call with a given shape of arguments (their types,
    shapes and dtypes, list lengths, fixed settings) runs `fn` eagerly and
    records its graph; the second runs it again and checks that the graph is
    the same (the same ops on the same nodes, the same numbers made inside);
    later calls replay it. With ``replay="auto"`` (the default) a `Value`
    graph too narrow for a replay to be faster (a long chain of scalar ops, a
    graph of a few dozen nodes) runs eagerly instead, as written, and
    ``step.tape()`` says so; ``replay="always"`` replays it anyway. Parameters
    (leaves made before the call) and
    arguments are read on every call; everything else `fn` reads, globals,
    attributes, random numbers, is fixed when it is traced. A new shape of
    arguments traces again (at most `max_shapes` are kept), as does a parameter
    whose shape, dtype or requires_grad changed. A step is refused with
    `CompileError`, saying what and where, when it cannot be replayed safely:
    when it reads a node's value in Python (``v.data``, ``if v > 0``,
    ``float(v)``, ``t.item()``, ``print(v)``), changes data in place, calls
    ``backward()`` itself, or builds a different graph on its second call.
    Under `detect_anomaly` a compiled step runs `fn` and its backward eagerly,
    as written, every call; under `no_grad` it runs `fn` alone (an evaluation:
    no graph, no gradients). One thread at a time.
    """
    if fn is None:
        return functools.partial(compile_step, max_shapes=max_shapes, replay=replay)
    return CompiledStep(fn, max_shapes, replay)


class CompiledStep:
    """A step made by `compile_step`: call it like the function it wraps.

    ``traces``: how many times `fn` ran eagerly so far; ``replays``: how many
    calls were replayed; ``tapes``: the compiled tape of each shape of arguments."""

    def __init__(self, fn: Callable[..., Any], max_shapes: int = 8, replay: str = "auto") -> None:
        if not callable(fn):
            raise TypeError(f"compile_step needs a function, got {type(fn).__name__}")
        if not isinstance(max_shapes, int) or max_shapes < 1:
            raise ValueError(f"max_shapes must be a positive int, got {max_shapes!r}")
        if replay not in ("auto", "always"):
            raise ValueError(f'replay must be "auto" or "always", got {replay!r}')
        functools.update_wrapper(self, fn)
        self.fn, self.max_shapes, self.replay = fn, max_shapes, replay
        self.traces = self.replays = 0
        self._seen: dict[Any, Recording | _Compiled] = {}  # shape of arguments -> first trace, or tape

    @property
    def tapes(self) -> list[ValueTape | TensorTape]:
        return [entry.tape for entry in self._seen.values() if isinstance(entry, _Compiled)]

    def tape(self) -> str:
        """The compiled tape as text: for a Value graph its levels and their
        ops and sizes, for a Tensor graph its ops and shapes (the last shape of
        arguments compiled)."""
        from ..views.tape import describe  # a view: imported when asked for

        tapes = self.tapes
        if not tapes:
            return f"{self.__name__}: not compiled yet (it compiles on its second call)"
        return describe(tapes[-1])

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        """As a method decorator: ``obj.step(x)`` calls the step with obj first
        (a fixed setting: each object gets its own tapes)."""
        return self if obj is None else types.MethodType(self, obj)

    def reset(self) -> None:
        """Forget every trace and tape: the next calls trace again."""
        self._seen.clear()

    def __repr__(self) -> str:
        return f"<compiled step {self.__name__}: {self.traces} traced calls, {self.replays} replays>"

    def __call__(self, *args: Any) -> Any:
        if state.tracer is not None:
            raise CompileError(
                f"{self.__name__}, a compiled step, was called inside another step being traced: "
                "compile the outer step only (a replay would not record the inner one's ops)"
            )
        key, leaves = _flatten(args)
        if state.anomaly or not state.grad_enabled:
            return self._eager(args)
        entry = self._seen.get(key)
        if isinstance(entry, _Compiled):
            if entry.narrow:  # a replay would be slower than running it: it runs as written
                return self._eager(args)
            if entry.unchanged():
                self.replays += 1
                return entry.run(leaves)
            entry = None  # a parameter changed shape, dtype or requires_grad: trace again
        with (
            autograd.gc_paused()
        ):  # a trace holds two graphs alive: the collector would walk them for nothing
            return self._traced(key, args, leaves, entry)

    def _traced(self, key: Any, args: tuple, leaves: list[Any], entry: Recording | None) -> Any:
        """A traced call: the first of this shape of arguments (recorded), or the
        second (compared with the first, then compiled)."""
        recording, result = self._trace(args, key, leaves, watch=entry is None)
        if entry is None:
            if len(self._seen) >= self.max_shapes:
                del self._seen[next(iter(self._seen))]
            self._seen[key] = recording
        else:
            difference = entry.difference(recording)
            if difference is not None:
                del self._seen[key]
                raise CompileError(
                    f"{self.__name__} built a different graph on its second call: {difference}. "
                    "A compiled step must build the same graph on every call with the same "
                    "shapes of arguments; pass what changes as an argument"
                )
            self._seen[key] = _Compiled(recording, result[1], always=self.replay == "always")
        return result[0]

    def _eager(self, args: Any) -> Any:
        """`fn` as written (no tracing), and the backward of its loss unless under
        `no_grad`; in `gc_paused`, as a trace (a graph holds no reference cycles)."""
        self.traces += 1
        with autograd.gc_paused():
            outputs, rebuild = _outputs(self.fn(*args))
            if state.grad_enabled:
                outputs[0].backward()
            return rebuild([_detached(node) for node in outputs])

    def _trace(
        self, args: tuple, key: Any, leaves: list[Any], watch: bool
    ) -> tuple[Recording, tuple[Any, Any]]:
        """Run `fn` eagerly under a tracer (watched when `watch`), then its backward."""
        self.traces += 1
        tracer = Tracer(watch)
        inputs = [_input(leaf) for leaf in leaves]
        real = _with_leaves(args, key, iter(inputs))
        with tracing(tracer):
            result = self.fn(*real)
        if tracer.reason is not None:
            raise CompileError(
                f"{self.__name__} cannot be compiled: {tracer.reason}. A replay runs none of the "
                "step's Python, so nothing in it may depend on the numbers in the graph; "
                "compute such things from what the step returns, outside it"
            )
        outputs, rebuild = _outputs(result)
        root = outputs[0]
        recording = Recording(tracer, inputs, outputs)
        autograd.backward(root, root._seed(None))
        return recording, (rebuild([_detached(node) for node in outputs]), rebuild)


class _Compiled:
    """A tape and what a replay checks first: that the parameters it reads
    still have the shapes, dtypes and requires_grad they were traced with."""

    def __init__(self, recording: Recording, rebuild: Callable[[list[Any]], Any], always: bool) -> None:
        root = recording.nodes[recording.outputs[0]]
        self.tape: ValueTape | TensorTape = (
            ValueTape(recording, always) if isinstance(root, Value) else TensorTape(recording)
        )
        self.rebuild = rebuild
        self.narrow = getattr(self.tape, "narrow", False)
        self.kind = Value if isinstance(root, Value) else Tensor
        self.leaves = [node for node, kind in zip(recording.nodes, recording.kinds) if kind == "leaf"]
        self.traced = self._state()

    def _state(self) -> list[Any]:
        if self.kind is Value:
            return list(map(_requires_grad, self.leaves))
        return [(t._data.shape, t._data.dtype, t.requires_grad) for t in self.leaves]

    def unchanged(self) -> bool:
        return self._state() == self.traced

    def run(self, leaves: list[Any]) -> Any:
        """Replay with the arguments' `leaves` (numbers, arrays, Values, Tensors)."""
        given = [leaf if isinstance(leaf, (Value, Tensor)) else None for leaf in leaves]
        if self.kind is Value:  # (an array argument of a Value step is one it does not use)
            data = [
                leaf.data if isinstance(leaf, Value) else leaf if isinstance(leaf, float) else 0.0
                for leaf in leaves
            ]
            values = self.tape.run(data, given)
            return self.rebuild([Value(v, requires_grad=False) for v in values])
        data = [leaf._data if isinstance(leaf, Tensor) else leaf for leaf in leaves]  # arrays, as traced
        return self.rebuild(list(map(_leaf, self.tape.run(data, given))))


_requires_grad = operator.attrgetter("requires_grad")


# -- arguments and results --------------------------------------------------------------
def _flatten(args: tuple) -> tuple[Any, list[Any]]:
    """The shape of `args` (hashable: what a new trace is needed for) and their
    leaves in order: numbers (as float), arrays, Values and Tensors."""
    leaves: list[Any] = []

    def shape(x: Any) -> Any:
        if isinstance(x, Value):
            _check_leaf(x)
            leaves.append(x)
            return ("Value", x.requires_grad)
        if isinstance(x, Tensor):
            _check_leaf(x)
            leaves.append(x)
            return ("Tensor", x.shape, x.dtype.str, x.requires_grad)
        if isinstance(x, (bool, np.bool_)) or x is None or isinstance(x, str):
            return ("fixed", x)
        if isinstance(x, (int, float, np.integer, np.floating)):
            leaves.append(float(x))
            return "number"
        if isinstance(x, np.ndarray):
            leaves.append(x)
            return ("array", x.shape, x.dtype.str)
        if isinstance(x, (list, tuple)):
            return (type(x).__name__, tuple(map(shape, x)))
        try:
            hash(x)
        except TypeError:
            raise TypeError(
                f"a compiled step takes numbers, NumPy arrays, Values, Tensors, lists and tuples "
                f"of them, and fixed settings (str, bool, None); got {type(x).__name__}"
            ) from None
        return ("fixed", type(x), x)

    return tuple(map(shape, args)), leaves


def _check_leaf(node: Value | Tensor) -> None:
    if node.parents and node.requires_grad:
        raise CompileError(
            f"a compiled step was given a {type(node).__name__} computed from others (op "
            f"{node.op!r}): its gradient would have to flow on past the step. Give it a leaf "
            "(x.detach(), or the data) and compute the rest inside the step"
        )


def _input(leaf: Any) -> Any:
    """The node `fn` gets for a flat argument: a new input leaf for a number or an array."""
    if isinstance(leaf, (Value, Tensor)):
        return leaf
    if isinstance(leaf, float):
        return Value(leaf, requires_grad=False)
    return Tensor(leaf, dtype=leaf.dtype)


def _with_leaves(args: tuple, key: tuple, leaves: Any) -> tuple:
    """`args` with each leaf that `_flatten` found (its `key` says where) replaced
    by the next of `leaves`, in order."""

    def put(x: Any, shape: Any) -> Any:
        if shape == "number" or shape[0] in ("array", "Value", "Tensor"):
            return next(leaves)
        if shape[0] == "fixed":
            return x
        return type(x)(map(put, x, shape[1]))  # a list or tuple

    return tuple(map(put, args, key))


def _outputs(result: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The nodes in what `fn` returned (the loss first) and how to put values back in their places."""
    nodes: list[Any] = []

    def take(x: Any) -> Any:
        if isinstance(x, (Value, Tensor)):
            nodes.append(x)
            return len(nodes) - 1
        if isinstance(x, (list, tuple)):
            return (type(x), [take(item) for item in x])
        raise CompileError(
            f"a compiled step must return its loss (a Value or a Tensor), or a tuple or list of "
            f"nodes whose first is the loss; got {type(x).__name__} {x!r:.60}"
        )

    layout = take(result)
    if not nodes:
        raise CompileError("a compiled step must return its loss (a Value or a Tensor); it returned no node")

    def put(values: list[Any], where: Any = layout) -> Any:
        if isinstance(where, int):
            return values[where]
        kind, items = where
        return kind(put(values, item) for item in items)

    return nodes, put


def _detached(node: Value | Tensor) -> Value | Tensor:
    if isinstance(node, Value):
        return Value(node.data, node.label, requires_grad=False)
    return Tensor(node.data, label=node.label)
