"""`explain`: a self-contained web page that steps through a graph's forward and backward passes.

``explain(loss).save("loss.html")`` writes ONE HTML file (inline CSS, JS and
SVG: no network, no server) showing the graph behind `loss`, inputs on the
left and the root on the right. Previous / Next / Play walk it node by node:

- forward: each node's data appears as it is computed, its op and the edges
  from its inputs lit;
- backward (`backward_steps`, root first): each node's gradient, complete when
  reached, then the chain rule for each parent: the local derivative, the
  contribution ``local x grad`` and the parent's running gradient.

In Jupyter the same page displays inline (``_repr_html_``). The graph is
left as it was found: gradients are snapshotted before the recorded backward
pass and restored after it.

The drawing is computed here, not by Graphviz: a layered layout whose column
is the longest path from the inputs (a leaf sits just left of its first
user), ordered within columns by barycentre sweeps that reduce crossings,
then spaced vertically so that edges run as straight as the order allows.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .steps import backward_steps, expression, format_number, forward_order, kind, names_with_precedence
from .tensor import Tensor
from .value import Value

#: A Tensor with at most this many elements shows its values in the graph; the panel shows up to `PANEL_SIZE`.
BOX_SIZE = 3
PANEL_SIZE = 24
#: Names longer than this are cut in the boxes (the full name is in the tooltip and the panel).
BOX_NAME = 22
SWEEPS = 8  # barycentre sweeps, alternating left-to-right and right-to-left
MAX_CROSSING_EDGES = 400  # above this many edges, crossings are not counted

# Geometry of the drawing, in SVG user units.
MARGIN = 16
TITLE_H, ROW_H, PAD = 22, 18, 7
BOX_H = TITLE_H + 2 * ROW_H + PAD
ROW_GAP = 18  # vertical space between two boxes of a column
OP_H, OP_ARROW, CURVE = 22, 8, 18  # op pill height, op -> box arrow, room for the input curves
NAME_FONT, MIN_NAME_FONT, VALUE_FONT, SMALL_FONT, OP_FONT = 13.5, 12.0, 13.0, 9.5, 12.0
KIND_TEXT = {"parameter": "parameter", "constant": "input / constant", "result": "computed"}


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
        """The page in an iframe (its own document: its ids and script cannot clash with the notebook's)."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width: 100%; height: {self._height}px; border: 1px solid #dee2e6; border-radius: 8px" '
            'title="tinygrad_lite explorer"></iframe>'
        )


def explain(root: Any, grad: Any = None) -> Explanation:
    """A step-through page for the graph behind `root` (a `Value` or a `Tensor`).

    `grad` is dL/droot, as for ``root.backward(grad)`` (needed for a Tensor of
    more than one element). Every node's ``grad`` is the same after the call
    as before it."""
    order = forward_order(root)
    data = _record(root, grad, order)
    layout = _layout(data)
    svg = _svg(data["nodes"], layout)
    height = int(min(1100, max(640, layout.height * 0.75 + 520)))
    return Explanation(_page(data, svg, layout), height)


# -- recording ---------------------------------------------------------------


def _record(root: Any, grad: Any, order: list) -> dict:
    """Everything the page shows, as JSON-ready data: the nodes in forward
    order and the backward steps with the running gradient of each parent."""
    index = {id(node): i for i, node in enumerate(order)}
    named = names_with_precedence(order)
    names = {key: name for key, (name, _) in named.items()}
    nodes = [_node_entry(node, named, index) for node in order]
    saved = [node.grad for node in order]  # restored as they were: nothing below writes into them
    try:
        for node in order:  # leaves accumulate: start them from zero so the page shows this pass alone
            if not node.parents:
                node.grad = 0.0 if isinstance(node, Value) else None
        steps = []
        for step in backward_steps(root, grad):
            edges = [
                {
                    "parent": index[id(e.parent)],
                    "parent_name": e.parent_name,
                    "formula": e.formula,
                    "local": None if e.local is None else format_number(e.local),
                    "contribution": _full(e.contribution),
                    "total": _short(e.parent.grad),  # the parent's running gradient after this step
                    "total_full": _full(e.parent.grad),
                }
                for e in step.edges
            ]
            steps.append(
                {
                    "node": index[id(step.node)],
                    "grad": _short(step.grad),
                    "grad_full": _full(step.grad),
                    "describe": step.describe(),
                    "edges": edges,
                }
            )
    finally:
        for node, old in zip(order, saved):
            node.grad = old
    return {"root": names[id(root)], "nodes": nodes, "backward": steps}


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


