"""W4 scalar MLP(2, [16, 16, 1]), float64: micrograd's network shape with tanh
hidden layers and a linear output, on 32 points,

    o_k = W3^T tanh(W2^T tanh(W1^T x_k + b1) + b2) + b3,  L = sum_k (o_k - y_k)**2,

then SGD p = p - 0.01 dL/dp: one step is forward + backward + update. The
scalar engines build every multiply, add and tanh as its own node (about 30,000
per step); by hand (batched NumPy): dL/do = 2(o - y), and through each layer
dz = (dL/dh)(1 - h**2), dW = input^T dz, db = sum(dz), dL/dinput = dz W^T.
Also reported: graph nodes per step and the peak memory of one step
(tracemalloc, in a separate untimed run).

Both scalar engines run twice: as a plain training loop, and with each step
inside ``gc_paused()`` (Python's cyclic garbage collector paused while the
graph is built and differentiated). Every collection during a step walks the
whole live graph; tinygrad_lite's nodes hold no reference cycles, so pausing
costs nothing in memory, while micrograd's closures make a cycle per node
that only the collector frees (collected after the step)."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks import scalar
from benchmarks.common import (
    HAND,
    MICROGRAD,
    TORCH,
    Result,
    Target,
    Train,
    available,
    measure,
    pick,
    torch_sgd,
)
from tinygrad_lite import Value, autograd, gc_paused

LR = 0.01
TGL = "tinygrad_lite Value"
PAUSED = ", gc_paused()"


def data(sizes: list[int], points: int, seed: int = 0) -> tuple[scalar.Weights, np.ndarray, np.ndarray]:
    """Weights uniform in [-1, 1) (micrograd's init; biases too, so their
    gradients matter), inputs uniform in [-1, 1)**2, targets y = x0 * x1."""
    rng = np.random.default_rng(seed)
    weights = [(rng.uniform(-1, 1, (a, b)), rng.uniform(-1, 1, b)) for a, b in itertools.pairwise(sizes)]
    X = rng.uniform(-1, 1, (points, sizes[0]))
    return weights, X, X[:, 0] * X[:, 1]


def scalar_step(
    net: scalar.Net, params: list[Any], act: Callable[[Any], Any], X: np.ndarray, y: np.ndarray
) -> Any:
    """One SGD step of a scalar network; returns the loss node (its graph still alive)."""
    acts = [act] * (len(net) - 1) + [None]
    rows = [list(map(float, x)) for x in X]
    loss = scalar.total([(scalar.forward(net, x, acts)[0] - float(t)) ** 2 for x, t in zip(rows, y)])
    loss.backward()
    scalar.sgd(params, LR)
    return loss


def implementations(
    sizes: list[int], points: int, steps: int
) -> tuple[dict[str, Train], list[str], dict[str, Callable[[], Callable[[], Any]]]]:
    """Callables training `steps` steps from the same weights (returning the last
    loss), the notes, and per scalar engine a maker of a fresh network's `step`
    (one SGD step returning the loss node), for the node count and memory."""
    weights, X, y = data(sizes, points)

    def tgl_stepper() -> Callable[[], Any]:
        net = scalar.value_net(weights)
        params = scalar.parameters(net)
        return lambda: scalar_step(net, params, Value.tanh, X, y)

    def by_hand() -> float:
        Ws = [(W.copy(), b.copy()) for W, b in weights]
        for _ in range(steps):
            hs = [X]
            for i, (W, b) in enumerate(Ws):
                z = hs[-1] @ W + b
                hs.append(z if i == len(Ws) - 1 else np.tanh(z))
            d = hs[-1][:, 0] - y
            loss = d @ d
            dz = 2 * d[:, None]
            for i in reversed(range(len(Ws))):
                W, b = Ws[i]
                dh = dz @ W.T
                W -= LR * (hs[i].T @ dz)
                b -= LR * dz.sum(axis=0)
                dz = dh * (1 - hs[i] * hs[i])
        return float(loss)

    steppers: dict[str, Callable[[], Callable[[], Any]]] = {TGL: tgl_stepper}
    notes = []
    torch = available("torch", notes)
    if available("micrograd", notes) is not None:

        def micrograd_stepper() -> Callable[[], Any]:
            model, net = scalar.micrograd_net(weights)
            params = model.parameters()
            return lambda: scalar_step(net, params, scalar.micrograd_tanh, X, y)

        steppers[MICROGRAD] = micrograd_stepper
    impls: dict[str, Train] = {
        TGL: training(tgl_stepper, steps, paused=False),
        TGL + PAUSED: training(tgl_stepper, steps, paused=True),
        HAND: by_hand,
    }
    if torch is not None:

        def pytorch() -> float:
            params = [torch.tensor(a, requires_grad=True) for pair in weights for a in pair]
            x, t = torch.tensor(X), torch.tensor(y)
            for _ in range(steps):
                h = x
                for i in range(0, len(params), 2):
                    h = h @ params[i] + params[i + 1]
                    h = torch.tanh(h) if i < len(params) - 2 else h
                loss = ((h[:, 0] - t) ** 2).sum()
                loss.backward()
                torch_sgd(torch, params, LR)
            return loss.item()

        impls[TORCH] = pytorch
    if MICROGRAD in steppers:
        impls[MICROGRAD] = training(steppers[MICROGRAD], steps, paused=False)
        impls[MICROGRAD + PAUSED] = training(steppers[MICROGRAD], steps, paused=True)
    return impls, notes, steppers


def training(make: Callable[[], Callable[[], Any]], steps: int, paused: bool) -> Train:
    """Train a fresh network `steps` steps (each inside ``gc_paused()`` when
    `paused`) and return the last loss."""

    def train() -> float:
        step = make()
        for _ in range(steps):
            if paused:
                with gc_paused():
                    loss = step()
            else:
                loss = step()
        return loss.data

    return train


def count_nodes(name: str, loss: Any) -> int:
    """Nodes of the graph behind `loss`: operations, parameters and constants."""
    if name == TGL:
        return len(autograd.topological_order(loss, include_constants=True))
    return scalar.micrograd_nodes(loss)


def peak_memory(step: Callable[[], Any]) -> int:
    """Peak bytes allocated during one `step` (graph building, backward, update)
    beyond what was allocated before it, by tracemalloc."""
    step()  # warm up: first-call allocations are not the step's
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def run(mode: str) -> list[Result]:
    """W4: time per step, nodes and peak memory per step, and the targets."""
    sizes = pick(mode, [2, 16, 16, 1], [2, 16, 16, 1], [2, 4, 4, 1])
    points = pick(mode, 32, 32, 4)
    steps = pick(mode, 3, 1, 2)
    impls, notes, steppers = implementations(sizes, points, steps)
    result = measure(
        "W4",
        f"W4 scalar MLP({sizes[0]}, {sizes[1:]}) tanh, squared loss summed over {points} points, "
        f"SGD lr 0.01, {steps} step{'s' if steps > 1 else ''}",
        impls,
        steps=steps,
        repeats=pick(mode, 5, 3, 1),
        rtol=1e-9,
        notes=notes,
    )
    nodes = {name: count_nodes(name, make()()) for name, make in steppers.items()}
    memory = {name: peak_memory(make()) for name, make in steppers.items()}
    result.extra = {"nodes_per_step": nodes, "peak_bytes_per_step": memory}
    result.notes += [
        f"{name}: {nodes[name]:,} nodes, peak {memory[name] / 1e6:.2f} MB per step" for name in nodes
    ]
    result.target_faster("W4: Value at least 10x faster than micrograd", TGL, MICROGRAD, 10)
    result.target_faster("W4: the same, each step in gc_paused()", TGL + PAUSED, MICROGRAD, 10)
    if MICROGRAD in result.seconds:
        share = memory[TGL] / memory[MICROGRAD]
        result.targets.append(
            Target("W4: Value peak memory at most 40% of micrograd's", f"{share:.0%}", share <= 0.4)
        )
    return [result]
