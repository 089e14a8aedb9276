"""The explorer page in a real browser (headless Chromium driven by Playwright):
step through the gender tutorial's loss with the buttons and the keyboard,
read the gradients the page displays and compare them with `backward()`.
Screenshots go to out/explorer_laptop.png and out/explorer_phone.png."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from browser import OUT, needs_browser, open_page

import nn
from demos import explorer
from tinygrad_lite import Tensor, Value
from tinygrad_lite.views.explain import explain
from tinygrad_lite.views.steps import forward_order

pytestmark = needs_browser
PARAMETERS = [*(f"w{i}" for i in range(1, 7)), "b1", "b2", "b3"]


@pytest.fixture(scope="module")
def pages() -> dict[str, Path]:
    explorer.main(["--out", str(OUT)])
    return {"gender": OUT / "explorer.html", "tensor": OUT / "explorer_tensor.html"}


def counter(page) -> str:
    return page.inner_text("#step-counter")


def shown_grad(page, name: str) -> str:
    return page.get_attribute(f'svg.drawing:not([hidden]) g.node[data-name="{name}"] text.grad', "data-grad")


def agrees_to_displayed_digits(text: str, exact: float) -> bool:
    """`text` equals `exact` to within half a unit of its last displayed digit."""
    half_unit = Decimal(1).scaleb(Decimal(text).as_tuple().exponent) / 2
    return abs(Decimal(text) - Decimal(exact)) <= half_unit


def test_stepping_through_shows_the_engine_gradients(browser, pages):
    loss = explorer.gender_loss()
    loss.backward()
    engine = {node.label: node.grad for node in forward_order(loss) if node.label}
    order = forward_order(loss)
    parameters = sum(node.requires_grad and not node.parents for node in order)  # each gets an update step
    total = len(order) + sum(node.requires_grad for node in order) + parameters  # backward skips data
    page, errors = open_page(browser, pages["gender"])
    assert counter(page) == f"Step 0 of {total}"
    assert shown_grad(page, "w1") == "" and page.text_content('g[data-name="w1"] text.value') == "?"

    # the screenshot step: mid-backward, at an op sending its gradient to two inputs
    data = page.evaluate("window.explorer.data")
    middle = len(data["backward"]) // 2
    b = next(b for b in range(middle, len(data["backward"])) if len(data["backward"][b]["edges"]) == 2)
    snapshot = len(data["nodes"]) + b + 1
    for k in range(1, total + 1):
        page.click("#next")
        if k == snapshot:
            assert page.get_attribute("#explorer", "data-phase") == "backward"
            page.wait_for_timeout(350)  # let the gradient flash settle
            page.screenshot(path=str(OUT / "explorer_laptop.png"))
    assert counter(page) == f"Step {total} of {total}"
    assert page.evaluate("window.explorer.step") == total
    assert page.is_disabled("#next")
    for name in PARAMETERS:
        text = shown_grad(page, name)
        assert agrees_to_displayed_digits(text, engine[name]), (name, text, engine[name])
    assert shown_grad(page, "w1") == "0.02147"

    page.click("#prev")
    assert counter(page) == f"Step {total - 1} of {total}"
    page.keyboard.press("ArrowLeft")
    assert counter(page) == f"Step {total - 2} of {total}"
    page.keyboard.press("ArrowRight")
    assert counter(page) == f"Step {total - 1} of {total}"
    page.keyboard.press("Home")
    assert counter(page) == f"Step 0 of {total}" and shown_grad(page, "w1") == ""
    assert errors == []
    page.close()


def test_play_pause_with_the_button_and_the_space_bar(browser, pages):
    page, errors = open_page(browser, pages["gender"])
    page.click("#play")
    assert page.inner_text("#play") == "Pause"
    page.wait_for_function("window.explorer.step >= 1", timeout=3000)
    page.keyboard.press(" ")  # the play button has the focus: the space bar must act once, not twice
    assert page.inner_text("#play") == "Play"
    stopped = page.evaluate("window.explorer.step")
    page.wait_for_timeout(1000)
    assert page.evaluate("window.explorer.step") == stopped
    page.keyboard.press(" ")
    assert page.inner_text("#play") == "Pause"
    page.keyboard.press("ArrowRight")  # stepping by hand pauses
    assert page.inner_text("#play") == "Play"
    assert errors == []
    page.close()


def steps_played_in_one_second(page) -> int:
    page.keyboard.press("Home")
    page.click("#play")
    page.wait_for_timeout(1000)
    page.click("#play")  # pause
    assert page.inner_text("#play") == "Play"
    return page.evaluate("window.explorer.step")


def test_the_play_speed_control_and_its_keys_change_the_interval(browser, pages):
    page, errors = open_page(browser, pages["gender"])
    speed = page.locator("#speed")
    assert speed.is_visible() and "Speed" in speed.inner_text()
    assert page.get_attribute('#speed button[data-speed="1"]', "aria-pressed") == "true"
    slow = steps_played_in_one_second(page)
    assert slow <= 2  # one step every 900 ms
    page.click('#speed button[data-speed="4"]')
    assert page.get_attribute('#speed button[data-speed="4"]', "aria-pressed") == "true"
    assert page.get_attribute('#speed button[data-speed="1"]', "aria-pressed") == "false"
    assert steps_played_in_one_second(page) >= 3  # one every 225 ms
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert page.evaluate("window.explorer.speed") == 1
    page.keyboard.press("-")
    page.keyboard.press("-")  # no slower than half speed
    assert page.evaluate("window.explorer.speed") == 0.5
    assert page.get_attribute('#speed button[data-speed="0.5"]', "aria-pressed") == "true"
    for _ in range(4):
        page.keyboard.press("+")  # no faster than four times
    assert page.evaluate("window.explorer.speed") == 4

    page.keyboard.press("Home")  # a change while playing takes effect at once
    page.click('#speed button[data-speed="1"]')
    page.click("#play")
    page.wait_for_timeout(100)
    page.keyboard.press("+")
    page.keyboard.press("+")
    page.wait_for_timeout(1000)
    assert page.evaluate("window.explorer.step") >= 3
    assert errors == []
    page.close()


def test_a_click_on_a_box_jumps_to_its_step(browser, pages):
    page, errors = open_page(browser, pages["gender"])
    data = page.evaluate("window.explorer.data")
    total, forward = page.evaluate("window.explorer.total"), len(data["nodes"])
    index = {node["name"]: i for i, node in enumerate(data["nodes"])}
    w1_backward = forward + 1 + next(b for b, s in enumerate(data["backward"]) if s["node"] == index["w1"])

    page.click('g.node[data-name="w1"]')  # before the backward pass: its forward step
    assert counter(page) == f"Step {index['w1'] + 1} of {total}"
    assert page.inner_text("#step-title") == "w1: a parameter"
    assert page.get_attribute("g.node[data-current]", "data-name") == "w1"

    page.keyboard.press("End")  # after the backward pass: its backward step
    page.click('g.node[data-name="w1"]')
    assert counter(page) == f"Step {w1_backward} of {total}"
    assert page.get_attribute("#explorer", "data-phase") == "backward"
    assert page.inner_text("#step-title") == "w1 is a leaf"
    assert "dL/dw1" in page.inner_text("#explain-panel")
    assert page.get_attribute("g.node[data-current]", "data-name") == "w1"

    page.click('g.node[data-name="x1"]')  # data has no backward step: its forward step
    assert counter(page) == f"Step {index['x1'] + 1} of {total}"
    assert page.get_attribute("#explorer", "data-phase") == "forward"
    assert page.inner_text("#step-title") == "x1: an input / constant"
    assert page.get_attribute("g.node[data-current]", "data-name") == "x1"

    page.click("#play")  # a click while playing stops on the clicked node's step
    page.click('g.node[data-name="L"]')
    assert page.inner_text("#play") == "Play"
    assert counter(page) == f"Step {index['L'] + 1} of {total}"
    assert errors == []
    page.close()


def test_the_space_bar_and_the_arrows_work_while_the_slider_has_the_focus(browser, pages):
    page, errors = open_page(browser, pages["gender"])
    total = page.evaluate("window.explorer.total")
    page.focus("#scrub")
    page.keyboard.press(" ")
    assert page.inner_text("#play") == "Pause"
    page.wait_for_function("window.explorer.step >= 1", timeout=3000)
    page.keyboard.press(" ")
    assert page.inner_text("#play") == "Play"
    stopped = page.evaluate("window.explorer.step")
    page.wait_for_timeout(1000)
    assert page.evaluate("window.explorer.step") == stopped
    assert page.evaluate("document.activeElement.id") == "scrub"
    page.keyboard.press("ArrowRight")  # exactly one step, not the slider's own step as well
    assert counter(page) == f"Step {stopped + 1} of {total}"
    page.keyboard.press("ArrowLeft")
    assert counter(page) == f"Step {stopped} of {total}"
    page.keyboard.press("End")
    assert counter(page) == f"Step {total} of {total}"
    assert page.evaluate("document.getElementById('scrub').value") == str(total)
    page.keyboard.press("Home")
    assert counter(page) == "Step 0 of " + str(total)
    assert errors == []
    page.close()


def test_the_forward_pass_fills_in_data_and_highlights_the_node(browser, pages):
    page, errors = open_page(browser, pages["gender"])
    index = int(page.get_attribute('g.node[data-name="h1"]', "data-node"))
    page.evaluate(f"window.explorer.go({index + 1})")
    assert page.get_attribute('g.node[data-name="h1"] text.value', "data-value") == "0.04743"
    assert "current" in page.get_attribute('g.node[data-name="h1"]', "class")
    assert page.get_attribute("#explorer", "data-phase") == "forward"
    assert page.inner_text("#step-title") == "Compute h1"
    assert page.text_content('g.node[data-name="L"] text.value') == "?"  # not computed yet
    assert page.locator("path.edge.hot").count() == 2  # the sigmoid's input edge and its arrow to h1
    assert errors == []
    page.close()


def test_phone_layout_scrolls_the_graph_to_the_current_node(browser, pages):
    page, errors = open_page(browser, pages["gender"], width=390, height=844)
    total = page.evaluate("window.explorer.total")
    page.evaluate(f"window.explorer.go({total * 3 // 4})")
    page.wait_for_timeout(700)  # the smooth scroll to the current node
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # only the graph scrolls sideways
    scroller = page.locator("#graph-scroll").bounding_box()
    current = page.locator("g.node.current .box").bounding_box()
    left, right = current["x"], current["x"] + current["width"]
    assert scroller["x"] <= left and right <= scroller["x"] + scroller["width"]
    page.screenshot(path=str(OUT / "explorer_phone.png"))
    assert errors == []
    page.close()


def test_the_tensor_page_runs_to_the_end(browser, pages):
    page, errors = open_page(browser, pages["tensor"])
    page.keyboard.press("End")
    total = page.evaluate("window.explorer.total")
    assert counter(page) == f"Step {total} of {total}"
    assert shown_grad(page, "W1") == "2×3" and shown_grad(page, "L") == "1.0"
    assert shown_grad(page, "X") == ""  # data: no gradient
    assert errors == []
    page.close()


def test_a_hostile_label_renders_as_text(browser, tmp_path):
    evil = "<script>alert(1)</script>"
    path = explain(Value(2.0, label=evil) * Value(3.0, label="b")).save(tmp_path / "evil.html")
    page, errors = open_page(browser, path)
    page.keyboard.press("End")
    assert page.get_attribute('g.node[data-node="0"]', "data-name") == evil
    assert page.text_content('g.node[data-node="0"] text.name').startswith("<script>alert(1)")  # cut to fit
    assert errors == []  # no alert dialog, no error
    page.close()


@pytest.fixture(scope="module")
def a_squared_plus_a(tmp_path_factory) -> Path:
    """L = a*a + a with a = 3: a is used twice by * and once more, a column later, by +."""
    a = Value(3.0, label="a")
    loss = a * a + a
    loss.label = "L"
    return explain(loss).save(tmp_path_factory.mktemp("explorer") / "a_squared_plus_a.html")


# Every box and op pill the edge's path passes strictly inside, sampled 1 px apart along it as
# Chromium lays it out; the edge may touch its own ends (its input's box, its op's pill) within
# the first and last few px. Also, where the path passes a box's column, the topmost element at
# that point on screen, which must not belong to a box.
EDGE_UNDER_BOXES = """([from, to]) => {
  const svg = document.getElementById("graph");
  const path = svg.querySelector(`path.edge[data-from="${from}"][data-to="${to}"]`);
  const shapes = [], bbox = (g, selector) => g.querySelector(selector).getBBox();
  svg.querySelectorAll("g.node[data-node]").forEach((g) =>
    shapes.push({ what: "box " + g.dataset.name, own: g.dataset.node === from, b: bbox(g, "rect.box") }));
  svg.querySelectorAll("g.op[data-op]").forEach((g) =>
    shapes.push({ what: "op of node " + g.dataset.op, own: g.dataset.op === to, b: bbox(g, "rect") }));
  const total = path.getTotalLength(), under = new Set(), covered = new Set(), ctm = svg.getScreenCTM();
  let beside = 0;
  for (let s = 0; s <= total; s += 1) {
    const p = path.getPointAtLength(s), nearEnd = s < 4 || total - s < 4;
    for (const { what, own, b } of shapes) {
      const inside = b.x + 0.5 < p.x && p.x < b.x + b.width - 0.5
        && b.y + 0.5 < p.y && p.y < b.y + b.height - 0.5;
      if (inside && !(own && nearEnd)) under.add(what);
      if (what.startsWith("box") && !own && b.x < p.x && p.x < b.x + b.width) {
        beside += 1;
        const top = document.elementFromPoint(ctm.a * p.x + ctm.e, ctm.d * p.y + ctm.f);
        if (top && top.closest("g.node")) covered.add(top.closest("g.node").dataset.name);
      }
    }
  }
  return { length: total, under: [...under], covered: [...covered], beside };
}"""


def test_the_skip_edge_of_a_squared_plus_a_is_visible(browser, a_squared_plus_a):
    """The edge from a to + passes the column of a*a in a gap, not under its box: the picture reads
    L = a*a + a, not L = +(a*a). Checked on the SVG as Chromium renders it, at Fit: all of it in
    view, at least at full size."""
    page, errors = open_page(browser, a_squared_plus_a, width=1400, height=900)
    assert page.evaluate("document.getElementById('graph').getScreenCTM().a") >= 1
    page.keyboard.press("End")
    ids = {name: page.get_attribute(f'g.node[data-name="{name}"]', "data-node") for name in ("a", "a*a", "L")}
    assert page.locator(f'path.edge[data-from="{ids["a"]}"]').count() == 3  # two into *, one into +
    for source, target in (("a", "L"), ("a", "a*a"), ("a*a", "L")):
        seen = page.evaluate(EDGE_UNDER_BOXES, [ids[source], ids[target]])
        assert seen["under"] == [], (source, target, seen)
        assert seen["covered"] == [], (source, target, seen)
    skip = page.evaluate(EDGE_UNDER_BOXES, [ids["a"], ids["L"]])
    assert skip["beside"] > 20  # it does pass a*a's column, in plain sight
    assert errors == []
    page.close()


def test_a_repeated_input_shows_its_running_sum_in_the_chain_rule_table(browser, a_squared_plus_a):
    """At the a*a step of L = a*a + a (a = 3), a already holds 1 from +; each of a*a's two edges adds
    a * 1 = 3: the table's "its grad so far" reads 4.0, then 7.0 (the micrograd lecture's case)."""
    page, errors = open_page(browser, a_squared_plus_a)
    for _ in range(page.evaluate("window.explorer.total")):
        if page.inner_text("#step-title") == "Backward at a*a (*)":
            break
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#step-title") == "Backward at a*a (*)"
    headers = page.locator("#step-body table th").all_inner_texts()
    assert headers[-1] == "its grad so far"
    rows = [row.locator("td").all_inner_texts() for row in page.locator("#step-body table tbody tr").all()]
    assert [row[0] for row in rows] == ["a", "a"]
    assert [row[2] for row in rows] == ["3.0", "3.0"]  # adds to its grad: a * dL/d(a*a) = 3 * 1
    assert [row[-1] for row in rows] == ["4.0", "7.0"]
    assert shown_grad(page, "a") == "7.0"
    assert errors == []
    page.close()


def test_the_current_box_and_the_panel_carry_their_test_hooks(browser, pages):
    """The contract's hooks: every box has data-node, the current one also
    data-current (exactly one while stepping, none at the start), and the
    chain-rule panel is #explain-panel."""
    page, errors = open_page(browser, pages["gender"])
    assert page.locator("g.node[data-current]").count() == 0
    assert page.locator("#explain-panel").count() == 1
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    current = page.locator("g.node[data-current]")
    assert current.count() == 1 and current.get_attribute("data-node") == page.eval_on_selector(
        "#explorer", "e => e.dataset.current"
    )
    assert not errors


