"""`explain(root)`: one self-contained HTML page stepping through the forward and
backward passes, its embedded data checked against `backward()`, the graph
left as it was found, every label escaped. (The page in a real browser:
test_explorer_browser.py.)"""

from __future__ import annotations

import ast
import html
import json
import math
import random
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from itertools import accumulate, pairwise

import numpy as np
import pytest

import nn
from demos import explorer
from tinygrad_lite import BackwardError, Tensor, Value, group
from tinygrad_lite.views.explain import Explanation, explain
from tinygrad_lite.views.layout import BOX_H
from tinygrad_lite.views.layout import layout_graph as _layout
from tinygrad_lite.views.show import full as _full
from tinygrad_lite.views.show import short as _short
from tinygrad_lite.views.steps import forward_order

GENDER_LABELS = ["x1", "x2", *(f"w{i}" for i in range(1, 7)), "b1", "b2", "b3", "h1", "h2", "ypred", "L"]


def embedded_data(page: str) -> dict:
    """The JSON the page's script reads, parsed back out of the page."""
    match = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.S)
    assert match, "the page embeds its data as JSON"
    return json.loads(match.group(1))


def close_to_displayed(text: str, exact: float) -> bool:
    """`text` is `exact` rounded to the digits shown (4 significant)."""
    return float(text) == pytest.approx(exact, rel=5e-4, abs=1e-12)


def test_the_saved_page_is_one_self_contained_html_file(tmp_path):
    path = explain(explorer.gender_loss()).save(tmp_path / "sub" / "page.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<link\b|@import|url\(\s*['\"]?https?:", page, re.I)
    assert all("src" not in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "<svg" in page and "<style>" in page


def test_the_page_shows_every_node_with_test_hooks():
    loss = explorer.gender_loss()
    page = explain(loss).html
    for label in GENDER_LABELS:
        assert f'data-name="{label}"' in page
    n = len(forward_order(loss))
    assert [int(i) for i in re.findall(r'data-node="(\d+)"', page)] == list(range(n))
    for hook in ('id="next"', 'id="prev"', 'id="play"', 'id="reset"', 'id="step-counter"', "window.explorer"):
        assert hook in page
    assert page.count('class="grad"') == page.count('class="value"') == n


def test_embedded_steps_match_a_separate_backward_pass():
    data = embedded_data(explain(explorer.gender_loss()).html)
    fresh = explorer.gender_loss()
    fresh.backward()
    order = forward_order(fresh)
    assert [node["name"] for node in data["nodes"]][-1] == "L"
    assert len(data["backward"]) == sum(node.requires_grad for node in order)  # not the number 1
    for step in data["backward"]:
        assert close_to_displayed(step["grad"], order[step["node"]].grad)
        for edge in step["edges"]:
            assert edge["parent_name"] == data["nodes"][edge["parent"]]["name"]
    final = {data["nodes"][s["node"]]["name"]: s["grad"] for s in data["backward"]}
    by_label = {node.label: node.grad for node in order if node.label}
    for label in GENDER_LABELS[2:]:
        assert close_to_displayed(final[label], by_label[label])
    assert "x1" not in final and "x2" not in final  # Alice's measurements are data: no gradient reaches them
    assert final["w1"] == "0.02147"  # the tutorial's dL/dw1 = 0.0214 (demos/neuron.py)


def test_forward_data_and_chain_rule_lines_are_embedded():
    data = embedded_data(explain(explorer.gender_loss()).html)
    nodes = {node["name"]: node for node in data["nodes"]}
    assert nodes["h1"]["data"] == "0.04743" and nodes["h1"]["op"] == "sigmoid"
    assert nodes["L"]["expr"] == "(1 - ypred)**2"
    assert nodes["w1"]["kind"] == "parameter" and nodes["1"]["kind"] == "constant"
    assert nodes["h1"]["kind"] == "result"
    first = data["backward"][0]
    assert first["describe"][0] == "at L (**2): dL/dL = 1.0"
    mul = next(s for s in data["backward"] if data["nodes"][s["node"]]["name"] == "w1*x1")
    edge = next(e for e in mul["edges"] if e["parent_name"] == "w1")
    assert edge["formula"] == "d(w1*x1)/dw1 = x1" and edge["local"] == "-2.0"
    assert edge["contribution"] == "0.02147" and edge["total"] == "0.02147"


def test_the_graph_is_left_as_it_was_found():
    loss = explorer.gender_loss()
    order = forward_order(loss)
    for k, node in enumerate(order):
        node.grad = 100.0 + k  # stale gradients, as after other backward passes
    explanation = explain(loss)
    assert [node.grad for node in order] == [100.0 + k for k in range(len(order))]
    # ...and the page shows this pass alone, not this pass added to the stale leaf gradients
    final = {s["node"]: s["grad"] for s in embedded_data(explanation.html)["backward"]}
    w1 = next(i for i, node in enumerate(order) if node.label == "w1")
    assert final[w1] == "0.02147"


def xor_loss() -> tuple[Tensor, list[Tensor]]:
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [3, 1], rng=0)
    return nn.binary_cross_entropy(model(Tensor(X)), y), model.parameters()


