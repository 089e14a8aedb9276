"""Long training keeps memory flat: the graph of a step is freed once nothing
refers to it (reference counting alone: graphs hold no cycles), and nothing
else grows from step to step (optimizer state, caches, the node counter)."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

import nn
from tinygrad_lite import Tensor, Value


def traced_growth(step, warmup: int, steps: int) -> int:
    """Bytes still allocated after `steps` more calls of `step` than after
    `warmup` calls (tracemalloc, with the cyclic collector off: whatever a
    step leaves behind stays visible)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(warmup):
            step()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        if was:
            gc.enable()


def test_tensor_training_steps_do_not_grow_memory():
    X, Y = nn.datasets.xor()
    model = nn.MLP(2, [8, 1], "tanh", "sigmoid", rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    x, y = Tensor(X), Tensor(Y)

    def step() -> None:
        opt.zero_grad()
        loss = nn.binary_cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    growth = traced_growth(step, warmup=1_000, steps=4_000)
    assert growth < 20_000, f"{growth} bytes more after 4,000 more steps"


def test_value_training_steps_do_not_grow_memory():
    rng = np.random.default_rng(0)
    w = [Value(float(v)) for v in rng.uniform(-1, 1, 3)]
    rows = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]

    def step() -> None:
        loss = sum(((w[0] * a + w[1] * b + w[2]).tanh() - t) ** 2 for (a, b), t in rows)
        loss.backward()
        for p in w:
            p.data -= 0.1 * p.grad
            p.grad = 0.0

    growth = traced_growth(step, warmup=1_000, steps=4_000)
    assert growth < 20_000, f"{growth} bytes more after 4,000 more steps"


def test_a_leak_would_be_seen():
    """The measurement itself: a step that keeps its graph is caught."""
    kept = []
    x = Tensor(np.ones(4), requires_grad=True)

    def leaky_step() -> None:
        loss = (x * 2).sum()
        loss.backward()
        kept.append(loss)

    assert traced_growth(leaky_step, warmup=100, steps=400) > 100_000