UPDATE_EQUATION = re.compile(r"^(\S+) ← (\S+) − (\S+) × \(?([^()\s]+)\)? = (\S+)$")


def sgd_step(params: list[Value], lr: float) -> dict[str, float]:
    """One real `nn.optim.SGD` step on the Values' data and grads, by label (SGD holds Tensors:
    each Value is mirrored by a one-element Tensor carrying its data and its grad)."""
    mirrors = [Tensor(p.data, requires_grad=True) for p in params]
    for mirror, p in zip(mirrors, params):
        mirror.grad = np.array(p.grad)
    nn.optim.SGD(mirrors, lr=lr).step()
    return {p.label: mirror.item() for p, mirror in zip(params, mirrors)}


def same_to_4_significant_digits(shown: float, exact: float) -> bool:
    return abs(shown - exact) <= 5e-4 * abs(exact)


@pytest.fixture(scope="module")
def gender_with_update(tmp_path_factory) -> Path:
    return explain(explorer.gender_loss(), lr=0.1).save(
        tmp_path_factory.mktemp("explorer") / "gender_lr.html"
    )


def test_the_update_phase_shows_one_sgd_step(browser, gender_with_update):
    """Stepping to the end of the gender page made with lr=0.1: after the backward pass, one update
    step per parameter (w1..w6, b1..b3, never the data x1, x2), whose numbers, read from the panel
    and from the boxes, are those of one real SGD step."""
    loss = explorer.gender_loss()
    loss.backward()
    order = forward_order(loss)
    params = [node for node in order if not node.parents and node.requires_grad]
    assert [p.label for p in params] == PARAMETERS
    expected = sgd_step(params, lr=0.1)
    forward, backward = len(order), sum(node.requires_grad for node in order)

    page, errors = open_page(browser, gender_with_update)
    total = forward + backward + len(params)
    assert counter(page) == f"Step 0 of {total}"
    assert page.get_attribute("#scrub", "max") == str(total)
    page.evaluate(f"window.explorer.go({forward + backward})")  # the last backward step
    assert page.get_attribute("#explorer", "data-phase") == "backward"
    assert page.locator("g.node[data-updated]").count() == 0
    for name in PARAMETERS:  # the boxes show the old data until the update
        old = page.get_attribute(f'g.node[data-name="{name}"] text.value', "data-value")
        assert old == ("1.0" if name[0] == "w" else "0.0")

    seen = []
    for k in range(1, len(params) + 1):
        page.click("#next")
        assert page.get_attribute("#explorer", "data-phase") == "update"
        assert page.inner_text("#phase") == f"update · {k} of {len(params)}"
        assert counter(page) == f"Step {forward + backward + k} of {total}"
        current = page.locator("g.node[data-current]")
        name = current.get_attribute("data-name")
        assert page.inner_text("#step-title") == f"Update {name}"
        lines = page.inner_text("#explain-panel .eq.update").splitlines()
        assert lines[0] == f"{name} ← {name} − lr × dL/d{name}"
        target, old, lr, grad, new = UPDATE_EQUATION.match(lines[1]).groups()
        assert target == name and lr == "0.1"
        p = params[len(seen)]
        assert same_to_4_significant_digits(float(old), p.data) or float(old) == p.data == 0.0
        assert same_to_4_significant_digits(float(grad), p.grad)
        assert same_to_4_significant_digits(float(new), expected[name]), (name, new, expected[name])
        assert current.get_attribute("data-updated") is not None
        assert current.locator("text.value").get_attribute("data-value") == new
        seen.append(name)
    assert seen == PARAMETERS  # one step per parameter, in forward order: x1, x2 get none
    assert counter(page) == f"Step {total} of {total}" and page.is_disabled("#next")

    for name in PARAMETERS:  # the boxes at the end: every parameter's new data
        box = page.locator(f'g.node[data-name="{name}"]')
        assert box.get_attribute("data-updated") is not None
        shown = float(box.locator("text.value").get_attribute("data-value"))
        assert same_to_4_significant_digits(shown, expected[name]), (name, shown, expected[name])
        assert shown != (1.0 if name[0] == "w" else 0.0)
    for name in ("x1", "x2"):  # data: shown as it was, never updated
        box = page.locator(f'g.node[data-name="{name}"]')
        assert box.get_attribute("data-updated") is None
        assert box.locator("text.value").get_attribute("data-value") == {"x1": "-2.0", "x2": "-1.0"}[name]
    assert page.locator("g.node[data-updated]").count() == len(PARAMETERS)
    assert "Update done" in page.inner_text("#explain-panel")

    page.keyboard.press("ArrowLeft")  # stepping back un-updates the last parameter
    assert page.locator("g.node[data-updated]").count() == len(PARAMETERS) - 1
    assert page.get_attribute('g.node[data-name="b3"] text.value', "data-value") == "0.0"
    page.keyboard.press("Home")
    assert page.locator("g.node[data-updated]").count() == 0
    page.keyboard.press("End")
    assert counter(page) == f"Step {total} of {total}"
    assert errors == []
    page.close()


