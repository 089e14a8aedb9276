"""A single sigmoid layer with 3 inputs, trained by autograd, checked against the tutorial's NumPy loop.

Which tutorial this follows, the numbers it reproduces and where the tutorial
goes wrong: docs/tutorials.md.

Run ``python -m demos.single_layer``. The tutorial: inputs [[0,0,1], [0,1,1],
[1,0,1], [1,1,1]] (the third column is a constant 1, standing in for a bias),
targets [0, 0, 1, 1]; ``np.random.seed(42)``, w = 2 * random((3, 1)) - 1; then
10,000 full-batch steps of the hand-written update

    out = sigmoid(X @ w),   w += X.T @ ((y - out) * out * (1 - out)),

which is gradient descent with learning rate 1 on L = 0.5 * sum((out - y)**2),
since dL/dw = X.T @ ((out - y) * sigmoid'(X @ w)) and sigmoid' = out (1 - out).

Here the same model is ``nn.Linear(3, 1, bias=False)`` followed by
``nn.Sigmoid()``, trained by ``nn.fit`` with ``nn.optim.SGD(lr=1.0)`` on that
loss, with autograd computing dL/dw. The tutorial prints ``out`` as computed at
the START of its last step (before the last update):
[0.00966808, 0.00786589, 0.99358863, 0.99211705], which the demo reproduces to
every printed digit, and saves the loss per step as out/single_layer_loss.png.

It also runs the tutorial's NumPy loop alongside, hand-written derivative and
all: from the same start, autograd ends with exactly the same weights and
outputs, bit for bit (max difference 0).
"""

from __future__ import annotations

import argparse

import numpy as np

import nn
from demos import _plot
from tinygrad_lite import Tensor

X = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
Y = np.array([[0.0], [0.0], [1.0], [1.0]])


def initial_weights(seed: int = 42) -> np.ndarray:
    """The tutorial's start: ``np.random.seed(seed)``; w = 2 * random((3, 1)) - 1, uniform in [-1, 1)."""
    np.random.seed(seed)
    return 2 * np.random.random((3, 1)) - 1


def half_sum_of_squares(out: Tensor, target: np.ndarray) -> Tensor:
    """L = 0.5 * sum((out - target)**2), whose gradient is dL/dout = out - target."""
    return 0.5 * ((out - target) ** 2).sum()


def train_with_nn(w0: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """`steps` full-batch gradient-descent steps (lr 1) on `half_sum_of_squares`
    with the nn package. Returns the output at the start of the last step, the
    final weights and the loss of every step (before its update)."""
    model = nn.Sequential(nn.Linear(3, 1, bias=False), nn.Sigmoid())
    model.load_state_dict({"layers.0.weight": w0})
    opt = nn.optim.SGD(model.parameters(), lr=1.0)

    def train(epochs: int) -> list[float]:
        history = nn.fit(model, X, Y, loss=half_sum_of_squares, optimizer=opt, epochs=epochs, progress=False)
        return history["loss"]

    losses = train(steps - 1) if steps > 1 else []
    out = nn.evaluate(model, X)  # what the last step's forward pass computes
    losses += train(1)
    return out, model.state_dict()["layers.0.weight"], losses


def train_tutorial(w0: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's own loop in plain NumPy, hand-written derivative and all.
    Returns (output at the start of the last step, final weights)."""
    w = w0.copy()
    for _ in range(steps):
        out = 1 / (1 + np.exp(-(X @ w)))
        error = Y - out
        w += X.T @ (error * (out * (1 - out)))
    return out, w


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.single_layer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--steps", type=int, default=10_000, help="gradient-descent steps (default 10000)")
    parser.add_argument("--seed", type=int, default=42, help="np.random.seed for the weights (default 42)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")

    w0 = initial_weights(args.seed)
    out, w, losses = train_with_nn(w0, args.steps)
    ref_out, ref_w = train_tutorial(w0, args.steps)
    np.set_printoptions(precision=8, suppress=True)
    print(f"initial weights (seed {args.seed}): {w0.ravel()}")
    print(f"after {args.steps} steps of SGD(lr=1.0) on 0.5 * sum((out - y)**2):")
    print(f"  output at the start of the last step: {out.ravel()}")
    print(f"  targets:                              {Y.ravel()}")
    print(f"  final weights:                        {w.ravel()}")
    print("the tutorial's hand-written NumPy loop from the same start:")
    print(f"  output at the start of the last step: {ref_out.ravel()}")
    print(f"  final weights:                        {ref_w.ravel()}")
    print(
        f"max |w_nn - w_tutorial| = {np.abs(w - ref_w).max():.3g}, "
        f"max |out_nn - out_tutorial| = {np.abs(out - ref_out).max():.3g}"
    )
    _plot.loss_curves(
        {"nn.fit, SGD(lr=1.0)": losses},
        "single_layer_loss.png",
        f"Single sigmoid layer, 3 inputs: {args.steps} full-batch steps, lr 1",
        ylabel="0.5 * sum((out - y)^2)",
    )


if __name__ == "__main__":
    main()
