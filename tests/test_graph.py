"""`draw_graph`: what the picture of a Value or Tensor graph shows, how big
graphs are cut, and what happens with and without Graphviz's `dot` program."""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter

import graphviz
import numpy as np
import pytest

import nn
from demos import explorer
from demos import graph as graph_demo
from tinygrad_lite import Tensor, Value, group
from tinygrad_lite.autograd import topological_order
from tinygrad_lite.views.graph import DEFAULT_MAX_NODES, RANKDIRS, STYLES, GraphvizNotFoundError, draw_graph
from tinygrad_lite.views.steps import node_groups, node_names, parameter_names

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
INSTALL_COMMANDS = (
    "sudo apt-get install graphviz",
    "brew install graphviz",
    "winget install graphviz",
    "conda install -c conda-forge graphviz",
)
DEMO_GRAPHS = ("graph_neuron", "graph_gender", "graph_mlp")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which no `dot` program can be found."""
    empty = tmp_path / "empty_path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def value_graph() -> tuple[Value, dict[str, Value]]:
    """y = sigmoid(a*b + 0.5 * b**2), named parts, after backward."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    y = (c + 0.5 * b**2).sigmoid()
    y.label = "y"
    y.backward()
    return y, {"a": a, "b": b, "c": c, "y": y}


def tensor_graph() -> tuple[Tensor, dict[str, Tensor]]:
    """loss = mean(sigmoid(x @ W + bias)), named parts, after backward."""
    x = Tensor([[1.0, 2.0]], label="x")
    W = Tensor([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], requires_grad=True, label="W")
    bias = Tensor([0.1, 0.2, 0.3], requires_grad=True, label="bias")
    h = (x @ W + bias).sigmoid()
    h.label = "h"
    loss = h.mean()
    loss.label = "loss"
    loss.backward()
    return loss, {"x": x, "W": W, "bias": bias, "h": h, "loss": loss}


def box(graph: graphviz.Digraph, label: str) -> str:
    """The DOT line of the one value box whose label is `label`."""
    lines = re.findall(rf"^\tn\d+ \[label=\"{re.escape(label)} \|.*$", graph.source, re.MULTILINE)
    assert len(lines) == 1, f"expected one box labelled {label!r}, found {len(lines)}"
    return lines[0]


def boxes(graph: graphviz.Digraph) -> list[str]:
    return re.findall(r"^\t(n\d+) \[", graph.source, re.MULTILINE)


def op_labels(graph: graphviz.Digraph) -> Counter:
    return Counter(re.findall(r'^\tn\d+_op \[label="?(.*?)"? ', graph.source, re.MULTILINE))


def fill(line: str) -> str:
    return re.search(r'fillcolor="([^"]+)"', line).group(1)


# -- what is drawn --------------------------------------------------------------