def test_a_tensor_graph_shows_shapes_and_matches_backward():
    loss, params = xor_loss()
    stale = [np.full(p.shape, 7.0) for p in params]
    for p, g in zip(params, stale):
        p.grad = g
    page = explain(loss).html
    for p, g in zip(params, stale):  # the very same arrays, unchanged
        assert p.grad is g and np.all(g == 7.0)
    assert "4×3" in page and ">?<" in page
    data = embedded_data(page)
    fresh_loss, fresh_params = xor_loss()
    fresh_loss.backward()
    order = forward_order(loss)
    final = {order[s["node"]]: s["grad_full"] for s in data["backward"]}
    for p, fresh in zip(params, fresh_params):
        shown = np.array(ast.literal_eval(re.sub(r"(\d)\.(?!\d)", r"\1.0", final[p])))
        np.testing.assert_allclose(shown.reshape(fresh.shape), fresh.grad, rtol=1e-3, atol=1e-4)
    constants = [node for node in order if not node.parents and not node.requires_grad]
    assert constants and all(node not in final for node in constants)  # no gradient flows to data


def test_a_non_scalar_root_takes_grad_and_a_failure_still_restores_grads():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, label="x")
    y = x * x
    data = embedded_data(explain(y, grad=np.ones(3)).html)
    assert data["backward"][-1]["grad_full"] == "[ 2., -4.,  6.]"
    x.grad = np.zeros(3)
    before = x.grad
    with pytest.raises(BackwardError):
        explain(y)  # a (3,) root needs grad=
    assert x.grad is before


def test_a_hostile_label_is_text_not_markup():
    evil = "<script>alert(1)</script><!--"
    a = Value(2.0, label=evil)
    page = explain(a * Value(3.0, label="b")).html
    assert "<script>alert" not in page and "<!--<" not in page
    assert html.escape(evil) in page  # shown, as text, in the SVG
    assert page.count("</script>") == 2  # the JSON block and the page's own script, nothing else
    assert embedded_data(page)["nodes"][0]["name"] == evil  # the data round-trips unharmed
    assert re.search(r"\{\{\w+\}\}", page) is None  # every placeholder filled


def test_a_label_that_looks_like_a_placeholder_stays_literal():
    page = explain(Value(1.0, label="{{DATA}}") + 1).html
    assert page.count('id="explorer-data"') == 1
    assert embedded_data(page)["nodes"][0]["name"] == "{{DATA}}"


def test_repr_html_is_an_iframe_holding_the_page():
    explanation = explain(explorer.gender_loss())
    assert isinstance(explanation, Explanation)
    shown = explanation._repr_html_()
    assert isinstance(shown, str) and shown.startswith("<iframe srcdoc=")
    assert "<script" not in shown  # the whole page is inside the attribute, escaped
    assert html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1)) == explanation.html