def _order_columns(col: list[int], parents: list[list[int]], users: list[list[int]]) -> list[list[int]]:
    """Nodes of each column top to bottom: barycentre sweeps, keeping the order with fewest crossings."""
    ncol = max(col) + 1
    columns: list[list[int]] = [[] for _ in range(ncol)]
    for i, c in enumerate(col):
        columns[c].append(i)
    edges = [(p, i) for i, ps in enumerate(parents) for p in ps]
    counting = len(edges) <= MAX_CROSSING_EDGES  # counting is quadratic: a big graph keeps the last sweep
    best, best_crossings = [c[:] for c in columns], _crossings(columns, col, edges) if counting else 0
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        pos = _positions(columns)
        first, second = (parents, users) if forward else (users, parents)
        for c in range(ncol) if forward else reversed(range(ncol)):
            key = {}
            for i in columns[c]:
                near = first[i] or second[i]  # a node with no neighbour on this side looks at the other
                key[i] = sum(pos[j] for j in near) / len(near) if near else pos[i]
            columns[c].sort(key=key.__getitem__)
            pos.update(_positions([columns[c]]))
        if not counting:
            continue
        crossings = _crossings(columns, col, edges)
        if crossings < best_crossings:
            best, best_crossings = [c[:] for c in columns], crossings
    return best if counting else columns


def _positions(columns: list[list[int]]) -> dict[int, float]:
    """Each node's place in its column, centred on 0 so that columns of different sizes line up."""
    return {i: k - (len(c) - 1) / 2 for c in columns for k, i in enumerate(c)}


def _crossings(columns: list[list[int]], col: list[int], edges: list[tuple[int, int]]) -> int:
    """How many pairs of edges cross, drawn as straight lines between (column, place) points."""
    pos = _positions(columns)
    count = 0
    for k, (a, b) in enumerate(edges):
        for c, d in edges[k + 1 :]:
            lo, hi = max(col[a], col[c]), min(col[b], col[d])
            if lo >= hi:
                continue

            def at(p: int, q: int, x: float) -> float:
                return pos[p] + (pos[q] - pos[p]) * (x - col[p]) / (col[q] - col[p])

            before, after = at(a, b, lo) - at(c, d, lo), at(a, b, hi) - at(c, d, hi)
            count += before * after < 0
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
    """Place every node: columns left to right, boxes of a column one width, spaced vertically."""
    nodes = data["nodes"]
    n = len(nodes)
    parents = [node["parents"] for node in nodes]
    users: list[list[int]] = [[] for _ in range(n)]
    for i, ps in enumerate(parents):
        for p in dict.fromkeys(ps):
            users[p].append(i)
    col = _columns(parents, users)
    columns = _order_columns(col, parents, users)

    longest = [""] * n  # the longest gradient each node will show
    for step in data["backward"]:
        for j, text in [(step["node"], step["grad"])] + [(e["parent"], e["total"]) for e in step["edges"]]:
            longest[j] = max(longest[j], text, key=len)
    need, op_w, font = [], [], []
    for i, node in enumerate(nodes):
        slot = max(len(node["data"]), len(longest[i]), len("-0.0000"))
        row = _text_width("data", SMALL_FONT) + 8 + _text_width("x" * slot, VALUE_FONT, mono=True)

        def title(size: float, node: dict = node) -> float:  # the shape is drawn at 0.85 em
            shape = _text_width(f" {node['shape']}", 0.85 * size) if "shape" in node else 0.0
            return _text_width(_box_name(node["name"]), size) + shape

        # a long name gets a smaller font, down to MIN_NAME_FONT, before it widens its box
        size = max(MIN_NAME_FONT, min(NAME_FONT, NAME_FONT * row / title(NAME_FONT)))
        font.append(size)
        need.append(max(title(size), row) + 2 * PAD)
        op_w.append(max(OP_H, _text_width(node["op"], OP_FONT) + 12) if node["parents"] else 0.0)

    x, width = [0.0] * n, float(MARGIN)
    for c, members in enumerate(columns):
        if c:
            width += max([op_w[i] for i in members] + [OP_H]) + OP_ARROW + CURVE
        for i in members:  # boxes of a column share their left edge, where the op's arrow arrives
            x[i] = width
        width += max((need[i] for i in members), default=0.0)
    width += MARGIN

    # Vertical placement: each column as close as its order allows to the mean of its neighbours.
    y = [0.0] * n
    for members in columns:
        for k, i in enumerate(members):
            y[i] = k * (BOX_H + ROW_GAP)
    neighbours = [parents[i] + users[i] for i in range(n)]
    for sweep in range(12):
        sequence = columns if sweep % 2 == 0 else columns[::-1]
        for members in sequence:
            if not members:
                continue
            targets = [
                sum(y[j] for j in neighbours[i]) / len(neighbours[i]) if neighbours[i] else y[i]
                for i in members
            ]
            for i, yi in zip(members, _spread(targets, [BOX_H + ROW_GAP] * (len(members) - 1))):
                y[i] = yi
    top = min(y) - BOX_H / 2
    y = [yi - top + MARGIN for yi in y]
    height = max(y) + BOX_H / 2 + MARGIN
    return Layout(x, y, need, op_w, font, width, height)


# -- drawing -----------------------------------------------------------------


