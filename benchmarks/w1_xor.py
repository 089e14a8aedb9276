"""W1 XOR, full batch, float64: a 2-2-1 sigmoid network on the four XOR rows,

    h = sigmoid(X W1 + b1),  o = sigmoid(h W2 + b2),  L = 0.5 * mean((o - y)**2),

trained by SGD (p = p - 0.5 dL/dp) for 2,000 steps. By hand, the backward pass
is dL/do = (o - y)/4, dz2 = dL/do o(1 - o), dW2 = h^T dz2, db2 = sum(dz2),
dz1 = (dz2 W2^T) h(1 - h), dW1 = X^T dz1, db1 = sum(dz1). The scalar engines
(tinygrad_lite Value, micrograd) sum 0.5/4 (o_k - y_k)**2 over the rows."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np

import nn
from benchmarks import scalar
from benchmarks.common import (
    HAND,
    MICROGRAD,
    TORCH,
    Result,
    Train,
    available,
    measure,
    pick,
    torch_sgd,
)
from tinygrad_lite import Tensor, Value

LR = 0.5
TGL_NN = "tinygrad_lite Tensor + nn"
TGL_RAW = "tinygrad_lite raw Tensors"
TGL_VALUE = "tinygrad_lite Value"


def initial_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,), all uniform in [-1, 1)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, 2)),
        (rng.uniform(-1, 1, (2, 1)), rng.uniform(-1, 1, 1)),
    ]


def torch_net(torch: ModuleType, weights: list[tuple[np.ndarray, np.ndarray]]) -> tuple[Callable, list]:
    """The 2-2-1 sigmoid network in PyTorch from `weights`: its forward
    function o = sigmoid(sigmoid(x W1 + b1) W2 + b2), and its parameters."""
    (W1, b1), (W2, b2) = params = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights
    ]
    return (lambda x: torch.sigmoid(torch.sigmoid(x @ W1 + b1) @ W2 + b2)), [
        p for pair in params for p in pair
    ]


def implementations(steps: int) -> tuple[dict[str, Train], list[str]]:
    """Each callable trains from `initial_weights()` for `steps` steps and returns the last loss."""
    X, Y = nn.datasets.xor()
    weights = initial_weights()

    def tgl_nn() -> float:
        model = nn.MLP(2, [2, 1], "sigmoid", "sigmoid")
        for layer, (W, b) in zip(model.layers, weights):
            layer.weight.data[...] = W
            layer.bias.data[...] = b
        opt = nn.optim.SGD(model.parameters(), lr=LR)
        x, y = Tensor(X), Tensor(Y)
        for _ in range(steps):
            opt.zero_grad()
            loss = 0.5 * nn.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        return loss.item()

    def tgl_raw() -> float:
        (W1, b1), (W2, b2) = params = [
            (Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)) for W, b in weights
        ]
        flat = [p for pair in params for p in pair]
        x, y = Tensor(X), Tensor(Y)
        for _ in range(steps):
            o = ((x @ W1 + b1).sigmoid() @ W2 + b2).sigmoid()
            d = o - y
            loss = 0.5 * (d * d).mean()
            loss.backward()
            for p in flat:
                p.data -= LR * p.grad
                p.grad = None
        return loss.item()

    def by_hand() -> float:
        (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in weights]
        for _ in range(steps):
            h = 1 / (1 + np.exp(-(X @ W1 + b1)))
            o = 1 / (1 + np.exp(-(h @ W2 + b2)))
            d = o - Y
            loss = 0.5 * np.mean(d * d)
            dz2 = d / d.size * o * (1 - o)
            dz1 = (dz2 @ W2.T) * h * (1 - h)
            W2 -= LR * (h.T @ dz2)
            b2 -= LR * dz2.sum(axis=0)
            W1 -= LR * (X.T @ dz1)
            b1 -= LR * dz1.sum(axis=0)
        return float(loss)

    def scalar_train(net: scalar.Net, act: object) -> float:
        params = scalar.parameters(net)
        rows = [list(map(float, row)) for row in X]
        targets = [float(t) for t in Y[:, 0]]
        for _ in range(steps):
            sq = [(scalar.forward(net, x, [act, act])[0] - t) ** 2 for x, t in zip(rows, targets)]
            loss = scalar.total(sq) * (0.5 / len(rows))
            loss.backward()
            scalar.sgd(params, LR)
        return loss.data

    def tgl_value() -> float:
        return scalar_train(scalar.value_net(weights), Value.sigmoid)

    impls: dict[str, Train] = {TGL_NN: tgl_nn, TGL_RAW: tgl_raw, TGL_VALUE: tgl_value, HAND: by_hand}
    notes = []
    torch = available("torch", notes)
    if torch is not None:

        def pytorch() -> float:
            net, flat = torch_net(torch, weights)
            x, y = torch.tensor(X), torch.tensor(Y)
            for _ in range(steps):
                loss = 0.5 * ((net(x) - y) ** 2).mean()
                loss.backward()
                torch_sgd(torch, flat, LR)
            return loss.item()

        impls[TORCH] = pytorch
    if available("micrograd", notes) is not None:

        def micrograd() -> float:
            return scalar_train(scalar.micrograd_net(weights)[1], scalar.micrograd_sigmoid)

        impls[MICROGRAD] = micrograd
    return impls, notes


def run(mode: str) -> list[Result]:
    """W1: time per SGD step of every implementation, and its targets."""
    steps = pick(mode, 2000, 500, 20)
    impls, notes = implementations(steps)
    result = measure(
        "W1",
        f"W1 XOR full batch: 2-2-1 sigmoid, 0.5*MSE, SGD lr 0.5, float64, {steps} steps",
        impls,
        steps=steps,
        repeats=pick(mode, 9, 3, 1),
        rtol=1e-9,
        notes=notes,
    )
    result.target_at_most("W1: Tensor + nn at most 2.5x hand NumPy per step", TGL_NN, HAND, 2.5)
    result.target_faster("W1: Tensor + nn at least 2x faster than PyTorch", TGL_NN, TORCH, 2)
    return [result]
