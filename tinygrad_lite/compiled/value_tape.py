"""The replay of a traced `Value` computation: thousands of scalar nodes as a few array ops.

A Value graph costs a Python object and a method call per node. Its replay
instead numbers the nodes into one float64 array and gives each node a
*level*: leaves are level 0, an op is one more than the highest of its
inputs. Nodes of one level never depend on each other, so all the nodes of a
level that apply the same op run as one call of the matching Tensor op
(`trace.VALUE_OPS`: ``tanh`` is `ops.Tanh`, ``*`` `ops.Mul`...) on arrays
gathered from their inputs' positions.

A running sum, ``sum(w * x for ...)`` or ``total = total + term``, is a chain
of ``+`` one level deep each: 16 terms, 16 levels. Where the partial sums have
no other use, the chain is one n-ary *sum* node instead: `ops.Add`'s forward
adds its terms one after another, in the order the chain did, and `ops.Add`'s
backward, which passes the gradient on to both inputs, gives every term the
sum's gradient, as the chain does. An MLP's 20,000 nodes become about a dozen
levels.

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
#: fewer ops than this per group on average and a replay is slower than running the step eagerly
NODES_PER_GROUP = 4


class _Group:
    """The nodes of one level applying one op, with the same inputs needing grad:
    ``index`` (inputs, nodes) says where their inputs are, ``start:stop`` where
    their results go; ``fn`` is the Tensor op and ``ctx`` its context (a Tensor
    whose ``parents`` stand for the gathered inputs). The contributions of the
    inputs that need grad (``rows``) go to the edge slots from ``first_edge``
    on, a run of one per node for each of them."""

    def __init__(
        self, level: int, name: str, index: np.ndarray, start: int, needs: tuple[bool, ...], first_edge: int
    ) -> None:
        self.level, self.name, self.index = level, name, index
        self.start, self.stop = start, start + index.shape[1]
        self.fn = tensor_op(name)
        self.rows = [r for r, need in enumerate(needs) if need]
        self.first_edge = first_edge
        self.backward = bool(self.rows)  # whether the nodes are on the root's backward path
        self.grad_from: Any = None  # edge slots summed into each node's gradient (see ValueTape)
        parents = [_stub(np.empty(0), need) for need in needs[:2]]
        if name.startswith("**") and len(needs) == 1:  # x ** n for a number n: n is a constant second input
            parents.append(_stub(np.array(float(name[2:])), False))
        self.ctx = _stub(np.empty(0), False)
        self.ctx.parents = tuple(parents)

    def forward(self, values: np.ndarray) -> None:
        """The group's results from `values`, written into it."""
        ctx = self.ctx
        for stub, array in zip(ctx.parents, values[self.index]):
            stub._data = array
        ctx._data = out = self.fn.forward(ctx, *[stub._data for stub in ctx.parents])
        values[self.start : self.stop] = out

    def backward_into(self, contributions: np.ndarray) -> None:
        """The contributions of the group's inputs, from the nodes' gradients."""
        g = _sum(contributions, self.grad_from)
        at, size = self.first_edge, len(g)
        parts = self.fn.backward(self.ctx, g)
        for r in self.rows:
            contributions[at : at + size] = parts[r]
            at += size


