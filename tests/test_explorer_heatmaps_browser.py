"""Heatmaps in the explorer page, in headless Chromium: a Tensor MLP's boxes draw their big
arrays as cells coloured by the recorded values (blue below 0, red above), data after the
node's forward step, the running and then the complete gradient in the backward pass, the
new data in the update; the panel draws an array too big to print (over 24 elements)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import needs_browser, open_page
from test_explain_heatmaps import tensor_mlp

from tinygrad_lite.views.explain import explain

pytestmark = needs_browser
CELLS = 'g.node[data-name="{name}"] g.heat[data-heat="{row}"]'


@pytest.fixture(scope="module")
def mlp_page(tmp_path_factory) -> Path:
    """X (8x6), W1 (6x8), b1 (8), W2 (8x1), b2 (1): every node drawn (no groups), with an update."""
    return explain(tensor_mlp(), lr=0.1).save(tmp_path_factory.mktemp("heatmaps") / "mlp.html")


def heat_row(page, name: str, row: str) -> dict:
    """A box's data ("value") or grad heatmap as drawn: its classes, tooltip and cell fills."""
    return page.eval_on_selector(
        CELLS.format(name=name, row=row),
        """(g) => ({ classes: [...g.classList], label: g.getAttribute("aria-label"),
          fills: [...g.querySelectorAll(".cells rect")].map((r) => r.getAttribute("fill")) })""",
    )


def assert_coloured_as(fills: list[str], cells: list[float]) -> None:
    """Each fill is red for a positive cell, blue for a negative one, near-white near 0."""
    assert len(fills) == len(cells)
    for fill, v in zip(fills, cells):
        r, g, b = map(int, re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\)", fill).groups())
        if v >= 0.02:
            assert r > b, (fill, v)
        elif v <= -0.02:
            assert b > r, (fill, v)
        else:
            assert min(r, g, b) >= 235, (fill, v)
    assert len({fill for fill in fills}) > 3  # the values differ: so do their colours


def open_mlp(browser, path):
    """The page at 1400x900, its console errors, its recorded data and its nodes' names."""
    page, errors = open_page(browser, path, 1400, 900)
    data = page.evaluate("window.explorer.data")
    return page, errors, data, [node["name"] for node in data["nodes"]]


def test_a_box_draws_its_data_as_a_heatmap_once_computed(browser, mlp_page):
    page, errors, data, names = open_mlp(browser, mlp_page)
    w1 = data["nodes"][names.index("W1")]
    before = heat_row(page, "W1", "value")
    assert "unknown" in before["classes"] and "not known yet" in before["label"]
    assert page.is_visible('g.node[data-name="W1"] text.value')  # "?" stands in for the cells

    page.evaluate(f"window.explorer.go({names.index('W1') + 1})")  # W1's forward step
    after = heat_row(page, "W1", "value")
    assert "unknown" not in after["classes"]
    assert_coloured_as(after["fills"], w1["data_heat"]["cells"])
    assert f"min {w1['data_heat']['min']}, max {w1['data_heat']['max']}" in after["label"]
    assert page.is_hidden('g.node[data-name="W1"] text.value')  # the shape is in the title already
    assert page.get_attribute('g.node[data-name="W1"] text.value', "data-value") == "6×8"
    assert "unknown" in heat_row(page, "X@W1", "value")["classes"]  # not computed yet
    assert errors == []
    page.close()


def test_the_grad_heatmap_shows_the_running_then_the_complete_gradient(browser, mlp_page):
    page, errors, data, names = open_mlp(browser, mlp_page)
    n, w1 = len(names), names.index("W1")
    page.evaluate(f"window.explorer.go({n})")  # the forward pass done: no gradient yet
    assert "unknown" in heat_row(page, "W1", "grad")["classes"]

    steps = data["backward"]
    sends = next(b for b, s in enumerate(steps) if any(e["parent"] == w1 for e in s["edges"]))
    own = next(b for b, s in enumerate(steps) if s["node"] == w1)
    assert sends < own
    page.evaluate(f"window.explorer.go({n + sends + 1})")  # X@W1 sends W1 its share: a sum so far
    running = heat_row(page, "W1", "grad")
    assert "partial" in running["classes"] and "so far" in running["label"]
    edge = next(e for e in steps[sends]["edges"] if e["parent"] == w1)
    assert_coloured_as(running["fills"], edge["total_heat"]["cells"])

    page.evaluate(f"window.explorer.go({n + own + 1})")  # W1's own step: its gradient complete
    complete = heat_row(page, "W1", "grad")
    assert "complete" in complete["classes"] and "partial" not in complete["classes"]
    assert_coloured_as(complete["fills"], steps[own]["grad_heat"]["cells"])
    assert page.get_attribute('g.node[data-name="W1"] text.grad', "data-grad") == "6×8"
    assert "never" in heat_row(page, "X", "grad")["classes"]  # data: no gradient comes, "—"
    assert page.is_visible('g.node[data-name="X"] text.grad')

    update = next(k for k, u in enumerate(data["update"]) if u["node"] == w1)
    page.evaluate(f"window.explorer.go({n + len(steps) + update + 1})")  # the update: W1's new data
    new = heat_row(page, "W1", "value")
    assert_coloured_as(new["fills"], data["update"][update]["new_heat"]["cells"])
    assert new["label"].startswith("new W1:")
    assert errors == []
    page.close()


def test_the_panel_draws_an_array_too_big_to_print(browser, mlp_page):
    page, errors, data, names = open_mlp(browser, mlp_page)
    x = data["nodes"][names.index("X")]["data_heat"]  # 48 elements: more than the panel prints
    assert x["big"]
    page.evaluate(f"window.explorer.go({names.index('X') + 1})")
    figure = page.locator("#step-body .heatmap")
    assert figure.count() == 1
    assert figure.locator("svg rect:not(.frame)").count() == x["grid"][0] * x["grid"][1] == 48
    text = figure.inner_text()
    assert f"−{x['scale']}" in text and f"+{x['scale']}" in text  # the legend's ends
    assert f"min {x['min']}" in text and f"max {x['max']}" in text
    assert "shape (8, 6)" not in page.inner_text("#step-body")  # drawn, not summed up in words

    n, steps = len(names), data["backward"]
    h = next(b for b, s in enumerate(steps) if names[s["node"]] == "h")
    page.evaluate(f"window.explorer.go({n + h + 1})")  # dL/dh and what it sends on, all 8x8
    assert page.locator("#step-body .heatmap").count() == 3  # dL/dh, the edge's contribution, its sum so far
    assert page.locator("#step-body .edge-arrays .heatmap").count() == 2

    w1 = next(k for k, u in enumerate(data["update"]) if names[u["node"]] == "W1")
    page.evaluate(f"window.explorer.go({n + len(steps) + w1 + 1})")
    assert page.locator("#step-body .arrays .heatmap").count() == 3  # W1 - lr x dL/dW1 = new W1
    assert errors == []
    page.close()
