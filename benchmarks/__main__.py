"""Run the benchmark suite: ``python -m benchmarks [--quick] [--only W1,W3] [--json PATH]``.

Workloads (each module's docstring states its math):
  W0  per-op overhead: one add + backward on a (1,) and a (1000, 1000) tensor
  W1  XOR, full batch: 2-2-1 sigmoid, 0.5*MSE, SGD lr 0.5, 2,000 steps, float64
  W2  gender, per-sample SGD: 2-2-1 sigmoid, MSE, lr 0.1, 4 rows x 200 epochs
  W3  MLP 784-256-10 ReLU, softmax cross-entropy, SGD, batch 256, float32
  W4  scalar MLP(2, [16, 16, 1]) tanh on 32 points: Value against micrograd
  W5  a chain of 100,000 (and 10,000) Value ops, forward + backward
  W6  deep graphs: Value chains of 10^6 and 10^5 ops, Tensor chains of 10^5 and 10^4
  W7  conv2d forward + backward: 64 images 1x8x8, 64 filters 3x3, float32
  W8  the tutorials' CNN (conv, relu, max-pool, linear), Adam, batch 32 of 1x8x8, float32

For each workload: a check that all implementations reach the same final
loss, then one table (median ms per step, ratio to the hand-written
reference ("vs hand": NumPy by hand, or plain Python floats for W5), ratio
to PyTorch); at the end, every target met or missed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import (
    w0_overhead,
    w1_xor,
    w2_gender,
    w3_mlp,
    w4_scalar_mlp,
    w5_chain,
    w6_deep,
    w7_conv,
    w8_cnn,
)
from benchmarks.common import TORCH, Result, ms

WORKLOADS: dict[str, Callable[[str], list[Result]]] = {
    "W0": w0_overhead.run,
    "W1": w1_xor.run,
    "W2": w2_gender.run,
    "W3": w3_mlp.run,
    "W4": w4_scalar_mlp.run,
    "W5": w5_chain.run,
    "W6": w6_deep.run,
    "W7": w7_conv.run,
    "W8": w8_cnn.run,
}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    for name in ("torch", "micrograd"):
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            info[name] = None
    if hasattr(os, "getloadavg"):
        info["load_average_1min_at_start"] = round(os.getloadavg()[0], 2)
    return info


def table(result: Result) -> list[str]:
    """The lines printed for one workload."""
    lines = [result.title, "  " + result.check.line()]
    width = max(28, *(len(name) + 2 for name in [*result.seconds, *result.failures]))
    lines.append(f"  {'implementation':<{width}}{'ms/step':>10}{'vs hand':>10}{'vs PyTorch':>12}")
    for name, seconds in result.seconds.items():
        vs_ref, vs_torch = result.ratio(name, result.reference), result.ratio(name, TORCH)
        cells = [f"{r:.2f}x" if r is not None else "-" for r in (vs_ref, vs_torch)]
        lines.append(f"  {name:<{width}}{ms(seconds):>10}{cells[0]:>10}{cells[1]:>12}")
    for name, error in result.failures.items():
        lines.append(f"  {name:<{width}}{error}")
    lines += [f"  note: {note}" for note in result.notes]
    return lines


def summary(results: list[Result]) -> list[str]:
    """The targets table."""
    targets = [t for r in results for t in r.targets]
    width = max((len(t.text) for t in targets), default=10) + 2
    lines = [f"Targets ({sum(t.met for t in targets)} of {len(targets)} met)"]
    lines.append(f"  {'target':<{width}}{'measured':<40}result")
    lines += [f"  {t.text:<{width}}{t.measured:<40}{'met' if t.met else 'MISSED'}" for t in targets]
    mismatches = [r.key for r in results if not r.check.ok and len(r.check.losses) > 1]
    if mismatches:
        lines.append(f"IMPLEMENTATION MISMATCH in {', '.join(mismatches)}: see the check lines above")
    return lines


def to_json(results: list[Result], info: dict[str, Any], mode: str, seconds: float) -> dict[str, Any]:
    """Everything measured, as plain JSON data."""
    return {
        "machine": info,
        "mode": mode,
        "wall_seconds": round(seconds, 1),
        "workloads": {
            r.key: {
                "title": r.title,
                "reference": r.reference,
                "median_seconds_per_step": r.seconds,
                "ratio_to_reference": {n: r.ratio(n, r.reference) for n in r.seconds},
                "ratio_to_pytorch": {n: r.ratio(n, TORCH) for n in r.seconds} if TORCH in r.seconds else None,
                "failures": r.failures,
                "check": {
                    "final_losses": r.check.losses,
                    "rtol": r.check.rtol,
                    "largest_relative_difference": r.check.worst,
                    "ok": r.check.ok,
                },
                "notes": r.notes,
                **r.extra,
                "targets": [{"target": t.text, "measured": t.measured, "met": t.met} for t in r.targets],
            }
            for r in results
        },
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="fewer repeats and steps: under a minute")
    speed.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # tiny sizes, for the tests
    parser.add_argument("--only", metavar="W1,W3", help="comma-separated workloads to run (default: all)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also save the results as JSON to PATH")
    args = parser.parse_args(argv)
    if args.only:
        keys = [k.strip().upper() for k in args.only.split(",") if k.strip()]
        unknown = [k for k in keys if k not in WORKLOADS]
        if unknown or not keys:
            parser.error(f"--only: unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)}")
        args.only = keys
    else:
        args.only = list(WORKLOADS)
    return args


def main(argv: list[str] | None = None) -> list[Result]:
    """Run the selected workloads, print their tables and the targets; return the results."""
    args = parse(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    info = machine()
    versions = ", ".join(f"{k} {info[k]}" for k in ("python", "numpy", "torch", "micrograd"))
    print(f"tinygrad_lite benchmarks ({mode}): {info['platform']}, {info['cpu_count']} CPUs; {versions}")
    load = info.get("load_average_1min_at_start", "?")
    print(f"{info['date']}, load average {load}; medians of interleaved runs, per step")
    start = time.perf_counter()
    results: list[Result] = []
    for key in args.only:
        for result in WORKLOADS[key](mode):
            results.append(result)
            print()
            print("\n".join(table(result)), flush=True)
    elapsed = time.perf_counter() - start
    print()
    print("\n".join(summary(results)))
    print(f"total {elapsed:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(to_json(results, info, mode, elapsed), indent=2) + "\n")
        print(f"saved {args.json}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