def _svg(nodes: list[dict], layout: Layout) -> str:
    """The graph as inline SVG: edges first (under the boxes), then op pills, then value boxes."""
    name = html.escape(nodes[-1]["name"])
    parts = [
        f'<svg id="graph" viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" role="img" '
        f'aria-label="computation graph of {name}" xmlns="http://www.w3.org/2000/svg"><defs>',
        *(
            f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z"/></marker>'
            for marker in ("arrow", "arrow-fwd", "arrow-bwd")
        ),
        "</defs>",
    ]
    edges, ops = [], []
    for i, node in enumerate(nodes):
        if node["parents"]:
            edges += _edges_svg(i, node, layout)
            ops.append(_op_svg(i, node, layout))
    boxes = [_box_svg(i, node, layout, root=i == len(nodes) - 1) for i, node in enumerate(nodes)]
    parts += ['<g class="edges">', *edges, '</g><g class="ops">', *ops, "</g>", *boxes, "</svg>"]
    return "".join(parts)


def _edges_svg(i: int, node: dict, layout: Layout) -> list[str]:
    """Curves from each input's box to node i's op pill, and the arrow from the pill to its box."""
    x, y = layout.x[i], layout.y[i]
    pill_left = x - OP_ARROW - layout.op_w[i]
    paths = []
    n = len(node["parents"])
    for k, p in enumerate(node["parents"]):
        x1, y1 = layout.x[p] + layout.w[p], layout.y[p]
        # several inputs end a little apart on the pill, so their arrowheads don't pile up
        x2, y2 = pill_left + 1, y + (k - (n - 1) / 2) * min(7.0, OP_H / 2 / n)
        dx = max(12.0, (x2 - x1) / 2)
        paths.append(
            f'<path class="edge" data-from="{p}" data-to="{i}" d="M{x1:.1f},{y1:.1f} '
            f'C{x1 + dx:.1f},{y1:.1f} {x2 - dx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"/>'
        )
    paths.append(
        f'<path class="edge out" data-from="op{i}" data-to="{i}" '
        f'd="M{x - OP_ARROW - 1:.1f},{y:.1f} L{x - 1:.1f},{y:.1f}"/>'
    )
    return paths


def _op_svg(i: int, node: dict, layout: Layout) -> str:
    """Node i's op: a pill (a circle for a one-character op) holding its name."""
    op, width = html.escape(node["op"]), layout.op_w[i]
    left, y = layout.x[i] - OP_ARROW - width, layout.y[i]
    return (
        f'<g class="op" data-op="{i}"><title>{op}: {html.escape(node["expr"])}</title>'
        f'<rect x="{left:.1f}" y="{y - OP_H / 2:.1f}" width="{width:.1f}" height="{OP_H}" '
        f'rx="{OP_H / 2}"/><text x="{left + width / 2:.1f}" y="{y + 4:.1f}">{op}</text></g>'
    )


def _box_svg(i: int, node: dict, layout: Layout, root: bool) -> str:
    """Node i's box: a coloured band with its name over a data row and a grad row (filled in by the page)."""
    e = html.escape
    x, w, top = layout.x[i], layout.w[i], layout.y[i] - BOX_H / 2
    shape = f'<tspan class="shape"> {e(node["shape"])}</tspan>' if "shape" in node else ""
    tooltip = f"{node['name']} = {node['expr']}" if node["expr"] else node["name"]
    rows = []
    for k, (label, cls) in enumerate((("data", "value"), ("grad", "grad")), start=1):
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
    return (
        f'<g class="node {kind}" data-node="{i}" data-name="{e(node["name"])}">'
        f"<title>{e(tooltip)} ({KIND_TEXT[node['kind']]})</title>"
        f'<rect class="halo" x="{x - halo:.1f}" y="{top - halo:.1f}" width="{w + 2 * halo:.1f}" '
        f'height="{BOX_H + 2 * halo}" rx="12"/>'
        f'<rect class="box" x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{BOX_H}" rx="{r}"/>'
        f'<path class="band" d="{band}"/>'
        f'<line class="rule" x1="{x:.1f}" y1="{rule_y:.1f}" x2="{x + w:.1f}" y2="{rule_y:.1f}"/>'
        f'<text class="name" x="{x + w / 2:.1f}" y="{top + 15.5:.1f}" '
        f'style="font-size: {layout.font[i]:.1f}px">'
        f"{e(_box_name(node['name']))}{shape}</text>{''.join(rows)}</g>"
    )


def _page(data: dict, svg: str, layout: Layout) -> str:
    """The template with the title, the SVG and the data (as JSON that cannot end its <script>)."""
    payload = json.dumps(data, ensure_ascii=False)  # every number is already a string
    # "<" only occurs inside JSON strings, where \u003c is the same character: no "</script>", no "<!--".
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    payload = payload.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    template = resources.files(__package__).joinpath("explain_page.html").read_text(encoding="utf-8")
    side = "side" if layout.width < 2.2 * layout.height else "stacked"
    fills = {
        "TITLE": html.escape(f"explain({data['root']})"),
        "ROOT": html.escape(data["root"]),
        "LAYOUT": side,
        "GRAPH_WIDTH": f"{math.ceil(layout.width)}",
        "SVG": svg,
        "DATA": payload,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m.group(1)], template)  # one pass: labels stay literal
