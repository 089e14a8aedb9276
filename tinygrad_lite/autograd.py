"""The one autodiff core shared by `Value` and `Tensor`.

A graph node (a `Value` or a `Tensor`) knows:

- ``parents``: the nodes it was computed from (a tuple: deterministic order);
- ``op``: the name of the operation that made it ("" for a leaf);
- ``grad``: the gradient of the current root with respect to it;
- ``_chain()``: the chain rule for this node alone, a list of
  ``(parent, contribution)`` pairs, where contribution = dL/dparent through
  this node = (local derivative) x (this node's grad);
- ``_accumulate(g)``: add a contribution to its own grad;
- ``_no_grad_yet``: a class attribute, the grad of a node that the current
  backward pass has not reached (0.0 for a Value, None for a Tensor);
- ``_propagate()``: the chain rule applied: every contribution of `_chain`
  added to its parent (`Node` has this generic form; `Value` a faster one).

Everything else here is shared: recording on/off (`no_grad`), NaN/inf
detection (`detect_anomaly`), the iterative topological order and the single
backward loop.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import operator
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .errors import AnomalyError, BackwardError


class Group:
    """A named part of a graph: the nodes made inside one ``with group(name):``
    block (`group`) or one call of an ``nn.Module``. ``parent`` is the group
    it was made in (None at the top); ``kind`` says what made it (a module's
    class name, or "")."""

    __slots__ = ("kind", "name", "parent")

    def __init__(self, name: str, parent: Group | None = None, kind: str = "") -> None:
        self.name, self.parent, self.kind = name, parent, kind

    @property
    def path(self) -> tuple[str, ...]:
        """The names from the outermost group down to this one."""
        names, g = [], self
        while g is not None:
            names.append(g.name)
            g = g.parent
        return tuple(reversed(names))

    def __repr__(self) -> str:
        kind = f", kind={self.kind!r}" if self.kind else ""
        return f"Group({'/'.join(self.path)!r}{kind})"


class _State(threading.local):
    """Per-thread switches (as in PyTorch, each thread has its own).

    ``plain`` is truthy in the common case, recording without anomaly checks
    or a tracer, so that an op tests one attribute: True, or inside a `group`
    that Group (the op then tags its result with it); False otherwise.
    ``tracer``, set only while `compile_step` traces a call, is told of every
    op (``tracer.op(out, op, inputs, params)``) by the ops' slower path.
    Change the switches with `set`, the tracer with `set_tracer`."""

    grad_enabled: bool = True
    anomaly: bool = False
    group: Group | None = None
    plain: bool | Group = True
    tracer: Any = None

    def set(self, grad_enabled: bool, anomaly: bool, group: Group | None) -> None:
        self.grad_enabled, self.anomaly, self.group = grad_enabled, anomaly, group
        plain = grad_enabled and not anomaly and self.tracer is None
        self.plain = (group or True) if plain else False

    def set_tracer(self, tracer: Any) -> None:
        self.tracer = tracer
        self.set(self.grad_enabled, self.anomaly, self.group)


state = _State()


class Node:
    """Base of `Value` and `Tensor`: marks a class as speaking the node protocol
    described at the top of this module (``parents``, ``op``, ``label``,
    ``grad``, ``requires_grad``, ``_chain``, ``_accumulate``, ``_no_grad_yet``).

    ``_seq`` numbers the nodes in the order they were created (`new_seq`):
    a node is always created after its inputs, so it is a topological key.
    ``_mark`` is `topological_order`'s note that it has reached the node
    (8 bytes a node instead of a set of the whole graph). ``_changed``, set
    only once the node's data is changed in place (`changed_in_place`), is
    when that happened, on the same clock as ``_seq``. ``_group``, set only
    for a node made inside a `group`, is that group. ``_call``, set only on
    the result of an ``nn.Module`` call, is ``(module, clock at its start,
    the _call of an inner call that ended on this node too, or None)``: the
    nodes made between then and this one are the call's."""

    __slots__ = ("_call", "_changed", "_group", "_mark", "_seq")

    @property
    def group(self) -> Group | None:
        """The innermost `group` this node was made in, or None."""
        return getattr(self, "_group", None)

    def changed_in_place(self) -> None:
        """Note that this node's data was just changed in place: a graph built
        before now that reads it would compute its gradients from the new
        values, so backward refuses such a graph (`check_unchanged`)."""
        changed_in_place((self,))


def changed_in_place(nodes: Iterable[Node]) -> None:
    """`Node.changed_in_place` for many nodes at once (an optimizer's step)."""
    now = changes.latest = new_seq()
    for node in nodes:
        node._changed = now

    def _propagate(self) -> None:
        """Add dL/dparent through this node to each parent's grad."""
        for parent, contribution in self._chain():
            parent._accumulate(contribution)


