"""`explain`: a self-contained web page that steps through a graph's forward and backward passes.

``explain(loss).save("loss.html")`` writes ONE HTML file (inline CSS, JS and
SVG: no network, no server) showing the graph behind `loss`, inputs on the
left and the root on the right. Previous / Next / Play walk it node by node:

- forward: each node's data appears as it is computed, its op and the edges
  from its inputs lit;
- backward (`backward_steps`, root first): each node's gradient, complete when
  reached, then the chain rule for each parent: the local derivative, the
  contribution ``local x grad`` and the parent's running gradient;
- update (only with ``lr=`` or a plain SGD ``optimizer=``): each parameter, in
  forward order, takes one step of gradient descent, ``w <- w - lr * dL/dw``,
  with its numbers and its new value. Python computes every number; the page
  only shows them. Data and constants are never updated.

In Jupyter the same page displays inline (``_repr_html_``). The graph is
left as it was found: gradients are snapshotted before the recorded backward
pass and restored after it, and the update is computed on copies (no
parameter's data changes).

The drawing is computed here, not by Graphviz: a layered layout (Sugiyama's)
whose column is the longest path from the inputs (a leaf sits just left of
its first user). An edge that skips columns gets a waypoint in each column it
passes, so it runs in a lane between that column's boxes, never under one.
Nodes and waypoints are ordered within columns by barycentre sweeps that
reduce crossings, then spaced vertically so that edges run as straight as the
order allows; an edge bends only where no box or op pill stands in its way.
"""

from __future__ import annotations

import heapq
import html
import json
import math
import numbers
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from .steps import (
    PathsToRoot,
    backward_steps,
    expression,
    format_number,
    forward_order,
    group_title,
    kind,
    names_with_precedence,
    outer_groups,
)
from .tensor import Tensor
from .value import Value

#: A Tensor with at most this many elements shows its values in the graph; the panel shows up to `PANEL_SIZE`.
BOX_SIZE = 3
PANEL_SIZE = 24
#: A backward step lists at most this many paths from its node to the root (and says how many there are).
MAX_PATHS = 12
#: Names longer than this are cut in the boxes (the full name is in the tooltip and the panel).
BOX_NAME = 22
SWEEPS = 8  # barycentre sweeps, alternating left-to-right and right-to-left

# Geometry of the drawing, in SVG user units.
MARGIN = 16
TITLE_H, ROW_H, PAD = 22, 18, 7
BOX_H = TITLE_H + 2 * ROW_H + PAD
ROW_GAP = 18  # vertical space between two boxes of a column
OP_H, OP_ARROW, CURVE = 22, 8, 18  # op pill height, op -> box arrow, least room for the input curves
LANE, LANE_CLEAR = 8, 12  # between two edges passing a column; from such an edge to a box (past its halo)
BEND_CLEAR = 2  # an edge bends this far clear of a box or pill (its stroke's width)
BEND_SLOPE, MAX_BEND = 0.4, 48  # a bend between columns is this wide per unit of height, up to MAX_BEND
NAME_FONT, MIN_NAME_FONT, VALUE_FONT, SMALL_FONT, OP_FONT = 13.5, 12.0, 13.0, 9.5, 12.0
KIND_TEXT = {"parameter": "parameter", "constant": "input / constant", "result": "computed"}
FRAME_PAD, FRAME_LABEL = 8, 17  # a group's frame in the expanded drawing: around its boxes, room for its name


class Explanation:
    """The page made by `explain`: ``save(path)`` writes it, Jupyter shows it inline."""

    def __init__(self, page: str, height: int) -> None:
        self.html = page
        self._height = height

    def save(self, path: str | Path) -> Path:
        """Write the page as one self-contained HTML file (parent folders created); return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """The page in an iframe (its own document: its ids and script cannot clash with the
        notebook's), as wide as the cell; the page sets the frame's height to its own as it
        grows, the height here being only the first guess."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="box-sizing: border-box; width: 100%; height: {self._height}px; '
            'border: 1px solid #dee2e6; border-radius: 8px" '
            'title="tinygrad_lite explorer"></iframe>'
        )


def explain(root: Any, grad: Any = None, *, lr: float | None = None, optimizer: Any = None) -> Explanation:
    """A step-through page for the graph behind `root` (a `Value` or a `Tensor`).

    `grad` is dL/droot, as for ``root.backward(grad)`` (needed for a Tensor of
    more than one element). With a learning rate `lr`, or a plain SGD
    `optimizer` (``nn.optim.SGD`` without momentum: its ``lr``, and only the
    parameters it holds), the page ends with an update phase: one step per
    parameter, ``w <- w - lr * dL/dw``, the numbers those of one SGD step.
    Every node's ``data`` and ``grad`` are the same after the call as before it."""
    order = forward_order(root)
    rate, chosen = _update_plan(order, lr, optimizer)
    data, leaf_grads = _record(root, grad, order)
    if rate is not None:
        data["lr"] = _lr_text(rate)
        names = [node["name"] for node in data["nodes"]]
        data["update"] = _update_steps(order, names, leaf_grads, rate, chosen)
        data["not_updated"] = [names[i] for i, node in enumerate(order) if _skipped(node, chosen)]
    groups = _groups(order)
    if groups:
        data["groups"] = groups
        for k, group in enumerate(groups):
            for i in group["nodes"]:
                data["nodes"][i]["group"] = k
    layout = _layout(data)
    svg = _svg(data["nodes"], layout, groups)
    folded = _collapsed(data) if groups else None
    if folded is None:
        data.pop("groups", None)  # groups that cannot be drawn as boxes (they use each other): none
        for node in data["nodes"]:
            node.pop("group", None)
        height = int(min(1100, max(640, layout.height * 0.75 + 520)))
        return Explanation(_page(data, svg, layout), height)
    small = _layout(folded)
    collapsed_svg = _svg(folded["nodes"], small, collapsed=True)
    height = int(min(1100, max(640, small.height * 0.75 + 520)))
    return Explanation(_page(data, svg, layout, collapsed_svg, small), height)


