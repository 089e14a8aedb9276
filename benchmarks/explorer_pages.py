"""Big explorer pages in headless Chromium: ``python -m benchmarks.explorer_pages``.

Three graphs of over 1,000 nodes, each written by `explain` and opened in
Chromium at 1400x900 (Playwright with the system Chromium: ``chromium`` on
PATH): the time of ``explain()`` in Python, of loading the page until
``window.explorer`` exists, and of 90 steps (``explorer.next()``, 30 from the
start, 30 across the turn to the backward pass and 30 from three quarters in),
timed in the page with ``performance.now``: the script's own time, and the time
until the step is painted (the next animation frame); the median and the
slowest of each. The issue's targets for
1,000 nodes: a load under 2 s and a step under 50 ms. Not a test: a
measurement to read.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from tinygrad_lite import Value, explain, group
from tinygrad_lite.views.steps import forward_order

STEPS_JS = """async () => {
  const e = window.explorer, ran = [], shown = [];
  // a step is shown once the browser has laid out and painted it: the next frame, then a task
  const painted = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  async function time() {
    const t = performance.now();
    e.next();
    ran.push(performance.now() - t);
    await painted();
    shown.push(performance.now() - t);
  }
  await painted();
  for (let k = 0; k < 30; k++) await time();
  e.go(Math.floor(e.total * 0.5) - 15);  // across the turn from the forward to the backward pass
  await painted();
  for (let k = 0; k < 30; k++) await time();
  e.go(Math.floor(e.total * 0.75));
  await painted();
  for (let k = 0; k < 30; k++) await time();
  const sorted = (a) => [...a].sort((x, y) => x - y);
  const [r, s] = [sorted(ran), sorted(shown)];
  return [r[Math.floor(r.length / 2)], r[r.length - 1], s[Math.floor(s.length / 2)], s[s.length - 1]];
}"""


def mlp(sizes: list[int], grouped: bool, seed: int = 0) -> Value:
    """(MLP(x) - 1)**2 for a tanh MLP of Values, optionally a `group` per neuron."""
    rng = np.random.default_rng(seed)
    x = [Value(v, label=f"x{i}", requires_grad=False) for i, v in enumerate(rng.uniform(-1, 1, sizes[0]), 1)]
    for layer, (nin, nout) in enumerate(itertools.pairwise(sizes), 1):
        outs = []
        for n in range(nout):
            weights, bias = [Value(w) for w in rng.uniform(-1, 1, nin)], Value(0.0)
            with group(f"L{layer} n{n}") if grouped else _nothing():
                outs.append(sum((w * xi for w, xi in zip(weights, x)), bias).tanh())
        x = outs
    return (x[0] - 1.0) ** 2


class _nothing:  # noqa: N801 - an empty context, in place of group()
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def chain(steps: int) -> Value:
    """`steps` steps of y = tanh(y * 1.01 + 0.1): five nodes each, the numbers included."""
    y = Value(0.5, label="x")
    for _ in range(steps):
        y = (y * 1.01 + 0.1).tanh()
    return y


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("needs Playwright: pip install -e '.[dev]'") from None
    if chromium is None:
        raise SystemExit("needs Chromium on PATH: sudo apt-get install chromium")
    cases = {
        "MLP(8, [16, 16, 1]), a group per neuron": mlp([8, 16, 16, 1], grouped=True),
        "MLP(8, [16, 16, 1]), no groups": mlp([8, 16, 16, 1], grouped=False),
        "chain of tanh(y*1.01 + 0.1)": chain(333),
    }
    folder = Path(tempfile.mkdtemp())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for k, (name, root) in enumerate(cases.items()):
            start = time.perf_counter()
            path = explain(root).save(folder / f"page{k}.html")
            made = time.perf_counter() - start
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_function("window.explorer !== undefined")
            loaded = time.perf_counter() - start
            median, slowest, shown, slowest_shown = page.evaluate(STEPS_JS)
            print(
                f"{name}: {len(forward_order(root)):,} nodes, explain() {made * 1000:.0f} ms, "
                f"load {loaded * 1000:.0f} ms, step median {median:.1f} ms (slowest {slowest:.1f}), "
                f"painted median {shown:.1f} ms (slowest {slowest_shown:.1f}), "
                f"page {path.stat().st_size / 1e6:.1f} MB"
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
