"""The explorer's graph viewport in a real browser (headless Chromium, Playwright): the
graph's card pans and zooms; no text in it is ever under 11 px on screen; the current box
stays inside the card, both ways, with the chain-rule panel docked beside it on a wide
window; on a phone the card stays on screen, under the toolbar, while the panel is read."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from browser import needs_browser, open_page

from demos import explorer
from tinygrad_lite import Value
from tinygrad_lite.views.explain import explain
from tinygrad_lite.views.steps import forward_order

pytestmark = needs_browser
SHOWN = "#graph-scroll svg[viewBox]:not([hidden])"  # the drawing on screen
MIN_TEXT = 11  # px on screen, at every zoom the page allows
MAX_SCALE = 2.5


def ungrouped_mlp(sizes: tuple[int, ...] = (5, 7, 7, 1)) -> Value:
    """(MLP(x) - 1)**2 for a tanh MLP of Values without groups: 311 nodes in one drawing."""
    rng = np.random.default_rng(0)
    x = [Value(v, requires_grad=False) for v in rng.uniform(-1, 1, sizes[0])]
    for nin, nout in itertools.pairwise(sizes):
        x = [
            sum((Value(w) * xi for w, xi in zip(rng.uniform(-1, 1, nin), x)), Value(0.0)).tanh()
            for _ in range(nout)
        ]
    return (x[0] - 1.0) ** 2


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("viewport")
    explorer.main(["--out", str(folder)])
    big = ungrouped_mlp()
    assert len(forward_order(big)) == 311
    return {
        "gender": folder / "explorer.html",
        "tensor": folder / "explorer_tensor.html",
        "mlp": folder / "explorer_mlp.html",
        "big": explain(big).save(folder / "big.html"),
    }


# The smallest text in the card on screen: each text's font size times its scale on screen,
# over the texts of the drawing on screen that show inside the card.
SMALLEST_TEXT = f"""() => {{
  const svg = document.querySelector("{SHOWN}");
  const card = document.getElementById("graph-scroll").getBoundingClientRect();
  let least = Infinity, count = 0;
  svg.querySelectorAll("text, tspan").forEach((t) => {{
    const r = t.getBoundingClientRect();
    const outside = r.right < card.left || r.left > card.right || r.bottom < card.top || r.top > card.bottom;
    if (!r.width || outside) return;
    count += 1;
    least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  }});
  return {{ least, count }};
}}"""
SCALE = f"() => document.querySelector('{SHOWN}').getScreenCTM().a"
# Where the current box is: inside the card's visible part (less its scrollbars) and the window
# below the toolbar; where the card and the panel are.
WHERE = f"""() => {{
  const sc = document.getElementById("graph-scroll"), s = sc.getBoundingClientRect();
  const seen = {{ left: s.left, top: s.top, right: s.left + sc.clientWidth,
    bottom: s.top + sc.clientHeight }};
  const bar = document.querySelector(".toolbar").getBoundingClientRect().bottom;
  const win = {{ left: 0, top: bar, right: innerWidth, bottom: innerHeight }};
  const within = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5
    && a.bottom <= b.bottom + 0.5;
  const g = document.querySelector("{SHOWN} g[data-current]"), r = g ? g.getBoundingClientRect() : null;
  const card = sc.closest(".graph-card").getBoundingClientRect();
  const panel = document.getElementById("explain-panel").getBoundingClientRect();
  return {{
    current: g ? g.dataset.node : null, inCard: !!r && within(r, seen), inWindow: !!r && within(r, win),
    cardInWindow: within(card, {{ left: 0, top: 0, right: innerWidth, bottom: innerHeight }}),
    cardOnScreen: Math.min(card.bottom, innerHeight) - Math.max(card.top, bar),
    panelTop: panel.top, scrollY, innerHeight,
  }};
}}"""


def smallest_text(page) -> float:
    seen = page.evaluate(SMALLEST_TEXT)
    assert seen["count"] > 0
    return seen["least"]


def card_middle(page) -> tuple[float, float]:
    box = page.locator("#graph-scroll").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def ctrl_wheel(page, dy: float, at: tuple[float, float] | None = None) -> None:
    page.mouse.move(*(at or card_middle(page)))
    page.keyboard.down("Control")
    page.mouse.wheel(0, dy)
    page.keyboard.up("Control")
    page.wait_for_timeout(50)


@pytest.mark.parametrize("name", ["gender", "tensor", "mlp", "mlp expanded", "big"])
def test_no_text_in_the_graph_is_under_11_px_at_fit_nor_zoomed_out(browser, pages, name):
    page, errors = open_page(browser, pages[name.split()[0]], 1400, 900)
    if name == "mlp expanded":
        page.click("#groups")
    assert smallest_text(page) >= MIN_TEXT - 1e-3, "at Fit"
    assert page.get_attribute("#zoom-fit", "aria-pressed") == "true"  # the page opens at Fit
    for _ in range(30):
        if page.is_disabled("#zoom-out"):
            break
        page.click("#zoom-out")
    assert page.is_disabled("#zoom-out")
    assert smallest_text(page) >= MIN_TEXT - 1e-3, "zoomed out with the button"
    least = page.evaluate(SCALE)
    ctrl_wheel(page, 3000)  # ctrl + wheel down, far: no further out
    assert page.evaluate(SCALE) == pytest.approx(least)
    assert smallest_text(page) >= MIN_TEXT - 1e-3, "zoomed out with the wheel"
    page.keyboard.press("End")  # the numbers of the last step (an update's bold "new" label)
    assert smallest_text(page) >= MIN_TEXT - 1e-3, "at the last step"
    assert not errors
    page.close()


def test_every_step_of_the_mlp_keeps_the_current_box_in_the_card_and_the_panel_docked(browser, pages):
    """At 1400x900 the graph's card and the chain-rule panel are both in the window, the window never
    scrolls, and at every step the current box is inside the card (which scrolls to it at once:
    reduced motion), collapsed as the page opens and with every group expanded."""
    page = browser.new_page(viewport={"width": 1400, "height": 900}, reduced_motion="reduce")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(pages["mlp"].resolve().as_uri())
    total = page.evaluate("explorer.total")
    for expanded in (False, True):
        if expanded:
            page.keyboard.press("Home")
            page.click("#groups")
            assert page.inner_text("#groups") == "Collapse all"
        for step in range(1, total + 1):
            page.keyboard.press("ArrowRight")
            seen = page.evaluate(WHERE)
            where = (expanded, step, seen)
            assert seen["current"] is not None, where
            assert seen["inCard"] and seen["inWindow"] and seen["cardInWindow"], where
            assert 0 <= seen["panelTop"] < seen["innerHeight"] - 100 and seen["scrollY"] == 0, where
    assert not errors
    page.close()


def test_with_motion_the_card_scrolls_to_the_current_box_smoothly(browser, pages):
    page, errors = open_page(browser, pages["big"], 1400, 900)
    in_view = f"() => {{ const w = ({WHERE})(); return w.inCard && w.inWindow; }}"
    for step in ("explorer.data.nodes.length", "1"):  # the root, far right; the first input, far left
        assert not page.evaluate(f"() => {{ explorer.go({step}); return ({in_view})(); }}")  # not at once
        page.wait_for_function(in_view, timeout=3000)  # but soon
    assert page.evaluate("scrollY") == 0  # the card scrolled, not the window
    assert not errors
    page.close()


def empty_point(page) -> tuple[float, float]:
    """A point in the card over the drawing's background (no box, op or edge under it)."""
    return page.evaluate(
        f"""() => {{
      const sc = document.getElementById("graph-scroll"), s = sc.getBoundingClientRect();
      for (let y = s.top + 20; y < s.top + sc.clientHeight - 20; y += 7)
        for (let x = s.left + 20; x < s.left + sc.clientWidth - 20; x += 7) {{
          const e = document.elementFromPoint(x, y);
          if (e && e.matches("{SHOWN}")) return [x, y];
        }}
      return null;
    }}"""
    )