@pytest.mark.parametrize("build", [explorer.gender_loss, explorer.xor_loss, lambda: xor_loss()[0]])
def test_layout_runs_inputs_to_root_left_to_right_without_overlaps(build):
    data = embedded_data(explain(build()).html)
    layout = _layout(data)
    nodes = data["nodes"]
    for i, node in enumerate(nodes):
        for p in node["parents"]:
            assert layout.x[p] + layout.w[p] < layout.x[i] - layout.op_w[i]  # edges run left to right
    assert layout.x[-1] == max(layout.x)  # the root is rightmost
    h = BOX_H
    boxes = [(layout.x[i], layout.y[i] - h / 2, layout.w[i], h) for i in range(len(nodes))]
    for k, (x1, y1, w1, h1) in enumerate(boxes):
        assert x1 >= 0 and y1 >= 0 and x1 + w1 <= layout.width and y1 + h1 <= layout.height
        for x2, y2, w2, h2 in boxes[k + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_a_deep_chain_and_a_lone_leaf():
    x = Value(0.5, label="x")
    y = x
    for _ in range(200):
        y = y.tanh()
    assert len(embedded_data(explain(y).html)["backward"]) == 201
    lone = embedded_data(explain(Value(3.0, label="c")).html)
    assert lone["backward"][0]["grad"] == "1.0" and lone["nodes"][0]["kind"] == "parameter"


def test_demo_writes_its_three_pages(tmp_path, capsys):
    explorer.main(["--out", str(tmp_path)])
    printed = capsys.readouterr().out
    for name in ("explorer.html", "explorer_tensor.html", "explorer_mlp.html"):
        assert (tmp_path / name).is_file()
        assert name in printed
    assert "file://" in printed


def test_a_repeated_input_shows_its_running_sum_edge_by_edge():
    """L = a*a + a with a = 3: at the a*a step the first edge brings a's grad
    from 1 (sent by +) to 4, the second to 7; each row shows the sum so far
    after its own contribution, not the step's final total twice."""
    a = Value(3.0, label="a")
    loss = a * a + a
    loss.label = "L"
    data = embedded_data(explain(loss).html)
    square = next(s for s in data["backward"] if data["nodes"][s["node"]]["name"] == "a*a")
    assert [(e["parent_name"], e["contribution"], e["total"]) for e in square["edges"]] == [
        ("a", "3.0", "4.0"),
        ("a", "3.0", "7.0"),
    ]
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    data = embedded_data(explain((x * x).sum()).html)
    product = next(s for s in data["backward"] if data["nodes"][s["node"]]["op"] == "*")
    assert [e["total_full"] for e in product["edges"]] == ["[1., 2.]", "[2., 4.]"]


# -- no edge under a box ------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def sampled_path(d: str) -> list[tuple[float, float]]:
    """Points along an SVG path (absolute M, L, H, V, C), at most about 1 px apart."""
    tokens = re.findall(r"[MLHVCZ]|-?\d+(?:\.\d+)?(?:e-?\d+)?", d)
    assert not re.search(r"[a-zA-Y]", re.sub(r"[MLHVCe]", "", d)), f"unexpected command in {d!r}"
    points: list[tuple[float, float]] = []
    x = y = 0.0
    k = 0

    def numbers(count: int) -> list[float]:
        nonlocal k
        values = [float(t) for t in tokens[k : k + count]]
        k += count
        return values

    while k < len(tokens):
        command = tokens[k]
        k += 1
        if command == "M":
            x, y = numbers(2)
            points.append((x, y))
            continue
        if command in "LHV":
            if command == "L":
                end = numbers(2)
            elif command == "H":
                end = [numbers(1)[0], y]
            else:
                end = [x, numbers(1)[0]]
            controls = [(x, y), (x, y), tuple(end), tuple(end)]
        elif command == "C":
            c = numbers(6)
            controls = [(x, y), (c[0], c[1]), (c[2], c[3]), (c[4], c[5])]
        else:
            raise AssertionError(f"unexpected path command {command!r} in {d!r}")
        hull = sum(math.dist(controls[j], controls[j + 1]) for j in range(3))
        steps = max(2, math.ceil(hull))
        for s in range(1, steps + 1):
            t = s / steps
            u = 1 - t
            weights = (u**3, 3 * u * u * t, 3 * u * t * t, t**3)
            points.append(
                (
                    sum(w * p[0] for w, p in zip(weights, controls)),
                    sum(w * p[1] for w, p in zip(weights, controls)),
                )
            )
        x, y = controls[3]
    return points


def drawn_graph(page: str) -> tuple[dict, dict, list]:
    """The boxes (by node), op pills (by node) and edges (from, to, sampled points) of the page's SVG."""
    svg = ET.fromstring(re.search(r'<svg id="graph".*?</svg>', page, re.S).group(0))

    def rect(element) -> tuple[float, float, float, float]:
        x, y = float(element.get("x")), float(element.get("y"))
        return x, y, x + float(element.get("width")), y + float(element.get("height"))

    boxes, pills, edges = {}, {}, []
    for g in svg.iter(f"{SVG_NS}g"):
        if g.get("data-node") is not None:
            box = next(r for r in g.iter(f"{SVG_NS}rect") if r.get("class") == "box")
            boxes[int(g.get("data-node"))] = rect(box)
        if g.get("data-op") is not None:
            pills[int(g.get("data-op"))] = rect(g.find(f"{SVG_NS}rect"))
    for path in svg.iter(f"{SVG_NS}path"):
        if "edge" in path.get("class", "").split():
            edges.append((path.get("data-from"), int(path.get("data-to")), sampled_path(path.get("d"))))
    return boxes, pills, edges


def edges_under_boxes(page: str, end_px: float = 4.0) -> list[str]:
    """Every edge point strictly inside a box or an op pill that is not that edge's own end.

    An edge p -> i runs from p's box to i's op pill (the "out" edge op_i -> i from
    the pill to i's box): it may touch its own two ends within `end_px` of its
    start and its end, and nothing else anywhere."""
    boxes, pills, edges = drawn_graph(page)
    assert boxes and len(edges) >= len(pills)
    problems: dict[tuple, str] = {}  # one report per edge and shape
    for source, target, points in edges:
        if source.startswith("op"):
            first, last = ("pill", target), ("box", target)
        else:
            first, last = ("box", int(source)), ("pill", target)
        lengths = list(accumulate((math.dist(a, b) for a, b in pairwise(points)), initial=0.0))
        for (x, y), length in zip(points, lengths):
            near = {first} if length <= end_px else {last} if lengths[-1] - length <= end_px else set()
            for what, shapes in (("box", boxes), ("pill", pills)):
                for node, (x0, y0, x1, y1) in shapes.items():
                    if (what, node) in near:
                        continue
                    if x0 + 0.5 < x < x1 - 0.5 and y0 + 0.5 < y < y1 - 0.5:
                        key = (source, target, what, node)
                        problems.setdefault(
                            key, f"edge {source}->{target} at ({x:.1f}, {y:.1f}) under {what} {node}"
                        )
    return list(problems.values())


def a_squared_plus_a() -> Value:
    a = Value(3.0, label="a")
    loss = a * a + a
    loss.label = "L"
    return loss


def random_graph(seed: int, size: int = 30) -> Value:
    """A Value graph with skip edges: each op takes one recent node and one from anywhere before it."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1), label=f"x{k}") for k in range(4)]
    for _ in range(size):
        recent = nodes[-1 - rng.randrange(min(3, len(nodes)))]
        old = nodes[rng.randrange(len(nodes))]
        choice = rng.randrange(4)
        if choice == 0:
            nodes.append(recent.tanh())
        elif choice == 1:
            nodes.append(recent + old)
        elif choice == 2:
            nodes.append(recent * old)
        else:
            nodes.append(recent - Value(rng.uniform(-1, 1), label=f"c{len(nodes)}"))
    loss = nodes[-1]
    for node in nodes[4:-1]:  # every node reaches the root, some of them from far away
        if rng.random() < 0.3:
            loss = loss + node
    return loss


@pytest.mark.parametrize(
    "build",
    [
        a_squared_plus_a,
        explorer.gender_loss,
        explorer.xor_loss,
        *(lambda seed=seed: random_graph(seed) for seed in range(6)),
    ],
    ids=["a*a+a", "gender", "tensor-mlp", *(f"random{seed}" for seed in range(6))],
)
def test_no_edge_passes_under_a_box_or_an_op_that_is_not_its_end(build):
    assert edges_under_boxes(explain(build()).html) == []


def test_the_skip_edge_of_a_squared_plus_a_is_routed_around_the_square():
    """a feeds both * and +: its edge to + passes a*a's column in a gap, drawn as one path."""
    page = explain(a_squared_plus_a()).html
    boxes, _, edges = drawn_graph(page)
    names = {node["name"]: i for i, node in enumerate(embedded_data(page)["nodes"])}
    a, square, total = names["a"], names["a*a"], names["L"]
    skip = [points for source, target, points in edges if source == str(a) and target == total]
    assert len(skip) == 1
    x0, y0, x1, y1 = boxes[square]
    beside = [y for x, y in skip[0] if x0 <= x <= x1]
    assert beside and all(y < y0 or y > y1 for y in beside)


# -- the update phase ---------------------------------------------------------

PARAMETER_LABELS = GENDER_LABELS[2:11]  # w1..w6, b1..b3: Alice's x1, x2 are data


def agrees_to_displayed_digits(text: str, exact: float) -> bool:
    """`text` is `exact` to within half a unit of its last displayed digit."""
    half_unit = Decimal(1).scaleb(Decimal(text).as_tuple().exponent) / 2
    return abs(Decimal(text) - Decimal(exact)) <= half_unit


def sgd_step_on_values(params: list[Value], lr: float) -> list[float]:
    """One real `nn.optim.SGD` step on the Values' data and grads (SGD holds Tensors: each Value
    is mirrored by a one-element Tensor carrying its data and its grad)."""
    mirrors = [Tensor(p.data, requires_grad=True) for p in params]
    for mirror, p in zip(mirrors, params):
        mirror.grad = np.array(p.grad)
    nn.optim.SGD(mirrors, lr=lr).step()
    return [mirror.item() for mirror in mirrors]


def test_the_update_phase_of_a_value_graph_is_one_sgd_step():
    loss = explorer.gender_loss()
    data = embedded_data(explain(loss, lr=0.1).html)
    names = [node["name"] for node in data["nodes"]]
    update = data["update"]
    assert data["lr"] == "0.1" and data["not_updated"] == []
    assert [names[u["node"]] for u in update] == PARAMETER_LABELS  # forward order; never x1, x2 or 1
    assert [u["node"] for u in update] == sorted(u["node"] for u in update)

    fresh = explorer.gender_loss()  # the same graph, stepped by the optimizer
    fresh.backward()
    by_label = {node.label: node for node in forward_order(fresh) if node.label}
    params = [by_label[label] for label in PARAMETER_LABELS]
    stepped = sgd_step_on_values(params, lr=0.1)
    for u, p, new in zip(update, params, stepped):
        assert agrees_to_displayed_digits(u["new"], new), (names[u["node"]], u["new"], new)
        assert agrees_to_displayed_digits(u["old"], p.data) and close_to_displayed(u["grad"], p.grad)
        assert u["new"] != u["old"]  # enough digits that the step shows
        name = names[u["node"]]
        grad = f"({u['grad']})" if u["grad"].startswith("-") else u["grad"]
        assert u["equation"] == [
            f"{name} ← {name} − lr × dL/d{name}",
            f"{name} ← {u['old']} − 0.1 × {grad} = {u['new']}",
        ]
    w1 = update[0]
    assert w1["equation"][1] == "w1 ← 1.0 − 0.1 × 0.02147 = 0.997853"
    assert w1["note"] == "dL/dw1 > 0: L goes down when w1 does, so w1 steps down by 0.002147."
    assert "steps up" in update[PARAMETER_LABELS.index("b3")]["note"]  # dL/db3 < 0


def array_shown(text: str) -> np.ndarray:
    """An array as `_full` prints it ("[[ 0.3, -1. ], ...]") parsed back."""
    return np.array(ast.literal_eval(re.sub(r"(\d)\.(?!\d)", r"\1.0", text)))


def test_the_update_phase_of_a_tensor_graph_is_one_sgd_step():
    loss = explorer.xor_loss()
    data = embedded_data(explain(loss, lr=0.1).html)
    names = [node["name"] for node in data["nodes"]]
    update = {names[u["node"]]: u for u in data["update"]}
    assert list(update) == ["W1", "b1", "W2", "b2"]  # X and y are data: no update

    fresh = explorer.xor_loss()
    fresh.backward()
    params = {node.label: node for node in forward_order(fresh) if node.label in update}
    old = {label: p.data.copy() for label, p in params.items()}
    nn.optim.SGD(list(params.values()), lr=0.1).step()
    for label, p in params.items():
        u = update[label]
        assert not np.array_equal(p.data, old[label])
        if p.size == 1:  # b2, shape (1,): shown as a number, with the digits that show its step
            assert agrees_to_displayed_digits(u["new"], p.item())
            assert u["equation"][1].startswith(f"b2 ← {u['old']} − 0.1 × ")
            continue
        assert u["arrays"] and u["new_full"] == _full(p.data) and u["old_full"] == _full(old[label])
        np.testing.assert_allclose(array_shown(u["new_full"]).reshape(p.shape), p.data, atol=5e-5)
        assert u["new"] == _short(p.data)
        assert u["equation"] == [f"{label} ← {label} − lr × dL/d{label},  element by element"]


def test_an_sgd_optimizer_gives_the_same_update_as_its_lr():
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [3, 1], rng=0)
    loss = nn.binary_cross_entropy(model(Tensor(X)), y)
    by_lr = embedded_data(explain(loss, lr=0.05).html)
    by_optimizer = embedded_data(explain(loss, optimizer=nn.optim.SGD(model.parameters(), lr=0.05)).html)
    assert by_optimizer == by_lr
    assert len(by_lr["update"]) == len(model.parameters())