# -- recording ---------------------------------------------------------------


def _record(root: Any, grad: Any, order: list) -> tuple[dict, dict[int, Any]]:
    """Everything the page shows, as JSON-ready data: the nodes in forward
    order and the backward steps with the running gradient of each parent;
    and each leaf's gradient from this pass (by id), for the update."""
    index = {id(node): i for i, node in enumerate(order)}
    named = names_with_precedence(order)
    names = {key: name for key, (name, _) in named.items()}
    nodes = [_node_entry(node, named, index) for node in order]
    saved = [node.grad for node in order]  # restored as they were: nothing below writes into them
    leaf_grads: dict[int, Any] = {}  # each leaf's gradient from this pass (a copy), for the update
    try:
        for node in order:  # leaves accumulate: start them from zero so the page shows this pass alone
            if not node.parents:
                node.grad = 0.0 if isinstance(node, Value) else None
        steps = []
        paths = PathsToRoot(order) if isinstance(root, Value) else None
        running: dict[int, Any] = {}  # each parent's gradient so far, summed edge by edge
        for step in backward_steps(root, grad):
            edges = []
            for e in step.edges:
                # The sum as the engine forms it, in the same order, one edge at a time: for
                # a*a the first edge shows the partial sum, the second the total.
                so_far = running.get(id(e.parent))
                running[id(e.parent)] = e.contribution if so_far is None else so_far + e.contribution
                edges.append(
                    {
                        "parent": index[id(e.parent)],
                        "parent_name": e.parent_name,
                        "formula": e.formula,
                        "local": None if e.local is None else format_number(e.local),
                        "contribution": _full(e.contribution),
                        "total": _short(running[id(e.parent)]),  # the parent's gradient after this edge
                        "total_full": _full(running[id(e.parent)]),
                    }
                )
            if not step.node.parents:
                leaf_grads[id(step.node)] = step.grad
            steps.append(
                {
                    "node": index[id(step.node)],
                    "grad": _short(step.grad),
                    "grad_full": _full(step.grad),
                    "describe": step.describe(),
                    "edges": edges,
                    **(_paths(paths, step.node, index) if paths and step.index else {}),
                }
            )
    finally:
        for node, old in zip(order, saved):
            node.grad = old
    return {"root": names[id(root)], "nodes": nodes, "backward": steps}, leaf_grads


def _paths(paths: PathsToRoot, node: Value, index: dict[int, int]) -> dict:
    """The paths from `node` up to the root, each with the product of the local
    derivatives along it (`steps.PathsToRoot`): the page lights them and
    lists them, with their sum, at the node's backward step."""
    found, count = paths(node, MAX_PATHS)
    return {
        "paths": [{"nodes": [index[id(n)] for n in path], "product": format_number(p)} for path, p in found],
        "path_count": count,
        "path_sum": format_number(math.fsum(p for _, p in found)) if len(found) == count else "",
    }


def _node_entry(node: Any, named: dict[int, tuple[str, int]], index: dict[int, int]) -> dict:
    parents = [index[id(p)] for p in node.parents]
    entry = {
        "name": named[id(node)][0],
        "kind": kind(node),
        "op": node.op,
        "parents": parents,
        "expr": expression(node.op, [named[id(p)] for p in node.parents])[0] if parents else "",
        "data": _short(node.data),
        "data_full": _full(node.data),
    }
    if isinstance(node, Tensor):
        entry["shape"] = _shape(node.shape)
    return entry


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "scalar"


def _short(x: Any) -> str:
    """A value as it fits in a box: 4 significant digits, a small array's
    values, or a larger array's shape. None (no gradient) is ""."""
    if x is None:
        return ""
    if isinstance(x, np.ndarray):
        if x.size == 1:
            return format_number(float(x.reshape(-1)[0]))
        if x.size <= BOX_SIZE:
            return "[" + ", ".join(f"{v:.3g}" for v in x.reshape(-1).tolist()) + "]"
        return _shape(x.shape)
    return format_number(float(x))


def _full(x: Any) -> str:
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


# -- groups ------------------------------------------------------------------


def _groups(order: list) -> list[dict]:
    """The outermost groups of the graph (`steps.outer_groups`): each one's title,
    its nodes' positions in `order` and its output's. None (an empty list)
    unless there are at least two: the page then opens collapsed."""
    found = outer_groups(order)
    if len(found) < 2:  # one group (a single model call) would hide nearly the whole graph: draw it in full
        return []
    index = {id(node): i for i, node in enumerate(order)}
    return [
        {
            "name": group_title(g),
            "path": list(g.path),
            "nodes": [index[id(n)] for n in nodes],
            "output": index[id(out)],
        }
        for g, nodes, out in found
    ]


