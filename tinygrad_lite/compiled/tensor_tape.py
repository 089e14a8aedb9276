"""The replay of a traced `Tensor` computation: the traced graph, run again.

A Tensor op already works on whole arrays, so there is nothing to batch: the
Python that a replay saves is the step's own code (modules, argument checks,
broadcasting of numbers, building nodes). The tape keeps the nodes the trace
made and, on each call, runs each op's ``forward`` on its inputs' new data in
the order they were made, writing the result into the same node; then the
engine's own backward loop (`autograd.backward_in_order`) over the order the
trace found. The ops' forward and backward, the dtype rules and the way
gradients are summed are the eager ones, so a replay equals the eager step
bit for bit.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import autograd
from ..tensor import Tensor
from .trace import Bound, Recording, needed


class TensorTape:
    """``steps``: (node, op, inputs, params, the checks due before it, its
    parameters bound to other nodes) for each op the outputs depend on, in the order made;
    ``inputs``: the node of each flat argument (None where unused);
    ``outputs``: the output nodes, the loss first."""

    def __init__(self, recording: Recording) -> None:
        nodes, kept = recording.nodes, needed(recording)
        checks = [(before, nodes[i], check) for before, i, check in recording.checks if kept[i]]
        self.steps: list[tuple[Tensor, Any, tuple[Tensor, ...], dict, list, list]] = []
        made = 0  # ops made so far, in the order of the trace
        for node, op, keep in zip(nodes, recording.ops, kept):
            if op is None:
                continue
            if keep:
                fn, positions, params = op
                inputs = tuple(nodes[i] for i in positions)
                if not node.requires_grad:  # apply kept it as a leaf; forward may read ctx.parents
                    node.parents = inputs
                bound = [(name, nodes[p.index]) for name, p in (params or {}).items() if isinstance(p, Bound)]
                self.steps.append((node, fn, inputs, dict(params or {}), _due(checks, made), bound))
            made += 1
        self.checks = _due(checks, made)  # the checks made after the last op
        self.inputs = [nodes[i] if i >= 0 and kept[i] else None for i in recording.inputs]
        self.outputs = [nodes[i] for i in recording.outputs]
        self.root = self.outputs[0]
        order = autograd.topological_order(self.root)
        self.computed = [node for node in reversed(order) if node.parents]
        self.seed = self.root._seed(None)

    def run(self, data: list[Any], given: list[Any]) -> list[np.ndarray]:
        """Forward and backward with the arguments' new `data`; `given` holds the
        Tensor passed for each argument (None for an array), whose gradient, if it
        requires grad, goes to it as `backward` would send it. The outputs' data."""
        inputs = self.inputs
        for node, array, tensor in zip(inputs, data, given):
            if node is not None:
                node._data = array
                node.grad = tensor.grad if tensor is not None else None
        for node, fn, parents, params, checks, bound in self.steps:
            for checked, check in checks:  # a loss's check of its inputs, where the eager step made it
                check(checked._data)
            for name, source in bound:  # a parameter that is another node's data (a where's mask)
                params[name] = source._data
            out = fn.forward(node, *map(_data, parents), **params)
            node._data = out if type(out) is np.ndarray else np.asarray(out)
        for checked, check in self.checks:
            check(checked._data)
        autograd.backward_in_order(self.root, self.seed, self.computed)
        for node, tensor in zip(inputs, given):
            if node is not None and tensor is not None and tensor is not node and tensor.requires_grad:
                tensor.grad, node.grad = node.grad, None
        return [node._data for node in self.outputs]


_data = operator.attrgetter("_data")


def _due(checks: list[tuple[int, Tensor, Any]], made: int) -> list[tuple[Tensor, Any]]:
    """The (node, check) pairs of `checks` made before op number `made` (taken out of `checks`)."""
    due = [(node, check) for before, node, check in checks if before <= made]
    checks[:] = [entry for entry in checks if entry[0] > made]
    return due