def test_the_update_phase_plays_to_the_end(browser, gender_with_update):
    page, errors = open_page(browser, gender_with_update)
    total = page.evaluate("window.explorer.total")
    page.evaluate(f"window.explorer.go({total - 2})")
    page.click("#play")
    page.wait_for_function(f"window.explorer.step === {total}", timeout=5000)
    page.wait_for_function("document.getElementById('play').textContent === 'Play'", timeout=3000)
    assert page.get_attribute("#explorer", "data-phase") == "update"
    page.locator("#scrub").fill(str(total - 1))
    assert page.evaluate("window.explorer.step") == total - 1
    assert errors == []
    page.close()


# -- groups: the micrograd MLP opens as a box per neuron -----------------------

VISIBLE_BOXES = (
    "[...document.querySelectorAll('g[data-node]')].filter((g) => g.getClientRects().length).length"
)
IN_VIEW = """() => {
  const inside = (r) => r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
  const current = [...document.querySelectorAll("g[data-current]")];  // #explorer carries data-current too
  const panel = document.getElementById("explain-panel").getBoundingClientRect();
  return {
    current: current.map((g) => g.dataset.node),
    visible: current.every((g) => g.getClientRects().length > 0),
    currentInside: current.every((g) => inside(g.getBoundingClientRect())),
    panelInside: inside(panel),
    node: +document.getElementById("explorer").dataset.current,
  };
}"""


