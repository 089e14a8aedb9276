"""The replay of a traced `Value` computation: thousands of scalar nodes as a few array ops.

A Value graph costs a Python object and a method call per node. Its replay
instead numbers the nodes into one float64 array and gives each node a
*level*: leaves are level 0, an op is one more than the highest of its
inputs. Nodes of one level never depend on each other, so all the nodes of a
level that apply the same op run as one call of the matching Tensor op
(`trace.VALUE_OPS`: ``tanh`` is `ops.Tanh`, ``*`` `ops.Mul`...) on arrays
gathered from their inputs' positions. An MLP's 20,000 nodes become about 70
levels, each one op or two.

Backward runs the levels in reverse: each group's Tensor op ``backward``
gives one contribution per edge (node, input), kept in an array of edges.
A node's gradient is the sum of the contributions of the nodes that use it,
added in the order eager backward adds them (the user made last first, and
for one user its first input before its second), so that the sums are the
eager sums bit for bit where the ops compute the same numbers. Parameters
receive their sums added to the gradient they already hold, as ``backward``
accumulates into leaves.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np

from ..ops.core import quiet
from ..tensor import Tensor, _leaf
from .trace import Recording, tensor_op

_PAD, _SEED = 0, 1  # edge slots holding 0.0 (padding) and 1.0 (dL/dL, the root's only "user")


class _Group:
    """The nodes of one level applying one op with the same inputs needing grad:
    where its inputs are (``gathers``: a slice or an index array per input),
    where its results go (``start``, ``stop``), the Tensor op and its context
    ``ctx`` (a Tensor whose ``parents`` stand for the gathered inputs), and
    where the contributions of each input go (``edges``: the first edge slot
    of each input, -1 where it needs none)."""

    def __init__(
        self, level: int, name: str, gathers: list[Any], start: int, stop: int, edges: list[int]
    ) -> None:
        self.level, self.name, self.fn = level, name, tensor_op(name)
        self.gathers, self.start, self.stop, self.edges = gathers, start, stop, edges
        parents = [_stub(np.empty(0), edge >= 0) for edge in edges]
        if name.startswith("**") and len(gathers) == 1:  # x ** n for a number n: n is a constant second input
            parents.append(_stub(np.array(float(name[2:])), False))
        self.ctx = _stub(np.empty(0), False)
        self.ctx.parents = tuple(parents)
        self.backward = max(edges) >= 0  # whether the nodes are on the root's backward path
        self.grad_from: Any = None  # edge slots summed into each node's gradient (see ValueTape)


def _stub(data: np.ndarray, requires_grad: bool) -> Tensor:
    """A Tensor standing for a gathered array in an op's context."""
    stub = _leaf(data)
    stub.requires_grad = requires_grad
    return stub


