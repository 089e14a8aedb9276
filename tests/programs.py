"""Shared by the random-program tests (test_value, test_fuzz_programs): a
hypothesis draw of a program's steps, each op reading earlier nodes by index,
so that nodes get reused."""

from __future__ import annotations

from hypothesis import strategies as st


def draw_steps(draw, n_leaves: int, max_steps: int, unary: dict, binary: dict) -> list[tuple]:
    """1 to `max_steps` steps ``(op name, index, index or None)``: a binary op
    of `binary` on two earlier nodes, or a unary op of `unary` on one."""
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        size = n_leaves + k
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(binary)))
            steps.append((name, draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))))
        else:
            steps.append((draw(st.sampled_from(sorted(unary))), draw(st.integers(0, size - 1)), None))
    return steps
