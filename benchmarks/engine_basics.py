"""Engine basics: a 100,000-node Value chain and a (1000, 1000) Tensor add,
forward + backward, each beside the same math written by hand.

Run ``python -m benchmarks.engine_basics [--repeats N]``.

- Value chain: y = y * 1.0001 + 0.001, 50,000 times (100,000 op nodes), then
  dy/dx. By hand: the floats forward, then the chain rule backward as a loop
  over the stored local derivatives.
- Tensor add: c = a + b on (1000, 1000) float64, then backward with dL/dc = 1.
  By hand: the NumPy sum, then dL/da and dL/db as fresh copies of dL/dc.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.timing import interleaved, report
from tinygrad_lite import Tensor, Value

STEPS = 50_000  # two ops per step: 100,000 nodes


def value_chain() -> float:
    x = Value(0.5)
    y = x
    for _ in range(STEPS):
        y = y * 1.0001 + 0.001
    y.backward()
    return x.grad


def python_chain() -> float:
    y = 0.5
    local = []
    for _ in range(STEPS):
        local.append(1.0001)  # d(y * 1.0001)/dy
        y = y * 1.0001
        local.append(1.0)  # d(y + 0.001)/dy
        y = y + 0.001
    grad = 1.0
    for d in reversed(local):
        grad = d * grad
    return grad


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7, help="interleaved rounds (default 7)")
    args = parser.parse_args(argv)

    assert abs(value_chain() - python_chain()) <= 1e-9 * abs(python_chain())
    medians = interleaved({"tinygrad_lite Value": value_chain, "plain Python": python_chain}, args.repeats)
    report("100,000-node Value chain, forward + backward", medians, "plain Python")

    rng = np.random.default_rng(0)
    a_data, b_data = rng.standard_normal((2, 1000, 1000))
    a = Tensor(a_data, requires_grad=True)
    b = Tensor(b_data, requires_grad=True)
    seed = np.ones((1000, 1000))

    def tensor_add() -> None:
        a.grad = b.grad = None
        (a + b).backward(seed)

    def numpy_add() -> tuple:
        c = a_data + b_data  # the forward result stays alive during backward, as in any step
        return c, seed.copy(), seed.copy()  # dL/da, dL/db: fresh arrays the caller owns

    medians = interleaved({"tinygrad_lite Tensor": tensor_add, "NumPy by hand": numpy_add}, args.repeats * 3)
    report("(1000, 1000) add, forward + backward", medians, "NumPy by hand")


if __name__ == "__main__":
    main()