class ValueTape:
    """``groups``: the `_Group` of each (level, op, inputs needing grad), in
    level order; ``leaves``: the Values held outside the step (read on every
    call); ``learnt``: the leaves and arguments that receive a gradient (with
    the argument's place, or -1), ``learnt_users`` the edge slots of their
    contributions."""

    def __init__(self, recording: Recording) -> None:
        nodes, kinds, records = recording.nodes, recording.kinds, recording.ops
        n = len(nodes)
        first, second, level = _inputs_and_levels(recording.ops)
        needs = bytearray(map(_requires_grad, nodes)) + b"\0"  # (a last 0 for "no input", place n)
        root = recording.outputs[0]
        kept, on_path = bytearray(n + 1), bytearray(n + 1)  # what the outputs depend on; what backward visits
        for i in recording.outputs:
            kept[i] = 1
        on_path[root] = 1
        for i in range(n - 1, -1, -1):
            if kept[i]:
                a, b = first[i], second[i]
                kept[a] = kept[b] = 1
                if on_path[i]:
                    on_path[a], on_path[b] = needs[a], needs[b]
        first, second, level = np.array(first), np.array(second), np.array(level[:n])
        needs, on_path, kept = (
            np.frombuffer(flags, dtype=np.uint8).astype(bool) for flags in (needs, on_path, kept)
        )
        codes: dict[str, int] = {}
        code = np.array(
            [-1 if record is None else codes.setdefault(record[0], len(codes)) for record in records]
        )
        is_op = code >= 0

        # groups: the ops of one level, one name and one pattern of inputs needing grad
        pattern = np.where(on_path[:n], 4 + needs[first] + 2 * needs[second], 0)
        ops_at = np.flatnonzero(is_op & kept[:n])
        key = (level[ops_at] * len(codes) + code[ops_at]) * 8 + pattern[ops_at]
        ops_at = ops_at[np.argsort(key, kind="stable")]
        key = np.sort(key, kind="stable")
        bounds = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), len(ops_at)] if len(ops_at) else []
        kind_of = np.array(list(map(_KIND.get, kinds)))
        kept = kept[:n]
        order = np.concatenate([np.flatnonzero((kind_of == k) & kept) for k in range(3)] + [ops_at])
        slot = np.full(n, -1, dtype=np.intp)
        slot[order] = np.arange(len(order))
        start_of_ops = len(order) - len(ops_at)  # the ops' results follow the leaves, group after group
        self.leaves = [nodes[i] for i in np.flatnonzero((kind_of == 0) & kept)]
        self.values = np.zeros(len(order))
        for i in np.flatnonzero((kind_of == 2) & kept):
            self.values[slot[i]] = nodes[i].data
        self.inputs = np.array(
            [slot[i] if i >= 0 else -1 for i in recording.inputs], dtype=np.intp
        )  # -1: unused
        self.used = self.inputs >= 0
        self.outputs = [int(slot[i]) for i in recording.outputs]
        self.checks = [(int(slot[i]), check) for _, i, check in recording.checks if kept[i]]
        self.counts = {  # what the tape holds, for `describe`
            "nodes": len(order),
            "leaves": len(self.leaves),
            "inputs": int(np.count_nonzero(self.used)),
            "constants": int(np.count_nonzero((kind_of == 2) & kept)),
        }

        # each contribution of an input needing grad gets an edge slot: a run of them per group and input
        groups = max(len(bounds) - 1, 0)
        group_of = np.repeat(np.arange(groups), np.diff(np.asarray(bounds, dtype=np.intp)))
        inputs = (first[ops_at], second[ops_at])
        needed = [on_path[ops_at] & needs[inputs[k]] for k in (0, 1)]  # needs[n] is 0: "no input"
        runs = np.stack([np.bincount(group_of, needed[k], groups) for k in (0, 1)], axis=1).astype(np.intp)
        run_start = 2 + (np.cumsum(runs) - runs.ravel()).reshape(runs.shape)
        rank = np.arange(len(ops_at)) - np.asarray(bounds[:-1], dtype=np.intp)[group_of]
        self.contributions = np.zeros(2 + int(runs.sum()))
        self.contributions[_SEED] = 1.0
        self.groups = []
        for g, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            i = ops_at[lo]
            arity = 1 if second[i] == n else 2
            gathers = [_gather(slot[inputs[k][lo:hi]]) for k in range(arity)]
            edges = [int(run_start[g, k]) if runs[g, k] else -1 for k in range(arity)]
            start = lo + start_of_ops
            self.groups.append(_Group(int(level[i]), records[i][0], gathers, start, start + hi - lo, edges))

        # each node's users, in eager order: the user made last first, its first input before its second
        user = np.concatenate([[n], ops_at[needed[0]], ops_at[needed[1]]])  # n: the seed, the root's "user"
        position = np.concatenate([[0], *(np.full(np.count_nonzero(needed[k]), k) for k in (0, 1))])
        parent = np.concatenate([[root], inputs[0][needed[0]], inputs[1][needed[1]]])
        edge = np.concatenate([[_SEED], *((run_start[group_of, k] + rank)[needed[k]] for k in (0, 1))])
        by_parent = np.lexsort((position, -user, parent))
        edge, counts = edge[by_parent], np.bincount(parent, minlength=n)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for group, (lo, hi) in zip(self.groups, itertools.pairwise(bounds)):
            if group.backward:
                ids = ops_at[lo:hi]
                group.grad_from = _summing(edge, starts[ids], counts[ids])
        learnt = np.flatnonzero((kind_of <= 1) & on_path[:n])
        argument = {i: k for k, i in enumerate(recording.inputs) if i >= 0}
        self.learnt = [
            (nodes[i], argument.get(i, -1)) for i in learnt
        ]  # an argument's goes to the Value given
        self.learnt_users = _summing(edge, starts[learnt], counts[learnt], with_start=True)

    @quiet(all="ignore")  # a Value computes in IEEE floats without warnings (1/0 is inf)
    def run(self, data: list[float], given: list[Any]) -> list[float]:
        """Forward and backward with the arguments' new `data` (floats); `given` holds
        the Value passed for each argument (None for a number), whose gradient, if it
        requires grad, is added to it. The outputs' values."""
        values, contributions = self.values, self.contributions
        values[: len(self.leaves)] = list(map(_data, self.leaves))
        if len(data):
            values[self.inputs[self.used]] = np.asarray(data)[self.used]
        for group in self.groups:
            parents = group.ctx.parents
            arrays = [values[where] for where in group.gathers]
            for parent, array in zip(parents, arrays):
                parent._data = array
            out = group.fn.forward(group.ctx, *arrays, *[p._data for p in parents[len(arrays) :]])
            group.ctx._data = out
            values[group.start : group.stop] = out
        for where, check in self.checks:
            check(values[where])
        for group in reversed(self.groups):
            if not group.backward:
                continue
            g = _sum(contributions, group.grad_from)
            for edge, part in zip(group.edges, group.fn.backward(group.ctx, g)):
                if edge >= 0:
                    contributions[edge : edge + len(g)] = part
        if self.learnt:
            targets = [node if k < 0 else given[k] for node, k in self.learnt]
            starts = np.array([node.grad for node in targets])
            for node, grad in zip(targets, _sum(contributions, self.learnt_users, starts).tolist()):
                node.grad = grad
        return [float(values[s]) for s in self.outputs]