@pytest.fixture(scope="module")
def mlp_page(tmp_path_factory) -> Path:
    return explain(explorer.micrograd_mlp_loss()).save(tmp_path_factory.mktemp("mlp") / "mlp.html")


def test_the_mlp_opens_collapsed_and_a_click_opens_one_group(browser, mlp_page):
    page, errors = open_page(browser, mlp_page, 1400, 900)
    assert page.evaluate(VISIBLE_BOXES) == 15  # 9 neurons + x1..x3 + the loss's 1, difference and L
    assert page.locator("#graph-collapsed g.node[data-group]").count() == 9
    assert page.text_content('#graph-collapsed g[data-node="g0"] text.name') == "L1 neuron 0"
    page.click('#graph-collapsed g[data-node="g0"]')
    # that neuron's 11 nodes (its weights, inputs' products, sum and tanh) in its frame; the rest as before
    assert page.evaluate(VISIBLE_BOXES) == 15 - 1 + 11 and page.inner_text("#groups") == "Expand all"
    assert page.locator('#graph-open-0 g.frame[data-group="0"]').is_visible()
    assert page.locator("#graph-open-0 g.node[data-group]").count() == 8
    page.click('#graph-open-0 g[data-node="g4"]')  # another neuron's box opens that one instead
    assert page.locator('#graph-open-4 g.frame[data-group="4"]').is_visible()
    assert page.evaluate(VISIBLE_BOXES) == 15 - 1 + 14
    page.click('#graph-open-4 g.frame[data-group="4"] text')  # the frame's label closes it again
    assert page.evaluate(VISIBLE_BOXES) == 15 and page.inner_text("#groups") == "Expand all"
    page.click("#groups")
    assert page.evaluate(VISIBLE_BOXES) == 120 and page.inner_text("#groups") == "Collapse all"
    assert page.locator("#graph g.frame").count() == 9
    page.click("#groups")
    assert page.evaluate(VISIBLE_BOXES) == 15
    assert not errors


