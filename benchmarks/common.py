"""What every workload shares: the optional libraries, the run modes, the
correctness check before timing, and the result records the runner prints."""

from __future__ import annotations

import importlib
import math
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from benchmarks.timing import first_calls, interleaved

HAND = "NumPy by hand"
TORCH = "PyTorch"
MICROGRAD = "micrograd"
#: appended to an implementation's name when it runs through ``compile_step``
COMPILED = ", compiled"

#: ``full``: the numbers to report; ``quick``: the whole suite in under a
#: minute; ``smoke``: tiny sizes, for the tests (the numbers mean nothing).
MODES = ("full", "quick", "smoke")

Train = Callable[[], float]


def optional(name: str) -> ModuleType | None:
    """The module `name` if it can be imported, else None (the caller prints a note)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def available(module: str, notes: list[str]) -> ModuleType | None:
    """The module if it can be imported; else None, and a note in `notes`
    saying which implementation is skipped and how to install it."""
    found = optional(module)
    if found is None:
        name, package = (TORCH, "torch") if module == "torch" else (MICROGRAD, "-e '.[bench]'")
        notes.append(f"{name} skipped: not installed (pip install {package})")
    return found


def torch_sgd(torch: ModuleType, params: list, lr: float) -> None:
    """One plain SGD update of PyTorch tensors, p -= lr * grad, then forget the grads."""
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


def numpy_threads() -> int:
    """How many threads NumPy's BLAS uses: the OpenBLAS/OpenMP variable if set,
    else (OpenBLAS's default) one per CPU this process may run on."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def torch_beside_blas(notes: list[str]) -> ModuleType | None:
    """PyTorch for a workload whose NumPy code runs on BLAS: None and a note
    when it is not installed, else the module and a note on its thread count
    (see `on_blas_threads`)."""
    torch = available("torch", notes)
    if torch is not None:
        notes.append(f"PyTorch runs on {numpy_threads()} threads here, as many as NumPy's BLAS uses")
    return torch


def on_blas_threads(torch: ModuleType, train: Train) -> Train:
    """`train` run with PyTorch on as many threads as NumPy's BLAS, so that
    neither side gets more cores; the caller's thread count is restored after."""

    def run() -> float:
        saved = torch.get_num_threads()
        torch.set_num_threads(numpy_threads())
        try:
            return train()
        finally:
            torch.set_num_threads(saved)

    return run


def pick(mode: str, full: Any, quick: Any, smoke: Any) -> Any:
    """The setting for `mode`."""
    return {"full": full, "quick": quick, "smoke": smoke}[mode]


@dataclass
class Check:
    """Whether every implementation reached the reference's final loss within `rtol`."""

    losses: dict[str, float]
    rtol: float
    reference: str
    worst: float  # the largest relative difference to the reference
    ok: bool

    def line(self) -> str:
        if len(self.losses) < 2:
            return "check: only one implementation ran, nothing to compare"
        verdict = "OK" if self.ok else "MISMATCH"
        text = (
            f"check: {len(self.losses)} final results agree with {self.reference} within "
            f"{self.rtol:.0e} relative (largest difference {self.worst:.1e}): {verdict}"
        )
        if not self.ok:
            text += "\n    " + ", ".join(f"{k} = {v!r}" for k, v in self.losses.items())
        return text


def agree(losses: dict[str, float], rtol: float, reference: str) -> Check:
    """Compare every final loss with the reference's (NaN never agrees)."""
    ref = losses[reference]
    diffs = {name: abs(v - ref) / max(abs(ref), 1e-300) for name, v in losses.items()}
    worst = max(diffs.values())
    return Check(losses, rtol, reference, worst, not math.isnan(worst) and worst <= rtol)


@dataclass
class Target:
    """One target of the issue: its text, what was measured, met or missed."""

    text: str
    measured: str
    met: bool


@dataclass
class Result:
    """One workload's outcome: median seconds per step of each implementation."""

    key: str
    title: str
    reference: str  # the hand-written implementation the ratios divide by
    seconds: dict[str, float]
    check: Check
    failures: dict[str, str] = field(default_factory=dict)  # implementation -> error name
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)

    def ratio(self, name: str, to: str) -> float | None:
        """seconds[name] / seconds[to], or None when either did not run."""
        if name in self.seconds and to in self.seconds:
            return self.seconds[name] / self.seconds[to]
        return None

    def target_at_most(self, text: str, name: str, to: str, limit: float) -> None:
        """Add the target "`name` takes at most `limit` times `to`'s time"
        (left out when either did not run)."""
        ratio = self.ratio(name, to)
        if ratio is not None:
            self.targets.append(Target(text, f"{ratio:.2f}x", ratio <= limit))

    def target_faster(self, text: str, name: str, than: str, factor: float) -> None:
        """Add the target "`name` is at least `factor` times faster than `than`"
        (left out when either did not run)."""
        speedup = self.ratio(than, name)
        if speedup is not None:
            self.targets.append(Target(text, f"{speedup:.2f}x faster", speedup >= factor))