class _SumGroup(_Group):
    """Running sums, each a chain of + folded into one node of many terms: the
    terms added one after another, as the chain did (`ops.Add`'s x + y), and
    every term given the sum's gradient (`ops.Add`'s backward passes g on to
    both inputs of each +)."""

    def __init__(
        self, level: int, index: np.ndarray, start: int, needs: tuple[bool, ...], first_edge: int
    ) -> None:
        super().__init__(level, "+", index, start, needs, first_edge)
        self.name = "sum"

    def forward(self, values: np.ndarray) -> None:
        self.ctx._data = out = _in_order(values[self.index])
        values[self.start : self.stop] = out

    def backward_into(self, contributions: np.ndarray) -> None:
        g = _sum(contributions, self.grad_from)
        every_term = self.fn.backward(self.ctx, g)[0]
        at, size = self.first_edge, len(g)
        contributions[at : at + len(self.rows) * size].reshape(len(self.rows), size)[...] = every_term


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
    contributions; ``counts``: what it holds, for `describe`.

    ``narrow``: the graph has too few nodes per group (fewer than
    `NODES_PER_GROUP` on average: a chain, a tiny graph) for a replay to beat
    Python, and `always` does not ask for one: the tape is then not built, and
    the step runs eagerly."""

    def __init__(self, recording: Recording, always: bool = False) -> None:
        nodes, kinds = recording.nodes, recording.kinds
        n = len(nodes)
        name, inputs, chain, level = _folded(recording)
        needs = list(map(_requires_grad, nodes))
        root = recording.outputs[0]
        kept, on_path = _reach(recording.outputs, name, inputs, needs)

        # groups: the ops of one level, one name, one number of inputs and the same inputs needing grad
        members: dict[tuple, list[int]] = {}
        for i in range(n):
            if kept[i] and name[i] is not None:
                pattern = tuple(needs[x] for x in inputs[i]) if on_path[i] else (False,) * len(inputs[i])
                members.setdefault((level[i], name[i], pattern), []).append(i)
        kind = [_KIND[k] for k in kinds]
        sums = [len(inputs[i]) - 2 for i in range(n) if kept[i] and name[i] == "sum"]  # the + a sum replaced
        self.counts = {  # what the tape holds, for `describe`
            "nodes": sum(kept) + sum(sums),
            "ops": sum(map(len, members.values())) + sum(sums),
            "leaves": sum(1 for i in range(n) if kept[i] and kind[i] == 0),
            "constants": sum(1 for i in range(n) if kept[i] and kind[i] == 2),
            "levels": len({key[0] for key in members}),
            "groups": len(members),
        }
        # A group costs about one NumPy call each way, some microseconds; a node run eagerly about one.
        self.narrow = not always and len(members) * NODES_PER_GROUP > self.counts["ops"]
        if self.narrow:  # too few nodes per group: a replay would be slower than Python (a chain)
            return
        keys = sorted(members)
        order = [i for k in range(3) for i in range(n) if kind[i] == k and kept[i]]
        self.leaves = [nodes[i] for i in order if kind[i] == 0]
        start = first_op = len(order)  # the ops' results follow the leaves, group after group
        for key in keys:
            order.extend(members[key])
        slot = np.full(n, -1, dtype=np.intp)
        slot[order] = np.arange(len(order))
        self.values = np.zeros(len(order))
        for i in order[:start]:
            if kind[i] == 2:
                self.values[slot[i]] = nodes[i].data
        self.inputs = np.array([slot[i] if i >= 0 else -1 for i in recording.inputs], dtype=np.intp)
        self.used = self.inputs >= 0  # (-1: an argument the outputs do not use)
        self.outputs = [int(slot[i]) for i in recording.outputs]

        # forward groups; each contribution of an input needing grad gets an edge slot
        self.groups: list[_Group] = []
        edges = [
            (np.array([n]), np.array([0]), np.array([root]), np.array([_SEED]))
        ]  # the seed: a last "user"
        size = 2
        for key in keys:
            ids = members[key]
            count, arity = len(ids), len(key[2])
            parents = _table(inputs, ids, arity)  # (inputs, nodes)
            by = _table(chain, ids, arity) if key[1] == "sum" else None  # the + that used each term
            if key[1] == "sum":
                group = _SumGroup(key[0], slot[parents], start, key[2], size)
            else:
                group = _Group(key[0], key[1], slot[parents], start, key[2], size)
            for r in group.rows:
                user = np.asarray(ids) if by is None else by[r]
                position = r if by is None else min(r, 1)
                edges.append((user, np.full(count, position), parents[r], np.arange(size, size + count)))
                size += count
            self.groups.append(group)
            start += count
        self.contributions = np.zeros(size)
        self.contributions[_SEED] = 1.0
        self.counts["inputs"] = int(np.count_nonzero(self.used))

        edge, starts, counts = _by_node_in_eager_order(edges, n)
        for key, group in zip(keys, self.groups):
            if group.backward:
                ids = members[key]
                group.grad_from = _summing(edge, starts[ids], counts[ids])
        learnt = [i for i in order[:first_op] if kind[i] <= 1 and on_path[i]]
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
            group.forward(values)
        for group in reversed(self.groups):
            if group.backward:
                group.backward_into(contributions)
        if self.learnt:
            targets = [node if k < 0 else given[k] for node, k in self.learnt]
            starts = np.array([node.grad for node in targets])
            for node, grad in zip(targets, _sum(contributions, self.learnt_users, starts).tolist()):
                node.grad = grad
        return [float(values[s]) for s in self.outputs]


_data = operator.attrgetter("data")
_requires_grad = operator.attrgetter("requires_grad")
_KIND = {"leaf": 0, "input": 1, "constant": 2, "op": 3}


def _reach(outputs: list[int], name: list, inputs: list, needs: list[bool]) -> tuple[bytearray, bytearray]:
    """Flags per node: what the outputs depend on (``kept``), and what eager
    backward visits from the root, the first output (``on_path``: its ancestors
    through inputs that need grad)."""
    kept, on_path = bytearray(len(name)), bytearray(len(name))
    for i in outputs:
        kept[i] = 1
    on_path[outputs[0]] = 1
    for i in range(len(name) - 1, -1, -1):
        if kept[i] and name[i] is not None:
            for x in inputs[i]:
                kept[x] = 1
                if on_path[i] and needs[x]:
                    on_path[x] = 1
    return kept, on_path


def _by_node_in_eager_order(edges: list[tuple], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edge slots sorted by the node whose gradient they add to, and for each
    node in eager backward's order (the user made last first, and for one user
    its first input before its second); with where each node's run starts and
    how long it is. `edges` holds arrays (user, position, node, slot)."""
    user, position, parent, edge = (np.concatenate(column) for column in zip(*edges))
    counts = np.bincount(parent, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return edge[np.lexsort((position, -user, parent))], starts, counts


def _folded(recording: Recording) -> tuple[list, list, list, list[int]]:
    """For each node: its op's name and its inputs (None for a leaf), the nodes
    of the chain of + it sums (for a sum, else None: see below), and its level
    (0 for a leaf, else one more than its highest input).

    A ``+`` whose first input is a ``+`` (or a sum) that nothing else uses and
    that is not an output continues that running sum: the two
    become one "sum" of all their terms, and the first is no longer a node
    (None). Its chain lists the + that took each term: the first + its first
    two terms, each later + one more."""
    records, n = recording.ops, len(recording.ops)
    uses = [0] * n
    for record in records:
        if record is not None:
            for j in record[1]:
                uses[j] += 1
    whole = set(recording.outputs)
    name: list[str | None] = [None] * n
    inputs: list[list[int] | None] = [None] * n
    chain: list[list[int] | None] = [None] * n
    level = [0] * n
    for i, record in enumerate(records):
        if record is None:
            continue
        op, parents, _ = record
        j = parents[0]
        if op == "+" and uses[j] == 1 and (name[j] == "+" or name[j] == "sum") and j not in whole:
            term = parents[1]  # i adds one more term to the running sum j
            terms, users = inputs[j], chain[j] or [j, j]
            terms.append(term)
            users.append(i)
            name[i], inputs[i], chain[i] = "sum", terms, users
            level[i] = max(level[j], level[term] + 1)
            name[j] = inputs[j] = chain[j] = None
        else:
            name[i], inputs[i] = op, list(parents)
            top = 0
            for p in parents:
                if level[p] > top:
                    top = level[p]
            level[i] = top + 1
    return name, inputs, chain, level


def _table(lists: list, ids: list[int], width: int) -> np.ndarray:
    """``lists[i]`` for each i of `ids` (each of `width` ints), as an array of shape (width, len(ids))."""
    flat = np.fromiter(itertools.chain.from_iterable(map(lists.__getitem__, ids)), np.intp, width * len(ids))
    return flat.reshape(len(ids), width).T


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
    """Each column of `table`'s contributions added up in order, after `start` when given."""
    if table.ndim == 1:
        return contributions[table]
    rows = contributions[table]
    if start is not None:
        rows = np.concatenate([start[None, :], rows])
    return _in_order(rows)


def _in_order(rows: np.ndarray) -> np.ndarray:
    """rows[0] + rows[1] + ... in that order, for each column (``np.sum`` adds in
    another order): a vector add a row for many columns, else ``np.add.accumulate``
    (strictly in order too, but a scalar loop, slow on wide rows)."""
    if rows.shape[1] < 64:
        return np.add.accumulate(rows, axis=0)[-1]
    total = rows[0].copy()
    for row in rows[1:]:
        total += row
    return total