def test_every_step_of_the_collapsed_mlp_keeps_the_current_box_and_the_panel_in_view(browser, mlp_page):
    page, errors = open_page(browser, mlp_page, 1400, 900)
    data = page.evaluate("explorer.data")
    group_of = {i: k for k, g in enumerate(data["groups"]) for i in g["nodes"]}
    total = page.evaluate("explorer.total")
    assert total == 120 + 116  # the steps of the nodes inside the groups still run
    for step in range(1, total + 1):
        page.keyboard.press("ArrowRight")
        assert counter(page) == f"Step {step} of {total}"
        seen = page.evaluate(IN_VIEW)
        node = seen["node"]
        expected = f"g{group_of[node]}" if node in group_of else str(node)
        assert seen["current"] == [expected], step  # the group's box while one of its nodes is current
        assert seen["visible"] and seen["currentInside"] and seen["panelInside"], (step, seen)
    # the panel still shows the inner node's chain rule
    page.evaluate("explorer.go(120 + 30)")
    assert page.inner_text("#step-title").startswith("Backward at ")
    assert "In L" in page.inner_text("#explain-panel") and page.locator("#explain-panel table").count() == 1
    assert not errors


def test_a_click_on_a_box_of_the_collapsed_mlp_jumps_and_a_group_still_expands(browser, mlp_page):
    page, errors = open_page(browser, mlp_page, 1400, 900)
    data = page.evaluate("explorer.data")
    x1 = next(i for i, node in enumerate(data["nodes"]) if node["name"] == "x1")
    page.click(f'#graph-collapsed g.node[data-node="{x1}"]')
    assert page.evaluate("explorer.step") == x1 + 1
    assert page.evaluate(VISIBLE_BOXES) == 15  # still collapsed
    page.click('#graph-collapsed g[data-node="g0"]')  # a group's box opens it and leaves the step alone
    assert page.evaluate(VISIBLE_BOXES) == 25 and page.evaluate("explorer.step") == x1 + 1
    inner = data["groups"][0]["nodes"][0]
    page.click(f'#graph-open-0 g.node[data-node="{inner}"]')  # the opened group's boxes jump too
    assert page.evaluate("explorer.step") == inner + 1
    assert page.evaluate(VISIBLE_BOXES) == 25
    assert not errors


