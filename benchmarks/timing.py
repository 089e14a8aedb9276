"""Interleaved timing: run several implementations in turns, report medians."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def interleaved(
    impls: dict[str, Callable[[], object]],
    repeats: int,
    before: dict[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """Median seconds per call of each implementation, calling them in turns
    (A B A B ...) so that a slow moment of the machine hits all alike.

    A full garbage collection runs (untimed) before every call, so that no
    implementation pays for the garbage another one left behind; the
    collections an implementation triggers itself are part of its time.
    ``before[name]``, if given, runs untimed before each call of `name`
    (e.g. to reset its weights)."""
    before = before or {}
    times: dict[str, list[float]] = {name: [] for name in impls}
    for _ in range(repeats):
        for name, fn in impls.items():
            if name in before:
                before[name]()
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def first_calls(
    makers: dict[str, Callable[[], Callable[[], object]]], calls: int, repeats: int
) -> dict[str, list[list[float]]]:
    """Seconds of the 1st, 2nd, ... `calls`-th call of a fresh callable of each
    maker, one list per call, `repeats` times each: in each round every maker
    in turn makes one (untimed), then its first `calls` calls are timed one by
    one, each after a full garbage collection (untimed, as in `interleaved`)."""
    times: dict[str, list[list[float]]] = {name: [[] for _ in range(calls)] for name in makers}
    for _ in range(repeats):
        for name, make in makers.items():
            gc.collect()
            fn = make()
            for per_call in times[name]:
                gc.collect()
                start = time.perf_counter()
                fn()
                per_call.append(time.perf_counter() - start)
    return times
