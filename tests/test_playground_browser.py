"""The playground in a real browser (headless Chromium driven by Playwright): the live page
on a `PlaygroundServer` of a free port, driven through its form and buttons, showing the losses
of a run made directly with `Session`; "Explain this step"; a bad value that leaves the run
going; the speed of the views; and an exported page replayed with the network blocked.
Screenshots go to out/playground_*.png."""

from __future__ import annotations

import json
import time

import pytest
from browser import OUT, needs_browser

from nn.playground import Session, Settings, record
from nn.playground.page import iframe_html, page_html
from nn.playground.server import PlaygroundServer

pytestmark = needs_browser
# The run the form asks for in the tests (the server starts with other settings).
FORM = {"dataset": "moons", "hidden": "4,4", "lr": "0.05", "optimizer": "sgd", "batch_size": "20"}
WANTED = Settings(dataset="moons", hidden=(4, 4), lr=0.05, optimizer="sgd", batch_size=20)
#: The one console error a refused value brings: the browser logs the 400 answer it received.
REFUSED = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture
def server():
    with PlaygroundServer(Settings(dataset="xor-cloud", hidden=(3,))) as running:
        yield running


def new_page(opener, width: int = 1400, height: int = 900):
    """A page of `opener` (the browser, or a context: its viewport is set here) and the list that
    collects its console errors and uncaught exceptions."""
    page = opener.new_page()
    page.set_viewport_size({"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    return page, errors


def open_live(browser, server, width=1400, height=900):
    page, errors = new_page(browser, width, height)
    page.goto(server.url)
    page.wait_for_selector('#playground[data-ready="true"]')
    return page, errors


def set_field(page, name: str, value: str) -> None:
    """Types `value` into a settings field (or picks it in a menu) and commits it, as a user does;
    waits for the new run it asks for."""
    session = page.get_attribute("#playground", "data-session")
    selector = f'#settings [name="{name}"]'
    if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
        page.select_option(selector, value)
    else:
        page.fill(selector, value)
        page.press(selector, "Enter")
    page.wait_for_function("s => document.getElementById('playground').dataset.session !== s", arg=session)


def settled(page) -> dict:
    """Waits for the update under way after a pause; the step and loss then on screen."""
    return page.evaluate(
        """async () => {
        await window.playground.player.idle();
        return { step: +document.getElementById('playground').dataset.step,
                 loss: +document.getElementById('loss-value').dataset.loss,
                 shown: document.getElementById('loss-value').textContent };
    }"""
    )


def direct_frame(settings: Settings, steps: int) -> dict:
    session = Session(settings)
    for chunk in [1000] * (steps // 1000) + [steps % 1000]:
        if chunk:
            session.step(chunk)
    return json.loads(json.dumps(session.frame()))


def play_until(page, step: int) -> None:
    page.click("#play")
    page.wait_for_function(
        f"() => +document.getElementById('playground').dataset.step >= {step}", timeout=30000
    )
    page.click("#play")


def test_training_through_the_form_shows_the_direct_runs_loss(browser, server):
    page, errors = open_live(browser, server)
    for name, value in FORM.items():
        set_field(page, name, value)
    assert page.is_hidden("#error")
    assert page.evaluate("window.playground.setup.settings") == WANTED.to_json()
    first = settled(page)
    assert first["step"] == 0 and first["loss"] == direct_frame(WANTED, 0)["loss"]

    play_until(page, 150)
    assert page.get_attribute("#play", "aria-pressed") == "false"
    now = settled(page)
    frame = direct_frame(WANTED, now["step"])
    assert now["loss"] == frame["loss"] < first["loss"]
    assert float(now["shown"]) == pytest.approx(frame["loss"], rel=1e-3)
    assert page.inner_text("#step-value") == str(now["step"])
    assert page.evaluate("window.playground.frame") == frame
    # the server's run is where the page says it is
    state = page.evaluate("fetch('/api/state').then(r => r.json())")
    assert state["frame"]["step"] == now["step"] and state["frame"]["loss"] == now["loss"]
    # Step: exactly one more; Reset: the start again
    page.click("#step")
    page.wait_for_function(f"() => +document.getElementById('playground').dataset.step === {now['step'] + 1}")
    assert settled(page)["loss"] == direct_frame(WANTED, now["step"] + 1)["loss"]
    page.click("#reset")
    page.wait_for_function("() => +document.getElementById('playground').dataset.step === 0")
    assert settled(page)["loss"] == first["loss"]
    # the URL carries the settings: opening it again reproduces the run's start
    assert "dataset=moons" in page.url and "hidden=4%2C4" in page.url
    assert errors == []


def test_the_views_follow_the_frames(browser, server):
    page, errors = open_live(browser, server)
    set_field(page, "hidden", "8,8")
    assert page.eval_on_selector_all("#network .neuron", "ns => ns.length") == 2 + 8 + 8 + 1
    assert page.eval_on_selector_all("#network .edge", "es => es.length") == 2 * 8 + 8 * 8 + 8
    points = page.eval_on_selector_all("#points [data-point]", "ps => ps.length")
    assert points == len(page.evaluate("window.playground.setup.points"))

    def picture():
        return page.evaluate(
            """() => ({
                boundary: document.getElementById('boundary-canvas').toDataURL(),
                neuron: document.querySelector('#network .neuron[data-layer="1"] canvas').toDataURL(),
                widths: [...document.querySelectorAll('#network .edge')]
                    .map((e) => e.getAttribute('stroke-width')),
                curve: document.querySelector('#curve path.loss').getAttribute('d'),
            })"""
        )

    before = picture()
    play_until(page, 60)
    settled(page)
    after = picture()
    for view in before:
        assert after[view] != before[view], view
    # the toggle draws the last step's gradients instead of the weights
    page.check('input[name="show"][value="gradients"]')
    frame = page.evaluate("window.playground.frame")
    largest = max(abs(g) for layer in frame["layers"] for row in layer["weight_grad"] for g in row)
    widths = page.evaluate(
        "[...document.querySelectorAll('#network .edge')].map(e => +e.getAttribute('stroke-width'))"
    )
    grads = [abs(g) for layer in frame["layers"] for row in layer["weight_grad"] for g in row]
    assert widths == [pytest.approx(0.6 + 5.4 * g / largest, abs=0.051) for g in grads]
    assert "show=gradients" in page.url
    # pointing at an edge gives its numbers
    page.hover('#network .edge[data-layer="1"][data-edge="0"]', force=True)
    readout = page.inner_text("#network-readout")
    assert readout.startswith("weight from x₁ to hidden 1 #1: ")
    assert float(readout.split(": ")[1].split(";")[0]) == frame["layers"][0]["weight"][0][0]
    assert errors == []


def test_explain_this_step_opens_the_explorer_on_the_picked_point(browser, server):
    page, errors = open_live(browser, server)
    for name, value in FORM.items():
        set_field(page, name, value)
    play_until(page, 40)
    step = settled(page)["step"]
    assert page.is_disabled("#explain")  # no point picked yet
    point = page.evaluate(
        """() => [...document.querySelectorAll('#points [data-point]')].findIndex((c) => {
            const box = c.getBoundingClientRect();  // a point no other covers
            return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === c;
        })"""
    )
    page.click(f'#points [data-point="{point}"]')
    assert page.input_value("#point") == str(point)
    assert page.get_attribute("#points .ring", "visibility") == "visible"
    page.click("#explain")
    page.wait_for_selector("#explain-overlay:not([hidden])")
    panel = page.frame_locator("#explain-frame").locator("#explain-panel")
    panel.wait_for()
    assert "Ready" in panel.inner_text()
    session = Session(WANTED)
    session.step(step)
    expected = session.explain_point(point)
    assert float(page.get_attribute("#explain-before", "data-loss")) == expected["loss_before"]
    assert float(page.get_attribute("#explain-after", "data-loss")) == expected["loss_after"]
    assert page.inner_text("#explain-note") == expected["note"]
    # the explorer in the frame steps through the pass (its own page, its own controls)
    page.frame_locator("#explain-frame").locator("#next").click()
    assert "Step 1 of" in page.frame_locator("#explain-frame").locator("#step-counter").inner_text()
    assert page.evaluate("document.querySelector('main').inert")  # a modal dialog: the page behind sleeps
    page.keyboard.press("Escape")
    assert page.is_hidden("#explain-overlay")
    assert page.evaluate("document.activeElement.id") == "explain"  # the focus is back where it was
    assert not page.evaluate("document.querySelector('main').inert")
    assert settled(page)["step"] == step  # explaining trained nothing
    assert errors == []


def test_a_bad_value_shows_a_message_and_training_goes_on(browser, server):
    page, errors = open_live(browser, server)
    session = page.get_attribute("#playground", "data-session")
    page.click("#play")
    page.wait_for_function("() => +document.getElementById('playground').dataset.step >= 20")
    page.fill("#f-lr", "-1")
    page.press("#f-lr", "Enter")
    page.wait_for_selector("#error:not([hidden])")
    message = page.inner_text("#error")
    assert "lr" in message and "-1" in message
    assert page.get_attribute("#error", "data-field") == "lr"
    assert page.get_attribute("#f-lr", "aria-invalid") == "true"
    at_error = int(page.get_attribute("#playground", "data-step"))
    page.wait_for_function(f"() => +document.getElementById('playground').dataset.step >= {at_error + 50}")
    page.click("#play")
    now = settled(page)
    assert page.get_attribute("#playground", "data-session") == session  # the same run, further on
    assert now["loss"] == direct_frame(Settings(dataset="xor-cloud", hidden=(3,)), now["step"])["loss"]
    # a good value clears the message and starts the run it asks for
    set_field(page, "lr", "0.1")
    assert page.is_hidden("#error") and page.get_attribute("#f-lr", "aria-invalid") is None
    assert page.evaluate("window.playground.setup.settings.lr") == 0.1
    assert errors == [REFUSED]


def test_the_live_page_draws_at_least_20_updates_a_second(browser):
    """2-8-8-1 on 200 points, 5 steps per update (the default speed): measured in the page."""
    with PlaygroundServer(Settings(dataset="moons", points=200, hidden=(8, 8))) as server:
        page, errors = open_live(browser, server)
        page.select_option("#speed", "5")
        page.click("#play")
        page.wait_for_function("() => +document.getElementById('playground').dataset.step >= 50")
        start, updates = time.perf_counter(), page.evaluate("window.playground.updates")
        time.sleep(3)
        rate = (page.evaluate("window.playground.updates") - updates) / (time.perf_counter() - start)
        page.click("#play")
        settled(page)
        page.screenshot(path=str(OUT / "playground_live.png"))
        print(f"\n{rate:.1f} view updates per second")
        assert rate >= 20
        assert errors == []


def test_a_phone_gets_the_views_stacked(browser, server):
    page, errors = open_live(browser, server, 390, 844)
    play_until(page, 30)
    settled(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = {name: page.locator(f".{name}-card").bounding_box() for name in ("output", "network", "settings")}
    assert boxes["output"]["y"] + boxes["output"]["height"] <= boxes["network"]["y"]
    assert boxes["network"]["y"] + boxes["network"]["height"] <= boxes["settings"]["y"]
    assert all(box["width"] <= 390 for box in boxes.values())
    page.screenshot(path=str(OUT / "playground_phone.png"), full_page=True)
    assert errors == []


# -- the exported page -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    recording = record(Settings(dataset="circle", points=100, hidden=(6,), lr=0.05), 120, every=2)
    path = tmp_path_factory.mktemp("replay") / "playground.html"
    path.write_text(page_html("replay", recording.to_json()), encoding="utf-8")
    return path, recording.to_json()


def test_the_exported_page_replays_with_the_network_blocked(browser, replay):
    path, recording = replay
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    requests: list[str] = []

    def only_the_file(route):
        requests.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_file)
    page, errors = new_page(context)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector('#playground[data-ready="true"]')
    frames = recording["frames"]
    assert page.get_attribute("#playground", "data-mode") == "replay"
    assert page.is_disabled("#f-lr") and page.input_value("#f-lr") == "0.05"
    assert page.is_hidden("#explain")

    def scrub(k):
        page.eval_on_selector("#scrub", "(e, k) => { e.value = k; e.dispatchEvent(new Event('input')); }", k)
        assert int(page.get_attribute("#playground", "data-step")) == frames[k]["step"]
        assert float(page.get_attribute("#loss-value", "data-loss")) == frames[k]["loss"]
        return page.evaluate("document.getElementById('boundary-canvas').toDataURL()")

    assert page.get_attribute("#scrub", "max") == str(len(frames) - 1)
    start, middle, end = scrub(0), scrub(30), scrub(len(frames) - 1)
    assert len({start, middle, end}) == 3  # the boundary moves as it learns
    assert frames[-1]["loss"] < frames[0]["loss"]
    assert scrub(30) == middle  # the same frame draws the same picture
    # Play from the end starts again and runs to the end
    page.click("#play")
    page.wait_for_function(
        "() => document.getElementById('playground').dataset.playing === 'false'", timeout=20000
    )
    assert int(page.get_attribute("#playground", "data-step")) == frames[-1]["step"]
    page.click("#step")  # at the end: nothing further
    assert int(page.get_attribute("#playground", "data-step")) == frames[-1]["step"]
    page.click("#reset")
    assert int(page.get_attribute("#playground", "data-step")) == 0
    page.screenshot(path=str(OUT / "playground_replay.png"))
    assert all(url.startswith("file://") for url in requests)
    assert errors == []
    context.close()


def test_the_exported_page_works_in_a_notebooks_frame(browser, replay, tmp_path):
    path, recording = replay
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        f"<!DOCTYPE html><title>cell</title>{iframe_html(path.read_text())}", encoding="utf-8"
    )
    page, errors = new_page(browser)
    page.goto(notebook.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator('#playground[data-ready="true"]').wait_for()
    frame.locator("#scrub").fill("20")  # a range input takes the value and fires its input event
    assert frame.locator("#playground").get_attribute("data-step") == str(recording["frames"][20]["step"])
    frame.locator('input[name="show"][value="gradients"]').check()  # writes the URL: none in a srcdoc
    assert errors == []


def test_the_readmes_screenshots(browser):
    """The README's pictures (copied from out/ to docs/ by hand): a run on XOR points, the
    spiral learnt, and "Explain this step" in the middle of a backward pass."""
    xor = Settings(dataset="xor-cloud", hidden=(4, 4), lr=0.03, seed=1)
    with PlaygroundServer(xor) as server:
        page, errors = open_live(browser, server)
        play_until(page, 300)
        settled(page)
        page.fill("#point", "3")
        page.press("#point", "Enter")
        page.hover('#network .neuron[data-layer="1"][data-neuron="1"]')
        page.screenshot(path=str(OUT / "playground_xor.png"))
        assert errors == []
    spiral = Settings(dataset="spiral", noise=0.05, hidden=(16, 16, 16), activation="relu", lr=0.01)
    with PlaygroundServer(spiral) as server:
        page, errors = open_live(browser, server)
        page.select_option("#speed", "50")
        play_until(page, 2000)
        assert settled(page)["loss"] < 0.2
        page.screenshot(path=str(OUT / "playground_spiral.png"))
        assert errors == []
    small = Settings(dataset="moons", hidden=(3,), optimizer="sgd", lr=0.1, batch_size=20)
    with PlaygroundServer(small) as server:
        page, errors = open_live(browser, server)
        play_until(page, 100)
        settled(page)
        page.fill("#point", "12")
        page.press("#point", "Enter")
        page.click("#explain")
        page.frame_locator("#explain-frame").locator("#explain-panel").wait_for()
        explorer = next(frame for frame in page.frames if frame.parent_frame is not None)
        explorer.evaluate("window.explorer.go(window.explorer.data.nodes.length + 7)")
        assert explorer.evaluate("window.explorer.phase") == "backward"
        page.screenshot(path=str(OUT / "playground_explain.png"))
        assert errors == []
