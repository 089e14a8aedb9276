"""Heatmaps in the explorer: a Tensor too big to show as numbers in a box (more than
`show.BOX_SIZE` elements) is recorded as a heatmap, its values divided by their largest
|value| and rounded to 3 decimals, for its data, its gradient (complete, and running
edge by edge), each edge's contribution and the update's new data; its box is drawn
taller, with a grid of cells, and still nothing overlaps and no edge runs under a box."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from test_explain import SVG_NS, drawn_graph, edges_under_boxes, embedded_data

import nn
from demos import explorer
from tinygrad_lite import Tensor, Value
from tinygrad_lite.views.explain import explain
from tinygrad_lite.views.layout import BOX_H
from tinygrad_lite.views.show import BOX_SIZE, PANEL_SIZE, heat
from tinygrad_lite.views.steps import forward_order

HALF_UNIT = 0.0005 + 1e-12  # a cell is its value over the scale rounded to 3 decimals: within half a unit


def tensor_mlp(n: int = 8, d: int = 6, hidden: int = 8, seed: int = 0) -> Tensor:
    """binary_cross_entropy(sigmoid(tanh(X @ W1 + b1) @ W2 + b2), y) built from Tensors, with short
    names and no groups (every node drawn): X (nxd, 48 elements by default), W1 (dxhidden),
    b1 (hidden), W2 (hiddenx1), b2 (1), h, p and the loss L."""
    rng = np.random.default_rng(seed)
    X = Tensor(rng.normal(size=(n, d)), label="X")
    W1 = Tensor(rng.normal(size=(d, hidden)), requires_grad=True, label="W1")
    b1 = Tensor(rng.normal(size=hidden) * 0.1, requires_grad=True, label="b1")
    W2 = Tensor(rng.normal(size=(hidden, 1)), requires_grad=True, label="W2")
    b2 = Tensor(np.zeros(1), requires_grad=True, label="b2")
    h = (X @ W1 + b1).tanh()
    p = (h @ W2 + b2).sigmoid()
    y = Tensor((rng.random((n, 1)) > 0.5).astype(float), label="y")
    loss = nn.binary_cross_entropy(p, y)
    h.label, p.label, loss.label = "h", "p", "L"
    return loss


def assert_heat_of(record: dict, array: np.ndarray) -> None:
    """`record` is `array` as the docs of `show.heat` say: one row for 1-D or a column, rows x
    cols for 2-D, every cell array / max|array| rounded to 3 decimals, min and max as text."""
    a = np.asarray(array, dtype=float)
    expected = a.reshape(1, -1) if a.ndim == 1 or a.shape[-1] == 1 else a
    assert record["grid"] == list(expected.shape)
    cells = np.array(record["cells"], dtype=float).reshape(expected.shape)
    np.testing.assert_allclose(cells, expected / np.abs(a).max(), rtol=0, atol=HALF_UNIT)
    assert float(record["min"]) == pytest.approx(a.min(), rel=5e-4)
    assert float(record["max"]) == pytest.approx(a.max(), rel=5e-4)
    assert float(record["scale"]) == pytest.approx(np.abs(a).max(), rel=5e-4)
    assert record.get("big", False) == (a.size > PANEL_SIZE)


def test_each_node_too_big_for_a_box_records_its_data_as_a_heatmap():
    loss = tensor_mlp()
    order = forward_order(loss)
    data = embedded_data(explain(loss).html)
    for node, entry in zip(order, data["nodes"]):
        if isinstance(node.data, np.ndarray) and node.data.size > BOX_SIZE:
            assert_heat_of(entry["data_heat"], node.data)
        else:  # a box shows its numbers: b2 (1) and the loss
            assert "data_heat" not in entry
    names = {entry["name"]: entry for entry in data["nodes"]}
    assert names["X"]["data_heat"]["big"] and "big" not in names["W2"]["data_heat"]  # 48 and 8 elements
    assert names["b1"]["data_heat"]["grid"] == [1, 8]  # a vector is one row


def test_gradients_record_heatmaps_complete_and_running_edge_by_edge():
    """x (5x6) is used twice by x*x and once by x*c: the edges that reach x show its gradient so
    far, edge by edge (so the first differs from the total), and x's own step the complete one."""
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(5, 6)), requires_grad=True, label="x")
    c = Tensor(rng.normal(size=(5, 6)), label="c")
    loss = (x * x + x * c).sum()
    data = embedded_data(explain(loss).html)
    names = [entry["name"] for entry in data["nodes"]]
    ix = names.index("x")
    sent = {"x*x": x.data, "x*c": c.data}  # what each of x's users adds to dL/dx (dL/d(user) is all ones)
    running = np.zeros_like(x.data)
    partial_sums = []
    for step in data["backward"]:
        for edge in step["edges"]:
            if edge["parent"] != ix:
                continue
            contribution = sent[names[step["node"]]]
            running = running + contribution
            assert_heat_of(edge["contribution_heat"], contribution)
            assert_heat_of(edge["total_heat"], running)
            partial_sums.append(edge["total_heat"]["cells"])
        if step["node"] == ix:
            complete = step["grad_heat"]
    assert len(partial_sums) == 3  # two edges from x*x, one from x*c
    assert_heat_of(complete, 2 * x.data + c.data)
    assert partial_sums[0] != complete["cells"]  # the first edge shows a partial sum, not the total
    assert partial_sums[-1] == complete["cells"]


