"""The digits demo: both models reach their test-accuracy targets (MLP at
least 97%, CNN at least 98%) with the default settings, print a confusion
matrix, and save their pictures; without scikit-learn it says how to get it."""

from __future__ import annotations

import re

import pytest
from test_demos_xor_keras import run

from demos import digits

try:
    import sklearn
except ImportError:
    sklearn = None

try:
    import matplotlib
except ImportError:
    matplotlib = None


@pytest.mark.skipif(sklearn is None, reason="scikit-learn is not installed: the digits need it")
@pytest.mark.parametrize(("model", "target"), [("mlp", 97.0), ("cnn", 98.0)])
def test_digits_demo_reaches_its_target_and_saves_pictures(tmp_path, model, target):
    stdout, _ = run(digits.main, ["--model", model], tmp_path)
    accuracy = re.search(r"Test accuracy: ([\d.]+)% \((\d+) of 359\)", stdout)
    assert accuracy, stdout
    assert float(accuracy.group(1)) >= target
    lines = stdout.split("Confusion matrix (rows: true digit, columns: predicted):\n")[1].splitlines()
    assert lines[0].split() == [str(d) for d in range(10)]
    rows = [line.split() for line in lines[1:11]]
    assert [row[0] for row in rows] == [str(d) for d in range(10)]
    counts = [[0 if n == "." else int(n) for n in row[1:]] for row in rows]
    assert sum(map(sum, counts)) == 359
    assert sum(counts[d][d] for d in range(10)) == int(accuracy.group(2))  # agrees with the accuracy
    if matplotlib is not None:
        for picture in ("predictions", "curves"):
            assert (tmp_path / f"digits_{model}_{picture}.png").stat().st_size > 10_000


def test_digits_demo_without_scikit_learn_says_how_to_install_it(monkeypatch):
    def missing():
        raise ImportError("nn.datasets.digits() needs scikit-learn: pip install -e '.[digits]'")

    monkeypatch.setattr(digits.nn.datasets, "digits", missing)
    with pytest.raises(SystemExit, match=r"scikit-learn.*\[digits\]"):
        digits.main(["--model", "mlp"])


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--lr", "0"], ["--lr", "-0.1"]])
def test_digits_demo_refuses_no_epochs_or_a_learning_rate_that_is_not_positive(argv, capsys):
    with pytest.raises(SystemExit):
        digits.main(argv)
    assert "--epochs must be at least 1 and --lr positive" in capsys.readouterr().err


@pytest.mark.skipif(sklearn is None, reason="scikit-learn is not installed: the digits need it")
def test_digits_demo_cnn_with_a_cosine_schedule_reports_validation_accuracy_per_epoch(tmp_path):
    stdout, _ = run(digits.main, ["--model", "cnn", "--schedule", "cosine", "--epochs", "4"], tmp_path)
    assert "annealed to 0 (cosine)" in stdout
    table = stdout.split("test loss   test acc\n")[1].split("\n\n")[0].splitlines()
    rows = [[float(x) for x in line.split()] for line in table]
    assert [int(row[0]) for row in rows] == [1, 2, 3, 4]
    rates = [row[1] for row in rows]
    assert rates[0] == 0.003 and rates == sorted(rates, reverse=True) and rates[-1] < 0.001
    assert all(0.8 < row[5] <= 1.0 for row in rows)  # the validation (test-image) accuracy per epoch
    final = float(re.search(r"Test accuracy: ([\d.]+)%", stdout).group(1))
    assert final == pytest.approx(100 * rows[-1][5], abs=0.01)
