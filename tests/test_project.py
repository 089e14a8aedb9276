"""The project as a newcomer meets it: README commands, CI script, packaging, style."""

from __future__ import annotations

import importlib.util
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
    assert commands == [
        "pip install -e '.[demos]' && python -m demos.xor",
        "pip install -e '.[dev]' && python -m pytest",
    ]


def test_ci_runs_exactly_the_readme_test_command():
    test_command = quickstart_commands()[1].split(" && ", 1)[1]
    ci = (ROOT / ".ci" / "run").read_text()
    steps = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert steps[-1].strip() == test_command
    assert "set -euo pipefail" in ci  # a failing step fails CI
    assert "torch==2.13.0" in ci


def test_readme_pictures_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert len(pictures) >= 2  # the XOR decision boundary and the gender predictions
    for picture in pictures:
        assert (ROOT / picture).is_file(), f"README shows {picture}, which is not in the repository"


@pytest.mark.parametrize("block", re.findall(r"```python\n(.*?)```", README, re.S))
def test_readme_python_block_prints_what_its_comments_say(block):
    """Each ``print(...)  # text`` line must print `text` ("..." stands for any digits)."""
    expected = [line.split("  # ", 1)[1] for line in block.splitlines() if line.startswith("print(")]
    assert expected, "every README example shows what it prints"
    if re.search(r"^\s*import torch|torch\.", block, re.M) and importlib.util.find_spec("torch") is None:
        pytest.skip("this README example moves a model to PyTorch, which is not installed here")
    result = subprocess.run(
        [sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    printed = result.stdout.splitlines()
    assert len(printed) == len(expected)
    for got, want in zip(printed, expected):
        assert re.fullmatch(re.escape(want).replace(r"\.\.\.", ".*"), got), (got, want)


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


def test_skip_messages_say_how_to_install_the_optional_tools():
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import browser
    finally:
        sys.path.remove(str(ROOT / "tests"))
    assert "apt-get install chromium" in browser.NO_CHROMIUM
    assert "pip install playwright" in browser.NO_CHROMIUM
    for folder in ("tests", "benchmarks"):
        for path in (ROOT / folder).glob("*.py"):
            assert "pip install " + "micrograd" not in path.read_text(), path  # the README says .[bench]
    assert "pip install -e '.[bench]'" in (ROOT / "tests" / "test_benchmarks.py").read_text()
    development = README.split("## Development", 1)[1].split("\n## ", 1)[0]
    assert "Chromium" in development and "apt-get install" in development
    assert "browser" in development


class _PasteChecker:
    """Lines fed one by one to ``code.InteractiveConsole``, as a paste into the
    interactive interpreter (Python 3.11's REPL) feeds them; nothing is run,
    syntax errors are recorded."""

    def __init__(self) -> None:
        import code

        errors: list[str] = []

        class Console(code.InteractiveConsole):
            def runcode(self, code_object: object) -> None:  # compile only, never run
                pass

            def showsyntaxerror(self, filename: str | None = None, **kwargs: object) -> None:
                errors.append(f"{sys.exc_info()[1]!r}")

        self.console, self.errors = Console(), errors

    def paste(self, block: str) -> list[str]:
        for number, line in enumerate(block.splitlines(), 1):
            before = len(self.errors)
            self.console.push(line)
            if len(self.errors) > before:
                self.errors[-1] = f"line {number} {line!r}: {self.errors[-1]}"
        self.console.push("")  # the Enter that ends a final indented block
        return self.errors


def test_every_python_block_of_the_readme_pastes_into_the_repl():
    """In the interactive interpreter a statement that follows an indented block
    needs a blank line before it, and a blank line inside a block ends it."""
    blocks = re.findall(r"^```python\n(.*?)^```", README, re.S | re.M)
    assert blocks
    for block in blocks:
        errors = _PasteChecker().paste(block)
        assert not errors, f"this README block fails when pasted into the REPL: {errors}\n{block}"


def test_the_paste_check_catches_a_statement_right_after_a_block():
    assert _PasteChecker().paste("for i in range(2):\n    x = i\nprint(x)\n")
    assert _PasteChecker().paste("def f():\n    a = 1\n\n    return a\n")
    assert not _PasteChecker().paste("for i in range(2):\n    x = i\n\nprint(x)\n")
