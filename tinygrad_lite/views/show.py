"""How the views write a value: short enough for a box, or in full for a panel."""

from __future__ import annotations

from typing import Any

import numpy as np

from .steps import format_number

#: A Tensor with at most this many elements shows its values in a box; a panel shows up to `PANEL_SIZE`.
BOX_SIZE = 3
PANEL_SIZE = 24


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "scalar"


def short(x: Any) -> str:
    """A value as it fits in a box: 4 significant digits, a small array's
    values, or a larger array's shape. None (no gradient) is ""."""
    if x is None:
        return ""
    if isinstance(x, np.ndarray):
        if x.size == 1:
            return format_number(float(x.reshape(-1)[0]))
        if x.size <= BOX_SIZE:
            return "[" + ", ".join(f"{v:.3g}" for v in x.reshape(-1).tolist()) + "]"
        return shape_text(x.shape)
    return format_number(float(x))


def full(x: Any) -> str:
    """A value as the side panel shows it: every element of a modest array, else its shape and range."""
    if x is None:
        return ""
    if isinstance(x, np.ndarray):
        if x.size == 1:
            return format_number(float(x.reshape(-1)[0]))
        if x.size <= PANEL_SIZE:
            return np.array2string(x, precision=4, separator=", ", suppress_small=True)
        return f"shape {x.shape}: min {format_number(float(x.min()))}, max {format_number(float(x.max()))}"
    return format_number(float(x))
