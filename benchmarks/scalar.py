"""Scalar networks, micrograd-style, for tinygrad_lite's `Value` and for micrograd.

A network is a list of layers, a layer a list of neurons, a neuron a pair
(weights, bias) of scalar nodes; neuron j of a layer computes

    act(b_j + w_0j x_0 + w_1j x_1 + ...)

summed in that order (Python's ``sum(..., b)``, as ``micrograd.nn.Neuron``).
micrograd's engine has only ReLU, so sigmoid and tanh are added here in its
own style: one node whose ``_backward`` closure adds ``local * out.grad``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_lite import Value

Net = list[list[tuple[list[Any], Any]]]
Weights = Sequence[tuple[np.ndarray, np.ndarray]]  # per layer: W (nin, nout), b (nout,)


def value_net(weights: Weights) -> Net:
    """tinygrad_lite Values holding `weights`."""
    return [
        [([Value(float(w)) for w in W[:, j]], Value(float(b[j]))) for j in range(W.shape[1])]
        for W, b in weights
    ]


def micrograd_net(weights: Weights) -> tuple[Any, Net]:
    """A ``micrograd.nn.MLP`` of the same sizes with its weights set to `weights`,
    and its neurons as a `Net` (micrograd's own forward would apply ReLU)."""
    from micrograd.nn import MLP

    sizes = [weights[0][0].shape[0]] + [W.shape[1] for W, _ in weights]
    model = MLP(sizes[0], sizes[1:])
    net: Net = []
    for layer, (W, b) in zip(model.layers, weights):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[j])
        net.append([(neuron.w, neuron.b) for neuron in layer.neurons])
    return model, net


def forward(net: Net, x: Sequence[Any], acts: Sequence[Callable[[Any], Any] | None]) -> list[Any]:
    """The outputs of `net` for one input row `x`; `acts[l]` is layer l's activation (None: identity)."""
    for layer, act in zip(net, acts):
        outs = [sum((w * xi for w, xi in zip(ws, x)), b) for ws, b in layer]
        x = outs if act is None else [act(o) for o in outs]
    return list(x)


def parameters(net: Net) -> list[Any]:
    """Every weight and bias node of `net`."""
    return [p for layer in net for ws, b in layer for p in (*ws, b)]


def sgd(params: list[Any], lr: float) -> None:
    """p = p - lr * dL/dp for each scalar parameter, then its grad zeroed."""
    for p in params:
        p.data -= lr * p.grad
        p.grad = 0.0


def total(terms: list[Any]) -> Any:
    """terms[0] + terms[1] + ... (left to right, the same order in every engine)."""
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def micrograd_sigmoid(x: Any) -> Any:
    """micrograd node z = 1 / (1 + e**-x);  dz/dx = z (1 - z)."""
    from micrograd.engine import Value as MgValue

    z = 1.0 / (1.0 + math.exp(-x.data))
    out = MgValue(z, (x,), "sigmoid")

    def _backward() -> None:
        x.grad += z * (1.0 - z) * out.grad

    out._backward = _backward
    return out


def micrograd_tanh(x: Any) -> Any:
    """micrograd node z = tanh(x);  dz/dx = 1 - z**2."""
    from micrograd.engine import Value as MgValue

    z = math.tanh(x.data)
    out = MgValue(z, (x,), "tanh")

    def _backward() -> None:
        x.grad += (1.0 - z * z) * out.grad

    out._backward = _backward
    return out


def micrograd_nodes(root: Any) -> int:
    """Nodes in a micrograd graph (walked iteratively: it may be deep)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)
