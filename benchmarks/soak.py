"""Memory over long training: ``python -m benchmarks.soak [--steps N]``.

Two small models train for N steps each (100,000 by default), and memory is
read at step 1,000, at every tenfold step after it, and at step N:

- Tensor + nn: ``MLP(2, [8, 1])``, tanh then sigmoid, binary cross-entropy,
  Adam (lr 0.01), full-batch XOR;
- Value: a tanh neuron fitted to XOR's four rows by squared error, plain
  gradient descent (lr 0.1), one graph of about 30 nodes a step.

Memory is the bytes tracemalloc traces (every Python and NumPy allocation
still alive) and the process's resident set size. The cyclic garbage
collector is off during the run, so anything a step leaves behind stays
visible: the graph of a step must be freed by reference counting alone, as
soon as the step's last reference to it goes. This is not a timing: it
takes about a minute for 100,000 steps (tracemalloc slows allocation).
"""

from __future__ import annotations

import argparse
import gc
import os
import tracemalloc
from collections.abc import Callable

import numpy as np

import nn
from tinygrad_lite import Tensor, Value

Step = Callable[[], None]


def tensor_step() -> Step:
    """One Adam step of an ``MLP(2, [8, 1])`` on XOR per call."""
    X, Y = nn.datasets.xor()
    model = nn.MLP(2, [8, 1], "tanh", "sigmoid", rng=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    x, y = Tensor(X), Tensor(Y)

    def step() -> None:
        opt.zero_grad()
        loss = nn.binary_cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def value_step() -> Step:
    """One gradient-descent step of a scalar tanh neuron on XOR per call."""
    w = [Value(float(v)) for v in np.random.default_rng(0).uniform(-1, 1, 3)]
    rows = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]

    def step() -> None:
        loss = sum(((w[0] * a + w[1] * b + w[2]).tanh() - t) ** 2 for (a, b), t in rows)
        loss.backward()
        for p in w:
            p.data -= 0.1 * p.grad
            p.grad = 0.0

    return step


def rss() -> int:
    """The resident set size of this process in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def memory_curve(step: Step, checkpoints: list[int]) -> dict[int, tuple[int, int]]:
    """Run `step` up to the largest checkpoint; at each checkpoint, the bytes
    traced by tracemalloc and the RSS, with the cyclic collector off."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    readings = {}
    try:
        done = 0
        for checkpoint in sorted(checkpoints):
            for _ in range(checkpoint - done):
                step()
            done = checkpoint
            readings[checkpoint] = (tracemalloc.get_traced_memory()[0], rss())
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    return readings


def checkpoints(steps: int) -> list[int]:
    """1,000, 10,000, ... below `steps`, then `steps` itself."""
    points = [1_000]
    while points[-1] * 10 < steps:
        points.append(points[-1] * 10)
    return sorted({*points, steps})


def report(name: str, readings: dict[int, tuple[int, int]]) -> str:
    first = min(readings)
    lines = [f"{name}", f"  {'step':>9}  {'traced':>12}  {'vs step ' + format(first, ','):>16}  {'RSS':>9}"]
    for step, (traced, resident) in readings.items():
        growth = traced - readings[first][0]
        lines.append(f"  {step:>9,}  {traced:>10,} B  {growth:>+14,} B  {resident / 2**20:>6.1f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000, help="steps per model (at least 1,000)")
    args = parser.parse_args(argv)
    if args.steps < 1_000:
        parser.error(f"--steps must be at least 1,000 (the first reading), got {args.steps}")
    for name, make in (
        ("Tensor + nn: MLP(2, [8, 1]), Adam", tensor_step),
        ("Value: tanh neuron", value_step),
    ):
        print(report(name, memory_curve(make(), checkpoints(args.steps))), flush=True)


if __name__ == "__main__":
    main()
