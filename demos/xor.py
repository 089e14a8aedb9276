"""XOR: the classic tutorial's 2-2-1 network reproduced to the last digit, then a setup that works.

Which tutorial this follows, the numbers it reproduces and where the tutorial
goes wrong: docs/tutorials.md.

Run ``python -m demos.xor``. Two networks learn the XOR truth table
[[0,0],[0,1],[1,0],[1,1]] -> [0,1,1,0]:

1. The tutorial's setup (setup A): ``np.random.seed(42)``, then W1 = rand(2,2),
   b1 = rand(1,2), W2 = rand(2,1), b2 = rand(1,1) (uniform in [0, 1)); a 2-2-1
   sigmoid network a2 = s(s(X W1 + b1) W2 + b2); full batch; loss
   L = (1/(2m)) sum (a2 - y)^2 with m = 4, i.e. 0.5 * mse; plain SGD, lr 0.1;
   10,000 epochs. The metric mean((a2 - y)^2) is printed every 1000 epochs,
   measured on the forward pass that starts each epoch (before its update),
   as the tutorial does: 0.3246585814644244 at epoch 0, 0.1821797473164306 at
   epoch 9000. The final outputs are [0.237, 0.592, 0.653, 0.572]: [1, 1] is
   still on the wrong side of 0.5, so, whatever the tutorial says, it has NOT
   learned XOR.
2. Ours: 2-8-1 with tanh hidden units and a sigmoid output (Xavier init from
   ``--seed``), binary cross-entropy -mean(y ln p + (1-y) ln(1-p)), Adam with
   lr 0.05, full batch, 200 epochs: 100% accuracy, trained in about 0.1 s.
   (With 4 hidden units, 5 seeds in 100 get stuck at 75%.)

Success rate (every output on the right side of 0.5 after training), measured
over seeds 0..99 with ``python -m demos.xor --success-rate 100`` (4 to 5
minutes, nearly all of it the tutorial's 10,000 epochs per seed; a counter on
the terminal shows the progress):

    tutorial setup (np.random.seed(s), rand init, 10,000 epochs):    0/100
    ours (rng=s, 200 epochs):                                       100/100

The whole demo takes about 5 s: 2.5 s for the tutorial's 10,000 epochs, 2 s for the pictures.

The tutorial network is a plain ``nn.MLP(2, [2, 1])`` with the tutorial's
weights loaded: tinygrad_lite's sigmoid is 1/(1 + e^-x), the tutorial's own
formula, so every printed digit matches.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import nn
from demos import _plot
from demos._progress import Counter
from nn.optim import Optimizer
from tinygrad_lite import Tensor

X, Y = nn.datasets.xor()
TUTORIAL_SEED = 42
TUTORIAL_EPOCHS = 10_000
OUR_EPOCHS = 200


def half_mse(pred: Tensor, target: Any) -> Tensor:
    """The tutorial's loss L = (1/(2m)) sum (a2 - y)^2 = 0.5 * mse."""
    return 0.5 * nn.mse_loss(pred, target)


def tutorial_model(seed: int) -> tuple[nn.Module, Optimizer]:
    """2-2-1 sigmoid network initialised as the tutorial does: ``np.random.seed(seed)``, then
    W1 = rand(2,2), b1 = rand(1,2), W2 = rand(2,1), b2 = rand(1,1); plain SGD with lr 0.1."""
    np.random.seed(seed)
    W1, b1, W2, b2 = (np.random.rand(*shape) for shape in [(2, 2), (1, 2), (2, 1), (1, 1)])
    model = nn.MLP(2, [2, 1])
    # nn stores a bias as (nout,), the tutorial as a (1, nout) row.
    model.load_state_dict(dict(zip(model.state_dict(), [W1, b1.reshape(2), W2, b2.reshape(1)])))
    return model, nn.optim.SGD(model.parameters(), lr=0.1)


