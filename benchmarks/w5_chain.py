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
faster than the chain)."""

from __future__ import annotations

from benchmarks.common import MICROGRAD, TORCH, Result, Target, Train, available, measure, pick
from tinygrad_lite import Value, gc_paused

HAND = "Python floats by hand"
TGL = "tinygrad_lite Value"
PAUSED = TGL + ", gc_paused()"


def implementations(ops: int) -> tuple[dict[str, Train], list[str]]:
    """Callables building the `ops`-node chain and returning dy/dx."""
    half = ops // 2

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
    results = []
    for ops in (pick(mode, 100_000, 100_000, 2_000), pick(mode, 10_000, 10_000, 200)):
        impls, notes = implementations(ops)
        results.append(
            measure(
                f"W5 {ops}",
                f"W5 chain of {ops:,} Value ops (y = y*1.0001 + 0.001), forward + backward",
                impls,
                steps=1,
                repeats=pick(mode, 7, 3, 1),
                rtol=1e-9,
                reference=HAND,
                notes=notes,
            )
        )
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
    return results