def measure(
    key: str,
    title: str,
    impls: dict[str, Train],
    *,
    steps: int,
    repeats: int,
    rtol: float,
    reference: str = HAND,
    notes: list[str] | None = None,
    before: dict[str, Callable[[], object]] | None = None,
) -> Result:
    """Run each implementation once (the check, and a warm-up), then time them
    interleaved over `repeats` rounds. Each callable trains from the initial
    weights for `steps` steps and returns its final loss; ``before[name]``, if
    given, runs untimed before each call of `name` (e.g. to reset the weights
    of a network made once). An implementation that raises RecursionError is
    reported as such and not timed."""
    before = before or {}
    finals: dict[str, float] = {}
    failures: dict[str, str] = {}
    for name, train in impls.items():
        try:
            if name in before:
                before[name]()
            finals[name] = train()
        except RecursionError:
            failures[name] = "RecursionError"
    check = agree(finals, rtol, reference)
    medians = interleaved({name: impls[name] for name in finals}, repeats, before)
    seconds = {name: t / steps for name, t in medians.items()}
    return Result(key, title, reference, seconds, check, failures, list(notes or []))


def ms(seconds: float) -> str:
    """`seconds` in milliseconds, with four decimals below 10 ms, else two."""
    return f"{seconds * 1e3:.4f}" if seconds < 0.01 else f"{seconds * 1e3:.2f}"


def tracing_cost(
    result: Result,
    eager: Callable[[], Callable[[], object]],
    compiled: Callable[[], Callable[[], object]],
    repeats: int,
    limit: float | None = None,
) -> None:
    """What tracing costs: the first three calls of a fresh compiled step
    (``compiled()`` makes a fresh network and returns its training step)
    against an eager step (the median of the first three steps of fresh eager
    networks made by ``eager()``), each a full training step with its update,
    in `repeats` rounds (`first_calls`: each call after a full garbage
    collection). Adds a note to `result`, the median times to its ``extra``,
    and with `limit` the target "first call at most `limit` times an eager step"."""
    times = first_calls({"eager": eager, "compiled": compiled}, calls=3, repeats=repeats)
    step = statistics.median(t for per_call in times["eager"] for t in per_call)
    calls = [statistics.median(per_call) for per_call in times["compiled"]]
    ratios = [c / step for c in calls]
    result.extra["first_calls_seconds"] = {"eager_step": step, "compiled_calls_1_2_3": calls}
    what = ("1st call (traces)", "2nd (traces, compares)", "3rd (replays)")
    parts = ", ".join(f"{w} {ms(c)} ms = {r:.2f}x" for w, c, r in zip(what, calls, ratios))
    result.notes.append(
        f"tracing: a fresh compiled step's {parts} an eager step ({ms(step)} ms; full steps with "
        f"their update, medians over {repeats} fresh networks)"
    )
    if limit is not None:
        result.targets.append(
            Target(
                f"{result.key} compiled: first call at most {limit:g}x an eager step",
                f"{ratios[0]:.2f}x (2nd call {ratios[1]:.2f}x)",
                ratios[0] <= limit,
            )
        )
