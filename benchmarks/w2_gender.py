"""W2 gender, per-sample SGD, float64: the 2-2-1 sigmoid network of the gender
tutorial, one row x of the four people at a time,

    h = sigmoid(x W1 + b1),  o = sigmoid(h W2 + b2),  L = (o - y)**2,

then p = p - 0.1 dL/dp; 4 rows x 200 epochs = 800 steps. By hand: dL/do =
2(o - y), dz2 = dL/do o(1 - o), dW2 = h^T dz2, dz1 = (W2 dz2) h(1 - h),
dW1 = x^T dz1, and each db the dz of its layer. The scalar engines (Value,
micrograd) build one node per multiply, add and activation.

tinygrad_lite's Tensor + nn and Value steps also run through ``compile_step``
(", compiled"), the row passed as the step's arguments (a NumPy row and
target for Tensor, a list of floats and a float for Value): each training run
compiles a fresh step, whose first two calls trace and the rest replay the
same tape for every row."""

from __future__ import annotations

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
)
from benchmarks.w1_xor import initial_weights, torch_net
from tinygrad_lite import Tensor, Value, compile_step

LR = 0.1
TGL_TENSOR = "tinygrad_lite Tensor + nn"
TGL_VALUE = "tinygrad_lite Value"
TGL_TENSOR_COMPILED = TGL_TENSOR + COMPILED
TGL_VALUE_COMPILED = TGL_VALUE + COMPILED


def implementations(epochs: int) -> tuple[dict[str, Train], list[str]]:
    """Each callable trains from `initial_weights()` for `epochs` passes over
    the four rows, in order, and returns the loss of the last step."""
    X, Y = nn.datasets.gender()
    weights = initial_weights(1)

    def tgl_tensor() -> float:
        model = nn.MLP(2, [2, 1], "sigmoid", "sigmoid")
        for layer, (W, b) in zip(model.layers, weights):
            layer.weight.data[...] = W
            layer.bias.data[...] = b
        opt = nn.optim.SGD(model.parameters(), lr=LR)
        rows = [(Tensor(X[i : i + 1]), Tensor(Y[i : i + 1])) for i in range(len(X))]
        for _ in range(epochs):
            for x, y in rows:
                opt.zero_grad()
                loss = nn.mse_loss(model(x), y)
                loss.backward()
                opt.step()
        return loss.item()

    def tgl_tensor_compiled() -> float:
        model = nn.MLP(2, [2, 1], "sigmoid", "sigmoid")
        for layer, (W, b) in zip(model.layers, weights):
            layer.weight.data[...] = W
            layer.bias.data[...] = b
        opt = nn.optim.SGD(model.parameters(), lr=LR)
        step = compile_step(lambda x, y: nn.mse_loss(model(x), y))
        rows = [(X[i : i + 1], Y[i : i + 1]) for i in range(len(X))]
        for _ in range(epochs):
            for x, y in rows:
                opt.zero_grad()
                loss = step(x, y)
                opt.step()
        return loss.item()

    def by_hand() -> float:
        (W1, b1), (W2, b2) = [(W.copy(), b.copy()) for W, b in weights]
        for _ in range(epochs):
            for x, y in zip(X, Y):
                h = 1 / (1 + np.exp(-(x @ W1 + b1)))
                o = 1 / (1 + np.exp(-(h @ W2 + b2)))
                d = o - y
                loss = d[0] * d[0]
                dz2 = 2 * d * o * (1 - o)
                dz1 = (W2 @ dz2) * h * (1 - h)
                W2 -= LR * np.outer(h, dz2)
                b2 -= LR * dz2
                W1 -= LR * np.outer(x, dz1)
                b1 -= LR * dz1
        return float(loss)

    def scalar_train(net: scalar.Net, act: object) -> float:
        params = scalar.parameters(net)
        rows = [(list(map(float, x)), float(y[0])) for x, y in zip(X, Y)]
        for _ in range(epochs):
            for x, y in rows:
                loss = (scalar.forward(net, x, [act, act])[0] - y) ** 2
                loss.backward()
                scalar.sgd(params, LR)
        return loss.data

    def tgl_value() -> float:
        return scalar_train(scalar.value_net(weights), Value.sigmoid)

    def tgl_value_compiled() -> float:
        net = scalar.value_net(weights)
        params = scalar.parameters(net)
        acts = [Value.sigmoid, Value.sigmoid]
        step = compile_step(lambda x, y: (scalar.forward(net, x, acts)[0] - y) ** 2)
        rows = [(list(map(float, x)), float(y[0])) for x, y in zip(X, Y)]
        for _ in range(epochs):
            for x, y in rows:
                loss = step(x, y)
                scalar.sgd(params, LR)
        return loss.data

    impls: dict[str, Train] = {
        TGL_TENSOR: tgl_tensor,
        TGL_TENSOR_COMPILED: tgl_tensor_compiled,
        TGL_VALUE: tgl_value,
        TGL_VALUE_COMPILED: tgl_value_compiled,
        HAND: by_hand,
    }
    notes = []
    torch = available("torch", notes)
    if torch is not None:

        def pytorch() -> float:
            net, flat = torch_net(torch, weights)
            rows = list(zip(torch.tensor(X), torch.tensor(Y)))
            for _ in range(epochs):
                for x, y in rows:
                    loss = ((net(x) - y) ** 2).sum()
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
    """W2: time per single-row SGD step of every implementation, and its targets."""
    epochs = pick(mode, 200, 100, 2)
    impls, notes = implementations(epochs)
    result = measure(
        "W2",
        f"W2 gender per-sample SGD: 2-2-1 sigmoid, MSE, lr 0.1, float64, 4 rows x {epochs} epochs",
        impls,
        steps=4 * epochs,
        repeats=pick(mode, 9, 3, 1),
        rtol=1e-9,
        notes=notes,
    )
    result.target_faster("W2: Value at least 1.5x faster than micrograd", TGL_VALUE, MICROGRAD, 1.5)
    result.target_at_most("W2: Tensor + nn at most 3x hand NumPy per step", TGL_TENSOR, HAND, 3)
    return [result]
