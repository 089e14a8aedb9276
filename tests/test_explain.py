"""`explain(root)`: one self-contained HTML page stepping through the forward and
backward passes, its embedded data checked against `backward()`, the graph
left as it was found, every label escaped. (The page in a real browser:
test_explorer_browser.py.)"""

from __future__ import annotations

import ast
import html
import json
import re

import numpy as np
import pytest

import nn
from demos import explorer
from tinygrad_lite import BackwardError, Tensor, Value
from tinygrad_lite.explain import BOX_H, Explanation, _layout, explain
from tinygrad_lite.steps import forward_order

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
    for label in GENDER_LABELS:
        assert close_to_displayed(final[label], by_label[label])
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


def test_demo_writes_both_pages(tmp_path, capsys):
    explorer.main(["--out", str(tmp_path)])
    printed = capsys.readouterr().out
    for name in ("explorer.html", "explorer_tensor.html"):
        assert (tmp_path / name).is_file()
        assert name in printed
    assert "file://" in printed
