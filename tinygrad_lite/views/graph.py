"""`draw_graph`: a picture of the computation graph behind a `Value` or a `Tensor`.

The look is micrograd's ``draw_dot``: one record box per value,
``{ label | data 2.0000 | grad -0.1355 }``, and one small ellipse per
operation, with edges input -> op -> output. Colours tell parameters from
inputs and constants, from intermediate results, and from the root (a legend
underneath says which is which). Large graphs are cut to the nodes nearest the
root, with a note saying how many were left out.

The drawing is a `graphviz.Digraph`: it displays inline in Jupyter and
``.render()`` / ``.pipe()`` write SVG, PNG or PDF with Graphviz's ``dot``
program. Without ``dot``, ``.source`` (the DOT text) still works and rendering
raises `GraphvizNotFoundError`, which says how to install Graphviz.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import graphviz
import numpy as np

from ..autograd import Group, topological_order
from ..tensor import Tensor
from ..value import Value
from .steps import expression, group_title, kind, names_with_precedence, node_groups, outer_groups

#: How many value boxes `draw_graph` draws unless told otherwise.
DEFAULT_MAX_NODES = 150
#: A Tensor with at most this many elements shows its values; a larger one, their range.
SMALL_TENSOR = 6
RANKDIRS = ("LR", "RL", "TB", "BT")
GROUPINGS = ("clusters", "collapse", "none")

INSTALL_HELP = (
    "Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered. Install Graphviz:\n"
    "  Debian/Ubuntu: sudo apt-get install graphviz\n"
    "  macOS:         brew install graphviz\n"
    "  Windows:       winget install graphviz\n"
    "  conda:         conda install -c conda-forge graphviz\n"
    "Without it, `.source` gives the graph as DOT text."
)

FONT = "Helvetica"
#: The look of a value box by its role; the legend names each role.
STYLES = {
    "parameter": {"fillcolor": "#cfe2ff", "color": "#3d6fb6"},
    "constant": {"fillcolor": "#e9ecef", "color": "#868e96"},
    "result": {"fillcolor": "#ffffff", "color": "#495057"},
    "root": {"fillcolor": "#ffd8a8", "color": "#d9480f", "penwidth": "2"},
    "group": {"fillcolor": "#e6fcf5", "color": "#0ca678", "penwidth": "1.5"},
}
LEGEND = {
    "parameter": "parameter",
    "constant": "input / constant",
    "result": "intermediate result",
    "root": "output (root)",
    "group": "group (collapsed)",
}
OP_STYLE = {
    "shape": "ellipse",
    "fillcolor": "#fff9db",
    "color": "#adb5bd",
    "fontsize": "11",
    "margin": "0.04",
}
NOTE_STYLE = {"shape": "note", "fillcolor": "#ffe3e3", "color": "#c92a2a", "fontcolor": "#c92a2a"}
#: A group's frame (groups="clusters").
CLUSTER_STYLE = {"style": "rounded,dashed", "color": "#0ca678", "fontcolor": "#087f5b", "fontsize": "11"}


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is missing: the graph cannot be rendered, though
    its ``.source`` can be read. A RuntimeError (and a graphviz.ExecutableNotFound)
    whose message says how to install Graphviz."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, INSTALL_HELP)  # not the parent's message, which only names the program


@contextlib.contextmanager
def _needs_dot() -> Iterator[None]:
    try:
        yield
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError() from exc


class Graph(graphviz.Digraph):
    """A `graphviz.Digraph` that explains how to install Graphviz when rendering
    fails for want of ``dot``, and shows that explanation as text in Jupyter."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _needs_dot():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _needs_dot():
            return super().render(*args, **kwargs)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizNotFoundError as exc:
            return {"text/plain": str(exc)}


