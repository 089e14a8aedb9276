"""The compiled demo: micrograd's moons MLP of Values trained eagerly and with
`compile_step` from the same weights; the losses agree and the compiled step is faster."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest

from demos import compiled
from tinygrad_lite import Value

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run(argv: list[str], monkeypatch, tmp_path, capsys) -> str:
    monkeypatch.chdir(tmp_path)  # the picture goes to tmp_path/out
    compiled.main(argv)
    return capsys.readouterr().out


def test_a_short_run_agrees_with_eager_and_says_how_much_faster(monkeypatch, tmp_path, capsys):
    out = run(["--steps", "6", "--eager-steps", "3"], monkeypatch, tmp_path, capsys)
    agree = re.search(r"losses agree on steps 1-3: largest relative difference (\S+) ", out)
    assert agree, out
    assert float(agree.group(1)) <= 1e-9
    faster = re.search(r"compiled is (\d+)x faster than eager", out)
    assert faster, out
    assert int(faster.group(1)) >= 5  # about 50x measured; far above noise
    rows = [line.split() for line in out.splitlines() if re.match(r"\s+[1-6]\s+\d", line)]
    assert [row[0] for row in rows] == ["1", "2", "3", "6"]  # the eager steps, the first replay, the last
    for row in rows[:3]:  # the steps both ran: the eager and the compiled loss, the same digits
        assert row[1] == row[2]
    assert "<compiled step svm_loss: 2 traced calls, 4 replays>" in out


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="draws with matplotlib: pip install -e '.[demos]'")
def test_the_demo_draws_its_picture(monkeypatch, tmp_path, capsys):
    out = run(["--steps", "4", "--eager-steps", "1"], monkeypatch, tmp_path, capsys)
    assert "saved out/compiled_moons.png" in out
    assert (tmp_path / "out" / "compiled_moons.png").stat().st_size > 10_000


def test_tape_flag_prints_the_compiled_tape(monkeypatch, tmp_path, capsys):
    out = run(["--steps", "3", "--eager-steps", "1", "--tape"], monkeypatch, tmp_path, capsys)
    tape = out.split("step.tape():\n", 1)[1]
    assert "level" in tape.lower()


def test_the_picture_scores_are_the_value_networks():
    """The decision boundary is drawn from a NumPy forward pass of the weights: it must be the MLP's."""
    model = compiled.MLP(2, [16, 16, 1], np.random.default_rng(0))
    points = np.random.default_rng(1).normal(size=(5, 2))
    by_values = [model([Value(a), Value(b)]).data for a, b in points]
    np.testing.assert_allclose(model.numpy_scores(points), by_values, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("argv", [["--steps", "2"], ["--eager-steps", "0"]])
def test_too_few_steps_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        compiled.main(argv)
    assert "must be at least" in capsys.readouterr().err
