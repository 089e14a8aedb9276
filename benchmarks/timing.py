"""Interleaved timing: run several implementations in turns, report medians."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def interleaved(impls: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each implementation, calling them in turns
    (A B A B ...) so that a slow moment of the machine hits all alike.

    A full garbage collection runs (untimed) before every call, so that no
    implementation pays for the garbage another one left behind; the
    collections an implementation triggers itself are part of its time."""
    times: dict[str, list[float]] = {name: [] for name in impls}
    for _ in range(repeats):
        for name, fn in impls.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}