new_seq = itertools.count().__next__  # thread-safe under the GIL


class _Changes:
    """``latest``: the clock reading (`new_seq`) of the last change in place
    of any node, -1 before the first. An instance, not a class attribute of
    `Node`: writing to a class invalidates the interpreter's cached attribute
    lookups on all its instances, which made every op after a step slower."""

    __slots__ = ("latest",)

    def __init__(self) -> None:
        self.latest = -1


changes = _Changes()


def check_unchanged(order: list) -> None:
    """Refuse a backward pass through data changed in place after an op used
    it (PyTorch refuses it too, by its version counters): the op's gradient
    would silently be computed from the new values. `_prepare` calls it only
    when something changed after the first computed node of the graph was
    made (parameters updated in place before the forward pass are fine)."""
    for node in order:
        for i, used in enumerate((node, *node.parents) if node.parents else ()):
            if getattr(used, "_changed", -1) > node._seq:
                what = "its own result" if i == 0 else f"its input {i - 1} (shape {_shape(used)})"
                raise BackwardError(
                    f"backward() through op {node.op!r}: {what} was changed in place after the op "
                    "used it, so its gradient would come from the new values. Run the forward pass "
                    "again after the change, or change a copy (x = x + ...) instead"
                )


def _shape(node: Any) -> Any:
    return getattr(node, "shape", "scalar")


class no_grad(contextlib.ContextDecorator):  # noqa: N801 - the public name, as in PyTorch
    """Inside ``with no_grad():`` (or a function decorated ``@no_grad()``) no
    graph is recorded: results are leaves with no parents, so they cost no
    memory for backward and cannot be differentiated."""

    def __enter__(self) -> no_grad:
        self._saved = state.grad_enabled
        state.set(False, state.anomaly, state.group)
        return self

    def __exit__(self, *exc: object) -> None:
        state.set(self._saved, state.anomaly, state.group)


class group(contextlib.ContextDecorator):  # noqa: N801 - a context, named like no_grad
    """``with group("neuron 1"):``: every node made inside belongs to a
    `Group` of that name (``node.group``); a group made inside another is its
    child, so groups nest. ``nn.Module`` calls make one each, named after the
    module. The graph views can collapse a group into one box. A number met
    in an op is not tagged: it goes with the op that uses it. Also a
    decorator: ``@group("attention")``."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"group needs a name, a non-empty str, got {name!r}")
        self.name = name

    def _recreate_cm(self) -> group:  # as a decorator: a fresh context per call (recursion, threads)
        return group(self.name)

    def __enter__(self) -> Group:
        self._outer = state.group
        made = Group(self.name, self._outer)
        state.set(state.grad_enabled, state.anomaly, made)
        return made

    def __exit__(self, *exc: object) -> None:
        state.set(state.grad_enabled, state.anomaly, self._outer)


def check_values(tensor: Any, check: Any) -> None:
    """``check(tensor's data)`` now: a check that raises on values it refuses (a
    probability outside [0, 1], a label out of range). While `compile_step`
    traces a call, the check is also kept, and every replay runs it again on
    the tensor's new data, so a compiled step refuses what the eager one would."""
    if state.tracer is not None:
        state.tracer.check(tensor, check)
    check(tensor._data)


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward (outside `no_grad`)."""
    return state.grad_enabled


class gc_paused(contextlib.ContextDecorator):  # noqa: N801 - a context, named like no_grad
    """Inside ``with gc_paused():`` Python's cyclic garbage collector does not
    run; on leaving, the caller's setting (enabled or not) is restored.

    Graph nodes hold no reference cycles (no closures, no back references),
    so reference counting frees a graph as soon as it is unreachable and the
    collector finds nothing in it. But while a large graph of `Value` nodes
    is alive, every collection walks all of it again: building a 100,000-node
    graph costs about three times as much with the collector running (see
    README, Performance). Wrap the code that builds and differentiates a big
    scalar graph in it; `backward` pauses the collector for its own work.
    Cycles your own code creates inside the block are collected after it."""

    def __enter__(self) -> gc_paused:
        self._was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            gc.enable()


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this context the first operation whose forward result, or whose
    gradient contribution during backward, contains NaN or inf raises
    `AnomalyError` naming the op and the shapes of its inputs."""
    saved = state.anomaly
    state.set(state.grad_enabled, True, state.group)
    try:
        yield
    finally:
        state.set(state.grad_enabled, saved, state.group)


def _describe(node: Any) -> str:
    shapes = ", ".join(str(_shape(p)) for p in node.parents)
    return f"op {node.op!r} (input shapes: {shapes or 'none'})"


def check_forward(node: Any, finite: bool) -> None:
    """Called by node constructors when anomaly detection is on."""
    if not finite:
        raise AnomalyError(f"{_describe(node)} produced NaN or inf in its forward pass")