_data = operator.attrgetter("data")


def _inputs_and_levels(records: list) -> tuple[list[int], list[int], list[int]]:
    """For each node: its first and second input and its level (0 for a leaf,
    else one more than its highest input). "No input" is place n, one past the
    last node, whose level is -1 (so that a leaf comes out 0)."""
    n = len(records)
    first = [n if record is None else record[1][0] for record in records]
    second = [n if record is None or len(record[1]) == 1 else record[1][1] for record in records]
    level = [0] * n + [-1]
    for i, a, b in zip(range(n), first, second):
        x, y = level[a], level[b]
        level[i] = (x if x > y else y) + 1
    return first, second, level


_KIND = {"leaf": 0, "input": 1, "constant": 2, "op": 3}
_requires_grad = operator.attrgetter("requires_grad")


def _gather(positions: np.ndarray) -> Any:
    """A slice where `positions` run on by one (the common case: a group's own
    outputs, a layer's weights), else the index array itself."""
    start, count = int(positions[0]), len(positions)
    if count == 1 or (positions[-1] - start == count - 1 and bool((np.diff(positions) == 1).all())):
        return slice(start, start + count)
    return positions


def _summing(
    edges: np.ndarray, starts: np.ndarray, counts: np.ndarray, with_start: bool = False
) -> np.ndarray:
    """How to add up the contributions of some nodes in order: node j's are
    ``edges[starts[j] : starts[j] + counts[j]]``. An index array of shape
    (most users, nodes) into the edge array, padded with the 0.0 slot after
    each node's own; a plain index array when each has one user (and no
    `with_start`, room for the gradient a leaf already holds)."""
    most = int(counts.max(initial=0)) if len(counts) > 1 else int(counts.sum())
    if most == 1 and not with_start:
        return edges[starts]
    table = np.full((most, len(starts)), _PAD, dtype=np.intp)
    for r in range(most):
        has = counts > r
        table[r, has] = edges[starts[has] + r]
    return table


def _sum(contributions: np.ndarray, table: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Each column's contributions added one after another (``np.add.accumulate``
    runs strictly in order, unlike ``np.sum``), after `start` when given."""
    if table.ndim == 1:
        return contributions[table]
    rows = contributions[table]
    if start is not None:
        rows = np.concatenate([start[None, :], rows])
    return np.add.accumulate(rows, axis=0)[-1]
