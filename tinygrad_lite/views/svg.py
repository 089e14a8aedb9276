"""The explorer's graph as inline SVG, drawn where `layout` placed it.

The boxes' numbers are left for the page's script to fill in, step by step."""

from __future__ import annotations

import html
import math
from itertools import pairwise

from .layout import BOX_H, OP_ARROW, OP_H, PAD, ROW_H, TITLE_H, Layout, box_name

KIND_TEXT = {"parameter": "parameter", "constant": "input / constant", "result": "computed"}
FRAME_PAD, FRAME_LABEL = 8, 17  # a group's frame in the expanded drawing: around its boxes, room for its name


def graph_svg(
    nodes: list[dict], layout: Layout, groups: list[dict] | None = None, collapsed: bool = False
) -> str:
    """The graph as inline SVG: edges first (under the boxes), then op pills, then value boxes.

    With `groups`, the full graph of a page that opens collapsed (hidden at first), each
    group's nodes in a labelled frame. With `collapsed`, the drawing of `collapsed`: a
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
        f"{e(box_name(node['name']))}{shape}</text>{''.join(rows)}</g>"
    )