def _collapsed(data: dict) -> dict | None:
    """The graph with each outermost group drawn as one box, as data for `_layout`: the
    nodes outside every group and one item per group (in the place of its output, its
    parents the boxes outside it that its nodes use), with the gradients each box will
    show; None when the groups use each other both ways (no order of boxes then)."""
    nodes, groups = data["nodes"], data["groups"]
    item_of: dict[Any, int] = {}  # a plain node i, or ("g", k), -> its place among the boxes
    keys: list[Any] = []
    for i, node in enumerate(nodes):
        k = node.get("group")
        if k is None or groups[k]["output"] == i:
            item_of[i if k is None else ("g", k)] = len(keys)
            keys.append(i if k is None else ("g", k))
    box = [item_of[i if node.get("group") is None else ("g", node["group"])] for i, node in enumerate(nodes)]
    parents: list[list[int]] = []
    for key in keys:
        if isinstance(key, int):
            used = nodes[key]["parents"]
        else:
            inside = groups[key[1]]["nodes"]
            used = [p for i in inside for p in nodes[i]["parents"] if nodes[p].get("group") != key[1]]
        parents.append(list(dict.fromkeys(box[p] for p in used)))
    order = _topological(parents)
    if order is None:
        return None
    place = {item: k for k, item in enumerate(order)}
    items = []
    for item in order:
        key = keys[item]
        if isinstance(key, int):
            entry = {**nodes[key], "node": key}
        else:
            group = groups[key[1]]
            out = nodes[group["output"]]
            entry = {
                "name": group["name"],
                "kind": "group",
                "op": "",
                "expr": "",
                "data": out["data"],
                "group": key[1],
                "node": group["output"],
                "size": len(group["nodes"]),
                "output_name": out["name"],
            }
            if "shape" in out:
                entry["shape"] = out["shape"]
        entry["parents"] = [place[p] for p in parents[item]]
        items.append(entry)
    drawn = {entry["node"]: k for k, entry in enumerate(items)}  # the nodes whose numbers a box shows
    # every gradient text a box will show (for its width), running totals from steps inside groups too
    shows = [(step["node"], step["grad"]) for step in data["backward"]]
    shows += [(e["parent"], e["total"]) for step in data["backward"] for e in step["edges"]]
    backward = [{"node": drawn[i], "grad": text, "edges": []} for i, text in shows if i in drawn]
    update = [
        {"node": drawn[u["node"]], "new": u["new"]} for u in data.get("update", []) if u["node"] in drawn
    ]
    return {"nodes": items, "backward": backward, "update": update}


def _topological(parents: list[list[int]]) -> list[int] | None:
    """The items in an order where each comes after its parents, as close to their own
    order as that allows; None if there is a cycle."""
    users: list[list[int]] = [[] for _ in parents]
    waiting = [len(ps) for ps in parents]
    for i, ps in enumerate(parents):
        for p in ps:
            users[p].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    return order if len(order) == len(parents) else None


# -- update ------------------------------------------------------------------


def _update_plan(order: list, lr: Any, optimizer: Any) -> tuple[float | None, set[int] | None]:
    """The update phase's learning rate and the ids of the parameters it updates (None: all of
    the graph's); (None, None) when no update is asked for. Every argument is checked here,
    before anything is recorded."""
    if lr is None and optimizer is None:
        return None, None
    if lr is not None and optimizer is not None:
        raise ValueError("explain: give lr or optimizer, not both (an optimizer brings its own lr)")
    params = [node for node in order if kind(node) == "parameter"]
    if optimizer is None:
        rate = _check_lr(lr, "lr")
        if not params:
            raise ValueError(
                "explain: lr given, but the graph has no parameter to update (a leaf with "
                "requires_grad=True); data and constants are never updated"
            )
        return rate, None
    held, rate = _plain_sgd(optimizer)
    chosen = {id(p) for p in held} & {id(p) for p in params}
    if not chosen:
        raise ValueError(
            f"explain: the optimizer holds none of this graph's {len(params)} parameters, so its "
            "step would change nothing here; pass the optimizer built on the parameters of the "
            "model that computed root (nn.optim.SGD(model.parameters(), lr)), or lr= to update "
            "every parameter of the graph"
        )
    return rate, chosen


def _check_lr(lr: Any, what: str) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"explain: {what} must be a number, got {type(lr).__name__} {lr!r:.40}")
    rate = float(lr)
    if not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"explain: {what} must be a positive finite number, got {lr!r}")
    return rate


def _plain_sgd(optimizer: Any) -> tuple[list, float]:
    """The parameters and the learning rate of a plain SGD optimizer (``nn.optim.SGD``, momentum 0).

    The page shows w <- w - lr * dL/dw and nothing else: an optimizer whose step also
    depends on its own state (momentum's velocity, Adam's running averages) is refused,
    since the page would have to re-implement it."""
    name = type(optimizer).__name__
    if not (hasattr(optimizer, "params") and hasattr(optimizer, "lr")):
        raise TypeError(
            f"explain: optimizer must be an nn.optim.SGD (without momentum), got {name} {optimizer!r:.40}"
        )
    momentum = getattr(optimizer, "momentum", None)
    if momentum is None or momentum != 0:
        detail = f"{name} with momentum={momentum}" if momentum is not None else name
        raise ValueError(
            f"explain shows only plain SGD's update, w <- w - lr * dL/dw; a step of {detail} also "
            "depends on the optimizer's state from earlier steps, which the page does not show. "
            "Pass lr= (or an nn.optim.SGD without momentum) to show one plain gradient-descent step"
        )
    return list(optimizer.params), _check_lr(optimizer.lr, "the optimizer's lr")


def _lr_text(rate: float) -> str:
    return repr(rate)  # the shortest text that is exactly this float: 0.1, 0.05, 1e-05


def _skipped(node: Any, chosen: set[int] | None) -> bool:
    """A parameter of the graph that the optimizer does not hold: its step leaves it unchanged."""
    return chosen is not None and kind(node) == "parameter" and id(node) not in chosen


def _update_steps(
    order: list, names: list[str], leaf_grads: dict[int, Any], rate: float, chosen: set[int] | None
) -> list[dict]:
    """One step per parameter updated, in forward order: its data, gradient and new data."""
    steps = []
    for i, node in enumerate(order):
        if kind(node) != "parameter" or _skipped(node, chosen) or leaf_grads.get(id(node)) is None:
            continue  # no gradient reached it: SGD leaves it unchanged too
        steps.append(_update_entry(i, names[i], node.data, leaf_grads[id(node)], rate))
    return steps


