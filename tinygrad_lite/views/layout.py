"""Where the explorer draws every box and edge: a layered layout (Sugiyama's).

A node's column is the longest path from the inputs (a leaf sits just left of its
first user). An edge that skips columns gets a waypoint in each column it passes,
so it runs in a lane between that column's boxes, never under one. Nodes and
waypoints are ordered within columns by barycentre sweeps that reduce crossings,
then spaced vertically so that edges run as straight as the order allows; an edge
bends only where no box or op pill stands in its way. Python computes all of it:
the page only draws.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import pairwise

#: Names longer than this are cut in the boxes (the full name is in the tooltip and the panel).
BOX_NAME = 22
SWEEPS = 8  # barycentre sweeps, alternating left-to-right and right-to-left

# Geometry of the drawing, in SVG user units.
MARGIN = 16
TITLE_H, ROW_H, PAD = 22, 18, 7
BOX_H = TITLE_H + 2 * ROW_H + PAD  # a box of numbers; a box of heatmaps is taller (`box_height`)
# A heatmap's cells in a box: HEAT_CELL units a side in a grid of up to 8 cells a side; in a bigger
# grid smaller, the grid spanning about HEAT_SPAN, but never under MIN_HEAT_CELL (a grid of 16 by 16,
# show.HEAT_SIDE): big enough to see. HEAT_PAD: between a heatmap and the edges of its row.
HEAT_CELL, MIN_HEAT_CELL, HEAT_SPAN, HEAT_PAD = 10, 6, 80, 3
ROW_GAP = 18  # vertical space between two boxes of a column
OP_H, OP_ARROW, CURVE = 22, 8, 18  # op pill height, op -> box arrow, least room for the input curves
LANE, LANE_CLEAR = 8, 12  # between two edges passing a column; from such an edge to a box (past its halo)
BEND_CLEAR = 2  # an edge bends this far clear of a box or pill (its stroke's width)
BEND_SLOPE, MAX_BEND = 0.4, 48  # a bend between columns is this wide per unit of height, up to MAX_BEND
FRAME_PAD, FRAME_LABEL = 8, 17  # an opened group's frame: around its boxes, room for its name above them
# Font sizes, as explorer.css draws them: none under 11 units, so that the page's least zoom, at
# which no text is under 11 px, is full size (a type's shape is drawn at 0.85 of its name's size).
NAME_FONT, MIN_NAME_FONT, VALUE_FONT, SMALL_FONT, OP_FONT = 13.5, 13.0, 13.0, 11.0, 12.0


@dataclass
class Layout:
    """Where every node's box (and op pill) goes."""

    x: list[float]  # box left edges
    y: list[float]  # box centres
    w: list[float]
    h: list[float]  # box heights: BOX_H, more for a box of heatmaps
    op_w: list[float]  # width of each node's op pill (0 for a leaf)
    font: list[float]  # font size of each node's name
    width: float
    height: float
    routes: list[list[list[tuple[float, float]]]]  # per node, per parent: where its edge runs level or bends


def text_width(text: str, size: float, mono: bool = False) -> float:
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


def box_name(name: str) -> str:
    return name if len(name) <= BOX_NAME else name[: BOX_NAME - 1] + "…"


def heat_grid(node: dict) -> list[int] | None:
    """[rows, cols] of the heatmaps a node's box draws (an array too big to show as numbers,
    `show.heat`), or None for a box of numbers."""
    return node["data_heat"]["grid"] if "data_heat" in node else None


