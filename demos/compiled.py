"""micrograd's moons demo trained twice, eagerly and with compile_step: the same losses, many times faster.

Run ``python -m demos.compiled``. The network is the one micrograd's own demo
trains: an MLP(2, [16, 16, 1]) of scalar `Value`s (ReLU hidden neurons, a
linear output, weights uniform in [-1, 1), biases 0; 337 parameters) on 100
points of two moons with labels -1 and 1, with micrograd's loss

    L = mean_k relu(1 - y_k * score_k)  +  1e-4 * sum_p p**2

(a max-margin "SVM" loss plus L2 regularization), full batch, and SGD with
learning rate 1.0 - 0.9 k / 100 at step k (k = 0..99; k / N with --steps N).

One step builds a graph of about 66,000 scalar nodes. Eagerly, Python makes
and differentiates every one of them on every step. ``step =
compile_step(loss)`` runs the same function eagerly on its first two calls
(tracing it, then checking the second call builds the same graph), and from
the third call on replays a compiled tape: the nodes of each "level" that
apply the same op run as one NumPy array op, forward and backward, and the
gradients land in each parameter's ``.grad`` as ``loss.backward()`` puts them.

The demo trains the network from the same initial weights both ways: eagerly
for the first ``--eager-steps`` steps (10 by default; all 100 take some 8 s),
compiled for all ``--steps``, each step timed inside ``gc_paused()``, the
fast way to run big Value graphs eagerly (see the README). It prints the loss of each step both
ways and checks they agree (to 1e-9, relative), the time per step both ways
and how many times faster the compiled step is (measured in this run), and
the accuracy, which reaches 100% as micrograd's demo does; then the first
line of ``step.tape()``, the compiled tape (all of it with ``--tape``). The
picture out/compiled_moons.png shows the decision boundary, the losses and
the time per step.

Accuracy is computed outside the step, from the scores it returns: a step
that reads a node's value in Python (``.data``, ``if score > 0``) cannot be
replayed, and compile_step refuses it with a CompileError.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import nn
from demos import _plot
from tinygrad_lite import Value, compile_step, gc_paused

POINTS = 100  # micrograd's demo: make_moons(n_samples=100, noise=0.1)
NOISE = 0.1
ALPHA = 1e-4  # weight of the L2 regularization
TOLERANCE = 1e-9  # the largest relative difference allowed between eager and compiled losses
PICTURE = "compiled_moons.png"


# -- micrograd's network, made of Values ----------------------------------------------
class Neuron:
    """relu(w . x + b) (or w . x + b, when `linear`), from `nin` Values."""

    def __init__(self, nin: int, rng: np.random.Generator, linear: bool) -> None:
        self.w = [Value(w) for w in rng.uniform(-1, 1, nin)]
        self.b = Value(0.0)
        self.linear = linear

    def __call__(self, x: list[Value]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act if self.linear else act.relu()

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Layer:
    def __init__(self, nin: int, nout: int, rng: np.random.Generator, linear: bool) -> None:
        self.neurons = [Neuron(nin, rng, linear) for _ in range(nout)]

    def __call__(self, x: list[Value]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    """micrograd's MLP: ReLU layers, then a linear last layer of one neuron."""

    def __init__(self, nin: int, nouts: list[int], rng: np.random.Generator) -> None:
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng, linear=i == len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: list[Value]) -> Value:
        for layer in self.layers:
            x = layer(x)
        return x[0]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def numpy_scores(self, points: np.ndarray) -> np.ndarray:
        """The same network's scores for many points at once, in plain NumPy from
        the weights' values (for the picture: 22,500 points would be 14 million
        Value nodes)."""
        h = points
        for layer in self.layers:
            W = np.array([[w.data for w in n.w] for n in layer.neurons]).T  # (nin, nout)
            b = np.array([n.b.data for n in layer.neurons])
            h = h @ W + b
            if not layer.neurons[0].linear:
                h = np.maximum(h, 0.0)
        return h[:, 0]


