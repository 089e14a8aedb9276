"""Quickstart: one backward pass with a scalar `Value`, one with a `Tensor`.

Run ``python -m demos.quickstart``. It prints each input's gradient and checks
it against central finite differences with `gradcheck`.
"""

from __future__ import annotations

import argparse

import numpy as np

from tinygrad_lite import Tensor, Value, gradcheck


def value_example() -> None:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    y = (a * b + b**2).sigmoid()
    y.backward()
    print("Value:  y = sigmoid(a*b + b**2) with a = 2, b = -3")
    print(f"        y = {y.data:.6f}   dy/da = {a.grad:.6f}   dy/db = {b.grad:.6f}")
    gradcheck(lambda a, b: (a * b + b**2).sigmoid(), a, b)
    print("        gradcheck against finite differences: ok")


def tensor_example(seed: int) -> None:
    x = Tensor([[1.0, 2.0]], label="x")
    W = Tensor.randn(2, 3, rng=seed, requires_grad=True, label="W")
    loss = (x @ W).sigmoid().mean()
    loss.backward()
    print(f"\nTensor: loss = mean(sigmoid(x @ W)), x = [[1, 2]], W ~ randn(2, 3) with seed {seed}")
    print(f"        loss = {loss.item():.6f}")
    head = "        dloss/dW = "
    print(head + np.array2string(W.grad, precision=6, prefix=head))
    gradcheck(lambda W: (x @ W).sigmoid().mean(), W)
    print("        gradcheck against finite differences: ok")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.quickstart",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for W's random init (default 0)")
    args = parser.parse_args(argv)
    value_example()
    tensor_example(args.seed)


if __name__ == "__main__":
    main()
