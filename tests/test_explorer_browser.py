"""The explorer page in a real browser (headless Chromium driven by Playwright):
step through the gender tutorial's loss with the buttons and the keyboard,
read the gradients the page displays and compare them with `backward()`.
Screenshots go to out/explorer_laptop.png and out/explorer_phone.png."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from demos import explorer
from tinygrad_lite import Value
from tinygrad_lite.explain import explain
from tinygrad_lite.steps import forward_order

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_PLAYWRIGHT = "playwright is not installed (pip install playwright)"
NO_CHROMIUM = "no Chromium on PATH (chromium or chromium-browser)"
pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason=NO_PLAYWRIGHT),
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]

OUT = Path(__file__).resolve().parent.parent / "out"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PARAMETERS = [*(f"w{i}" for i in range(1, 7)), "b1", "b2", "b3"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pages() -> dict[str, Path]:
    explorer.main(["--out", str(OUT)])
    return {"gender": OUT / "explorer.html", "tensor": OUT / "explorer_tensor.html"}


def open_page(browser, path: Path, width: int = 1280, height: int = 800):
    """A page showing `path`, and the list that collects its console errors and uncaught exceptions."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    page.goto(path.resolve().as_uri())
    return page, errors


def counter(page) -> str:
    return page.inner_text("#step-counter")


def shown_grad(page, name: str) -> str:
    return page.get_attribute(f'g.node[data-name="{name}"] text.grad', "data-grad")


def agrees_to_displayed_digits(text: str, exact: float) -> bool:
    """`text` equals `exact` to within half a unit of its last displayed digit."""
    half_unit = Decimal(1).scaleb(Decimal(text).as_tuple().exponent) / 2
    return abs(Decimal(text) - Decimal(exact)) <= half_unit


def test_stepping_through_shows_the_engine_gradients(browser, pages):
    loss = explorer.gender_loss()
    loss.backward()
    engine = {node.label: node.grad for node in forward_order(loss) if node.label}
    order = forward_order(loss)
    total = len(order) + sum(node.requires_grad for node in order)  # backward skips the numbers
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