def make_loss(model: MLP) -> Callable[[list[Any], list[Any]], tuple[Value, list[Value]]]:
    """micrograd's loss of `model` on the points X (rows of 2 Values) with labels
    y (Values, -1 or 1): the step both trainings run. It returns the loss and the
    scores, so that accuracy can be measured outside it."""

    def svm_loss(X: list[Any], y: list[Any]) -> tuple[Value, list[Value]]:
        scores = [model(x) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss, scores

    return svm_loss


# -- training ---------------------------------------------------------------------------
class Run:
    """What one training recorded, per step: loss, accuracy (from the step's
    scores, before its update), seconds (forward, backward and update)."""

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.accuracies: list[float] = []
        self.seconds: list[float] = []


def train(
    model: MLP,
    forward_backward: Callable[[], tuple[Value, list[Value]]],
    labels: list[float],
    steps: int,
    total_steps: int,
) -> Run:
    """`steps` steps of micrograd's SGD; `forward_backward` returns (loss, scores)
    with dL/dp added into each parameter's grad. Each step runs in `gc_paused()`,
    as the README advises for big Value graphs (the fair way to time eager)."""
    run = Run()
    params = model.parameters()
    for k in range(steps):
        start = time.perf_counter()
        with gc_paused():
            loss, scores = forward_backward()
            lr = 1.0 - 0.9 * k / total_steps
            for p in params:
                p.data -= lr * p.grad
                p.grad = 0.0
        run.seconds.append(time.perf_counter() - start)
        run.losses.append(loss.data)
        run.accuracies.append(np.mean([(yi > 0) == (s.data > 0) for yi, s in zip(labels, scores)]))
    return run


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def median_of(n: int, what: str) -> str:
    return f"median of {n} {what}s" if n > 1 else f"one {what}"


def report(eager: Run, compiled: Run, total_steps: int) -> bool:
    """Print both runs side by side and the comparison; True if the losses agree."""
    both = len(eager.losses)
    shown = sorted({*range(1, max(both, 3) + 1), *range(10, total_steps + 1, 10), total_steps})
    losses = f"{'loss (eager)':>19}  {'loss (compiled)':>19}"
    print(f"{'step':>4}  {losses}  {'accuracy':>8}  {'eager':>9}  {'compiled':>9}")
    for s in (s for s in shown if s <= total_steps):
        k = s - 1
        eager_loss = f"{eager.losses[k]:.16f}" if k < both else ""
        eager_time = ms(eager.seconds[k]) if k < both else ""
        how = {0: "  (traced)", 1: "  (traced again, checked)"}.get(k, "  (replayed)")
        print(
            f"{s:>4}  {eager_loss:>19}  {compiled.losses[k]:>19.16f}  {compiled.accuracies[k]:>8.0%}  "
            f"{eager_time:>9}  {ms(compiled.seconds[k]):>9}{how}"
        )

    differences = [abs(a - b) / abs(b) for a, b in zip(eager.losses, compiled.losses)]
    worst = max(differences)
    agree = worst <= TOLERANCE
    verdict = "agree" if agree else "DO NOT AGREE"
    print(
        f"\nlosses {verdict} on steps 1-{both}: largest relative difference {worst:.3g} "
        f"(at most {TOLERANCE:g} allowed)"
    )
    eager_step = statistics.median(eager.seconds)
    replay_step = statistics.median(compiled.seconds[2:])
    print(f"eager:    {ms(eager_step)} per step ({median_of(both, 'step')})")
    print(
        f"compiled: {ms(replay_step)} per step ({median_of(total_steps - 2, 'replay')}); "
        f"the two traced calls took {ms(compiled.seconds[0])} and {ms(compiled.seconds[1])}"
    )
    print(f"compiled is {eager_step / replay_step:.0f}x faster than eager per step")
    whole = sum(compiled.seconds)
    print(
        f"all {total_steps} steps: {whole:.2f} s compiled, tracing included; "
        f"about {eager_step * total_steps:.1f} s eagerly at {ms(eager_step)} a step"
    )
    return agree


# -- the picture -------------------------------------------------------------------------
def picture(model: MLP, X: np.ndarray, y: np.ndarray, eager: Run, compiled: Run, seed: int) -> None:
    plt = _plot.pyplot(PICTURE)
    if plt is None:
        return
    from matplotlib import ticker

    steps = len(compiled.losses)
    fig, (ax, ax_loss, ax_time) = plt.subplots(
        1, 3, figsize=(16, 5), layout="constrained", gridspec_kw={"width_ratios": [1.15, 1, 1]}
    )

    # the decision boundary: the final network's score over the plane
    lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    xs, ys = np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    scores = model.numpy_scores(grid).reshape(len(ys), len(xs))
    filled = ax.contourf(
        xs, ys, np.clip(scores, -3, 3), levels=np.linspace(-3, 3, 13), cmap="RdBu_r", alpha=0.75
    )
    ax.contour(xs, ys, scores, levels=[0], colors="k", linewidths=2)
    ax.contour(xs, ys, scores, levels=[-1, 1], colors="k", linewidths=1, linestyles="--")
    ax.scatter(*X.T, c="k", s=80, linewidths=0)  # a black rim, so each dot shows on its own colour
    ax.scatter(*X.T, c=y, cmap="RdBu_r", vmin=-1, vmax=1, edgecolors="white", s=40, linewidths=1)
    accuracy = np.mean((model.numpy_scores(X) > 0) == (y > 0))
    ax.set(
        title=f"after {steps} compiled steps: accuracy {accuracy:.0%}",
        xlabel="x1",
        ylabel="x2",
        aspect="equal",
    )
    fig.colorbar(filled, ax=ax, label="score (clipped to ±3)", shrink=0.8)
    key = [
        plt.Line2D([], [], ls="", marker="o", markersize=8, markerfacecolor=plt.get_cmap("RdBu_r")(v),
                   markeredgecolor="white", label=f"label {label}")
        for v, label in ((0.0, -1), (1.0, 1))
    ]  # fmt: skip
    key += [
        plt.Line2D([], [], color="k", lw=2, label="score 0: the boundary"),
        plt.Line2D([], [], color="k", lw=1, ls="--", label="score ±1: the margin"),
    ]
    ax.legend(handles=key, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, frameon=False)

    # the losses: the eager steps on top of the compiled curve
    eager_steps = np.arange(1, len(eager.losses) + 1)
    ax_loss.plot(np.arange(1, steps + 1), compiled.losses, color="tab:blue", lw=2, label="compiled")
    ax_loss.plot(eager_steps, eager.losses, "o", color="tab:orange", mfc="none", ms=7, mew=1.5,
                 label=f"eager (steps 1-{len(eager.losses)})")  # fmt: skip
    ax_loss.set_yscale("log")
    ax_loss.set(title="the same loss at every step both ran", xlabel="step", ylabel="loss (SVM + L2)")
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, frameon=False)

    # the time per step
    compiled_ms = np.array(compiled.seconds) * 1e3
    ax_time.plot(np.arange(1, steps + 1), compiled_ms, ".-", color="tab:blue", label="compiled")
    ax_time.plot(eager_steps, np.array(eager.seconds) * 1e3, "o", color="tab:orange",
                 label=f"eager (steps 1-{len(eager.losses)})")  # fmt: skip
    ax_time.annotate("steps 1-2: traced (eager)", (2, compiled_ms[1]), xytext=(12, 0),
                     textcoords="offset points", va="center", fontsize=9)  # fmt: skip
    ax_time.annotate("steps 3 on: the tape replayed", (steps / 2, np.median(compiled_ms[2:])), xytext=(0, 10),
                     textcoords="offset points", ha="center", fontsize=9)  # fmt: skip
    ax_time.set_yscale("log")
    speedup = statistics.median(eager.seconds) / statistics.median(compiled.seconds[2:])
    ax_time.set(
        title=f"time per step: compiled {speedup:.0f}x faster", xlabel="step", ylabel="ms (log scale)"
    )
    ax_time.grid(alpha=0.3)
    for axis in (ax_loss.yaxis, ax_time.yaxis):  # plain numbers at 1, 2, 5 x 10^n, not powers of ten
        axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())
    ax_time.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, frameon=False)

    fig.suptitle(
        f"micrograd's MLP(2, [16, 16, 1]) of Values on {POINTS} moons (seed {seed}), eager and compile_step"
    )
    fig.get_layout_engine().set(wspace=0.08)  # room between the colour bar and the loss axis
    _plot.save(fig, PICTURE)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.compiled",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--steps", type=int, default=100, help="compiled training steps, at least 3 (default 100)"
    )
    parser.add_argument(
        "--eager-steps",
        type=int,
        default=10,
        help="eager training steps, at least 1 (default 10; about 0.2 s each)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for the moons and the initial weights (default 0)"
    )
    parser.add_argument("--tape", action="store_true", help="print the compiled tape (step.tape())")
    args = parser.parse_args(argv)
    if args.steps < 3:
        parser.error("--steps must be at least 3: calls 1 and 2 trace, replays start at the third")
    if args.eager_steps < 1:
        parser.error("--eager-steps must be at least 1")
    eager_steps = min(args.eager_steps, args.steps)

    X, labels01 = nn.datasets.moons(POINTS, noise=NOISE, rng=args.seed)
    y = labels01[:, 0] * 2 - 1  # labels -1 and 1, as micrograd's demo
    rows, labels = X.tolist(), y.tolist()
    model = MLP(2, [16, 16, 1], np.random.default_rng(args.seed))
    start = [p.data for p in model.parameters()]
    loss = make_loss(model)
    print(f"MLP(2, [16, 16, 1]) of Values, {len(start)} parameters; {POINTS} moons (seed {args.seed})")

    def eager_step() -> tuple[Value, list[Value]]:
        # The data as Values that need no gradient: what compile_step makes of numbers.
        Xv = [[Value(v, requires_grad=False) for v in row] for row in rows]
        yv = [Value(v, requires_grad=False) for v in labels]
        total, scores = loss(Xv, yv)
        total.backward()
        return total, scores

    eager = train(model, eager_step, labels, eager_steps, args.steps)
    eager_end = [p.data for p in model.parameters()]

    for p, value in zip(model.parameters(), start):  # the same initial weights again
        p.data, p.grad = value, 0.0
    step = compile_step(loss)
    compiled = train(model, lambda: step(rows, labels), labels, args.steps, args.steps)
    print(f"eager {eager_steps} steps, compiled {args.steps} steps, from the same initial weights\n")

    agree = report(eager, compiled, args.steps)
    if eager_steps == args.steps:
        gap = max(abs(a - p.data) for a, p in zip(eager_end, model.parameters()))
        print(f"final weights, eager against compiled: largest difference {gap:.3g}")
    final = np.mean((model.numpy_scores(X) > 0) == (y > 0))
    print(
        f"after {args.steps} steps: loss {compiled.losses[-1]:.4f} (before the last update), "
        f"accuracy {final:.0%} with the final weights"
    )
    print(f"the step: {step!r}")
    if args.tape:
        print(f"\nstep.tape():\n{step.tape()}")
    else:
        print(f"the tape: {step.tape().splitlines()[0]} (--tape prints it all)")
    picture(model, X, y, eager, compiled, args.seed)
    if not agree:
        raise SystemExit("the eager and compiled losses differ: compile_step computed something else")


if __name__ == "__main__":
    main()