def scroll(page) -> tuple[float, float]:
    left, top = page.evaluate(
        "() => ['scrollLeft', 'scrollTop'].map((k) => document.getElementById('graph-scroll')[k])"
    )
    return left, top


def test_zoom_buttons_and_ctrl_wheel_zoom_within_the_limits(browser, pages):
    page, errors = open_page(browser, pages["big"], 1400, 900)
    fit = page.evaluate(SCALE)
    assert page.inner_text("#zoom-level") == f"{round(fit * 100)}%"
    page.click("#zoom-in")
    assert page.evaluate(SCALE) == pytest.approx(fit * 1.25, rel=1e-3)
    assert page.get_attribute("#zoom-fit", "aria-pressed") == "false"
    for _ in range(10):
        if page.is_disabled("#zoom-in"):
            break
        page.click("#zoom-in")
    assert page.is_disabled("#zoom-in") and page.evaluate(SCALE) == pytest.approx(MAX_SCALE, rel=1e-3)
    assert page.inner_text("#zoom-level") == "250%"
    page.click("#zoom-fit")
    assert (
        page.evaluate(SCALE) == pytest.approx(fit)
        and page.get_attribute("#zoom-fit", "aria-pressed") == "true"
    )

    # ctrl + wheel zooms around the pointer: the drawing's point under it stays under it
    at = empty_point(page)
    under = f"""([x, y]) => {{ const m = document.querySelector("{SHOWN}").getScreenCTM().inverse();
      return [m.a * x + m.e, m.d * y + m.f]; }}"""
    point = page.evaluate(under, list(at))
    ctrl_wheel(page, -100, at)  # one notch up: one step in
    assert page.evaluate(SCALE) == pytest.approx(fit * 1.25, rel=1e-3)
    assert page.evaluate(under, list(at)) == pytest.approx(point, abs=1.5)
    ctrl_wheel(page, -5000, at)
    assert page.evaluate(SCALE) == pytest.approx(MAX_SCALE, rel=1e-3)
    ctrl_wheel(page, 5000, at)
    least = page.evaluate(SCALE)
    assert page.is_disabled("#zoom-out") and least <= fit
    assert smallest_text(page) == pytest.approx(MIN_TEXT, abs=0.05)  # as far out as the text allows

    # a plain wheel scrolls: it pans, the scale stays
    before = scroll(page)
    page.mouse.move(*card_middle(page))
    page.mouse.wheel(0, 200)
    page.wait_for_function(
        f"() => document.getElementById('graph-scroll').scrollTop !== {before[1]}", timeout=2000
    )
    assert page.evaluate(SCALE) == pytest.approx(least)
    assert not errors
    page.close()


