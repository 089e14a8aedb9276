"""W1 XOR, full batch, float64: a 2-2-1 sigmoid network on the four XOR rows,

    h = sigmoid(X W1 + b1),  o = sigmoid(h W2 + b2),  L = 0.5 * mean((o - y)**2),

trained by SGD (p = p - 0.5 dL/dp) for 2,000 steps. By hand, the backward pass
is dL/do = (o - y)/4, dz2 = dL/do o(1 - o), dW2 = h^T dz2, db2 = sum(dz2),
dz1 = (dz2 W2^T) h(1 - h), dW1 = X^T dz1, db1 = sum(dz1). The scalar engines
(tinygrad_lite Value, micrograd) sum 0.5/4 (o_k - y_k)**2 over the rows.

tinygrad_lite's Tensor + nn and Value steps also run through ``compile_step``
(", compiled"): each training run compiles a fresh step, so its first two
calls trace eagerly and the rest replay the tape. Also reported: what those
first two calls cost against an eager step."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np

import nn
from benchmarks import scalar
from benchmarks.common import (
    COMPILED,
    HAND,
    MICROGRAD,
    TORCH,
    Result,
    Train,
    available,
    measure,
    pick,
    torch_sgd,
    tracing_cost,
)
from tinygrad_lite import Tensor, Value, compile_step

LR = 0.5
TGL_NN = "tinygrad_lite Tensor + nn"
TGL_RAW = "tinygrad_lite raw Tensors"
TGL_VALUE = "tinygrad_lite Value"
TGL_NN_COMPILED = TGL_NN + COMPILED
TGL_VALUE_COMPILED = TGL_VALUE + COMPILED


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


def nn_model(weights: list[tuple[np.ndarray, np.ndarray]]) -> nn.MLP:
    """The 2-2-1 sigmoid ``nn.MLP`` holding `weights`."""
    model = nn.MLP(2, [2, 1], "sigmoid", "sigmoid")
    for layer, (W, b) in zip(model.layers, weights):
        layer.weight.data[...] = W
        layer.bias.data[...] = b
    return model


def nn_stepper(compiled: bool) -> Callable[[], Callable[[], Tensor]]:
    """A maker of a fresh Tensor + nn network's training step (zero_grad, loss,
    backward, SGD update; returns the loss), eager or through ``compile_step``."""
    X, Y = nn.datasets.xor()
    weights = initial_weights()

    def make() -> Callable[[], Tensor]:
        model = nn_model(weights)
        opt = nn.optim.SGD(model.parameters(), lr=LR)
        x, y = Tensor(X), Tensor(Y)
        if compiled:
            forward_backward = compile_step(lambda: 0.5 * nn.mse_loss(model(x), y))
        else:

            def forward_backward() -> Tensor:
                loss = 0.5 * nn.mse_loss(model(x), y)
                loss.backward()
                return loss

        def step() -> Tensor:
            opt.zero_grad()
            loss = forward_backward()
            opt.step()
            return loss

        return step

    return make


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

    def tgl_nn_compiled() -> float:
        model = nn_model(weights)
        opt = nn.optim.SGD(model.parameters(), lr=LR)
        x, y = Tensor(X), Tensor(Y)
        step = compile_step(lambda: 0.5 * nn.mse_loss(model(x), y))
        for _ in range(steps):
            opt.zero_grad()
            loss = step()
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

    def tgl_value_compiled() -> float:
        net = scalar.value_net(weights)
        params = scalar.parameters(net)
        rows = [list(map(float, row)) for row in X]
        targets = [float(t) for t in Y[:, 0]]
        acts = [Value.sigmoid, Value.sigmoid]

        def loss_of_batch() -> Value:
            sq = [(scalar.forward(net, x, acts)[0] - t) ** 2 for x, t in zip(rows, targets)]
            return scalar.total(sq) * (0.5 / len(rows))

        step = compile_step(loss_of_batch)
        for _ in range(steps):
            loss = step()
            scalar.sgd(params, LR)
        return loss.data

    impls: dict[str, Train] = {
        TGL_NN: tgl_nn,
        TGL_NN_COMPILED: tgl_nn_compiled,
        TGL_RAW: tgl_raw,
        TGL_VALUE: tgl_value,
        TGL_VALUE_COMPILED: tgl_value_compiled,
        HAND: by_hand,
    }
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
    result.target_at_most(
        "W1 compiled (Tensor + nn): at most 1.5x hand NumPy per step", TGL_NN_COMPILED, HAND, 1.5
    )
    tracing_cost(result, nn_stepper(compiled=False), nn_stepper(compiled=True), pick(mode, 11, 5, 1))
    return [result]