def test_in_a_notebook_cell_the_frame_takes_the_cell_width_and_the_page_height(browser, tmp_path):
    """What Jupyter shows: `_repr_html_` inside a cell 700 px wide. The frame is
    as wide as the cell and as tall as the page inside it, also after the
    panel grows, so nothing scrolls inside the frame."""
    cell = tmp_path / "cell.html"
    shown = explain(explorer.gender_loss())._repr_html_()
    cell.write_text(f'<!DOCTYPE html><html><body><div style="width: 700px">{shown}</div></body></html>')
    page, errors = open_page(browser, cell, width=1000, height=800)
    page.wait_for_timeout(300)

    def sizes():
        return page.evaluate(
            """() => { const f = document.querySelector("iframe");
            return [f.getBoundingClientRect().width, f.getBoundingClientRect().height,
                    f.contentDocument.documentElement.scrollHeight]; }"""
        )

    width, height, inner = sizes()
    assert width == 700 and abs(height - inner) <= 4, (width, height, inner)
    frame = page.frame_locator("iframe")
    frame.locator("#next").click()
    for _ in range(40):
        frame.locator("#next").click()
    page.wait_for_timeout(300)
    width, height, inner = sizes()
    assert abs(height - inner) <= 4, (height, inner)
    assert not errors


