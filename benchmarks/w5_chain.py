"""W5 a deep scalar chain: from x = 0.5, n/2 times y = y * 1.0001 + 0.001
(n operation nodes), then backward for dy/dx = 1.0001**(n/2).

A graph n nodes deep must be walked without recursion (micrograd's recursive
topological sort raises RecursionError) and in time linear in n: the same
chain is run with 100,000 and 10,000 ops. By hand (plain Python floats): the
floats forward, storing each op's local derivative (1.0001 for the multiply,
1 for the add), then the chain rule backward, grad = local * grad, in reverse.
PyTorch builds the same chain from 0-d float64 tensors. One "step" is the
whole chain, forward and backward. tinygrad_lite runs it twice: as written,
and inside ``gc_paused()`` (no cyclic garbage collection while the chain is
built: each collection walks the whole live chain, so their cost grows
faster than the chain).

tinygrad_lite also runs the chain through ``compile_step`` (x given as its
argument): a fresh compiled step's first call, which traces the chain as it
builds it, and the replays of one compiled step, traced twice before timing
(a replay is one NumPy op per level of the graph, and every node of a chain
is a level of its own, so replaying it is not expected to be faster)."""

from __future__ import annotations

import time

from benchmarks.common import (
    COMPILED,
    MICROGRAD,
    TORCH,
    Result,
    Target,
    Train,
    available,
    measure,
    ms,
    pick,
)
from tinygrad_lite import Value, compile_step, gc_paused

HAND = "Python floats by hand"
TGL = "tinygrad_lite Value"
PAUSED = TGL + ", gc_paused()"
FIRST_CALL = TGL + COMPILED + ": 1st call"
REPLAY = TGL + COMPILED + ": replays"


def implementations(ops: int, traced: dict[str, float] | None = None) -> tuple[dict[str, Train], list[str]]:
    """Callables building the `ops`-node chain and returning dy/dx. With
    `traced`, the compiled ones instead (and eager in gc_paused(), and by hand,
    to compare): the compiled step that `REPLAY` replays traces on that
    callable's first call (the check, untimed); the seconds of its two tracing
    calls go into `traced`."""
    half = ops // 2

    def chain(x: Value) -> Value:
        y = x
        for _ in range(half):
            y = y * 1.0001 + 0.001
        return y

    def tgl_compiled_first_call() -> float:
        x = Value(0.5)
        compile_step(chain)(x)
        return x.grad

    replayed = compile_step(chain)

    def tgl_compiled_replay() -> float:
        while replayed.traces < 2:  # the first call only: trace twice
            start = time.perf_counter()
            replayed(Value(0.5))
            if traced is not None:
                traced[f"call {replayed.traces}"] = time.perf_counter() - start
        x = Value(0.5)
        replayed(x)
        return x.grad

    def tgl() -> float:
        x = Value(0.5)
        y = x
        for _ in range(half):
            y = y * 1.0001 + 0.001
        y.backward()
        return x.grad

    def tgl_paused() -> float:
        with gc_paused():
            return tgl()

    def by_hand() -> float:
        y = 0.5
        local = []
        for _ in range(half):
            local.append(1.0001)  # d(y * 1.0001)/dy
            y = y * 1.0001
            local.append(1.0)  # d(y + 0.001)/dy
            y = y + 0.001
        grad = 1.0
        for d in reversed(local):
            grad = d * grad
        return grad

    impls: dict[str, Train] = {TGL: tgl, PAUSED: tgl_paused, HAND: by_hand}
    if (
        traced is not None
    ):  # the compiled rows: a table of their own (their tapes, alive, would slow the rest)
        impls = {
            PAUSED: tgl_paused,
            FIRST_CALL: tgl_compiled_first_call,
            REPLAY: tgl_compiled_replay,
            HAND: by_hand,
        }
        return impls, []
    notes = []
    torch = available("torch", notes)
    if torch is not None:

        def pytorch() -> float:
            x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            y = x
            for _ in range(half):
                y = y * 1.0001 + 0.001
            y.backward()
            return x.grad.item()

        impls[TORCH] = pytorch
    mg = available("micrograd.engine", notes)
    if mg is not None:

        def micrograd() -> float:
            x = mg.Value(0.5)
            y = x
            for _ in range(half):
                y = y * 1.0001 + 0.001
            y.backward()
            return x.grad

        impls[MICROGRAD] = micrograd
    return impls, notes


def run(mode: str) -> list[Result]:
    """W5 at 100,000 and at 10,000 ops, and the targets (completes, vs PyTorch, linear scaling)."""
    results, compiled = [], []
    for ops in (pick(mode, 100_000, 100_000, 2_000), pick(mode, 10_000, 10_000, 200)):
        title = f"W5 chain of {ops:,} Value ops (y = y*1.0001 + 0.001), forward + backward"
        impls, notes = implementations(ops)
        args = {"steps": 1, "repeats": pick(mode, 7, 3, 1), "rtol": 1e-9, "reference": HAND}
        results.append(measure(f"W5 {ops}", title, impls, notes=notes, **args))
        traced: dict[str, float] = {}
        impls, _ = implementations(ops, traced)
        result = measure(f"W5 {ops} compiled", title + ", compiled", impls, **args)
        result.notes.append(
            "compiled: the two tracing calls before the replays took "
            + " and ".join(f"{ms(s)} ms" for s in traced.values())
            + " (once each; the second also compares the graph with the first's)"
        )
        result.extra["compiled_tracing_calls_seconds"] = traced
        compiled.append(result)
    big, small = results
    done = TGL in big.seconds and TGL in small.seconds
    micrograd = big.failures.get(MICROGRAD, "completes" if MICROGRAD in big.seconds else "not run")
    big.targets.append(
        Target(
            "W5: completes (micrograd raises RecursionError)",
            f"{'completes' if done else 'fails'}; micrograd: {micrograd}",
            done,
        )
    )
    for name, how in ((TGL, ""), (PAUSED, " (in gc_paused())")):
        big.target_at_most(f"W5: 100,000 ops in at most 0.5x PyTorch's time{how}", name, TORCH, 0.5)
        if name in big.seconds and name in small.seconds:
            growth = big.seconds[name] / small.seconds[name]
            big.targets.append(
                Target(f"W5: the 10x longer chain costs at most 12x{how}", f"{growth:.2f}x", growth <= 12)
            )
    return results + compiled
