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

The drawing is computed in Python (`layout`, `svg`), not by Graphviz; the page
(`explorer/`) only draws it and steps through the recorded numbers.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from ..tensor import Tensor
from ..value import Value
from . import page
from .collapse import collapsed, outer_group_boxes
from .layout import Layout, layout_graph
from .show import full, heats, shape_text, short
from .steps import (
    PathsToRoot,
    backward_steps,
    expression,
    format_number,
    forward_order,
    kind,
    names_with_precedence,
)
from .svg import MARKERS, graph_svg
from .update import lr_text, skipped, update_plan, update_steps

#: A backward step lists at most this many paths from its node to the root (and says how many there are).
MAX_PATHS = 12
#: A graph with groups of up to this many nodes opens with every group open (in its frame).
OPEN_AT_FIRST = 40
#: A page with groups has a drawing per group opened alone while they add at most this many boxes.
OPEN_BOXES = 2000


class Explanation:
    """The page made by `explain`: ``save(path)`` writes it, Jupyter shows it inline."""

    def __init__(self, text: str, height: int) -> None:
        self.html = text
        self._height = height

    def save(self, path: str | Path) -> Path:
        """Write the page as one self-contained HTML file (parent folders created); return its path."""
        return page.write(self.html, path)

    def _repr_html_(self) -> str:
        """The page in an iframe as wide as the cell; the page sets the frame's height to its
        own as it grows, the height here being only the first guess."""
        return page.iframe(self.html, self._height, "tinygrad_lite explorer")


def explain(root: Any, grad: Any = None, *, lr: float | None = None, optimizer: Any = None) -> Explanation:
    """A step-through page for the graph behind `root` (a `Value` or a `Tensor`).

    `grad` is dL/droot, as for ``root.backward(grad)`` (needed for a Tensor of
    more than one element). With a learning rate `lr`, or a plain SGD
    `optimizer` (``nn.optim.SGD`` without momentum: its ``lr``, and only the
    parameters it holds), the page ends with an update phase: one step per
    parameter, ``w <- w - lr * dL/dw``, the numbers those of one SGD step.
    Every node's ``data`` and ``grad`` are the same after the call as before it."""
    order = forward_order(root)
    rate, chosen = update_plan(order, lr, optimizer)
    data, leaf_grads = _record(root, grad, order)
    if rate is not None:
        data["lr"] = lr_text(rate)
        names = [node["name"] for node in data["nodes"]]
        data["update"] = update_steps(order, names, leaf_grads, rate, chosen)
        data["not_updated"] = [names[i] for i, node in enumerate(order) if skipped(node, chosen)]
    groups = outer_group_boxes(order)
    if groups:
        data["groups"] = groups
        for k, group in enumerate(groups):
            for i in group["nodes"]:
                data["nodes"][i]["group"] = k
    folded = collapsed(data) if groups else None
    if folded is None:
        data.pop("groups", None)  # groups that cannot be drawn as boxes (they use each other): none
        for node in data["nodes"]:
            node.pop("group", None)
        layout = layout_graph(data)
        return Explanation(_page(data, graph_svg(data["nodes"], layout, "graph")), _height(layout))
    small = layout_graph(folded)
    big = len(order) > OPEN_AT_FIRST  # a small graph opens with its groups open, a big one closed
    everything = collapsed(data, frozenset(range(len(groups))))
    drawings = (
        graph_svg(folded["nodes"], small, "graph-collapsed", groups, hidden=not big)
        + graph_svg(everything["nodes"], layout_graph(everything), "graph", groups, hidden=big)
        + _one_group_open(data, small)
    )
    return Explanation(_page(data, drawings, grouped=True), _height(small))


def _height(layout: Layout) -> int:
    """A first guess at the page's height, for a notebook's frame (the page then sets it)."""
    return int(min(1100, max(640, layout.height * 0.75 + 520)))


def _one_group_open(data: dict, folded: Layout) -> str:
    """The drawings with one group open, the others still boxes: what a click on a group's box
    shows (``id="graph-open-<k>"``, hidden at first). Only while they add at most `OPEN_BOXES`
    boxes to the page; beyond, a click on a group shows every group open (the page's script)."""
    groups = data["groups"]
    if sum(len(folded.x) + len(group["nodes"]) for group in groups) > OPEN_BOXES:
        return ""
    drawings = []
    for k in range(len(groups)):
        drawing = collapsed(data, frozenset([k]))
        if drawing is not None:  # else the other groups use each other both ways: no order of boxes
            drawings.append(
                graph_svg(drawing["nodes"], layout_graph(drawing), f"graph-open-{k}", groups, True)
            )
    return "".join(drawings)


# -- recording ---------------------------------------------------------------


def _record(root: Any, grad: Any, order: list) -> tuple[dict, dict[int, Any]]:
    """Everything the page shows, as JSON-ready data: the nodes in forward
    order and the backward steps with the running gradient of each parent;
    and each leaf's gradient from this pass (by id), for the update. An array
    too big for a box also comes as a heatmap (`show.heat`): ``data_heat``,
    ``grad_heat``, and each edge's ``contribution_heat`` and ``total_heat``."""
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
                        "contribution": full(e.contribution),
                        "total": short(running[id(e.parent)]),  # the parent's gradient after this edge
                        "total_full": full(running[id(e.parent)]),
                        **heats(contribution=e.contribution, total=running[id(e.parent)]),
                    }
                )
            if not step.node.parents:
                leaf_grads[id(step.node)] = step.grad
            steps.append(
                {
                    "node": index[id(step.node)],
                    "grad": short(step.grad),
                    "grad_full": full(step.grad),
                    **heats(grad=step.grad),
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
        "data": short(node.data),
        "data_full": full(node.data),
        **heats(data=node.data),
    }
    if isinstance(node, Tensor):
        entry["shape"] = shape_text(node.shape)
    return entry


def _page(data: dict, drawings: str, grouped: bool = False) -> str:
    """The template with the title, the drawings (SVG) and the data (as JSON that cannot end
    its <script>). A graph with groups brings the button that opens or closes them all."""
    template, style, script = page.inline_files(__package__, "explorer", "page.html", "explorer.css", SCRIPTS)
    update = (
        f" Then the update moves each parameter against its gradient (lr = {data['lr']})."
        if "lr" in data
        else ""
    )
    fills = {
        "TITLE": html.escape(f"explain({data['root']})"),
        "ROOT": html.escape(data["root"]),
        "UPDATE": html.escape(update),
        "SVG": MARKERS + drawings,
        "DATA": page.script_json(data),  # every number is already a string
        "STYLE": style,
        "SCRIPT": script,
        "GROUP_BUTTON": (
            '<button id="groups" type="button" aria-pressed="false" '
            'title="Draw every node of every group, or each group as one box">Expand all</button>'
            if grouped
            else ""
        ),
        "GROUP_LEGEND": (
            '<span><span class="swatch sw-group"></span>group (click to open)</span>' if grouped else ""
        ),
    }
    return page.fill(template, fills)


#: The page's scripts, in the order they are inlined (one function: they share its scope).
SCRIPTS = ("core.js", "heatmap.js", "graph.js", "panel.js", "viewport.js", "groups.js", "controls.js")
