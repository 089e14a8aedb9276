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
that only the collector frees (collected after the step).

tinygrad_lite also runs its step through ``compile_step`` (", compiled"),
plainly and in ``gc_paused()``: each training run compiles a fresh step, whose
first two calls trace the graph eagerly and the rest replay the tape (a few
NumPy ops per level of the graph). As each run here is only a few steps, its
time is mostly the tracing. So two more measurements: what the first, second
and third calls of a fresh compiled step cost against an eager step; and
("W4 replay") the time per step after warm-up, every implementation's network
made and stepped twice before timing (the compiled step then only replays),
its weights reset (untimed) before each timed run."""

from __future__ import annotations

import functools
import gc
import itertools
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks import scalar
from benchmarks.common import (
    COMPILED,
    HAND,
    MICROGRAD,
    TORCH,
    Result,
    Target,
    Train,
    available,
    measure,
    optional,
    pick,
    torch_sgd,
    tracing_cost,
)
from tinygrad_lite import Value, autograd, compile_step, gc_paused

LR = 0.01
TGL = "tinygrad_lite Value"
PAUSED = ", gc_paused()"
TGL_COMPILED = TGL + COMPILED


def data(sizes: list[int], points: int, seed: int = 0) -> tuple[scalar.Weights, np.ndarray, np.ndarray]:
    """Weights uniform in [-1, 1) (micrograd's init; biases too, so their
    gradients matter), inputs uniform in [-1, 1)**2, targets y = x0 * x1."""
    rng = np.random.default_rng(seed)
    weights = [(rng.uniform(-1, 1, (a, b)), rng.uniform(-1, 1, b)) for a, b in itertools.pairwise(sizes)]
    X = rng.uniform(-1, 1, (points, sizes[0]))
    return weights, X, X[:, 0] * X[:, 1]


def scalar_loss(net: scalar.Net, act: Callable[[Any], Any], X: np.ndarray, y: np.ndarray) -> Any:
    """The loss node of a scalar network on the points X, y (no backward, no update)."""
    acts = [act] * (len(net) - 1) + [None]
    rows = [list(map(float, x)) for x in X]
    return scalar.total([(scalar.forward(net, x, acts)[0] - float(t)) ** 2 for x, t in zip(rows, y)])


def scalar_step(
    net: scalar.Net, params: list[Any], act: Callable[[Any], Any], X: np.ndarray, y: np.ndarray
) -> Any:
    """One SGD step of a scalar network; returns the loss node (its graph still alive)."""
    loss = scalar_loss(net, act, X, y)
    loss.backward()
    scalar.sgd(params, LR)
    return loss


def compiled_stepper(weights: scalar.Weights, X: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    """A fresh Value network's SGD step through ``compile_step`` (returns the loss, a leaf)."""
    return compiled_stepper_of(scalar.value_net(weights), X, y)


def compiled_stepper_of(net: scalar.Net, X: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    """`net`'s SGD step through a new ``compile_step`` (returns the loss, a leaf)."""
    params = scalar.parameters(net)
    forward_backward = compile_step(lambda: scalar_loss(net, Value.tanh, X, y))

    def step() -> Any:
        loss = forward_backward()
        scalar.sgd(params, LR)
        return loss

    return step


def hand_step(Ws: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, y: np.ndarray) -> float:
    """One SGD step by hand (batched NumPy) on the weights `Ws`, updated in place; returns the loss."""
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


def torch_step(torch: Any, params: list[Any], x: Any, t: Any) -> Any:
    """One SGD step of the PyTorch network `params` (W1, b1, W2, ...); returns the loss tensor."""
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        h = torch.tanh(h) if i < len(params) - 2 else h
    loss = ((h[:, 0] - t) ** 2).sum()
    loss.backward()
    torch_sgd(torch, params, LR)
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
            loss = hand_step(Ws, X, y)
        return loss

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
        TGL_COMPILED: training(lambda: compiled_stepper(weights, X, y), steps, paused=False),
        TGL_COMPILED + PAUSED: training(lambda: compiled_stepper(weights, X, y), steps, paused=True),
        HAND: by_hand,
    }
    if torch is not None:

        def pytorch() -> float:
            params = [torch.tensor(a, requires_grad=True) for pair in weights for a in pair]
            x, t = torch.tensor(X), torch.tensor(y)
            for _ in range(steps):
                loss = torch_step(torch, params, x, t)
            return loss.item()

        impls[TORCH] = pytorch
    if MICROGRAD in steppers:
        impls[MICROGRAD] = training(steppers[MICROGRAD], steps, paused=False)
        impls[MICROGRAD + PAUSED] = training(steppers[MICROGRAD], steps, paused=True)
    return impls, notes, steppers