def test_an_optimizer_updates_only_the_parameters_it_holds():
    loss, params = xor_loss()
    data = embedded_data(explain(loss, optimizer=nn.optim.SGD(params[:2], lr=0.1)).html)
    names = [node["name"] for node in data["nodes"]]
    order = forward_order(loss)
    updated = [order[u["node"]] for u in data["update"]]
    assert {id(p) for p in updated} == {id(p) for p in params[:2]}
    index = {id(node): i for i, node in enumerate(order)}
    assert data["not_updated"] == [names[index[id(p)]] for p in params[2:]]
    page = explain(loss, lr=0.1).html
    assert len(embedded_data(page)["update"]) == len(params) and embedded_data(page)["not_updated"] == []


def test_explain_with_an_update_leaves_the_graph_exactly_as_found():
    loss, params = xor_loss()
    stale = [np.full(p.shape, 7.0) for p in params]
    arrays = [p.data for p in params]
    before = [a.copy() for a in arrays]
    for p, g in zip(params, stale):
        p.grad = g
    optimizer = nn.optim.SGD(params, lr=0.1)
    explain(loss, lr=0.1)
    explain(loss, optimizer=optimizer)
    for p, a, b, g in zip(params, arrays, before, stale):
        assert p.data is a and np.array_equal(a, b)  # the same arrays, unchanged
        assert p.grad is g and np.all(g == 7.0)
    assert optimizer.velocity == [None] * len(params)

    value_loss = explorer.gender_loss()
    order = forward_order(value_loss)
    for k, node in enumerate(order):
        node.grad = 100.0 + k
    data_before = [node.data for node in order]
    explain(value_loss, lr=0.5)
    assert [node.data for node in order] == data_before
    assert [node.grad for node in order] == [100.0 + k for k in range(len(order))]


