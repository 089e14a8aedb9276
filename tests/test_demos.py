"""Every demo, as a newcomer meets it: it answers --help, the README lists it,
and the quickstart demo prints checked gradients."""

from __future__ import annotations

import pkgutil
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
def test_demo_answers_help(name):
    result = run_demo(name, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert len(result.stdout.splitlines()) > 3  # the docstring explains the demo


@pytest.mark.parametrize("name", DEMOS)
def test_readme_lists_demo(name):
    assert f"python -m demos.{name}" in (ROOT / "README.md").read_text()


def test_quickstart_demo_checks_its_gradients():
    result = run_demo("quickstart")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("gradcheck against finite differences: ok") == 2
    assert "dy/da = -0.135530" in result.stdout