def draw_graph(
    root: Value | Tensor,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    groups: str = "clusters",
) -> Graph:
    """The computation graph of everything `root` depends on, as a `graphviz.Digraph`.

    Drawn: one record box per Value or Tensor with its label, its data and
    (unless ``show_grad=False``) its grad; a Tensor also shows its shape, its
    dtype when not float64, and its values only when it has at most
    `SMALL_TENSOR` elements (else their range). One ellipse per operation,
    named by its op ("+", "*", "sigmoid", "@", ...), with edges
    input -> op -> output. Box colours: parameters (a leaf that requires grad)
    in blue, inputs and constants (a leaf without grad, such as the 2 in
    ``a * 2``) in grey, intermediate results in white, the root in orange.

    Nodes made inside a `group` (nn modules make one per call): with
    ``groups="clusters"`` each group is a labelled frame around its nodes
    (frames nest); with ``groups="collapse"`` each outermost group is one
    green box showing its name and its output's data and grad, the way in
    and out of it drawn as edges; ``groups="none"`` ignores them. A leaf used
    only inside one group (a neuron's weights) is drawn in it.

    At most `max_nodes` boxes are drawn (None: all), the ones fewest steps away
    from the root; a red note says how many were left out. `rankdir` is the
    direction of the arrows: "LR" (left to right), "RL", "TB" or "BT".
    Node ids follow the topological order, so the same graph gives the same
    ``.source`` every time.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if groups not in GROUPINGS:
        raise ValueError(f"groups must be one of {', '.join(map(repr, GROUPINGS))}, got {groups!r}")
    order = topological_order(root, include_constants=True)
    labels = _box_names(order)
    member = {} if groups == "none" else {k: g for k, g in node_groups(order).items() if g is not None}
    stand_in: dict[int, _Collapsed] = {}  # a collapsed group's nodes -> its box
    if groups == "collapse":
        order, stand_in, member = *_collapse(order), {}

    def parents(node: Any) -> tuple:
        return tuple(dict.fromkeys(stand_in.get(id(p), p) for p in node.parents))

    names = {id(order[i]): f"n{i}" for i in _nearest(order, max_nodes, parents)}
    graph = Graph(
        # the graph's name is its title in SVG (a browser tab shows it; unnamed, Graphviz writes "%3")
        name=f"computation graph of {labels.get(id(root), (root.label or 'the output',))[0]}",
        graph_attr={
            "rankdir": rankdir,
            "nodesep": "0.2",
            "ranksep": "0.3",
            "fontname": FONT,
            "fontsize": "11",
        },
        node_attr={"fontname": FONT, "fontsize": "12", "style": "filled"},
        edge_attr={"color": "#868e96", "arrowsize": "0.7"},
    )
    roles = set()
    cut = []  # op nodes with inputs that were left out
    frames = _Frames(graph, member)
    for node in order:
        name = names.get(id(node))
        if name is None:
            continue
        where = frames.of(node)
        if isinstance(node, _Collapsed):
            roles.add("group")
            where.node(
                name, node.record(show_grad), shape="record", style="filled,rounded", **STYLES["group"]
            )
        else:
            role = _role(node, root)
            roles.add(role)
            label, formula = labels.get(id(node), ("", ""))
            tooltip = {"tooltip": f"{label} = {formula}"} if formula else {}
            where.node(name, _record(node, label, show_grad), shape="record", **STYLES[role], **tooltip)
        if not node.parents:
            continue
        op = f"{name}_op"
        if isinstance(node, _Collapsed):  # its inputs go straight into the box
            op = name
        else:
            where.node(op, node.op, **OP_STYLE)
            graph.edge(op, name)
        for parent in parents(node):
            if id(parent) in names:
                graph.edge(names[id(parent)], op)
            elif op not in cut:
                cut.append(op)
    frames.close()
    if len(names) < len(order):
        _note_left_out(graph, cut, len(order) - len(names), len(order))
    graph.attr(label=_legend(roles), labelloc="b", labeljust="l")
    return graph


class _Frames:
    """The clusters of groups="clusters": a node of a group goes into that
    group's frame (a Graphviz subgraph named ``cluster_*``); `close` nests
    the frames, innermost first, and adds them to the graph."""

    def __init__(self, graph: Graph, member: dict[int, Group]) -> None:
        self.graph, self.member = graph, member
        self.frames: dict[Group, graphviz.Digraph] = {}

    def of(self, node: Any) -> graphviz.Digraph:
        """Where `node` is drawn: its group's frame, or the graph itself."""
        group = self.member.get(id(node))
        if group is None:
            return self.graph
        around = group
        while around is not None and around not in self.frames:  # its frame and those around it
            self.frames[around] = graphviz.Digraph(
                name=f"cluster_{len(self.frames)}", graph_attr={"label": group_title(around), **CLUSTER_STYLE}
            )
            around = around.parent
        return self.frames[group]

    def close(self) -> None:
        def depth(group: Group) -> int:
            return len(group.path)

        for group in sorted(
            self.frames, key=depth, reverse=True
        ):  # a frame is complete before its parent takes it
            outer = self.frames.get(group.parent) if group.parent is not None else None
            (outer if outer is not None else self.graph).subgraph(self.frames[group])


class _Collapsed:
    """A group drawn as one box (groups="collapse"): it stands in the order
    where its output stood, with the group's inputs from outside as parents."""

    def __init__(self, group: Group, output: Any, parents: tuple) -> None:
        self.group, self.output, self.parents = group, output, parents

    def record(self, show_grad: bool) -> str:
        fields = [group_title(self.group), _field("out", self.output.data)]
        if show_grad and self.output.requires_grad:
            fields.append(_field("grad", self.output.grad))
        return " | ".join(map(_escape, fields))