def test_the_update_records_the_new_data_as_a_heatmap():
    loss = tensor_mlp()
    data = embedded_data(explain(loss, lr=0.1).html)
    fresh = tensor_mlp()
    fresh.backward()
    params = {node.label: node for node in forward_order(fresh) if node.label in {"W1", "b1", "W2", "b2"}}
    names = [entry["name"] for entry in data["nodes"]]
    grads = {names[s["node"]]: s for s in data["backward"]}
    seen = []
    for u in data["update"]:
        name = names[u["node"]]
        p = params[name]
        if p.size <= BOX_SIZE:  # b2: a number, no heatmap
            assert not any(key.endswith("_heat") for key in u)
            continue
        assert_heat_of(u["new_heat"], p.data - 0.1 * p.grad)
        assert u["old_heat"] == data["nodes"][u["node"]]["data_heat"]
        assert u["grad_heat"] == grads[name]["grad_heat"]
        seen.append(name)
    assert seen == ["W1", "b1", "W2"]


def test_big_arrays_are_stacked_and_averaged_to_at_most_16_cells_a_side():
    cube = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4) - 10
    record = heat(cube)
    assert record["grid"] == [6, 4] and "last axis across" in record["note"]
    assert_heat_of(record, cube.reshape(6, 4))

    wide = np.linspace(-1.0, 2.0, 40 * 5).reshape(40, 5)
    record = heat(wide)
    assert record["grid"] == [14, 5] and "mean of a 3×1 block" in record["note"]
    means = [wide[r : r + 3].mean(axis=0) for r in range(0, 40, 3)]  # the last block holds one row
    cells = np.array(record["cells"]).reshape(14, 5)
    np.testing.assert_allclose(cells, np.array(means) / 2.0, rtol=0, atol=HALF_UNIT)

    record = heat(np.array([1.0, np.nan, -4.0, 2.0]))
    assert record["cells"] == [0.25, None, -1.0, 0.5]  # NaN: null in the JSON, no colour of the scale
    assert heat(np.zeros(5))["cells"] == [0.0] * 5


def test_numbers_and_small_arrays_carry_no_heatmap_data():
    """A graph of Values, or of Tensors of at most BOX_SIZE elements, records what it did before
    heatmaps (no key, no byte more); one element more and the array is a heatmap."""
    for root in (explorer.gender_loss(), (Tensor([1.0, -2.0, 3.0], requires_grad=True) ** 2).sum()):
        page = explain(root, lr=0.1).html
        payload = re.search(r'id="explorer-data">(.*?)</script>', page, re.S).group(1)
        assert "_heat" not in payload and 'class="heat' not in page
    page = explain((Tensor([1.0, -2.0, 3.0, 4.0], requires_grad=True) ** 2).sum(), lr=0.1).html
    data = embedded_data(page)
    assert "data_heat" in data["nodes"][0] and "grad_heat" in data["backward"][-1]
    assert "new_heat" in data["update"][0]
    assert heat(np.float64(2.0)) is None and heat(2.0) is None and heat(Value(2.0).data) is None


def heat_rows(page: str) -> dict[int, list[tuple[float, float, float, float]]]:
    """Each box's heatmap grids (data, grad) as drawn: their bounds in the SVG, by node."""
    svg = ET.fromstring(re.search(r'<svg id="graph".*?</svg>', page, re.S).group(0))
    rows: dict[int, list] = {}
    for g in svg.iter(f"{SVG_NS}g"):
        if g.get("data-node") is None:
            continue
        for h in g.iter(f"{SVG_NS}g"):
            if "heat" not in h.get("class", "").split():
                continue
            left, top = map(float, re.match(r"translate\(([-\d.]+) ([-\d.]+)\)", h.get("transform")).groups())
            frame = next(r for r in h.iter(f"{SVG_NS}rect") if r.get("class") == "frame")
            cells = [r for r in h.iter(f"{SVG_NS}rect") if r.get("class") is None]
            assert all(float(r.get("width")) >= 5 for r in cells)  # big enough to see
            w, ht = float(frame.get("width")), float(frame.get("height"))
            rows.setdefault(int(g.get("data-node")), []).append((left, top, left + w, top + ht))
    return rows


@pytest.mark.parametrize("size", [(8, 6, 8), (64, 20, 32)])
def test_boxes_of_heatmaps_are_taller_and_nothing_overlaps_or_runs_under_a_box(size):
    loss = tensor_mlp(*size)
    page = explain(loss, lr=0.1).html
    boxes, _, _ = drawn_graph(page)
    rows = heat_rows(page)
    order = forward_order(loss)
    big = {i for i, node in enumerate(order) if node.data.size > BOX_SIZE}
    assert set(rows) == big and all(len(r) == 2 for r in rows.values())  # a data and a grad grid each
    # taller than a box of numbers, but for a vector's or a column's: one row of cells fits in a row of text
    rows_of_one = {order[i].label for i in big if order[i].data.ndim == 1 or order[i].data.shape[-1] == 1}
    assert {order[i].label for i in big if boxes[i][3] - boxes[i][1] <= BOX_H} == rows_of_one
    for i, (x0, y0, x1, y1) in boxes.items():
        if i in big:
            for left, top, right, bottom in rows[i]:  # each grid inside its box
                assert x0 < left and right < x1 and y0 < top and bottom < y1
        else:
            assert y1 - y0 == pytest.approx(BOX_H)
    items = list(boxes.values())
    for k, (ax0, ay0, ax1, ay1) in enumerate(items):
        for bx0, by0, bx1, by1 in items[k + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
    assert edges_under_boxes(page) == []
