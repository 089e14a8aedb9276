"""W6 deep graphs: a chain of n ops, forward and backward, at two sizes ten
times apart, to show that the time grows linearly with the depth.

- Value: from x = 0.5, n/2 times y = y * 1.0001 + 0.001 (W5's chain),
  1,000,000 ops deep against 100,000;
- Tensor: the same chain on a (4,) tensor, 100,000 ops against 10,000, then
  ``y.sum().backward()``.

Both run inside ``gc_paused()``: with the collector running, every
collection walks the whole live chain and the cost grows faster than the
chain (W5 shows that effect). Plain Python floats doing the same arithmetic
are the reference, so the ratio of the two sizes can be compared with what
Python itself costs for ten times more work."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.common import Result, Target, Train, measure, pick
from tinygrad_lite import Tensor, Value, gc_paused

HAND = "Python floats by hand"
VALUE = "tinygrad_lite Value"
TENSOR = "tinygrad_lite Tensor (4,)"


def engine_chain(ops: int, leaf: Callable[[], Value | Tensor]) -> Train:
    """Build the chain from ``leaf()`` and differentiate it; returns dy/dx (of one element)."""

    def run() -> float:
        with gc_paused():
            x = leaf()
            y = x
            for _ in range(ops // 2):
                y = y * 1.0001 + 0.001
            (y.sum() if isinstance(y, Tensor) else y).backward()
            return float(np.ravel(x.grad)[0])

    return run


def by_hand(ops: int) -> Train:
    """The chain's gradient by the chain rule on Python floats: 1.0001 per multiply."""

    def run() -> float:
        y, local = 0.5, []
        for _ in range(ops // 2):
            local.append(1.0001)
            y = y * 1.0001
            local.append(1.0)
            y = y + 0.001
        grad = 1.0
        for d in reversed(local):
            grad = d * grad
        return grad

    return run


def run(mode: str) -> list[Result]:
    """Each engine at two depths ten times apart, and the growth of its time."""
    results = []
    sizes = {
        VALUE: (lambda: Value(0.5), pick(mode, 1_000_000, 1_000_000, 2_000)),
        TENSOR: (lambda: Tensor(np.full(4, 0.5), requires_grad=True), pick(mode, 100_000, 100_000, 2_000)),
    }
    for name, (leaf, big) in sizes.items():
        pair = []
        for ops in (big, big // 10):
            pair.append(
                measure(
                    f"W6 {name.split()[1]} {ops}",
                    f"W6 chain of {ops:,} ops, {name}, forward + backward in gc_paused()",
                    {name: engine_chain(ops, leaf), HAND: by_hand(ops)},
                    steps=1,
                    repeats=pick(mode, 5, 3, 1),
                    rtol=1e-9,
                    reference=HAND,
                )
            )
        deep, shallow = pair
        growth = deep.seconds[name] / shallow.seconds[name]
        python = deep.seconds[HAND] / shallow.seconds[HAND]
        deep.targets.append(
            Target(
                f"W6: {name.split()[1]} chain 10x deeper costs about 10x (at most 15x)",
                f"{growth:.2f}x (Python floats: {python:.2f}x)",
                growth <= 15,
            )
        )
        results += pair
    return results