def replay_implementations(
    sizes: list[int], points: int, steps: int, warmup: int = 2
) -> tuple[dict[str, Train], dict[str, Callable[[], None]], list[str]]:
    """For the time per step after warm-up: per implementation a network made
    once and trained `warmup` steps (a compiled step has then traced twice and
    only replays from there on), a callable training it `steps` steps and
    returning the last loss, and a reset of its weights (and gradients) to the
    initial ones, to run untimed before each call so that every call trains
    from the same weights. Returns the callables, the resets and the notes."""
    weights, X, y = data(sizes, points)
    impls: dict[str, Train] = {}
    resets: dict[str, Callable[[], None]] = {}

    def add(
        name: str,
        step: Callable[[], Any],
        reset: Callable[[], None],
        number: Callable[[Any], float],
        paused: bool = False,
    ) -> None:
        def train() -> float:
            for _ in range(steps):
                if paused:
                    with gc_paused():
                        loss = step()
                else:
                    loss = step()
            return number(loss)

        for _ in range(warmup):
            step()
        impls[name], resets[name] = train, reset

    def scalar_reset(params: list[Any]) -> Callable[[], None]:
        initial = [p.data for p in params]

        def reset() -> None:
            for p, v in zip(params, initial):
                p.data = v
                p.grad = 0.0

        return reset

    def data_of(loss: Any) -> float:
        return loss.data

    net = scalar.value_net(weights)
    params = scalar.parameters(net)
    add(TGL_COMPILED, compiled_stepper_of(net, X, y), scalar_reset(params), data_of)

    Ws = [(W.copy(), b.copy()) for W, b in weights]

    def hand_reset() -> None:
        for (W, b), (W0, b0) in zip(Ws, weights):
            W[...], b[...] = W0, b0

    add(HAND, functools.partial(hand_step, Ws, X, y), hand_reset, float)
    notes = []
    torch = available("torch", notes)
    if torch is not None:
        tensors = [torch.tensor(a, requires_grad=True) for pair in weights for a in pair]
        initial = [t.detach().clone() for t in tensors]

        def torch_reset() -> None:
            with torch.no_grad():
                for t, t0 in zip(tensors, initial):
                    t.copy_(t0)
                    t.grad = None

        step = functools.partial(torch_step, torch, tensors, torch.tensor(X), torch.tensor(y))
        add(TORCH, step, torch_reset, lambda loss: loss.item())
    return impls, resets, notes


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
    weights, X, y = data(sizes, points)
    compiled = compiled_stepper(weights, X, y)
    compiled()  # the first trace: peak_memory then steps once more (the second) and measures a replay
    memory[TGL_COMPILED] = peak_memory(compiled)
    result.extra = {"nodes_per_step": nodes, "peak_bytes_per_step": memory}
    result.notes += [
        f"{name}: {nodes[name]:,} nodes, peak {memory[name] / 1e6:.2f} MB per step" for name in nodes
    ]
    result.notes.append(f"{TGL_COMPILED}: peak {memory[TGL_COMPILED] / 1e6:.2f} MB per replayed step")
    tracing_cost(result, steppers[TGL], lambda: compiled_stepper(weights, X, y), pick(mode, 5, 3, 1), limit=3)
    result.target_faster("W4: Value at least 10x faster than micrograd", TGL, MICROGRAD, 10)
    result.target_faster("W4: the same, each step in gc_paused()", TGL + PAUSED, MICROGRAD, 10)
    if MICROGRAD in result.seconds:
        share = memory[TGL] / memory[MICROGRAD]
        result.targets.append(
            Target("W4: Value peak memory at most 40% of micrograd's", f"{share:.0%}", share <= 0.4)
        )
    replay = run_replay(mode, sizes, points)
    if MICROGRAD in result.seconds and TGL_COMPILED in replay.seconds:
        step = replay.seconds[TGL_COMPILED]
        speedup = result.seconds[MICROGRAD] / step
        replay.targets.insert(
            0,
            Target(
                "W4 compiled: at least 300x faster than micrograd (micrograd's step above)",
                f"{speedup:.0f}x faster",
                speedup >= 300,
            ),
        )
        faster = [
            f"{speedup:.0f}x faster than micrograd's step in the table above",
            f"{result.seconds[MICROGRAD + PAUSED] / step:.0f}x than micrograd's in gc_paused()",
            f"{result.seconds[TGL + PAUSED] / step:.0f}x than the eager Value step in gc_paused()",
        ]
        if TORCH in result.seconds:
            faster.append(f"{result.seconds[TORCH] / step:.1f}x than PyTorch's above (its default threads)")
        replay.notes.append(f"{TGL_COMPILED}: " + ", ".join(faster))
    return [result, replay]


def run_replay(mode: str, sizes: list[int], points: int) -> Result:
    """W4 replay: the time per step after warm-up (`replay_implementations`) of
    the compiled step, by hand and PyTorch, 8 steps back to back per timed
    run (the eager engines, at tens of milliseconds a step, are in the main
    table: they have no warm-up to leave out), and its targets. The objects
    alive before timing (modules, PyTorch's many among them, the networks)
    are frozen (``gc.freeze()``), so that a garbage collection walks only what
    the training made, as in a process without PyTorch. PyTorch runs on one
    thread here, its fastest on arrays this small (the main table keeps its
    default)."""
    steps = pick(mode, 8, 8, 2)  # (the loss grows from step to step at this rate: more would overflow)
    impls, resets, notes = replay_implementations(sizes, points, steps)
    torch = optional("torch")
    threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
        notes.append(f"PyTorch runs on 1 thread here (its default, in the table above: {threads})")
    notes.append("objects alive before timing are frozen (gc.freeze()): collections walk only the training's")
    gc.collect()
    gc.freeze()
    try:
        result = measure(
            "W4 replay",
            f"W4 the same, per step after warm-up: each network made and stepped twice before timing "
            f"(a compiled step only replays after that), weights reset untimed before each run of "
            f"{steps} steps",
            impls,
            steps=steps,
            repeats=pick(mode, 7, 5, 1),
            rtol=1e-9,
            notes=notes,
            before=resets,
        )
    finally:
        gc.unfreeze()
        if torch is not None:
            torch.set_num_threads(threads)
    result.target_at_most(
        "W4 compiled: no slower than PyTorch's step (after warm-up)", TGL_COMPILED, TORCH, 1.0
    )
    return result