def drag(page, start: tuple[float, float], moves: list[tuple[float, float]]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for x, y in moves:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def test_a_drag_pans_the_graph_and_is_no_click(browser, pages):
    page, errors = open_page(browser, pages["big"], 1400, 900)
    page.evaluate("document.getElementById('graph-scroll').scrollTo(400, 300)")
    x, y = empty_point(page)
    drag(page, (x, y), [(x - 120, y - 70)])  # the drawing follows the pointer
    left, top = scroll(page)
    assert left == pytest.approx(400 + 120, abs=2) and top == pytest.approx(300 + 70, abs=2)
    assert page.evaluate("explorer.step") == 0

    # a drag from a box and back to it is no click on it: no jump to its step
    box = page.locator(f"{SHOWN} g.node[data-node]").nth(40)
    box.scroll_into_view_if_needed()
    b = box.locator("rect.box").bounding_box()
    start = (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    drag(page, start, [(start[0] + 90, start[1] + 40), start])
    assert page.evaluate("explorer.step") == 0
    # a drag from the background that ends on a box (the card at its edge: the box does not follow)
    page.evaluate("document.getElementById('graph-scroll').scrollTo(0, 0)")
    x, y = empty_point(page)
    b = page.locator(f"{SHOWN} g.node[data-node]").first.locator("rect.box").bounding_box()
    drag(page, (x, y), [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)])
    assert page.evaluate("explorer.step") == 0
    # a plain click on a box still jumps to its step
    node = int(box.get_attribute("data-node"))
    box.click()
    assert page.evaluate("explorer.step") == node + 1
    assert not errors
    page.close()


# A step with the longest page: the panel with the most to read (reached with go(step)).
LONGEST = """() => { let best = [0, 0];
  for (let k = 0; k <= explorer.total; k++) {
    explorer.go(k);
    if (document.documentElement.scrollHeight > best[1]) best = [k, document.documentElement.scrollHeight];
  }
  return best[0]; }"""


@pytest.mark.parametrize(
    "size, name", [((390, 844), "gender"), ((768, 1024), "tensor")], ids=["phone", "tablet"]
)
def test_on_a_narrow_screen_the_graph_stays_on_screen_while_the_panel_is_read(browser, pages, size, name):
    """On a phone at the gender page's last step, on a tablet at the Tensor page's longest panel:
    with the window scrolled down to the panel's end, the card is still on screen (under the
    toolbar), and so is the current box in it."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, reduced_motion="reduce")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(pages[name].resolve().as_uri())
    step = page.evaluate("explorer.total") if name == "gender" else page.evaluate(LONGEST)
    page.evaluate(f"explorer.go({step})")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # to the panel's end
    page.wait_for_timeout(100)
    seen = page.evaluate(WHERE)
    assert seen["scrollY"] > 0  # there was more panel to read below the graph
    assert seen["cardOnScreen"] >= 150, seen
    assert seen["inCard"] and seen["inWindow"], seen
    page.evaluate("explorer.go(explorer.data.nodes.length + 1)")  # the root's backward step
    seen = page.evaluate(WHERE)
    assert seen["inCard"] and seen["inWindow"] and seen["cardOnScreen"] >= 150, seen
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]  # only the card pans
    assert not errors
    page.close()