def _update_entry(i: int, name: str, old: Any, grad: Any, rate: float) -> dict:
    """w <- w - lr * dL/dw for node i, computed as `nn.optim.SGD.step` computes it (on a copy)."""
    dl = "dL/d" + (name if name.isidentifier() else f"({name})")
    step = rate * grad
    if isinstance(old, np.ndarray):
        new = old.copy()
        new -= step  # SGD's own arithmetic, data -= lr * g, in the parameter's dtype
    else:
        new = old - step
    lr = _lr_text(rate)
    entry: dict[str, Any] = {"node": i}
    if np.size(old) == 1:  # a number: enough digits to see the step in the new value
        o, g, st, nw = (float(np.reshape(x, -1)[0]) for x in (old, grad, step, new))
        places = _places(nw, st)
        grad_text = format_number(g)
        entry |= {
            "old": _fixed(o, places),
            "grad": grad_text,
            "step": format_number(abs(st)),
            "new": _fixed(nw, places),
        }
        shown = f"({grad_text})" if grad_text.startswith("-") else grad_text
        entry["equation"] = [
            f"{name} ← {name} − lr × {dl}",
            f"{name} ← {entry['old']} − {lr} × {shown} = {entry['new']}",
        ]
        if g > 0:
            entry["note"] = (
                f"{dl} > 0: L goes down when {name} does, so {name} steps down by {entry['step']}."
            )
        elif g < 0:
            entry["note"] = (
                f"{dl} < 0: L goes down when {name} goes up, so {name} steps up by {entry['step']}."
            )
        else:
            entry["note"] = f"{dl} = 0: L does not change with {name} here, so it stays."
        return entry
    entry |= {
        "arrays": True,
        "old": _short(old),
        "old_full": _full(old),
        "grad_full": _full(grad),
        "new": _short(new),
        "new_full": _full(new),
        "equation": [f"{name} ← {name} − lr × {dl},  element by element"],
        "note": f"Each element moves against its own gradient: down where {dl} > 0, up where it is < 0.",
    }
    return entry


def _places(new: float, step: float) -> int:
    """Decimals that show both `new` and the `step` that made it to 4 significant digits
    (1.0 - 0.1 x 0.02147 = 0.997853, not 0.9979, which hides most of the step); at most 12."""

    def needed(x: float) -> int:
        return 3 - math.floor(math.log10(abs(x))) if x and math.isfinite(x) else 1

    return max(1, min(12, max(needed(new), needed(step))))


def _fixed(x: float, places: int) -> str:
    """`x` with at most `places` decimals, trailing zeros dropped (1.0, not 1.000000)."""
    if not math.isfinite(x) or abs(x) >= 1e9:
        return format_number(x)
    text = f"{x:.{places}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


# -- layout ------------------------------------------------------------------


@dataclass
class Layout:
    """Where every node's box (and op pill) goes."""

    x: list[float]  # box left edges
    y: list[float]  # box centres
    w: list[float]
    op_w: list[float]  # width of each node's op pill (0 for a leaf)
    font: list[float]  # font size of each node's name
    width: float
    height: float
    routes: list[list[list[tuple[float, float]]]]  # per node, per parent: where its edge runs level or bends


def _text_width(text: str, size: float, mono: bool = False) -> float:
    """A generous estimate of rendered text width (no font metrics in Python): sized for
    DejaVu Sans Bold, the widest of the usual system fonts."""
    if mono:
        return 0.61 * size * len(text)
    return size * sum(_CHAR_WIDTH.get(c, 0.78 if c.isupper() else 0.68) for c in text)


_CHAR_WIDTH = {
    **dict.fromkeys(" ilj'|!.,:;", 0.36),
    **dict.fromkeys("()[]{}*-ft", 0.47),
    **dict.fromkeys("+=<>^~", 0.84),
    **dict.fromkeys("mwMW@%", 1.0),
}


def _box_name(name: str) -> str:
    return name if len(name) <= BOX_NAME else name[: BOX_NAME - 1] + "…"


def _columns(parents: list[list[int]], users: list[list[int]]) -> list[int]:
    """Longest path from the inputs; then each leaf moves to just left of its first user."""
    col = [0] * len(parents)
    for i, ps in enumerate(parents):
        if ps:
            col[i] = 1 + max(col[p] for p in ps)
    for i, ps in enumerate(parents):
        if not ps and users[i]:
            col[i] = min(col[u] for u in users[i]) - 1
    return col


def _waypoints(
    col: list[int], parents: list[list[int]]
) -> tuple[list[int], dict[int, list[int]], list[list[list[int]]]]:
    """Sugiyama's dummy nodes: an edge that skips columns gets a waypoint in each column it
    crosses, so that every edge of the layered graph joins two neighbouring columns.

    The edges from one node share their waypoints, as far as they go together: a value
    used all along a long chain runs in one lane that its uses branch off (and the
    waypoints grow with the graph's width, not with its width times its uses).

    Returns the column of every item (the nodes, then the waypoints, numbered from
    ``len(col)``), each node's lane (its waypoints, column by column) and, for each
    node and each of its parents, the chain of items its edge passes through, from
    the parent (then a start of the parent's lane) to the node."""
    item_col = col[:]
    lanes: dict[int, list[int]] = {}  # a node's waypoints, column by column from the next one
    chains = []
    for i, ps in enumerate(parents):
        node_chains = []
        for p in ps:
            lane = lanes.setdefault(p, [])
            for c in range(col[p] + 1 + len(lane), col[i]):
                lane.append(len(item_col))
                item_col.append(c)
            node_chains.append([p, *lane[: col[i] - col[p] - 1], i])
        chains.append(node_chains)
    return item_col, lanes, chains