def our_model(seed: int) -> tuple[nn.Module, Optimizer]:
    """2-8-1 network, tanh hidden, sigmoid output, Xavier init drawn from `seed`; Adam with lr 0.05."""
    model = nn.MLP(2, [8, 1], activation="tanh", out_activation="sigmoid", rng=seed)
    return model, nn.optim.Adam(model.parameters(), lr=0.05)


@dataclass(frozen=True)
class Setup:
    """A way to build and train a network on XOR."""

    name: str
    build: Callable[[int], tuple[nn.Module, Optimizer]]
    loss: Callable[[Tensor, Any], Tensor]
    epochs: int


TUTORIAL = Setup("tutorial", tutorial_model, half_mse, TUTORIAL_EPOCHS)
OURS = Setup("ours", our_model, nn.binary_cross_entropy, OUR_EPOCHS)


@dataclass
class Run:
    """A trained network, its mean((output - y)^2) and its training loss at the
    start of every epoch and after the last one, and its training time in seconds."""

    model: nn.Module
    mse: list[float]
    seconds: float
    losses: list[float]

    def outputs(self) -> np.ndarray:
        return nn.evaluate(self.model, X).reshape(-1)

    def correct(self) -> np.ndarray:
        """Which rows land on the right side of 0.5."""
        return (self.outputs() > 0.5) == (Y.reshape(-1) > 0.5)


def train(setup: Setup, seed: int) -> Run:
    """Build `setup` from `seed` and train it full batch with nn.fit.

    Besides training on its own loss, each epoch records mean((output - y)^2)
    of the forward pass that starts it, so both setups get one comparable curve."""
    model, optimizer = setup.build(seed)
    mse: list[float] = []
    losses: list[float] = []

    def loss_and_mse(pred: Tensor, target: np.ndarray) -> Tensor:
        mse.append(float(np.mean((pred.data - target) ** 2)))
        loss = setup.loss(pred, target)
        losses.append(loss.item())
        return loss

    start = time.perf_counter()
    nn.fit(model, X, Y, loss_and_mse, optimizer, setup.epochs, shuffle=False, progress=False)
    seconds = time.perf_counter() - start
    final = nn.evaluate(model, X)
    mse.append(float(np.mean((final - Y) ** 2)))
    losses.append(setup.loss(Tensor(final), Y).item())
    return Run(model, mse, seconds, losses)


def print_metric(run: Run, every: int) -> None:
    """The tutorial's metric mean((a2 - y)^2) every `every` epochs, as the tutorial prints it,
    then after the last epoch."""
    epochs = len(run.mse) - 1
    for epoch in range(0, epochs, every):
        print(f"   epoch {epoch:>6,}   mean((a2 - y)^2) = {run.mse[epoch]!r}")
    print(f"   after {epochs:>6,}   mean((a2 - y)^2) = {run.mse[epochs]!r}   ({run.seconds:.2f} s)")


def print_loss(run: Run, every: int, name: str) -> None:
    """The training loss (`name`) every `every` epochs, then after the last epoch."""
    epochs = len(run.losses) - 1
    for epoch in range(0, epochs, every):
        print(f"   epoch {epoch:>6,}   {name} = {run.losses[epoch]:.6f}")
    print(f"   after {epochs:>6,}   {name} = {run.losses[epochs]:.6f}   ({run.seconds:.2f} s)")


def print_predictions(tutorial: Run, ours: Run) -> None:
    """Input, target and both networks' outputs, each marked right or WRONG."""
    print("\nFinal outputs (class 1 when the output is above 0.5):")
    print("   x1  x2   target    tutorial         ours")
    marks = {True: "right", False: "WRONG"}
    rows = zip(X, Y.reshape(-1), tutorial.outputs(), tutorial.correct(), ours.outputs(), ours.correct())
    for (x1, x2), target, tut, tut_ok, our, our_ok in rows:
        row = f"   {x1:>2.0f}  {x2:>2.0f}   {target:>6.0f}"
        print(f"{row}    {tut:.3f} {marks[tut_ok]:<5}   {our:.3f} {marks[our_ok]}")
    print(f"   accuracy         {_percent(tutorial):>14}   {_percent(ours):>10}")