@pytest.mark.parametrize("build", [value_graph, tensor_graph], ids=["Value", "Tensor"])
def test_every_node_op_and_edge_is_drawn(build):
    root, _ = build()
    graph = draw_graph(root)
    order = topological_order(root, include_constants=True)
    assert len(order) > 5
    assert boxes(graph) == [f"n{i}" for i in range(len(order))]
    assert op_labels(graph) == Counter(node.op for node in order if node.parents)
    ids = {id(node): f"n{i}" for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert f"\t{ids[id(parent)]} -> {ids[id(node)]}_op\n" in graph.source
        if node.parents:
            assert f"\t{ids[id(node)]}_op -> {ids[id(node)]}\n" in graph.source


def test_a_value_box_shows_label_data_and_grad_with_four_decimals():
    y, named = value_graph()
    graph = draw_graph(y)
    for label, node in named.items():
        assert f'label="{label} | data {node.data:.4f} | grad {node.grad:.4f}"' in box(graph, label)
    # an unlabelled number: no label field, and no grad row (no gradient reaches a constant)
    assert 'label="data 0.5000"' in graph.source
    assert op_labels(graph)["sigmoid"] == 1


def test_a_tensor_box_shows_shape_small_values_and_grad():
    loss, named = tensor_graph()
    graph = draw_graph(loss)
    assert 'label="x | shape (1, 2) | data [[1.0000, 2.0000]]"' in box(graph, "x")  # data: no grad row
    W = box(graph, "W")
    assert "shape (2, 3) | data\\n[[0.5000, -1.0000, 0.2500],\\n [1.5000, 0.7500, -0.5000]]" in W
    assert f"grad\\n[[{named['W'].grad[0, 0]:.4f}, " in W
    assert f"data {loss.item():.4f} | grad 1.0000" in box(graph, "loss")
    assert "shape () |" in box(graph, "loss")
    assert "float64" not in graph.source
    assert {"@", "+", "sigmoid", "mean"} == set(op_labels(graph))


def test_a_large_tensor_shows_its_range_not_its_values():
    x = Tensor(np.arange(12.0).reshape(3, 4) * 1.5, requires_grad=True, label="big")
    small = Tensor([7.25, 8.5], dtype=np.float32, requires_grad=True, label="small")
    root = x.sum() * small.sum()
    graph = draw_graph(root, show_grad=False)
    assert 'label="big | shape (3, 4) | data range [0.0000, 16.5000]"' in box(graph, "big")
    assert "1.5000" not in graph.source and "15.0000" not in graph.source
    assert 'label="small | shape (2,) float32 | data [7.2500, 8.5000]"' in box(graph, "small")


def test_show_grad_false_hides_every_grad():
    for root in (value_graph()[0], tensor_graph()[0]):
        assert "grad" in draw_graph(root).source
        assert "grad" not in draw_graph(root, show_grad=False).source


def test_tiny_and_huge_numbers_stay_compact():
    y = Value(1e-8, label="tiny") * Value(123456.0, label="huge")
    graph = draw_graph(y)
    assert "data 1.0000e-08" in box(graph, "tiny")
    assert "data 1.2346e+05" in box(graph, "huge")


def test_parameters_constants_results_and_root_look_different():
    y, _ = value_graph()
    graph = draw_graph(y)
    assert len({style["fillcolor"] for style in STYLES.values()}) == len(STYLES) == 5  # and "group"
    assert fill(box(graph, "a")) == fill(box(graph, "b")) == STYLES["parameter"]["fillcolor"]
    constant = next(line for line in graph.source.splitlines() if 'label="data 0.5000' in line)
    assert fill(constant) == STYLES["constant"]["fillcolor"]
    assert fill(box(graph, "c")) == STYLES["result"]["fillcolor"]
    assert fill(box(graph, "y")) == STYLES["root"]["fillcolor"]
    for text in ("parameter", "input / constant", "intermediate result", "output (root)"):
        assert f">{text}</td>" in graph.source  # the legend

    loss, _ = tensor_graph()
    graph = draw_graph(loss)
    assert fill(box(graph, "W")) == STYLES["parameter"]["fillcolor"]
    assert fill(box(graph, "x")) == STYLES["constant"]["fillcolor"]  # a leaf without grad
    assert fill(box(graph, "h")) == STYLES["result"]["fillcolor"]
    assert fill(box(graph, "loss")) == STYLES["root"]["fillcolor"]
    unnamed = draw_graph(Tensor.randn(3, rng=0, requires_grad=True).sum())
    assert fill(unnamed.source.splitlines()[4]) == STYLES["parameter"]["fillcolor"]


def test_record_characters_in_labels_are_escaped():
    graph = draw_graph(Value(1.0, label='x|y{z}<w>"q"\\') * 2)
    assert r'label="x\|y\{z\}\<w\>\"q\"\\ | data 1.0000' in graph.source


def test_the_source_is_the_same_for_the_same_graph():
    assert draw_graph(value_graph()[0]).source == draw_graph(value_graph()[0]).source
    assert draw_graph(tensor_graph()[0]).source == draw_graph(tensor_graph()[0]).source


@pytest.mark.parametrize("rankdir", RANKDIRS)
def test_rankdir_passes_through(rankdir):
    assert f"rankdir={rankdir}" in draw_graph(value_graph()[0], rankdir=rankdir).source


@pytest.mark.parametrize("kwargs", [{"rankdir": "sideways"}, {"max_nodes": 0}, {"max_nodes": 2.5}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        draw_graph(value_graph()[0], **kwargs)


# -- large graphs -----------------------------------------------------------------


def tanh_chain(n: int) -> Value:
    v = Value(0.5, label="start")
    for _ in range(n):
        v = v.tanh()
    v.label = "end"
    return v


def test_max_nodes_keeps_the_nodes_nearest_the_root_and_says_what_it_left_out():
    graph = draw_graph(tanh_chain(300), max_nodes=40)
    assert boxes(graph) == [f"n{i}" for i in range(261, 301)]
    assert "end |" in graph.source and "start |" not in graph.source
    assert "261 more nodes not drawn" in graph.source
    assert "max_nodes=301" in graph.source
    assert "\tleft_out -> n261_op [" in graph.source  # the note points where the cut is


def test_the_cut_is_breadth_first_from_the_root():
    # `shallow` is one step from the root but comes first in the topological order.
    shallow = Value(1.0, label="shallow")
    root = shallow + tanh_chain(50)
    assert topological_order(root)[0] is shallow
    graph = draw_graph(root, max_nodes=5)
    assert len(boxes(graph)) == 5
    assert "shallow |" in graph.source and "start |" not in graph.source


def test_max_nodes_none_draws_everything():
    graph = draw_graph(tanh_chain(300), max_nodes=None)
    assert len(boxes(graph)) == 301 and "left_out" not in graph.source


def test_a_100000_node_chain_is_drawn_quickly_under_the_default_cap():
    root = tanh_chain(100_000)
    start = time.perf_counter()
    graph = draw_graph(root)
    assert time.perf_counter() - start < 3.0
    assert len(boxes(graph)) == DEFAULT_MAX_NODES
    assert f"{100_001 - DEFAULT_MAX_NODES:,} more nodes not drawn" in graph.source


# -- rendering with and without dot -----------------------------------------------------


@needs_dot
def test_renders_svg_and_png_and_displays_in_jupyter(tmp_path):
    graph = draw_graph(tensor_graph()[0])
    svg = graph.pipe(format="svg").decode()
    assert "<svg" in svg and ">sigmoid</text>" in svg and ">W</text>" in svg
    assert graph.pipe(format="png").startswith(b"\x89PNG")
    path = graph.render(outfile=tmp_path / "graph.svg")
    assert (tmp_path / "graph.svg").read_text().count("<svg") == 1, path
    assert "<svg" in graph._repr_mimebundle_()["image/svg+xml"]


@needs_dot
def test_escaped_labels_render_as_written():
    svg = draw_graph(Value(1.0, label="x|y{z}") * 2).pipe(format="svg").decode()
    assert ">x|y{z}</text>" in svg


def test_without_dot_the_source_works_and_rendering_says_how_to_install(no_dot, tmp_path):
    graph = draw_graph(value_graph()[0])
    assert graph.source.startswith('digraph "computation graph of ')
    for render in (lambda: graph.pipe(format="svg"), lambda: graph.render(outfile=tmp_path / "g.svg")):
        with pytest.raises(GraphvizNotFoundError) as info:
            render()
        assert isinstance(info.value, RuntimeError)
        assert isinstance(info.value.__cause__, graphviz.ExecutableNotFound)
        for command in (*INSTALL_COMMANDS, ".source"):
            assert command in str(info.value)
    assert graph._repr_mimebundle_() == {"text/plain": str(info.value)}


# -- the demo ---------------------------------------------------------------------


def test_the_gender_graph_shows_the_hand_derived_gradient():
    graph = graph_demo.gender_graph()
    assert "grad 0.0215" in box(graph, "w1")
    for label in ("w2", "w6", "b1", "b3", "x1", "x2", "h1", "h2", "ypred", "L"):
        box(graph, label)


@needs_dot
def test_demo_writes_svg_and_png(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    graph_demo.main([])
    assert "dL/dw1 = 0.0215" in capsys.readouterr().out
    for name in DEMO_GRAPHS:
        assert "<svg" in (tmp_path / "out" / f"{name}.svg").read_text()
        assert (tmp_path / "out" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_demo_without_dot_writes_dot_source_and_says_how_to_install(no_dot, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    graph_demo.main([])
    assert INSTALL_COMMANDS[0] in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{n}.dot" for n in DEMO_GRAPHS)
    dot = (tmp_path / "out" / "graph_mlp.dot").read_text()
    assert dot.startswith('digraph "computation graph of loss" {')


def test_small_4d_tensor_values_have_no_blank_lines():
    from tinygrad_lite.views.graph import _values

    text = _values(np.arange(4.0).reshape(2, 2, 1, 1))
    assert "\n\n" not in text and text.count("\n") == 3
    assert "3.0000" in text


def test_collapsed_groups_draw_a_120_node_mlp_as_a_dozen_boxes():
    loss = explorer.micrograd_mlp_loss()
    loss.backward()
    assert len(topological_order(loss, include_constants=True)) == 120
    source = draw_graph(loss, groups="collapse", max_nodes=None).source
    boxes = [line for line in source.splitlines() if "shape=record" in line]
    groups = [line for line in boxes if STYLES["group"]["fillcolor"] in line]
    assert len(groups) == 9 and len(boxes) == 15  # 9 neurons, x0..x2, the 1, loss - 1, loss
    last = next(line for line in groups if "L3 neuron 0" in line)
    out = loss.parents[0].parents[0]  # loss = (tanh - 1)**2
    assert f"out {out.data:.4f}" in last and f"grad {out.grad:.4f}" in last
    assert "*" not in "".join(groups)  # no op of a collapsed neuron is drawn
    assert ">group (collapsed)</td>" in source
    # every neuron of layer 2 gets an edge from every neuron of layer 1
    name = {re.search(r"L(\d) neuron (\d)", line).group(0): line.split()[0] for line in groups}
    for i in range(4):
        for j in range(4):
            assert f"{name[f'L1 neuron {i}']} -> {name[f'L2 neuron {j}']}" in source


def test_clusters_frame_each_group_and_nest_them():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    with group("block"):
        h = (x * 2).tanh()
        with group("inner"):
            y = h.sum()
    graph = draw_graph(y * 3)
    source = graph.source
    assert source.count("subgraph cluster_") == 2 and "label=block" in source and "label=inner" in source
    inner_at, block_at = source.index("label=inner"), source.index("label=block")
    assert block_at < inner_at  # the inner frame is written inside the block's
    flat = draw_graph(y * 3, groups="none").source
    assert "subgraph" not in flat
    with pytest.raises(ValueError, match="groups must be one of 'clusters', 'collapse', 'none'"):
        draw_graph(y, groups="fold")


def test_module_calls_are_groups_named_by_their_place_in_the_model():
    model = nn.MLP(2, [3, 1], rng=0)
    loss = nn.binary_cross_entropy(model(Tensor(np.ones((4, 2)), label="X")), np.ones((4, 1)))
    loss.backward()
    order = topological_order(loss, include_constants=True)
    groups = node_groups(order)
    seen = {g.path for g in groups.values() if g is not None}
    assert seen == {("MLP", "layers.0"), ("MLP", "layers.1")}  # the MLP holds no node of its own
    layer = next(g for g in groups.values() if g is not None and g.name == "layers.0")
    assert layer.kind == "Layer" and layer.parent.name == "MLP"
    weight = model.layers[0].weight
    assert groups[id(weight)] is layer  # a parameter goes with the call that uses it
    X = next(n for n in order if n.label == "X")
    assert groups[id(X)] is None  # data stays outside, where the group's input comes from
    source = draw_graph(loss, groups="collapse").source
    boxes = [line for line in source.splitlines() if "shape=record" in line]
    # The MLP holds every group: one box for it would hide the model, so its layers are the boxes.
    assert len(boxes) == 6  # X, layers.0, layers.1, the targets, the bce result, the mean
    assert not any('label="MLP |' in line for line in boxes)
    layer = next(line for line in boxes if 'label="layers.1 (Layer) |' in line)
    assert "out" in layer
    clusters = draw_graph(loss).source
    assert "label=MLP" in clusters and 'label="layers.0 (Layer)"' in clusters


def test_nn_parameters_are_named_by_their_place_in_the_model_never_just_weight():
    model = nn.MLP(2, [3, 1], rng=0)
    loss = model(Tensor(np.ones((1, 2)), label="X")).sum()
    order = topological_order(loss, include_constants=True)
    named = set(parameter_names(order).values())
    assert named == {"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"}
    assert 'label="layers.0.weight | shape (2, 3)' in draw_graph(loss).source
    assert "layers.1.bias" in set(node_names(order).values())  # the terminal and the explorer too
    lone = nn.Linear(2, 1, rng=0)
    lone_order = topological_order(lone(np.ones((1, 2))).sum(), include_constants=True)
    assert set(parameter_names(lone_order).values()) == {"Linear.weight", "Linear.bias"}
    model.layers[0].weight.label = "W1"  # a name you give is kept
    order = topological_order(model(np.ones((1, 2))).sum(), include_constants=True)
    assert "W1" in set(node_names(order).values()) and "layers.0.weight" not in set(
        parameter_names(order).values()
    )


@needs_dot
def test_the_svg_is_titled_after_the_root_not_percent_3():
    svg = graph_demo.gender_graph().pipe(format="svg").decode()
    assert "<title>computation graph of L</title>" in svg
    assert "<title>%3</title>" not in svg
