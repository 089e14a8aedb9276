"""Every demo, as a newcomer meets it: it answers --help, the README lists it,
and the quickstart demo prints checked gradients."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import re
import shutil
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
    assert result.stdout.startswith(f"usage: python -m demos.{name} ")  # the command to type, not a file
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
    "compiled": (["--steps", "4", "--eager-steps", "1"], ["compiled_moons.png"]),
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


# -- progress of the long options -------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_long_options_show_a_progress_counter_on_a_terminal(monkeypatch, capsys):
    from demos import gender, xor

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    gender.sweep(3, 5, 0.1)
    xor.main(["--success-rate", "2"])
    shown = terminal.getvalue()
    assert "training from seeds 0..2: 1 of 3 done" in shown
    assert "training from seeds 0..2: 3 of 3 done" in shown
    assert "tutorial (10,000 epochs per seed): 2 of 2 done" in shown
    assert "ours (200 epochs per seed): 1 of 2 done" in shown
    assert "left" in shown  # an estimate of the time still to go
    out = capsys.readouterr().out
    assert "of 3 seeds" in out and "\r" not in out  # results stay on stdout, unmixed


def test_the_long_options_stay_silent_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    from demos import gender

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    gender.sweep(2, 5, 0.1)
    assert piped.getvalue() == ""


def test_the_readme_says_how_long_the_long_options_take():
    readme = (ROOT / "README.md").read_text()
    gender = next(line for line in readme.splitlines() if line.startswith("| `python -m demos.gender`"))
    xor = next(line for line in readme.splitlines() if line.startswith("| `python -m demos.xor`"))
    assert re.search(r"--sweep 100`[^|]*minute", gender)
    assert re.search(r"--success-rate 100`[^|]*minute", xor)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot (apt-get install graphviz)")
def test_the_graph_demo_removes_dot_files_left_by_a_run_without_graphviz(monkeypatch, tmp_path, capsys):
    from demos import graph

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "graph_neuron.dot").write_text("digraph {}")
    graph.main([])
    assert "removed out/graph_neuron.dot" in capsys.readouterr().out
    assert not list((tmp_path / "out").glob("*.dot"))
    assert (tmp_path / "out" / "graph_neuron.svg").exists()


@pytest.mark.parametrize(
    "name", ["neuron", "gender", "xor", "single_layer", "keras_style", "digits", "stepthrough"]
)
def test_every_tutorial_demo_points_at_the_tutorials_page(name):
    """The demos name the tutorials they follow in docs/tutorials.md, which is in the repository."""
    module = importlib.import_module(f"demos.{name}")
    assert "docs/tutorials.md" in module.__doc__
    assert (Path(__file__).resolve().parent.parent / "docs" / "tutorials.md").is_file()