def test_without_lr_or_optimizer_there_is_no_update_phase():
    page = explain(explorer.gender_loss()).html
    data = embedded_data(page)
    assert "update" not in data and "lr" not in data
    assert "Then the update" not in page


def test_the_update_shows_enough_digits_to_see_the_step():
    w = Value(123.456789, label="w")
    loss = w * Value(1e-3, label="c", requires_grad=False)
    (u,) = embedded_data(explain(loss, lr=0.01).html)["update"]
    assert u["equation"][1] == "w ← 123.456789 − 0.01 × 0.001 = 123.456779"  # the step, 1e-05, shows
    zero = Value(2.0, label="z")
    (u,) = embedded_data(explain(zero * 0.0, lr=0.1).html)["update"]
    assert (
        u["new"] == u["old"] == "2.0"
        and u["note"] == "dL/dz = 0: L does not change with z here, so it stays."
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"lr": 0.0}, ValueError, "positive finite"),
        ({"lr": -0.1}, ValueError, "positive finite"),
        ({"lr": float("nan")}, ValueError, "positive finite"),
        ({"lr": float("inf")}, ValueError, "positive finite"),
        ({"lr": "0.1"}, TypeError, "must be a number"),
        ({"lr": True}, TypeError, "must be a number"),
        ({"lr": Tensor(0.1)}, TypeError, "must be a number"),
        ({"optimizer": "sgd"}, TypeError, "nn.optim.SGD"),
    ],
)
def test_update_arguments_are_checked(kwargs, error, words):
    with pytest.raises(error, match=words):
        explain(explorer.gender_loss(), **kwargs)