def heat_cell(grid: list[int]) -> int:
    """The side of the cells of a box's heatmap of this grid (see HEAT_CELL)."""
    return max(MIN_HEAT_CELL, min(HEAT_CELL, HEAT_SPAN // max(grid)))


def heat_row_height(grid: list[int]) -> float:
    """The height of a box's data row (and of its grad row) when they draw heatmaps."""
    return max(ROW_H, grid[0] * heat_cell(grid) + 2 * HEAT_PAD)


def box_height(node: dict) -> float:
    """BOX_H for a box of numbers; a box of heatmaps has rows as tall as its grid."""
    grid = heat_grid(node)
    return BOX_H if grid is None else TITLE_H + 2 * heat_row_height(grid) + PAD


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


def _together(members: list[int], cluster: list[int | None]) -> list[int]:
    """A column's items with each group's together, where their mean place was (their own
    order kept), so that its frame holds nothing else; items in no group stay where they are."""
    places: dict[int, list[int]] = {}
    for k, i in enumerate(members):
        if cluster[i] is not None:
            places.setdefault(cluster[i], []).append(k)

    def key(k: int) -> tuple[float, int, int]:  # a group's items sort as one, by their mean place
        c = cluster[members[k]]
        return (sum(places[c]) / len(places[c]), c, k) if c is not None else (float(k), -1, k)

    return [members[k] for k in sorted(range(len(members)), key=key)]


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


def layout_graph(data: dict) -> Layout:
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
    cluster = [node.get("cluster") for node in nodes] + [None] * (len(col) - n)  # waypoints: in no frame
    columns = _order_columns(col, up, down)
    if any(k is not None for k in cluster):
        columns = [_together(members, cluster) for members in columns]

    longest = [""] * n  # the longest gradient each node will show
    for step in data["backward"]:
        for j, text in [(step["node"], step["grad"])] + [(e["parent"], e["total"]) for e in step["edges"]]:
            longest[j] = max(longest[j], text, key=len)
    updated = {u["node"]: u["new"] for u in data.get("update", [])}  # the data shown after the update
    need, op_w, font = [], [], []
    for i, node in enumerate(nodes):
        slot = max(len(node["data"]), len(updated.get(i, "")), len(longest[i]), len("-0.0000"))
        grid = heat_grid(node)  # a heatmap in place of the numbers: as wide as its grid
        shown = text_width("x" * slot, VALUE_FONT, mono=True) if grid is None else grid[1] * heat_cell(grid)
        row = text_width("data", SMALL_FONT) + 8 + shown

        def title(size: float, node: dict = node) -> float:  # the shape is drawn at 0.85 em
            shape = text_width(f" {node['shape']}", 0.85 * size) if "shape" in node else 0.0
            return text_width(box_name(node["name"]), size) + shape

        # a long name gets a smaller font, down to MIN_NAME_FONT, before it widens its box
        size = max(MIN_NAME_FONT, min(NAME_FONT, NAME_FONT * row / title(NAME_FONT)))
        font.append(size)
        need.append(max(title(size), row) + 2 * PAD)
        pill = node["parents"] and node["op"]  # a collapsed group has none: its edges go into its box
        op_w.append(max(OP_H, text_width(node["op"], OP_FONT) + 12) if pill else 0.0)

    h = [box_height(node) for node in nodes]
    y = _rows(columns, n, up, down, cluster, h)
    x, width, routes = _route(columns, col, lanes, chains, y, need, h, op_w)
    reach = [hi / 2 for hi in h] + [LANE / 2] * (len(y) - n)  # how far each item reaches above and below y
    top = min(yi - r for yi, r in zip(y, reach)) - MARGIN
    height = max(yi + r for yi, r in zip(y, reach)) - top + MARGIN
    y = [yi - top for yi in y[:n]]
    routes = [[[(px, py - top) for px, py in r] for r in node_routes] for node_routes in routes]
    return Layout(x, y, need, h, op_w, font, width, height, routes)


def _rows(
    columns: list[list[int]],
    n: int,
    up: list[list[int]],
    down: list[list[int]],
    cluster: list[int | None],
    h: list[float],
) -> list[float]:
    """Vertical placement: each item as close as its column's order allows to the mean of
    its neighbours, so that edges run as straight as they can. Items 0..n-1 are boxes;
    the waypoints of passing edges need only a lane, clear of the boxes beside it, and
    follow their lane, so that a long edge runs straight past the columns it skips.
    Where a group's frame (its `cluster`) ends, there is room for it and its name."""
    y = [0.0] * len(up)

    def gap(a: int, b: int) -> float:  # from one item's centre to the next one's
        if a < n and b < n:  # two boxes, each h[i] tall
            return (h[a] + h[b]) / 2 + ROW_GAP
        if a < n or b < n:  # a box (the smaller number) and a passing edge
            return h[min(a, b)] / 2 + LANE_CLEAR
        return LANE

    near = [up[i] + down[i] for i in range(n)]
    for i in range(n, len(up)):  # a waypoint follows its lane, not the uses branching off it
        near.append(up[i] + ([v for v in down[i] if v >= n] or down[i]))
    frame = 2 * FRAME_PAD + FRAME_LABEL
    gaps = [
        [gap(a, b) + frame * (cluster[a] != cluster[b]) for a, b in pairwise(members)] for members in columns
    ]
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
    h: list[float],
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
            ([y[i] - h[i] / 2 for i in real], [y[i] + h[i] / 2 for i in real], [need[i] for i in real])
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