def _percent(run: Run) -> str:
    return f"{run.correct().mean():.0%}"


def success_rate(setup: Setup, seeds: int) -> int:
    """How many of seeds 0..seeds-1 train `setup` to 100% accuracy (a progress
    counter on stderr meanwhile, when it is a terminal)."""
    successes = 0
    with Counter(f"{setup.name} ({setup.epochs:,} epochs per seed)", seeds) as count:
        for seed in range(seeds):
            successes += bool(train(setup, seed).correct().all())
            count.step()
    return successes


def save_pictures(tutorial: Run, ours: Run, seed: int) -> None:
    """out/xor_loss.png (both mse curves) and out/xor_boundary.png (one panel per setup)."""
    tutorial_label = f"tutorial: 2-2-1 sigmoid, 0.5*MSE, SGD lr 0.1 (seed {TUTORIAL_SEED})"
    our_label = f"ours: 2-8-1 tanh/sigmoid, BCE, Adam lr 0.05 (seed {seed})"
    _plot.loss_curves(
        {tutorial_label: tutorial.mse, our_label: ours.mse},
        "xor_loss.png",
        "XOR: mean squared error at the start of each epoch",
        ylabel="mean((output - target)^2)",
        logx=True,
    )
    _plot.decision_boundaries(
        {
            f"tutorial after {TUTORIAL_EPOCHS:,} epochs: {_percent(tutorial)} right": _predictor(tutorial),
            f"ours after {OUR_EPOCHS} epochs: {_percent(ours)} right": _predictor(ours),
        },
        X,
        Y,
        "xor_boundary.png",
        "XOR: network output over the plane (black line: output 0.5)",
    )


def _predictor(run: Run) -> Callable[[np.ndarray], np.ndarray]:
    return lambda points: nn.evaluate(run.model, points)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.xor", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for our network's init (default 0)")
    parser.add_argument(
        "--success-rate",
        type=int,
        metavar="N",
        help="instead of the demo, count how many of seeds 0..N-1 reach 100%% accuracy, for both setups",
    )
    args = parser.parse_args(argv)
    if args.success_rate is not None:
        n = args.success_rate
        if n < 1:
            parser.error("--success-rate needs at least 1 seed")
        print(f"Success rate (100% accuracy after training) over seeds 0..{n - 1}:")
        start = time.perf_counter()
        for setup in (TUTORIAL, OURS):
            print(f"   {setup.name + f' ({setup.epochs:,} epochs):':<29} {success_rate(setup, n):>3}/{n}")
        print(f"   ({time.perf_counter() - start:.0f} s)")
        return

    print("XOR: inputs [[0,0],[0,1],[1,0],[1,1]], targets [0,1,1,0]\n")
    print(f"1. The tutorial: np.random.seed({TUTORIAL_SEED}); W1, b1, W2, b2 = rand(2,2), rand(1,2), ...")
    print("   2-2-1 sigmoid, loss 0.5*mean((a2 - y)^2), plain SGD lr 0.1, full batch, 10,000 epochs")
    tutorial = train(TUTORIAL, TUTORIAL_SEED)
    print_metric(tutorial, every=1000)

    print(f"\n2. Ours (--seed {args.seed}): 2-8-1, tanh hidden units, sigmoid output, Xavier init,")
    print(f"   binary cross-entropy, Adam lr 0.05, full batch, {OUR_EPOCHS} epochs")
    ours = train(OURS, args.seed)
    print_loss(ours, every=50, name="binary cross-entropy")

    print_predictions(tutorial, ours)
    print(
        "\nThe tutorial claims its network learns XOR. It does not: after 10,000 epochs its outputs\n"
        "are still close to 0.5 and [1, 1] is on the wrong side. Over 100 seeds its setup never\n"
        "learns XOR (0/100) and ours always does (100/100): python -m demos.xor --success-rate 100\n"
    )
    save_pictures(tutorial, ours, args.seed)


if __name__ == "__main__":
    main()
