"""The project as a newcomer meets it: README commands, CI script, packaging, style."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def quickstart_commands() -> list[str]:
    block = re.search(r"## Quickstart.*?```bash\n(.*?)```", README, re.S)
    assert block, "README needs a Quickstart section with a bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_has_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[0].startswith("pip install -e . && ")
    assert commands[1].startswith("pip install -e '.[dev]' && ")


def test_ci_runs_exactly_the_readme_test_command():
    test_command = quickstart_commands()[1].split(" && ", 1)[1]
    ci = (ROOT / ".ci" / "run").read_text()
    steps = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert steps[-1].strip() == test_command
    assert "set -euo pipefail" in ci  # a failing step fails CI
    assert "torch==2.13.0" in ci


def test_quickstart_demo_runs():
    demo = quickstart_commands()[0].split(" && ", 1)[1].split()
    assert demo[:2] == ["python", "-m"]
    result = subprocess.run(
        [sys.executable, *demo[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.count("gradcheck against finite differences: ok") == 2
    assert "dy/da = -0.135530" in result.stdout


def test_readme_example_runs_and_prints_what_it_says():
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("-0.1355") and "-0.1807" in lines[0]
    assert lines[1] == "(2, 3)"


def test_both_packages_import_and_are_typed():
    import nn
    import tinygrad_lite

    for package in (tinygrad_lite, nn):
        assert (Path(package.__file__).parent / "py.typed").exists()


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]' installs it)")
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