def _order_columns(col: list[int], up: list[list[int]], down: list[list[int]]) -> list[list[int]]:
    """Items of each column top to bottom: barycentre sweeps, keeping the order with fewest crossings.

    `up` and `down` are each item's neighbours in the column before and the column after
    (an edge's every waypoint included, so every edge joins neighbouring columns)."""
    ncol = max(col) + 1
    columns: list[list[int]] = [[] for _ in range(ncol)]
    for i, c in enumerate(col):
        columns[c].append(i)
    best, best_crossings = [c[:] for c in columns], _crossings(columns, down)
    pos = [0.0] * len(col)
    for sweep in range(SWEEPS):
        if best_crossings == 0:
            break
        forward = sweep % 2 == 0
        for members in columns:
            _place(members, pos)
        first, second = (up, down) if forward else (down, up)
        for c in range(ncol) if forward else reversed(range(ncol)):
            key = {}
            for i in columns[c]:
                near = first[i] or second[i]  # an item with no neighbour on this side looks at the other
                key[i] = sum(pos[j] for j in near) / len(near) if near else pos[i]
            columns[c].sort(key=key.__getitem__)
            _place(columns[c], pos)
        crossings = _crossings(columns, down)
        if crossings < best_crossings:
            best, best_crossings = [c[:] for c in columns], crossings
    return best


def _place(members: list[int], pos: list[float]) -> None:
    """Each item's place in its column, centred on 0 so that columns of different sizes line up."""
    middle = (len(members) - 1) / 2
    for k, i in enumerate(members):
        pos[i] = k - middle


def _crossings(columns: list[list[int]], down: list[list[int]]) -> int:
    """How many pairs of edges cross between neighbouring columns: for the edges
    in the order of their upper ends, the inversions in the order of their lower
    ends, counted with a Fenwick tree (Barth, Jünger and Mutzel, 2004)."""
    count = 0
    for upper, lower in pairwise(columns):
        place = {v: k + 1 for k, v in enumerate(lower)}
        size, tree, seen = len(lower), [0] * (len(lower) + 1), 0
        for u in upper:
            for k in sorted(place[v] for v in down[u]):
                j, at_or_before = k, 0
                while j:
                    at_or_before += tree[j]
                    j -= j & -j
                count += seen - at_or_before  # the edges seen so far that end below this one
                seen += 1
                while k <= size:
                    tree[k] += 1
                    k += k & -k
    return count


