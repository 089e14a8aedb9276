"""How the views write a value: short enough for a box, or in full for a panel; and an
array too big for a box as a heatmap the page can draw."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .steps import format_number

#: A Tensor with at most this many elements shows its values in a box; a panel shows up to `PANEL_SIZE`.
BOX_SIZE = 3
PANEL_SIZE = 24
#: A heatmap has at most this many cells a side: a longer side is averaged down, block by block.
HEAT_SIDE = 16


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


def heat(x: Any) -> dict | None:
    """An array too big for a box (more than `BOX_SIZE` elements) as a heatmap the page
    draws; None for anything smaller, which the box shows as numbers.

    - ``grid``: [rows, cols]. A 1-D array is one row, a 2-D array its rows and columns (a
      column is drawn as a row, so that it does not make its box tall and thin);
      with more axes the last runs across and the others are stacked down. A side longer
      than `HEAT_SIDE` is cut into equal blocks, each cell the mean of one block.
    - ``cells``: row by row, each cell divided by ``scale``, the array's largest |value|
      (the deepest colour), and rounded to 3 decimals: in [-1, 1], 0 for an all-zero
      array; None (null) where a cell is NaN.
    - ``min``, ``max``, ``scale``: as text, for the tooltip and the legend.
    - ``big`` (only when true): more elements than the panel prints (`PANEL_SIZE`): the
      panel draws the heatmap where it would print them.
    - ``note`` (only when the array was reshaped or averaged): how, in words."""
    if not isinstance(x, np.ndarray) or x.size <= BOX_SIZE:
        return None
    a = x.astype(float)
    table = a.reshape(1, -1) if a.ndim == 1 else a.reshape(-1, a.shape[-1])
    notes = []
    if a.ndim == 2 and a.shape[1] == 1:  # a column (a batch's outputs, a layer's weights to one unit)
        table = table.T
        notes.append(f"a column of {a.shape[0]}, drawn as a row")
    if a.ndim > 2:
        rows, cols = table.shape
        notes.append(f"drawn as {rows}×{cols}: the last axis across, the others stacked down")
    tall, wide = math.ceil(table.shape[0] / HEAT_SIDE), math.ceil(table.shape[1] / HEAT_SIDE)
    if tall > 1 or wide > 1:
        uneven = table.shape[0] % tall or table.shape[1] % wide
        table = _block_means(table, tall, wide)
        block = f"{wide} neighbouring values" if a.ndim == 1 else f"a {tall}×{wide} block"
        notes.append(f"each cell is the mean of {block}" + (" (fewer at the edge)" if uneven else ""))
    finite = np.abs(a[np.isfinite(a)])
    scale = float(finite.max()) if finite.size else 0.0
    scaled = np.clip(table / scale, -1.0, 1.0) if scale > 0 else np.where(np.isnan(table), np.nan, 0.0)
    entry: dict[str, Any] = {
        "grid": list(table.shape),
        # + 0.0 turns -0.0 into 0.0; NaN, which JSON cannot hold, becomes None (null)
        "cells": [None if math.isnan(v) else v + 0.0 for v in np.round(scaled, 3).ravel().tolist()],
        "min": format_number(float(a.min())),
        "max": format_number(float(a.max())),
        "scale": format_number(scale),
    }
    if x.size > PANEL_SIZE:
        entry["big"] = True
    if notes:
        entry["note"] = "; ".join(notes)
    return entry


def heats(**arrays: Any) -> dict[str, dict]:
    """``{name}_heat`` for each of the named arrays that `heat` draws: nothing for a number or a
    small array, so that a graph of Values records no more than it did without heatmaps."""
    return {f"{name}_heat": h for name, x in arrays.items() if (h := heat(x)) is not None}


def _block_means(table: np.ndarray, tall: int, wide: int) -> np.ndarray:
    """The mean of each block of `tall` rows and `wide` columns of `table` (the last blocks of a
    side that does not divide evenly hold fewer values); a NaN in a block makes its mean NaN."""
    rows, cols = table.shape
    out_rows, out_cols = math.ceil(rows / tall), math.ceil(cols / wide)
    padded = np.zeros((out_rows * tall, out_cols * wide))
    padded[:rows, :cols] = table
    counts = np.zeros_like(padded)
    counts[:rows, :cols] = 1.0
    blocks = (out_rows, tall, out_cols, wide)
    return padded.reshape(blocks).sum(axis=(1, 3)) / counts.reshape(blocks).sum(axis=(1, 3))