def test_an_optimizer_that_is_not_plain_sgd_or_not_for_this_graph_is_refused():
    loss, params = xor_loss()
    with pytest.raises(ValueError, match="not both"):
        explain(loss, lr=0.1, optimizer=nn.optim.SGD(params, lr=0.1))
    for optimizer in (nn.optim.SGD(params, lr=0.1, momentum=0.9), nn.optim.Adam(params, lr=0.1)):
        with pytest.raises(ValueError, match="only plain SGD's update") as caught:
            explain(loss, optimizer=optimizer)
        assert type(optimizer).__name__ in str(caught.value)
    _, other_params = xor_loss()  # another model's parameters
    with pytest.raises(ValueError, match="holds none of this graph's 4 parameters"):
        explain(loss, optimizer=nn.optim.SGD(other_params, lr=0.1))
    data = Tensor([1.0, 2.0], label="x")
    with pytest.raises(ValueError, match="no parameter to update"):
        explain((data * 2.0).sum(), lr=0.1)


# -- groups: the page opens with one box per outermost group ------------------

MLP_GROUPS = [*(f"L1 neuron {n}" for n in range(4)), *(f"L2 neuron {n}" for n in range(4)), "L3 neuron 0"]


def drawing(page: str, svg_id: str) -> ET.Element:
    return ET.fromstring(re.search(rf'<svg id="{svg_id}".*?</svg>', page, re.S).group(0))