def test_a_click_during_the_backward_pass_lights_every_path_and_adds_them_up(browser, a_squared_plus_a):
    """L = a*a + a (a = 3): clicking a after the backward pass lists its three
    paths to L with the product of the local derivatives along each (3, 3 and
    1) and their sum, dL/da = 7, and lights their edges; stepping on clears it."""
    page, errors = open_page(browser, a_squared_plus_a, width=1400, height=900)
    page.keyboard.press("End")
    assert page.locator("path.edge.onpath").count() == 0 and page.locator("#paths").count() == 0
    page.click('g.node[data-name="a"]')
    rows = page.locator("#paths tbody tr").all_inner_texts()
    products = sorted(row.split("\t")[-1].strip() for row in rows[:-1])
    assert products == ["1.0", "3.0", "3.0"] and rows[-1].split("\t")[-1].strip() == "7.0", rows
    assert "a → a*a → L" in rows[0] or "a → a*a → L" in rows[1]
    lit = {
        (p.get_attribute("data-from"), p.get_attribute("data-to"))
        for p in page.locator("path.edge.onpath").all()
    }
    a, square, total = (
        page.get_attribute(f'g.node[data-name="{n}"]', "data-node") for n in ("a", "a*a", "L")
    )
    assert {(a, square), (square, total), (a, total)} <= lit
    page.keyboard.press("ArrowLeft")
    assert page.locator("path.edge.onpath").count() == 0 and page.locator("#paths").count() == 0
    assert not errors


