"""A compiled step's tape as text: what a JIT turned the step's Python into.

For a `Value` step, one line per level: the array ops that replay it and how
many scalar nodes each one computes at once. For a `Tensor` step, one line
per op with its input and output shapes.
"""

from __future__ import annotations

from typing import Any

from ..compiled.tensor_tape import TensorTape
from ..compiled.value_tape import ValueTape


def describe(tape: ValueTape | TensorTape, max_lines: int = 40) -> str:
    """`tape` as text, at most about `max_lines` lines of levels or ops (the
    middle of a longer one is summarised in one line)."""
    if isinstance(tape, ValueTape):
        return _value_tape(tape, max_lines)
    return _tensor_tape(tape, max_lines)


def _value_tape(tape: ValueTape, max_lines: int) -> str:
    counts = tape.counts
    if tape.narrow:
        return (
            f"Value step, not replayed: its {counts['ops']:,} ops would be {counts['groups']:,} array ops "
            f"in {counts['levels']:,} levels, {counts['ops'] / max(counts['groups'], 1):.1f} nodes each "
            "on average (a chain of scalar ops, or a tiny graph). An array op costs some microseconds, "
            "about what Python takes for a node, so a replay would be slower: the step runs eagerly "
            '(compile_step(fn, replay="always") replays it anyway)'
        )
    levels: dict[int, list[str]] = {}
    for group in tape.groups:
        name = f"sum of {group.index.shape[0]}" if group.name == "sum" else group.name
        levels.setdefault(group.level, []).append(f"{name} ×{group.stop - group.start:,}")
    backward = sum(group.backward for group in tape.groups)
    lines = [
        f"compiled Value step: {counts['nodes']:,} nodes replayed as {counts['groups']:,} array ops "
        f"in {counts['levels']:,} levels",
        f"  read on every call: {counts['leaves']:,} parameters and {counts['inputs']:,} inputs; "
        f"fixed: {counts['constants']:,} constants",
        "  level  forward: one op per group of nodes, all the nodes of a level at once "
        "(a running sum's + chain is one sum)",
    ]
    rows = [f"  {level:5d}  {', '.join(ops)}" for level, ops in sorted(levels.items())]
    lines += _shortened(rows, max_lines, "levels")
    lines.append(
        f"  backward: the levels in reverse, {backward:,} array ops; each node's gradient is the sum "
        f"of its users' {len(tape.contributions) - 2:,} contributions, added in eager order"
    )
    return "\n".join(lines)


def _tensor_tape(tape: TensorTape, max_lines: int) -> str:
    lines = [
        f"compiled Tensor step: {len(tape.steps):,} ops replayed on the traced graph "
        "(none of the step's Python runs)",
        "  op           inputs -> output",
    ]
    rows = [
        f"  {_name(fn, params):<12} {' '.join(_shape(x) for x in inputs)} -> {_shape(node)}"
        for node, fn, inputs, params, *_ in tape.steps
    ]
    lines += _shortened(rows, max_lines, "ops")
    lines.append(
        f"  backward: the engine's own backward over {len(tape.computed):,} nodes, in the traced order"
    )
    return "\n".join(lines)


def _name(fn: Any, params: dict) -> str:
    """An op's name; for a computation outside the graph, its NumPy function's (greater, isnan)."""
    if fn.name != "outside_graph":
        return fn.name
    return getattr(params.get("compare", params["fn"]), "__name__", "outside_graph")


def _shape(node: Any) -> str:
    return str(tuple(node.shape)).replace(",)", ")")


def _shortened(rows: list[str], most: int, what: str) -> list[str]:
    """`rows`, or its first and last ones around a line saying how many were left out."""
    if len(rows) <= most:
        return rows
    head, tail = rows[: most - 10], rows[-9:]
    return [*head, f"  ... {len(rows) - len(head) - len(tail):,} more {what} ...", *tail]
