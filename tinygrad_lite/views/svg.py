"""The explorer's graph as inline SVG, drawn where `layout` placed it.

The boxes' numbers are left for the page's script to fill in, step by step."""

from __future__ import annotations

import html
import math
from itertools import pairwise

from .layout import (
    FRAME_LABEL,
    FRAME_PAD,
    HEAT_PAD,
    OP_ARROW,
    OP_H,
    PAD,
    ROW_H,
    TITLE_H,
    Layout,
    box_name,
    heat_cell,
    heat_grid,
    heat_row_height,
)

KIND_TEXT = {"parameter": "parameter", "constant": "input / constant", "result": "computed"}


#: The arrowheads, defined once for every drawing (a marker inside a hidden drawing would not show).
MARKERS = (
    '<svg class="markers" width="0" height="0" aria-hidden="true" style="position: absolute"><defs>'
    + "".join(
        f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z"/></marker>'
        for marker in ("arrow", "arrow-fwd", "arrow-bwd")
    )
    + "</defs></svg>"
)


HIDDEN = ' hidden=""'
BRIDGE = 44  # the least overlap of two neighbouring columns' rectangles of a frame: room for a bridge


def graph_svg(
    items: list[dict], layout: Layout, svg_id: str, groups: list[dict] | None = None, hidden: bool = False
) -> str:
    """One drawing of the graph as inline SVG: frames, then edges, op pills and boxes.

    `items` are the nodes in forward order, or a drawing made by `collapse.collapsed`: a
    closed group's box is ``data-node="g<k>"`` (k: its place in `groups`), a node's box
    and op keep the node's number (``item["node"]``), and the edges join those ids; the
    nodes of an opened group (``"cluster": k``) stand in its labelled frame."""
    name = html.escape(items[-1]["name"])
    ident = [
        f"g{item['group']}" if item["kind"] == "group" else str(item.get("node", i))
        for i, item in enumerate(items)
    ]
    numbers = [item.get("node", i) for i, item in enumerate(items)]
    opened = (
        "all" if svg_id == "graph" else svg_id.removeprefix("graph-open-") if "open" in svg_id else "none"
    )
    parts = [
        f'<svg id="{svg_id}" class="drawing" data-open="{opened}" viewBox="0 0 {layout.width:.0f} '
        f'{layout.height:.0f}" style="--gw: {math.ceil(layout.width)}; --gh: {math.ceil(layout.height)}" '
        f'role="img" aria-label="computation graph of {name}" xmlns="http://www.w3.org/2000/svg"'
        f"{HIDDEN if hidden else ''}>"
    ]
    clusters: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        if "cluster" in item:
            clusters.setdefault(item["cluster"], []).append(i)
    if clusters and groups:
        parts += [
            '<g class="frames">',
            *(_frame_svg(k, groups[k]["name"], m, layout) for k, m in clusters.items()),
            "</g>",
        ]
    edges, ops = [], []
    for i, item in enumerate(items):
        if item["parents"]:
            edges += _edges_svg(i, item, layout, ident)
            if item["op"]:
                ops.append(_op_svg(i, item, layout, numbers[i]))
    boxes = [_box_svg(i, item, layout, i == len(items) - 1, ident[i]) for i, item in enumerate(items)]
    parts += ['<g class="edges">', *edges, '</g><g class="ops">', *ops, "</g>", *boxes, "</svg>"]
    return "".join(parts)