def test_the_micrograd_mlp_records_its_groups_and_opens_collapsed():
    page = explain(explorer.micrograd_mlp_loss()).html
    data = embedded_data(page)
    nodes, groups = data["nodes"], data["groups"]
    assert [g["name"] for g in groups] == MLP_GROUPS
    assert [len(g["nodes"]) for g in groups] == [11] * 4 + [14] * 5  # 3 or 4 w*x, their sums, the bias, tanh
    for k, g in enumerate(groups):
        assert all(nodes[i].get("group") == k for i in g["nodes"])
        assert nodes[g["output"]]["op"] == "tanh" and g["output"] == max(g["nodes"])
    outside = [node["name"] for node in nodes if "group" not in node]
    assert (
        outside[:3] == ["x1", "x2", "x3"] and outside[-1] == "L" and len(outside) == 6
    )  # data stays outside

    collapsed, full = drawing(page, "graph-collapsed"), drawing(page, "graph")
    assert full.get("hidden") is not None and collapsed.get("hidden") is None
    boxes = {g.get("data-node"): g for g in collapsed.iter(f"{SVG_NS}g") if g.get("data-node") is not None}
    assert sorted(k for k in boxes if k.startswith("g")) == [f"g{k}" for k in range(9)]
    assert len(boxes) == 15  # 9 neurons, x1..x3, the target's 1, the difference and L
    for k, name in enumerate(MLP_GROUPS):
        box = boxes[f"g{k}"]
        assert box.get("data-group") == str(k) and "group" in box.get("class").split()
        assert "".join(box.find(f"{SVG_NS}text[@class='name']").itertext()) == name
        labels = [t.text for t in box.iter(f"{SVG_NS}text") if t.get("class") == "label"]
        assert labels == ["out", "grad"]
    plain = {k: int(k) for k in boxes if not k.startswith("g")}
    assert {nodes[i]["name"] for i in plain.values()} >= {"x1", "x2", "x3", "L"}
    # the edges join drawn boxes: x1..x3 feed every L1 neuron, each L1 neuron every L2 neuron
    edges = {
        (p.get("data-from"), p.get("data-to"))
        for p in collapsed.iter(f"{SVG_NS}path")
        if "edge" in p.get("class", "").split() and not p.get("data-from").startswith("op")
    }
    assert all(a in boxes and b in boxes for a, b in edges)
    x = [k for k, i in plain.items() if nodes[i]["name"] in ("x1", "x2", "x3")]
    assert {(a, f"g{n}") for a in x for n in range(4)} <= edges
    assert {(f"g{m}", f"g{n}") for m in range(4) for n in range(4, 8)} <= edges
    assert {(f"g{n}", "g8") for n in range(4, 8)} <= edges
    # the full drawing keeps every node's box, and a frame per group
    assert len([g for g in full.iter(f"{SVG_NS}g") if g.get("data-node") is not None]) == len(nodes) == 120
    assert [
        g.get("data-group") for g in full.iter(f"{SVG_NS}g") if "frame" in g.get("class", "").split()
    ] == [str(k) for k in range(9)]
    assert 'id="groups"' in page and "Expand all" in page