def _spread(targets: list[float], gaps: list[float]) -> list[float]:
    """Positions closest (least squares) to `targets`, in order, each at least
    gaps[k] below the previous: pool-adjacent-violators on the shifted targets."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [mean, count]
    for t, off in zip(targets, offsets):
        blocks.append([t - off, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, n2), (m1, n1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    z = [m for m, n in blocks for _ in range(int(n))]
    return [zi + off for zi, off in zip(z, offsets)]


def _layout(data: dict) -> Layout:
    """Place every node and route every edge: columns left to right, boxes of a column one
    width, spaced vertically with the edges that pass the column running in the gaps."""
    nodes = data["nodes"]
    n = len(nodes)
    parents = [node["parents"] for node in nodes]
    users: list[list[int]] = [[] for _ in range(n)]
    for i, ps in enumerate(parents):
        for p in dict.fromkeys(ps):
            users[p].append(i)
    col, lanes, chains = _waypoints(_columns(parents, users), parents)
    up: list[list[int]] = [[] for _ in col]
    down: list[list[int]] = [[] for _ in col]
    links = dict.fromkeys(
        (u, v) for node_chains in chains for chain in node_chains for u, v in pairwise(chain)
    )
    for u, v in links:
        down[u].append(v)
        up[v].append(u)
    columns = _order_columns(col, up, down)

    longest = [""] * n  # the longest gradient each node will show
    for step in data["backward"]:
        for j, text in [(step["node"], step["grad"])] + [(e["parent"], e["total"]) for e in step["edges"]]:
            longest[j] = max(longest[j], text, key=len)
    updated = {u["node"]: u["new"] for u in data.get("update", [])}  # the data shown after the update
    need, op_w, font = [], [], []
    for i, node in enumerate(nodes):
        slot = max(len(node["data"]), len(updated.get(i, "")), len(longest[i]), len("-0.0000"))
        row = _text_width("data", SMALL_FONT) + 8 + _text_width("x" * slot, VALUE_FONT, mono=True)

        def title(size: float, node: dict = node) -> float:  # the shape is drawn at 0.85 em
            shape = _text_width(f" {node['shape']}", 0.85 * size) if "shape" in node else 0.0
            return _text_width(_box_name(node["name"]), size) + shape

        # a long name gets a smaller font, down to MIN_NAME_FONT, before it widens its box
        size = max(MIN_NAME_FONT, min(NAME_FONT, NAME_FONT * row / title(NAME_FONT)))
        font.append(size)
        need.append(max(title(size), row) + 2 * PAD)
        pill = node["parents"] and node["op"]  # a collapsed group has none: its edges go into its box
        op_w.append(max(OP_H, _text_width(node["op"], OP_FONT) + 12) if pill else 0.0)

    y = _rows(columns, n, up, down)
    x, width, routes = _route(columns, col, lanes, chains, y, need, op_w)
    reach = [BOX_H / 2] * n + [LANE / 2] * (len(y) - n)  # how far each item reaches above and below its y
    top = min(yi - r for yi, r in zip(y, reach)) - MARGIN
    height = max(yi + r for yi, r in zip(y, reach)) - top + MARGIN
    y = [yi - top for yi in y[:n]]
    routes = [[[(px, py - top) for px, py in r] for r in node_routes] for node_routes in routes]
    return Layout(x, y, need, op_w, font, width, height, routes)


def _rows(columns: list[list[int]], n: int, up: list[list[int]], down: list[list[int]]) -> list[float]:
    """Vertical placement: each item as close as its column's order allows to the mean of
    its neighbours, so that edges run as straight as they can. Items 0..n-1 are boxes;
    the waypoints of passing edges need only a lane, clear of the boxes beside it, and
    follow their lane, so that a long edge runs straight past the columns it skips."""
    y = [0.0] * len(up)

    def gap(a: int, b: int) -> float:
        boxes = (a < n) + (b < n)
        return BOX_H + ROW_GAP if boxes == 2 else BOX_H / 2 + LANE_CLEAR if boxes else LANE

    near = [up[i] + down[i] for i in range(n)]
    for i in range(n, len(up)):  # a waypoint follows its lane, not the uses branching off it
        near.append(up[i] + ([v for v in down[i] if v >= n] or down[i]))
    gaps = [[gap(a, b) for a, b in pairwise(members)] for members in columns]
    for members, between in zip(columns, gaps):
        for i, yi in zip(members, _spread([0.0] * len(members), between)):
            y[i] = yi
    for sweep in range(12):
        sequence = range(len(columns)) if sweep % 2 == 0 else reversed(range(len(columns)))
        for c in sequence:
            members = columns[c]
            targets = [sum(y[j] for j in near[i]) / len(near[i]) if near[i] else y[i] for i in members]
            for i, yi in zip(members, _spread(targets, gaps[c])):
                y[i] = yi
    return y


def _route(
    columns: list[list[int]],
    col: list[int],
    lanes: dict[int, list[int]],
    chains: list[list[list[int]]],
    y: list[float],
    need: list[float],
    op_w: list[float],
) -> tuple[list[float], float, list[list[list[tuple[float, float]]]]]:
    """Columns' x and each edge's route: the points where it runs level or bends.

    An edge leaves its box (or its lane) level and bends only where nothing of its
    column or of the next stands in the band of heights it sweeps: right of any box
    of its column that reaches into that band, left of any op pill of the next. The
    gap between two columns widens when a bend would be too steep."""
    n, ncol = len(need), len(columns)
    boxes, pills, col_w, pill_w = [], [], [], []
    for members in columns:
        real = [i for i in members if i < n]  # top to bottom
        ops = [i for i in real if op_w[i]]
        # tops, bottoms and x: of the boxes' right edges, of the pills' left edges (from the column's left)
        boxes.append(
            ([y[i] - BOX_H / 2 for i in real], [y[i] + BOX_H / 2 for i in real], [need[i] for i in real])
        )
        pills.append(
            (
                [y[i] - OP_H / 2 for i in ops],
                [y[i] + OP_H / 2 for i in ops],
                [-OP_ARROW - op_w[i] for i in ops],
            )
        )
        col_w.append(max((need[i] for i in real), default=0.0))
        pill_w.append(max([op_w[i] for i in real] + [OP_H]))

    def band(shapes: tuple[list[float], list[float], list[float]], lo: float, hi: float) -> list[float]:
        tops, bottoms, xs = shapes
        return xs[bisect_right(bottoms, lo) : bisect_left(tops, hi)]

    gap = [float(CURVE)] * ncol

    def bend(u: int, v: int, yb: float, entry: float) -> tuple[float, float]:
        """Where the hop from item u to item v (arriving at height yb, at `entry` from v's
        column's left) may start and end its bend, from the left of u's and v's columns."""
        c, ya = col[u], y[u]
        lo, hi = min(ya, yb) - BEND_CLEAR, max(ya, yb) + BEND_CLEAR
        start = max([need[u] if u < n else 0.0, *band(boxes[c], lo, hi)])
        end = min([entry, *band(pills[c + 1], lo, hi)])
        slack = (col_w[c] - start) + (end + OP_ARROW + pill_w[c + 1])
        gap[c] = max(gap[c], min(MAX_BEND, BEND_SLOPE * (hi - lo)) - slack)
        return start, end

    lane_hops = {(u, v): bend(u, v, y[v], 0.0) for p, lane in lanes.items() for u, v in pairwise([p, *lane])}
    # The edges into a node's pill arrive at heights a little apart, in the order they come from.
    last_hops, arrive = {}, {}
    for i, node_chains in enumerate(chains):
        count, entry = len(node_chains), -OP_ARROW - op_w[i] + 1
        for rank, k in enumerate(sorted(range(count), key=lambda k: y[node_chains[k][-2]])):
            arrive[i, k] = y[i] + (rank - (count - 1) / 2) * min(7.0, OP_H / 2 / count)
            last_hops[i, k] = bend(node_chains[k][-2], i, arrive[i, k], entry)

    left, at = [], float(MARGIN)
    for c in range(ncol):
        if c:
            at += gap[c - 1] + pill_w[c] + OP_ARROW
        left.append(at)
        at += col_w[c]
    x = [left[col[i]] for i in range(n)]  # a column's boxes share their left edge, where op arrows arrive

    def extend(
        points: list[tuple[float, float]], u: int, v: int, hop: tuple[float, float], yb: float
    ) -> None:
        for point in ((left[col[u]] + hop[0], y[u]), (left[col[v]] + hop[1], yb)):
            level = (
                len(points) > 1
                and abs(points[-2][1] - point[1]) < 0.05
                and abs(points[-1][1] - point[1]) < 0.05
            )
            if level:
                points[-1] = point  # a level run goes on
            else:
                points.append(point)

    # A lane's route once, with where each of its edges leaves it (they share it that far).
    lane_routes = {}
    for p in dict.fromkeys(chain[0] for node_chains in chains for chain in node_chains):
        points = [(x[p] + need[p], y[p])]
        marks = [(1, points[0])]  # after m waypoints: how many points, the last one as it was then
        for u, v in pairwise([p, *lanes.get(p, [])]):
            extend(points, u, v, lane_hops[u, v], y[v])
            marks.append((len(points), points[-1]))
        lane_routes[p] = points, marks
    routes = []
    for i, node_chains in enumerate(chains):
        node_routes = []
        for k, chain in enumerate(node_chains):
            points, marks = lane_routes[chain[0]]
            length, last = marks[len(chain) - 2]
            route = [*points[: length - 1], last]
            extend(route, chain[-2], i, last_hops[i, k], arrive[i, k])
            route.append((x[i] - OP_ARROW - op_w[i] + 1, arrive[i, k]))
            node_routes.append(route)
        routes.append(node_routes)
    return x, at + MARGIN, routes


# -- drawing -----------------------------------------------------------------


def _svg(nodes: list[dict], layout: Layout, groups: list[dict] | None = None, collapsed: bool = False) -> str:
    """The graph as inline SVG: edges first (under the boxes), then op pills, then value boxes.

    With `groups`, the full graph of a page that opens collapsed (hidden at first), each
    group's nodes in a labelled frame. With `collapsed`, the drawing of `_collapsed`: a
    group's box is ``data-node="g<k>"`` (k: its place in the data's groups), a node's box
    and op keep the node's number, and the edges join those ids."""
    name = html.escape(nodes[-1]["name"])
    svg_id, prefix = ("graph-collapsed", "c-") if collapsed else ("graph", "")
    attrs = f' style="--gw: {math.ceil(layout.width)}"' if collapsed else ' hidden=""' if groups else ""
    parts = [
        f'<svg id="{svg_id}" viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" role="img" '
        f'aria-label="computation graph of {name}" xmlns="http://www.w3.org/2000/svg"{attrs}><defs>',
        *(
            f'<marker id="{prefix}{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z"/></marker>'
            for marker in ("arrow", "arrow-fwd", "arrow-bwd")
        ),
        "</defs>",
    ]
    if collapsed:
        ident = [f"g{node['group']}" if node["kind"] == "group" else str(node["node"]) for node in nodes]
        numbers = [node["node"] for node in nodes]
    else:
        ident, numbers = [str(i) for i in range(len(nodes))], list(range(len(nodes)))
    if groups:
        parts += ['<g class="frames">', *(_frame_svg(k, g, layout) for k, g in enumerate(groups)), "</g>"]
    edges, ops = [], []
    for i, node in enumerate(nodes):
        if node["parents"]:
            edges += _edges_svg(i, node, layout, ident)
            if node["op"]:
                ops.append(_op_svg(i, node, layout, numbers[i]))
    boxes = [_box_svg(i, node, layout, i == len(nodes) - 1, ident[i]) for i, node in enumerate(nodes)]
    parts += ['<g class="edges">', *edges, '</g><g class="ops">', *ops, "</g>", *boxes, "</svg>"]
    return "".join(parts)


def _frame_svg(k: int, group: dict, layout: Layout) -> str:
    """Group k's frame in the full drawing: around its boxes and op pills, its name on top.
    A click on it collapses the groups again (the page's script)."""
    members = group["nodes"]
    left = (
        min(layout.x[i] - (OP_ARROW + layout.op_w[i] if layout.op_w[i] else 0) for i in members) - FRAME_PAD
    )
    right = max(layout.x[i] + layout.w[i] for i in members) + FRAME_PAD
    top = min(layout.y[i] for i in members) - BOX_H / 2 - FRAME_PAD - FRAME_LABEL
    bottom = max(layout.y[i] for i in members) + BOX_H / 2 + FRAME_PAD
    name = html.escape(group["name"])
    return (
        f'<g class="frame" data-group="{k}" tabindex="0" role="button" aria-label="collapse {name}">'
        f"<title>{name}: {len(members)} nodes (click to collapse the groups)</title>"
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" rx="10"/>'
        f'<text x="{left + 8:.1f}" y="{top + 13:.1f}">{name}</text></g>'
    )


def _edges_svg(i: int, node: dict, layout: Layout, ident: list[str] | None = None) -> list[str]:
    """Node i's input edges, each one path from its input's box to i's op pill through its
    waypoints (level runs joined by cubic bends with level tangents: one smooth curve),
    and the arrow from the pill to its box (a collapsed group's edges end at its box).
    `ident` names the boxes in the edges' data-from and data-to (default: their numbers)."""
    x, y = layout.x[i], layout.y[i]
    name = ident or [str(k) for k in range(len(layout.x))]
    paths = []
    for p, points in zip(node["parents"], layout.routes[i]):
        if not node["op"]:
            points = [*points[:-1], (x - 1, points[-1][1])]
        d = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
        for (x1, y1), (x2, y2) in pairwise(points):
            if abs(y2 - y1) < 0.05:
                if x2 - x1 >= 0.05:
                    d.append(f"L{x2:.1f},{y2:.1f}")
            else:
                dx = (x2 - x1) / 2
                d.append(f"C{x1 + dx:.1f},{y1:.1f} {x2 - dx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}")
        paths.append(f'<path class="edge" data-from="{name[p]}" data-to="{name[i]}" d="{" ".join(d)}"/>')
    if node["op"]:
        paths.append(
            f'<path class="edge out" data-from="op{name[i]}" data-to="{name[i]}" '
            f'd="M{x - OP_ARROW - 1:.1f},{y:.1f} L{x - 1:.1f},{y:.1f}"/>'
        )
    return paths


def _op_svg(i: int, node: dict, layout: Layout, number: int | None = None) -> str:
    """Node i's op: a pill (a circle for a one-character op) holding its name; `number`:
    the node's number in the data, when the drawing's i is not (the collapsed graph)."""
    op, width = html.escape(node["op"]), layout.op_w[i]
    left, y = layout.x[i] - OP_ARROW - width, layout.y[i]
    return (
        f'<g class="op" data-op="{i if number is None else number}">'
        f"<title>{op}: {html.escape(node['expr'])}</title>"
        f'<rect x="{left:.1f}" y="{y - OP_H / 2:.1f}" width="{width:.1f}" height="{OP_H}" '
        f'rx="{OP_H / 2}"/><text x="{left + width / 2:.1f}" y="{y + 4:.1f}">{op}</text></g>'
    )


def _box_svg(i: int, node: dict, layout: Layout, root: bool, ident: str | None = None) -> str:
    """Node i's box: a coloured band with its name over a data row and a grad row (filled
    in by the page). A collapsed group's box shows its output's; `ident` is its data-node."""
    e = html.escape
    group = node["kind"] == "group"
    x, w, top = layout.x[i], layout.w[i], layout.y[i] - BOX_H / 2
    shape = f'<tspan class="shape"> {e(node["shape"])}</tspan>' if "shape" in node else ""
    tooltip = f"{node['name']} = {node['expr']}" if node["expr"] else node["name"]
    if group:
        tooltip = f"{node['name']}: {node['size']} nodes, its output {node['output_name']} shown"
    rows = []
    for k, (label, cls) in enumerate((("out" if group else "data", "value"), ("grad", "grad")), start=1):
        baseline = top + TITLE_H + k * ROW_H - 5
        rows.append(
            f'<text class="label" x="{x + PAD:.1f}" y="{baseline:.1f}">{label}</text>'
            f'<text class="{cls}" x="{x + w - PAD:.1f}" y="{baseline:.1f}" data-{cls}="">?</text>'
        )
    r = 7  # corner radius; the band is the box's top with its rounded corners
    band = (
        f"M{x:.1f},{top + TITLE_H:.1f} V{top + r:.1f} A{r},{r} 0 0 1 {x + r:.1f},{top:.1f} "
        f"H{x + w - r:.1f} A{r},{r} 0 0 1 {x + w:.1f},{top + r:.1f} V{top + TITLE_H:.1f} Z"
    )
    kind = node["kind"] + (" root" if root else "")
    rule_y, halo = top + TITLE_H, 7
    if group:  # a second box peeking out behind: there is more inside
        head = (
            f' data-group="{node["group"]}" tabindex="0" role="button" aria-label="expand {e(node["name"])}">'
            f"<title>{e(tooltip)} (a group: click to expand)</title>"
        )
        behind = (
            f'<rect class="behind" x="{x + 4:.1f}" y="{top + 4:.1f}" width="{w:.1f}" '
            f'height="{BOX_H}" rx="{r}"/>'
        )
    else:
        head = f' data-name="{e(node["name"])}"><title>{e(tooltip)} ({KIND_TEXT[node["kind"]]})</title>'
        behind = ""
    return (
        f'<g class="node {kind}" data-node="{ident if ident is not None else i}"{head}'
        f'<rect class="halo" x="{x - halo:.1f}" y="{top - halo:.1f}" width="{w + 2 * halo:.1f}" '
        f'height="{BOX_H + 2 * halo}" rx="12"/>{behind}'
        f'<rect class="box" x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{BOX_H}" rx="{r}"/>'
        f'<path class="band" d="{band}"/>'
        f'<line class="rule" x1="{x:.1f}" y1="{rule_y:.1f}" x2="{x + w:.1f}" y2="{rule_y:.1f}"/>'
        f'<text class="name" x="{x + w / 2:.1f}" y="{top + 15.5:.1f}" '
        f'style="font-size: {layout.font[i]:.1f}px">'
        f"{e(_box_name(node['name']))}{shape}</text>{''.join(rows)}</g>"
    )


def _page(
    data: dict, svg: str, layout: Layout, collapsed_svg: str = "", collapsed: Layout | None = None
) -> str:
    """The template with the title, the SVG and the data (as JSON that cannot end its <script>).
    A graph with groups brings its collapsed drawing too, shown first, and the button that
    switches between the two."""
    payload = json.dumps(data, ensure_ascii=False)  # every number is already a string
    # "<" only occurs inside JSON strings, where \u003c is the same character: no "</script>", no "<!--".
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    payload = payload.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    template = resources.files(__package__).joinpath("explain_page.html").read_text(encoding="utf-8")
    # The chain-rule panel beside the graph on a wide screen when the graph is not too wide;
    # a graph with groups always: its steps then keep both in view at once.
    side = "side" if collapsed or layout.width < 2.2 * layout.height else "stacked"
    update = (
        f" Then the update moves each parameter against its gradient (lr = {data['lr']})."
        if "lr" in data
        else ""
    )
    fills = {
        "TITLE": html.escape(f"explain({data['root']})"),
        "ROOT": html.escape(data["root"]),
        "UPDATE": html.escape(update),
        "LAYOUT": side,
        "GRAPH_WIDTH": f"{math.ceil(layout.width)}",
        "SVG": collapsed_svg + svg,
        "DATA": payload,
        "GROUP_BUTTON": (
            '<button id="groups" type="button" aria-pressed="false" '
            'title="Draw every node of every group, or each group as one box">Expand all</button>'
            if collapsed_svg
            else ""
        ),
        "GROUP_LEGEND": (
            '<span><span class="swatch sw-group"></span>group (click to open)</span>' if collapsed_svg else ""
        ),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m.group(1)], template)  # one pass: labels stay literal