def _frame_svg(k: int, name: str, members: list[int], layout: Layout) -> str:
    """Group k's frame around its `members` (their boxes and op pills), its name on top; a
    click on it closes the group (the page's script).

    The frame is the union of one rectangle per column (and bridges between neighbouring
    columns), so that it hugs its members and never covers a box of another group: the
    layout keeps a group's members together in each column. Drawn as every rectangle's
    thick outline, then every rectangle's fill over it: only the union's outline shows."""
    columns: dict[float, list[int]] = {}
    for i in members:
        columns.setdefault(layout.x[i], []).append(i)
    rects = []  # per column: left, top, right, bottom, and how far up and down it may stretch
    for x in sorted(columns):
        inside = columns[x]
        left = min(x - (OP_ARROW + layout.op_w[i] if layout.op_w[i] else 0) for i in inside) - FRAME_PAD
        right = max(x + layout.w[i] for i in inside) + FRAME_PAD
        room = FRAME_LABEL if not rects else 0.0  # the name goes above the first column
        top = min(layout.y[i] - layout.h[i] / 2 for i in inside) - FRAME_PAD - room
        bottom = max(layout.y[i] + layout.h[i] / 2 for i in inside) + FRAME_PAD
        others = [j for j, xj in enumerate(layout.x) if xj == x and j not in inside]
        # clear of the boxes of other groups in its column, and of their frames' padding and name
        clear = [(layout.y[j] - layout.h[j] / 2, layout.y[j] + layout.h[j] / 2) for j in others]
        ceiling = max((b + 2 * FRAME_PAD + 2 for t, b in clear if b <= top), default=-math.inf)
        floor = min((t - 2 * FRAME_PAD - FRAME_LABEL - 2 for t, b in clear if t >= bottom), default=math.inf)
        rects.append([left, top, right, bottom, ceiling, floor])
    # Neighbouring columns whose rectangles do not overlap enough for a bridge stretch towards
    # each other, as far as the other boxes of their columns let them: one frame, not islands.
    for a, b in pairwise(rects):
        upper, lower = (a, b) if a[1] <= b[1] else (b, a)
        if upper[3] < lower[1] + BRIDGE:
            upper[3] = max(upper[3], min(upper[5], lower[1] + BRIDGE))
            lower[1] = min(lower[1], max(lower[4], upper[3] - BRIDGE))
    bridges = [
        (r1, max(t1, t2) + 6, l2, min(b1, b2) - 6)
        for (_, t1, r1, b1, *_), (l2, t2, _, b2, *_) in pairwise(rects)
        if min(b1, b2) - max(t1, t2) > 12
    ]
    rects = [tuple(r[:4]) for r in rects]
    shapes = [
        f'x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" rx="{r}"'
        for r, boxes in ((10, rects), (0, bridges))
        for left, top, right, bottom in boxes
    ]
    label = html.escape(name)
    return (
        f'<g class="frame" data-group="{k}" tabindex="0" role="button" aria-label="close {label}">'
        f"<title>{label}: {len(members)} nodes (click to draw it as one box again)</title>"
        + "".join(f'<rect class="outline" {shape}/>' for shape in shapes)
        + "".join(f'<rect class="fill" {shape}/>' for shape in shapes)
        + f'<text x="{rects[0][0] + 8:.1f}" y="{rects[0][1] + 13:.1f}">{label}</text></g>'
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
    in by the page), each a number or, for an array too big for numbers, a heatmap. A
    collapsed group's box shows its output's; `ident` is its data-node."""
    e = html.escape
    group = node["kind"] == "group"
    x, w, h = layout.x[i], layout.w[i], layout.h[i]
    top = layout.y[i] - h / 2
    shape = f'<tspan class="shape"> {e(node["shape"])}</tspan>' if "shape" in node else ""
    tooltip = f"{node['name']} = {node['expr']}" if node["expr"] else node["name"]
    if group:
        tooltip = f"{node['name']}: {node['size']} nodes, its output {node['output_name']} shown"
    grid = heat_grid(node)
    row_h = ROW_H if grid is None else heat_row_height(grid)
    rows = []
    for k, (label, cls) in enumerate((("out" if group else "data", "value"), ("grad", "grad"))):
        row_top = top + TITLE_H + k * row_h
        baseline = row_top + ROW_H - 5
        rows.append(f'<text class="label" x="{x + PAD:.1f}" y="{baseline:.1f}">{label}</text>')
        if grid is None:
            right = x + w - PAD
            rows.append(f'<text class="{cls}" x="{right:.1f}" y="{baseline:.1f}" data-{cls}="">?</text>')
        else:
            rows.append(_heat_svg(cls, label, grid, x + w - PAD, row_top + HEAT_PAD))
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
            f'<rect class="behind" x="{x + 4:.1f}" y="{top + 4:.1f}" width="{w:.1f}" height="{h}" rx="{r}"/>'
        )
    else:
        head = f' data-name="{e(node["name"])}"><title>{e(tooltip)} ({KIND_TEXT[node["kind"]]})</title>'
        behind = ""
    return (
        f'<g class="node {kind}" data-node="{ident if ident is not None else i}"{head}'
        f'<rect class="halo" x="{x - halo:.1f}" y="{top - halo:.1f}" width="{w + 2 * halo:.1f}" '
        f'height="{h + 2 * halo}" rx="12"/>{behind}'
        f'<rect class="box" x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h}" rx="{r}"/>'
        f'<path class="band" d="{band}"/>'
        f'<line class="rule" x1="{x:.1f}" y1="{rule_y:.1f}" x2="{x + w:.1f}" y2="{rule_y:.1f}"/>'
        f'<text class="name" x="{x + w / 2:.1f}" y="{top + 15.5:.1f}" '
        f'style="font-size: {layout.font[i]:.1f}px">'
        f"{e(box_name(node['name']))}{shape}</text>{''.join(rows)}</g>"
    )


def _heat_svg(cls: str, label: str, grid: list[int], right: float, top: float) -> str:
    """A box's heatmap row: its grid of cells (the page sets their fills, step by step), right
    edge at `right`, framed; and the text that stands in for it while its value is not known
    ("?"), over its middle. The cells are grey until then (the class "unknown")."""
    rows, cols = grid
    cell = heat_cell(grid)
    left = right - cols * cell
    cells = "".join(
        f'<rect x="{c * cell}" y="{r * cell}" width="{cell}" height="{cell}"/>'
        for r in range(rows)
        for c in range(cols)
    )
    return (
        f'<g class="heat unknown" data-heat="{cls}" transform="translate({left:.1f} {top:.1f})" '
        f'role="img" aria-label="{label}: not known yet"><title>{label}: not known yet</title>'
        f'<g class="cells">{cells}</g><rect class="frame" width="{cols * cell}" height="{rows * cell}"/></g>'
        f'<text class="{cls} on-heat" x="{left + cols * cell / 2:.1f}" y="{top + rows * cell / 2 + 4:.1f}" '
        f'data-{cls}="">?</text>'
    )