def test_the_collapsed_layout_runs_left_to_right_without_overlaps():
    from tinygrad_lite.views.collapse import collapsed as _collapsed

    data = embedded_data(explain(explorer.micrograd_mlp_loss()).html)
    folded = _collapsed(data)
    layout = _layout(folded)
    items = folded["nodes"]
    assert len(items) == 15 and items[-1]["name"] == "L"
    for i, item in enumerate(items):
        for p in item["parents"]:
            assert layout.x[p] + layout.w[p] < layout.x[i] - layout.op_w[i]
    boxes = [(layout.x[i], layout.y[i] - BOX_H / 2, layout.w[i], BOX_H) for i in range(len(items))]
    for k, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[k + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    groups = [item for item in items if item["kind"] == "group"]
    assert [g["name"] for g in groups] == MLP_GROUPS and all(g["op"] == "" for g in groups)
    # the three layers of neurons stand in three columns
    assert len({layout.x[i] for i, item in enumerate(items) if item["name"].startswith("L1 ")}) == 1
    assert len({layout.x[i] for i, item in enumerate(items) if item["name"].startswith("L2 ")}) == 1


def test_a_page_without_groups_is_drawn_in_full_as_before():
    """The gender page has no group: it is drawn in full, with no collapsed drawing, button or group data."""
    page = explain(explorer.gender_loss()).html
    data = embedded_data(page)
    assert "groups" not in data and not any("group" in node for node in data["nodes"])
    assert 'id="graph-collapsed"' not in page and 'id="groups"' not in page and "{{" not in page
    full = drawing(page, "graph")
    assert full.get("hidden") is None
    assert not [g for g in full.iter(f"{SVG_NS}g") if "frame" in g.get("class", "").split()]


def test_one_model_call_opens_at_its_layers():
    """The XOR page is one call of an nn.MLP: one box for it would hide the whole model, so the
    page opens with a box per layer (the groups inside the call), as draw_graph collapses it."""
    data = embedded_data(explain(explorer.xor_loss()).html)
    assert [g["name"] for g in data["groups"]] == ["layers.0 (Layer)", "layers.1 (Layer)"]
    names = {data["nodes"][i]["name"] for g in data["groups"] for i in g["nodes"]}
    assert {"W1", "b2"} <= names and "X" not in names  # the demo labels its parameters W1 … b2


def test_each_backward_step_of_a_value_graph_records_its_paths_to_the_root():
    a = Value(3.0, label="a")
    loss = a * a + a
    loss.label = "L"
    data = embedded_data(explain(loss).html)
    step = next(s for s in data["backward"] if data["nodes"][s["node"]]["name"] == "a")
    names = [[data["nodes"][i]["name"] for i in p["nodes"]] for p in step["paths"]]
    assert sorted(zip(map(tuple, names), (p["product"] for p in step["paths"]))) == [
        (("a", "L"), "1.0"),
        (("a", "a*a", "L"), "3.0"),
        (("a", "a*a", "L"), "3.0"),
    ]
    assert step["path_count"] == 3 and step["path_sum"] == "7.0"
    assert "paths" not in data["backward"][0]  # the root's own step
    loss = explorer.micrograd_mlp_loss()
    data = embedded_data(explain(loss).html)
    loss.backward()
    order = forward_order(loss)
    first_weight = next(n for n in order if not n.parents and n.requires_grad)
    step = next(s for s in data["backward"] if s["node"] == order.index(first_weight))
    assert step["path_count"] == len(step["paths"]) == 4  # through the four neurons of layer 2
    assert close_to_displayed(step["path_sum"], first_weight.grad)


def frames_and_boxes(svg: ET.Element) -> tuple[dict[str, list], dict[str, tuple]]:
    """A drawing's frames (their rectangles, by group) and boxes (their rectangle, by data-node)."""

    def rect(r: ET.Element) -> tuple[float, float, float, float]:
        x, y = float(r.get("x")), float(r.get("y"))
        return x, y, x + float(r.get("width")), y + float(r.get("height"))

    frames, boxes = {}, {}
    for g in svg.iter(f"{SVG_NS}g"):
        if "frame" in g.get("class", "").split():
            fills = [r for r in g.iter(f"{SVG_NS}rect") if r.get("class") == "fill"]
            frames[g.get("data-group")] = [rect(r) for r in fills]
        if g.get("data-node") is not None:
            box = next(r for r in g.iter(f"{SVG_NS}rect") if r.get("class") == "box")
            boxes[g.get("data-node")] = rect(box)
    return frames, boxes


def overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def test_a_click_on_a_group_has_a_drawing_with_that_group_alone_open_in_a_frame_of_its_own():
    """Every group of the MLP has a drawing where it alone is open; in it, and in the drawing
    with every group open, a frame covers its own boxes and no box of another group or none."""
    page = explain(explorer.micrograd_mlp_loss()).html
    data = embedded_data(page)
    groups = data["groups"]
    for k, members_of in enumerate(groups):
        svg = drawing(page, f"graph-open-{k}")
        assert svg.get("hidden") is not None and svg.get("data-open") == str(k)
        frames, boxes = frames_and_boxes(svg)
        assert list(frames) == [str(k)]
        members = {str(i) for i in members_of["nodes"]}
        assert set(boxes) == members | {f"g{j}" for j in range(len(groups)) if j != k} | {
            str(i) for i, node in enumerate(data["nodes"]) if "group" not in node
        }
        for node, box in boxes.items():
            covered = any(overlap(box, r) for r in frames[str(k)])
            assert covered == (node in members), (k, node)
    frames, boxes = frames_and_boxes(drawing(page, "graph"))
    assert len(frames) == len(groups)
    for k, members_of in enumerate(groups):
        members = {str(i) for i in members_of["nodes"]}
        for node, box in boxes.items():
            assert any(overlap(box, r) for r in frames[str(k)]) == (node in members), (k, node)
        for j in range(k):
            assert not any(overlap(a, b) for a in frames[str(k)] for b in frames[str(j)]), (j, k)


def test_a_small_graph_with_groups_opens_with_them_open_and_a_big_one_without_one_group_drawings():
    small = explain(explorer.xor_loss()).html  # 14 nodes in two layers
    assert drawing(small, "graph").get("hidden") is None
    assert drawing(small, "graph-collapsed").get("hidden") is not None
    big = Value(0.5)
    for n in range(40):  # 40 groups of 40 nodes: one-group drawings would add 40 x (41 + 40) boxes
        with group(f"block {n}"):
            for _ in range(20):
                big = (big * 1.01).tanh()
    page = explain(big).html
    assert drawing(page, "graph-collapsed").get("hidden") is None
    assert 'id="graph-open-' not in page  # a click on a group opens every group (the script's fallback)


@pytest.mark.parametrize("build", [explorer.gender_loss, explorer.micrograd_mlp_loss])
def test_every_drawing_draws_its_arrowheads_from_markers_defined_once(build):
    """The arrowheads are defined once, outside every drawing (a marker inside a hidden drawing
    would not show in the others), and the edges' style points at them."""
    page = explain(build()).html
    for marker in ("arrow", "arrow-fwd", "arrow-bwd"):
        assert page.count(f'<marker id="{marker}"') == 1
        assert f"marker-end: url(#{marker})" in page
    markers = re.search(r'<svg class="markers".*?</svg>', page, re.S).group(0)
    assert not re.search(r"\shidden=", markers) and markers.count("<marker ") == 3
