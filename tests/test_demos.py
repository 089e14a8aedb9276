"""Every demo, as a newcomer meets it: it answers --help, the README lists it,
and the quickstart demo prints checked gradients."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import demos

ROOT = Path(__file__).resolve().parent.parent
DEMOS = sorted(m.name for m in pkgutil.iter_modules(demos.__path__) if not m.name.startswith("_"))


def run_demo(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", f"demos.{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tutorial_demos_exist():
    assert {"quickstart", "neuron", "gender", "xor", "single_layer", "keras_style"} <= set(DEMOS)


@pytest.mark.parametrize("name", DEMOS)
def test_demo_answers_help_with_its_docstring(name):
    result = run_demo(name, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    doc = importlib.import_module(f"demos.{name}").__doc__
    assert doc.splitlines()[0] in result.stdout


# Quick arguments for each demo, and the pictures it draws with matplotlib.
PICTURES = {
    "quickstart": ([], []),
    "graph": ([], []),  # draws with Graphviz, not matplotlib
    "stepthrough": (["--all"], []),
    "explorer": ([], []),  # writes HTML pages
    "playground": (["--export", "out/playground.html", "--steps", "5"], []),  # a page; live mode serves
    "neuron": ([], []),
    "gender": (["--epochs", "5"], ["gender_loss.png", "gender_predictions.png"]),
    "single_layer": (["--steps", "5"], ["single_layer_loss.png"]),
    "xor": ([], ["xor_loss.png", "xor_boundary.png"]),
    "digits": (["--model", "mlp", "--epochs", "1"], ["digits_mlp_predictions.png", "digits_mlp_curves.png"]),
    "keras_style": (
        ["--epochs", "2"],
        ["keras_style_accuracy.png", "keras_style_circle.png", "keras_style_random_labels.png"],
    ),
}


def test_every_demo_is_checked_without_matplotlib():
    assert sorted(PICTURES) == DEMOS


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_demo_runs_without_matplotlib_and_names_each_skipped_picture(name, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    monkeypatch.chdir(tmp_path)
    argv, pictures = PICTURES[name]
    importlib.import_module(f"demos.{name}").main(argv)
    out = capsys.readouterr().out
    skipped = re.findall(r"matplotlib is not installed, so out/(\S+) was not saved: pip install", out)
    assert sorted(skipped) == sorted(pictures)
    assert not any((tmp_path / "out" / picture).exists() for picture in pictures)


@pytest.mark.parametrize("name", DEMOS)
def test_readme_lists_demo(name):
    assert f"python -m demos.{name}" in (ROOT / "README.md").read_text()


def test_quickstart_demo_checks_its_gradients():
    result = run_demo("quickstart")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("gradcheck against finite differences: ok") == 2
    assert "dy/da = -0.135530" in result.stdout


def test_playground_demo_exports_a_page_replaying_the_run(tmp_path, capsys):
    importlib.import_module("demos.playground").main(
        ["--export", str(tmp_path / "run.html"), "--dataset", "moons", "--steps", "20", "--every", "5"]
    )
    out = capsys.readouterr().out
    written = re.escape(str(tmp_path / "run.html"))
    assert re.match(rf"wrote {written} \(20 steps, a frame every 5, [0-9.]+ MB\) in [0-9.]+ s", out)
    page = (tmp_path / "run.html").read_text()
    data = re.search(r'id="playground-data">(.*?)</script>', page, re.S).group(1)
    frames = json.loads(data)["frames"]
    assert [frame["step"] for frame in frames] == [0, 5, 10, 15, 20]
    assert 'data-mode="replay"' in page and "http://" not in data
