"""The notebooks in notebooks/: each runs top to bottom in a fresh kernel, in under a minute,
and prints the tutorials' numbers; the committed copies hold their outputs (so they read on a
repository website) and stay small."""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

#: Per notebook, strings its outputs must contain, exactly as printed (docs/tutorials.md gives them).
EXPECTED = {
    "backprop_step_by_step": [
        "  d(a*b)/da = b = -3.0, so dL/da += 0.04518 x -3.0 = -0.1355",
        "  dL/db = -0.2711 + 0.09035 = -0.1807, from its 2 uses (by b**2, a*b)",
        "a.grad = -0.135529979192736",
        "b.grad = -0.18070663892364797",
        "agree to 1e-8: True",
        "Value expression: True",
        "Tensor expression: True",
    ],
    "neuron_and_gender": [
        "nn.Neuron: 0.9990889488055994   (agree exactly)",
        "nn.MLP(2, [2, 1]): 0.7216325609518421   (agree exactly)",
        "the exact product is 0.021470, which rounds to 0.0215.",
        "Emily  (128 lb, 63 in): P(female) = 0.950 -> female",
        "Frank  (155 lb, 68 in): P(female) = 0.039 -> male",
    ],
    "xor": [
        "epoch      0   mean((a2 - y)^2) = 0.3246585814644244",
        "epoch  9,000   mean((a2 - y)^2) = 0.1821797473164306",
        "    1   1        0    0.572 WRONG   0.002 right",
        "   accuracy                    75%         100%",
    ],
    "single_layer": [
        "output at the start of the last step: [0.00966808 0.00786589 0.99358863 0.99211705]",
        "max |w_nn - w_tutorial| = 0, max |out_nn - out_tutorial| = 0",
        "with logits: 49.8 gradient [1.]",
        "textbook formula: inf",
    ],
    "keras_style": [
        "   random labels                   0.535                         0.506   0.691",
        "   circle                          0.901                         0.890   0.346",
        "   circle, improved                0.966                         0.964   0.113",
    ],
    "digits_cnn": ["Test accuracy: 99.44% (357 of 359)"],
}
#: The kind of picture each notebook shows: matplotlib's PNG, or draw_graph's SVG.
PICTURES = {name: "image/png" for name in EXPECTED} | {"backprop_step_by_step": "image/svg+xml"}
MAX_BYTES = 1_500_000
MAX_SECONDS = 60


def _outputs(notebook: dict) -> list[dict]:
    return [out for cell in notebook["cells"] if cell["cell_type"] == "code" for out in cell["outputs"]]


def _text(notebook: dict) -> str:
    """Everything the notebook printed or displayed as text, in order."""
    parts = []
    for out in _outputs(notebook):
        if out["output_type"] == "stream":
            parts.append("".join(out["text"]))
        elif "text/plain" in out.get("data", {}):
            parts.append("".join(out["data"]["text/plain"]))
    return "".join(parts)


def _check_outputs(name: str, notebook: dict) -> None:
    errors = [out for out in _outputs(notebook) if out["output_type"] == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    text = _text(notebook)
    for expected in EXPECTED[name]:
        assert expected in text, f"{name} does not print {expected!r}"
    kinds = {kind for out in _outputs(notebook) for kind in out.get("data", {})}
    assert PICTURES[name] in kinds, f"{name} shows no {PICTURES[name]}"
    if name == "backprop_step_by_step":
        assert "text/html" in kinds  # explain(y), inline


def _skip_reason(name: str) -> str | None:
    missing = [m for m in ("nbclient", "nbformat", "ipykernel") if importlib.util.find_spec(m) is None]
    if missing:
        return f"{', '.join(missing)} not installed: pip install -e '.[dev]'"
    if importlib.util.find_spec("matplotlib") is None:
        return "matplotlib is not installed: pip install -e '.[dev]'"
    if name in ("backprop_step_by_step", "neuron_and_gender") and shutil.which("dot") is None:
        return "draw_graph's pictures need Graphviz's dot program: apt-get install graphviz"
    if name == "digits_cnn" and importlib.util.find_spec("sklearn") is None:
        return "the digits need scikit-learn: pip install -e '.[dev]'"
    return None


def test_every_notebook_is_checked():
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_committed_notebook_holds_its_outputs(name):
    """The committed file was executed top to bottom (every code cell numbered 1, 2, ... in
    order) and its outputs are stored, the key numbers among them; it stays small."""
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size:,} bytes"
    notebook = json.loads(path.read_text())
    counts = [cell["execution_count"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{name} was not run top to bottom: {counts}"
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    _check_outputs(name, notebook)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_in_a_fresh_kernel(name):
    """Run from notebooks/, as Jupyter runs a notebook opened there, with no cell error,
    in under a minute, printing the key numbers."""
    reason = _skip_reason(name)
    if reason:
        pytest.skip(reason)
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # only what this run prints counts
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, if one fails
    seconds = time.perf_counter() - start
    assert seconds < MAX_SECONDS, f"{name} took {seconds:.0f} s"
    _check_outputs(name, json.loads(nbformat.writes(notebook)))