def topological_order(root: Any, include_constants: bool = False) -> list:
    """Every node `root` depends on through differentiable parents, each after
    all of its parents (root last), in the order they were created.

    The nodes are collected breadth-first without recursion (a chain a
    million nodes deep is fine), each marked as reached with this pass's own
    token, then sorted by creation number: a node is created after its
    inputs, so that order is topological, and it is the order the user wrote
    the computation in. Parents that do not require grad (data, constants)
    are left out, as no gradient flows to them, unless `include_constants`
    asks for them (to draw or replay the whole graph).
    """
    if not isinstance(root, Node):
        raise TypeError(f"expected a Value or a Tensor (a graph node), got {type(root).__name__}")
    reached = object()  # this pass's token: a node is found when its _mark is it
    root._mark = reached
    found = [root]
    for node in found:  # the list grows while it is walked: each node once
        for parent in node.parents:
            if parent._mark is not reached and (parent.requires_grad or include_constants):
                parent._mark = reached
                found.append(parent)
    found.sort(key=_creation)
    return found


_creation = operator.attrgetter("_seq")


def backward(root: Any, seed: Any) -> None:
    """Reverse-mode differentiation of `root`, seeded with dL/droot = `seed`.

    Semantics (the same as PyTorch's for leaves):
    - leaves (nodes with no parents) *accumulate*: a second backward adds to
      their grad, the caller zeroes them;
    - intermediate nodes are reset first, so their grad is always this pass's
      and a repeated backward does not compound through them;
    - a node used several times receives the sum of all its contributions.
    The graph is kept, so calling backward again is allowed.

    This is `backward_pass` run to its end; without anomaly detection (nothing
    to check per contribution) each node applies its chain rule in one call.

    Passes run one at a time (`_one_pass_at_a_time`): a pass writes the grads
    of the nodes it reaches, so two threads differentiating through shared
    nodes at once would mix their sums. Serialised, every leaf receives
    exactly the sum of all passes' contributions.
    """
    _one_pass_at_a_time.acquire()
    collecting = gc.isenabled()  # as gc_paused(), without its object: this is the hot path
    gc.disable()  # the collector would walk the whole graph for nothing
    try:
        if state.anomaly:
            collections.deque(backward_pass(root, seed), maxlen=0)
        else:
            for node in reversed(_prepare(root, seed)):
                if node.parents:
                    node._propagate()
    finally:
        if collecting:
            gc.enable()
        _one_pass_at_a_time.release()


_one_pass_at_a_time = threading.Lock()


def backward_in_order(root: Any, seed: Any, computed: list) -> None:
    """`backward` for a graph whose order is already known (a compiled step
    replaying its graph): `computed` holds its nodes that have parents, root
    first and each node before its parents. The same resets, seed and chain
    rule as `backward`, without finding the order again."""
    with _one_pass_at_a_time, gc_paused():
        for node in computed:
            node.grad = node._no_grad_yet
        root._accumulate(seed)
        for node in computed:
            node._propagate()


def _prepare(root: Any, seed: Any) -> list:
    """The topological order of `root`'s graph, with intermediate grads reset
    (leaves keep theirs: they accumulate) and `root` seeded."""
    order = topological_order(root)
    latest = changes.latest
    if latest > order[0]._seq:  # something changed in place since the oldest node was made
        for node in order:  # leaves first (parameters, inputs), then the first computed node
            if node.parents:
                if latest > node._seq:  # changed after this graph began: find what and where
                    check_unchanged(order)
                break
    for node in order:
        if node.parents:
            node.grad = node._no_grad_yet  # an attribute, not a method call: once per node
    root._accumulate(seed)
    return order


def backward_pass(root: Any, seed: Any) -> Iterator[tuple[Any, list]]:
    """The backward loop, one node at a time: for each node, root first, apply
    the chain rule (`_chain`) and add every contribution to its parent, then
    yield ``(node, [(parent, contribution), ...])``.

    When a node is yielded its grad is complete: every node that uses it came
    earlier. `backward` runs this to the end; `steps.backward_steps` shows it."""
    anomaly = state.anomaly
    for node in reversed(_prepare(root, seed)):
        pairs = node._chain() if node.parents else []
        for parent, contribution in pairs:
            if anomaly and not all_finite(contribution):
                which = next(i for i, p in enumerate(node.parents) if p is parent)
                raise AnomalyError(
                    f"{_describe(node)} produced NaN or inf in its backward pass "
                    f"(gradient for its input {which})"
                )
            parent._accumulate(contribution)
        yield node, pairs


def all_finite(x: Any) -> bool:
    """True when `x` (a number or an array) holds no NaN or inf."""
    return bool(np.all(np.isfinite(x)))
