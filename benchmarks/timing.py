"""Interleaved timing: run several implementations in turns, report medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved(impls: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each implementation, calling them in turns
    (A B A B ...) so that a slow moment of the machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in impls}
    for _ in range(repeats):
        for name, fn in impls.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def report(title: str, medians: dict[str, float], reference: str) -> None:
    """Print each median and its ratio to `reference`."""
    print(title)
    for name, seconds in medians.items():
        print(f"  {name:<28} {seconds * 1e3:10.3f} ms   {seconds / medians[reference]:6.2f}x {reference}")