def test_the_current_box_stays_in_view_both_ways_in_a_tall_drawing(browser, tmp_path):
    """The micrograd MLP drawn in full (Expand all) is taller than a 1400x900
    window: at every step the graph's card scrolls the current box into its
    view, up and down as well as sideways; the card itself, bounded to the
    window below the sticky toolbar, stays in the window, which never scrolls."""
    page_file = explain(explorer.micrograd_mlp_loss()).save(tmp_path / "mlp.html")
    page = browser.new_page(
        viewport={"width": 1400, "height": 900}, reduced_motion="reduce"
    )  # scroll at once
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.resolve().as_uri())
    page.click("#groups")  # the full drawing: 120 boxes
    total = page.evaluate("window.explorer.total")
    outside = []
    for k in range(1, total + 1):
        page.keyboard.press("ArrowRight")
        box = page.evaluate(
            """() => { const g = document.querySelector("svg:not([hidden]) g.node[data-current]");
            if (!g) return null; const r = g.getBoundingClientRect();
            const card = document.getElementById("graph-scroll"), c = card.getBoundingClientRect();
            const bar = document.querySelector(".toolbar").getBoundingClientRect().bottom;
            return [r.top - c.top, c.top + card.clientHeight - r.bottom, r.left - c.left,
                    c.left + card.clientWidth - r.right, c.top - bar, innerHeight - c.bottom, -scrollY]; }"""
        )
        if box is not None and min(box) < 0:
            outside.append((k, box))
    assert not outside, outside[:5]
    assert not errors


COUNT_MUTATIONS = """(k) => new Promise((done) => {
  const changed = new Set();
  const seen = new MutationObserver((records) => records.forEach((r) => {
    const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    if (el.closest("svg.drawing")) changed.add(el);
  }));
  seen.observe(document.body, { subtree: true, attributes: true, characterData: true, childList: true });
  explorer.go(k);
  setTimeout(() => { seen.disconnect(); done(changed.size); }, 0);
})"""


def test_a_step_of_a_big_graph_touches_only_what_it_changes(browser, tmp_path):
    """A step of a 1,200-node chain rewrites the few boxes, pills and edges it concerns, not
    the whole drawing: the cost of a step does not grow with the graph (timed in benchmarks/)."""
    y = Value(0.5, label="y0")
    for _ in range(300):
        y = (y * 1.01 + 0.1).tanh()
    page, errors = open_page(browser, explain(y).save(tmp_path / "chain.html"), 1400, 900)
    n = page.evaluate("explorer.data.nodes.length")
    assert n > 1000
    for k in (1, 2, 500, n - 1, n, n + 1, n + 2, n + 600):  # forward, the turn to backward, backward
        page.evaluate("(k) => explorer.go(k)", k - 1)
        assert page.evaluate(COUNT_MUTATIONS, k) < 40, k
    assert not errors
