"""W0 per-op overhead: c = a + b, then backward with dL/dc = 1, so
dL/da = dL/db = 1 (fresh arrays the caller owns).

On a (1,) tensor this is nothing but the engine's bookkeeping per op; on a
(1000, 1000) float64 tensor it is memory traffic, where an engine should add
nothing. One step is one add + backward, leaf grads cleared first."""

from __future__ import annotations

import numpy as np

from benchmarks.common import HAND, TORCH, Result, Train, available, measure, pick
from tinygrad_lite import Tensor

TGL = "tinygrad_lite Tensor"


def implementations(shape: tuple[int, ...], calls: int) -> tuple[dict[str, Train], list[str]]:
    """Callables doing `calls` add + backward steps on `shape`; each returns
    sum(c) + sum(dL/da) + sum(dL/db) of its last step, to compare."""
    a_np, b_np = np.random.default_rng(0).standard_normal((2, *shape))
    seed = np.ones(shape)
    scalar_like = a_np.size == 1  # then backward() needs no explicit seed, as one writes it

    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)

    def tinygrad_lite() -> float:
        for _ in range(calls):
            a.grad = b.grad = None
            c = a + b
            c.backward() if scalar_like else c.backward(seed)
        return float(c.data.sum() + a.grad.sum() + b.grad.sum())

    def by_hand() -> float:
        for _ in range(calls):
            c = a_np + b_np
            ga, gb = seed.copy(), seed.copy()  # d(a + b)/da = d(a + b)/db = 1, times dL/dc
        return float(c.sum() + ga.sum() + gb.sum())

    impls: dict[str, Train] = {TGL: tinygrad_lite, HAND: by_hand}
    notes = []
    torch = available("torch", notes)
    if torch is not None:
        ta = torch.tensor(a_np, requires_grad=True)
        tb = torch.tensor(b_np, requires_grad=True)
        tseed = torch.tensor(seed)

        def pytorch() -> float:
            for _ in range(calls):
                ta.grad = tb.grad = None
                c = ta + tb
                c.backward() if scalar_like else c.backward(tseed)
            return float(c.detach().sum() + ta.grad.sum() + tb.grad.sum())

        impls[TORCH] = pytorch
    return impls, notes


def run(mode: str) -> list[Result]:
    """W0 on (1,) and on (1000, 1000)."""
    results = []
    for shape, calls, repeats in (
        ((1,), pick(mode, 2000, 1000, 20), pick(mode, 15, 7, 1)),
        (pick(mode, (1000, 1000), (1000, 1000), (10, 10)), pick(mode, 10, 5, 2), pick(mode, 15, 7, 1)),
    ):
        impls, notes = implementations(shape, calls)
        result = measure(
            f"W0 {shape}",
            f"W0 per-op overhead: c = a + b and backward on a {shape} float64 tensor",
            impls,
            steps=calls,
            repeats=repeats,
            rtol=1e-9,
            notes=notes,
        )
        if shape == (1,):
            result.target_faster("W0 (1,): add+backward >= 4x faster than PyTorch", TGL, TORCH, 4)
        results.append(result)
    return results
