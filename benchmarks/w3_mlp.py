"""W3 MLP 784-256-10, float32, compute-bound: on a batch X of 256 rows,

    h = relu(X W1 + b1),  z = h W2 + b2,  L = mean_rows(-log softmax(z)[label]),

then SGD p = p - 0.1 dL/dp. By hand: dL/dz = (softmax(z) - onehot)/256,
dW2 = h^T dL/dz, dh = dL/dz W2^T, dz1 = dh [X W1 + b1 > 0], dW1 = X^T dz1, and
each db the column sums of its dz. The data are random (fixed seed), labelled
by a random linear teacher so that the loss falls; the steps cycle over four
batches. The matrix products dominate: an engine should add almost nothing."""

from __future__ import annotations

import numpy as np

import nn
from benchmarks.common import (
    HAND,
    TORCH,
    Result,
    Train,
    measure,
    on_blas_threads,
    pick,
    torch_beside_blas,
    torch_sgd,
)
from tinygrad_lite import Tensor

LR = 0.1
BATCHES = 4
TGL = "tinygrad_lite Tensor + nn"


Params = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def data(batch: int, seed: int = 0) -> tuple[Params, list[tuple[np.ndarray, np.ndarray]]]:
    """Initial float32 weights W1 (784, 256), b1, W2 (256, 10), b2 (He-normal
    weights, zero biases), and `BATCHES` batches (X float32, integer labels)."""
    rng = np.random.default_rng(seed)
    W1 = (rng.standard_normal((784, 256)) * np.sqrt(2 / 784)).astype(np.float32)
    W2 = (rng.standard_normal((256, 10)) * np.sqrt(2 / 256)).astype(np.float32)
    X = rng.standard_normal((BATCHES * batch, 784)).astype(np.float32)
    labels = (X @ rng.standard_normal((784, 10))).argmax(axis=1)
    batches = [(X[i * batch : (i + 1) * batch], labels[i * batch : (i + 1) * batch]) for i in range(BATCHES)]
    return (W1, np.zeros(256, np.float32), W2, np.zeros(10, np.float32)), batches


def implementations(steps: int, batch: int) -> tuple[dict[str, Train], list[str]]:
    """Each callable trains from the same float32 weights for `steps` steps and returns the last loss."""
    (W1_0, b1_0, W2_0, b2_0), batches = data(batch)

    def tgl() -> float:
        l1, l2 = nn.Linear(784, 256, dtype=np.float32), nn.Linear(256, 10, dtype=np.float32)
        for layer, W, b in ((l1, W1_0, b1_0), (l2, W2_0, b2_0)):
            layer.weight.data[...] = W
            layer.bias.data[...] = b
        opt = nn.optim.SGD([*l1.parameters(), *l2.parameters()], lr=LR)
        for step in range(steps):
            X, labels = batches[step % BATCHES]
            opt.zero_grad()
            loss = nn.cross_entropy(l2(l1(Tensor(X)).relu()), labels)
            loss.backward()
            opt.step()
        return loss.item()

    def by_hand() -> float:
        W1, b1, W2, b2 = W1_0.copy(), b1_0.copy(), W2_0.copy(), b2_0.copy()
        lr = np.float32(LR)
        for step in range(steps):
            X, labels = batches[step % BATCHES]
            rows = np.arange(len(X))
            z1 = X @ W1 + b1
            h = np.maximum(z1, 0)
            z = h @ W2 + b2
            shifted = z - z.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            sums = e.sum(axis=1, keepdims=True)
            loss = -(shifted[rows, labels] - np.log(sums[:, 0])).mean()
            dz = e / sums
            dz[rows, labels] -= 1
            dz /= len(X)
            dz1 = (dz @ W2.T) * (z1 > 0)
            W2 -= lr * (h.T @ dz)
            b2 -= lr * dz.sum(axis=0)
            W1 -= lr * (X.T @ dz1)
            b1 -= lr * dz1.sum(axis=0)
        return float(loss)

    impls: dict[str, Train] = {TGL: tgl, HAND: by_hand}
    notes = []
    torch = torch_beside_blas(notes)
    if torch is not None:
        tbatches = [(torch.from_numpy(X), torch.from_numpy(labels)) for X, labels in batches]

        def pytorch() -> float:
            params = [torch.tensor(a, requires_grad=True) for a in (W1_0, b1_0, W2_0, b2_0)]
            W1, b1, W2, b2 = params
            for step in range(steps):
                X, labels = tbatches[step % BATCHES]
                loss = torch.nn.functional.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, labels)
                loss.backward()
                torch_sgd(torch, params, LR)
            return loss.item()

        impls[TORCH] = on_blas_threads(torch, pytorch)
    return impls, notes


def run(mode: str) -> list[Result]:
    """W3: time per SGD step on a 256-row batch, and its target."""
    steps = pick(mode, 30, 10, 2)
    batch = pick(mode, 256, 256, 16)
    impls, notes = implementations(steps, batch)
    result = measure(
        "W3",
        f"W3 MLP 784-256-10 ReLU, softmax cross-entropy, SGD lr 0.1, batch {batch}, float32, {steps} steps",
        impls,
        steps=steps,
        repeats=pick(mode, 11, 5, 1),
        rtol=1e-4,
        notes=notes,
    )
    result.target_at_most("W3: at most 1.15x hand NumPy per step", TGL, HAND, 1.15)
    return [result]