def _collapse(order: list) -> tuple[list, dict[int, _Collapsed]]:
    """`order` with each outermost group (`steps.outer_groups`) replaced by one
    `_Collapsed` node at the place of its output, whose parents are the nodes
    outside it that it uses; and the box that stands in for each node of a
    group, by id."""
    stand_in: dict[int, _Collapsed] = {}
    for group, nodes, output in outer_groups(order):
        inside = {id(n) for n in nodes}
        inputs = dict.fromkeys(p for n in nodes for p in n.parents if id(p) not in inside)
        box = _Collapsed(group, output, tuple(inputs))
        for n in nodes:
            stand_in[id(n)] = box
    collapsed = [
        stand_in.get(id(node), node)
        for node in order
        if id(node) not in stand_in or node is stand_in[id(node)].output
    ]
    return collapsed, stand_in


def _nearest(order: list, max_nodes: int | None, parents: Any) -> list[int]:
    """Positions in `order` (a topological order, root last) of the nodes to
    draw: all of them, or the `max_nodes` fewest edges away from the root (a
    breadth-first cut from the root), in topological order; `parents(node)`
    gives a node's inputs as drawn."""
    if max_nodes is None or len(order) <= max_nodes:
        return list(range(len(order)))
    # Walking the order backwards meets every node after all the nodes that use
    # it, so its distance from the root is final by the time it is reached.
    distance = {id(order[-1]): 0}
    for node in reversed(order):
        d = distance[id(node)] + 1
        for parent in parents(node):
            distance[id(parent)] = min(distance.get(id(parent), d), d)
    nearest = sorted(range(len(order) - 1, -1, -1), key=lambda i: distance[id(order[i])])
    return sorted(nearest[:max_nodes])


def _note_left_out(graph: Graph, cut: list[str], hidden: int, total: int) -> None:
    """A red note pointing (dashed) at the ops whose inputs were not drawn."""
    text = [f"{hidden:,} more nodes not drawn", f"draw_graph(root, max_nodes={total}) shows all {total:,}"]
    graph.node("left_out", r"\n".join(text), **NOTE_STYLE)
    for op in cut:
        graph.edge("left_out", op, style="dashed", color=NOTE_STYLE["color"])


def _box_names(order: list) -> dict[int, tuple[str, str]]:
    """The name on each box, the one every view uses (`steps.node_names`),
    and, for a short name such as z3, the formula it stands for (a tooltip
    in SVG). A number met in an op has no name: its box shows its value."""
    named = names_with_precedence(order)
    boxes = {}
    for node in order:
        name = named[id(node)][0]
        if node.parents:
            formula = expression(node.op, [named[id(p)] for p in node.parents])[0]
            boxes[id(node)] = name, formula if formula != name and not node.label else ""
        elif node.label or node.requires_grad:
            boxes[id(node)] = name, ""
    return boxes


def _role(node: Value | Tensor, root: Value | Tensor) -> str:
    return "root" if node is root else kind(node)


def _record(node: Value | Tensor, label: str, show_grad: bool) -> str:
    """The record label ``{ label | [shape] | data ... | grad ... }``; a node
    that no gradient reaches (data, a number) has no grad row, rather than a
    0 that would read as "its gradient is zero"."""
    fields = [label] if label else []
    if isinstance(node, Tensor):
        dtype = "" if node.dtype == np.float64 else f" {node.dtype}"
        fields.append(f"shape {node.shape}{dtype}")
    fields.append(_field("data", node.data))
    if show_grad and node.requires_grad:
        fields.append(_field("grad", node.grad))
    return " | ".join(map(_escape, fields))


def _field(name: str, x: float | np.ndarray | None) -> str:
    """``name values``, the values under the name when they take several lines (a matrix)."""
    text = _values(x)
    return f"{name}\n{text}" if "\n" in text else f"{name} {text}"


def _values(x: float | np.ndarray | None) -> str:
    """A number, or an array's values when it is small and their range when not."""
    if x is None:
        return "None"
    if not isinstance(x, np.ndarray):
        return _number(x)
    if x.ndim == 0:
        return _number(x.item())
    if x.size > SMALL_TENSOR:
        return f"range [{_number(x.min())}, {_number(x.max())}]"
    text = np.array2string(x, separator=", ", formatter={"float_kind": _number})
    return "\n".join(line for line in text.splitlines() if line.strip())  # NumPy spaces 3-D blocks


def _number(x: float) -> str:
    """4 decimals (micrograd's look) unless the number is tiny or huge."""
    if x == 0 or not np.isfinite(x) or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4f}"
    return f"{x:.4e}"


def _escape(text: str) -> str:
    """`text` safe inside a record label: its special characters escaped, line breaks kept."""
    return re.sub(r'([\\{}|<>"])', r"\\\1", text).replace("\n", r"\n")


def _legend(roles: set[str]) -> str:
    """An HTML-like label: one coloured cell per role present in the drawing."""
    cells = "".join(
        f'<td bgcolor="{style["fillcolor"]}" color="{style["color"]}">{LEGEND[role]}</td>'
        for role, style in STYLES.items()
        if role in roles
    )
    return f'<<table border="0" cellborder="1" cellspacing="6" cellpadding="3"><tr>{cells}</tr></table>>'
