"""The tutorial demos reproduce the tutorials' printed numbers (the gender and single-layer tutorials),
write their pictures, answer --help and still run without matplotlib."""

from __future__ import annotations

import importlib
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(monkeypatch, tmp_path):
    """Import ``demos.NAME`` from the repository, with pictures going to tmp_path/out."""
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.chdir(tmp_path)

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"demos.{name}")

    return load


def run(demo, capsys, name: str, *argv: str) -> str:
    demo(name).main(list(argv))
    return capsys.readouterr().out


def pictures(tmp_path: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in (tmp_path / "out").glob("*.png")}


def epoch_losses(out: str) -> dict[int, float]:
    """The loss printed for each epoch, as {epoch: loss}."""
    rows = [line.split() for line in out.splitlines() if line.startswith("epoch")]
    return {int(row[1]): float(row[3]) for row in rows}


def test_neuron_prints_the_tutorials_numbers_both_ways(demo, capsys):
    out = run(demo, capsys, "neuron")
    assert out.count("0.9990889488055994") == 2  # Value and nn.Neuron
    assert out.count("0.7216325609518421") == 2  # Value and nn.MLP
    assert out.count("agree exactly") == 2
    assert "h1 = h2 = sigmoid(3) = 0.9526" in out


def test_neuron_hand_derivation_factors(demo, capsys):
    lines = run(demo, capsys, "neuron").splitlines()

    def row(start: str) -> list[str]:
        (line,) = [line for line in lines if line.strip().startswith(start)]
        return line.split()

    # each row: name ... autograd value, rounded to 4 places, the tutorial's hand value
    assert row("h1 = sigmoid")[-2:] == ["0.0474", "0.0474"]
    assert row("ypred = sigmoid")[-2:] == ["0.5237", "0.5237"]
    assert row("dL/dypred")[-2:] == ["-0.9526", "-0.9526"]
    assert row("dypred/dh1")[-2:] == ["0.2494", "0.249"]
    assert row("dh1/dw1")[-2:] == ["-0.0904", "-0.0904"]
    # exact dL/dw1 = 0.021470 rounds to 0.0215; the tutorial's 0.0214 multiplies rounded factors
    s = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731 - the chain rule by hand, in plain floats
    ypred = s(2 * s(-3.0))
    by_hand = -2 * (1 - ypred) * ypred * (1 - ypred) * (-2 * s(-3.0) * (1 - s(-3.0)))
    assert row("dL/dw1 = product")[-3:] == [repr(by_hand), "0.0215", "0.0214"]
    assert "(-0.9526) * 0.249 * (-0.0904) = 0.021443" in "\n".join(lines)


def test_neuron_tutorial_network_layout(demo):
    model = demo("neuron").tutorial_network([1, 2, 3, 4, 5, 6], [7, 8, 9])
    state = model.state_dict()
    assert state["layers.0.weight"].tolist() == [[1, 3], [2, 4]]
    assert state["layers.0.bias"].tolist() == [7, 8]
    assert state["layers.1.weight"].tolist() == [[5], [6]]
    assert state["layers.1.bias"].tolist() == [9]


def test_single_layer_reproduces_the_tutorial_output(demo, capsys, tmp_path):
    out = run(demo, capsys, "single_layer")
    golden = "output at the start of the last step: [0.00966808 0.00786589 0.99358863 0.99211705]"
    assert out.count(golden) == 2  # nn.fit and the tutorial's NumPy loop
    assert "max |w_nn - w_tutorial| = 0, max |out_nn - out_tutorial| = 0\n" in out  # bit for bit
    assert pictures(tmp_path).get("single_layer_loss.png", 0) > 1000


def test_gender_classifies_emily_and_frank(demo, capsys, tmp_path):
    out = run(demo, capsys, "gender")
    assert "Emily  (128 lb, 63 in): P(female) = 0.950 -> female" in out
    assert "Frank  (155 lb, 68 in): P(female) = 0.039 -> male" in out
    losses = epoch_losses(out)
    assert list(losses) == list(range(0, 1001, 100))
    assert losses[1000] < 0.005 < 0.1 < losses[0]
    sizes = pictures(tmp_path)
    assert sizes.get("gender_loss.png", 0) > 1000
    assert sizes.get("gender_predictions.png", 0) > 1000


def test_gender_flags_and_sweep(demo, capsys):
    slow = epoch_losses(run(demo, capsys, "gender", "--epochs", "100", "--seed", "1", "--lr", "0.01"))
    fast = epoch_losses(run(demo, capsys, "gender", "--epochs", "100", "--seed", "1", "--lr", "0.5"))
    assert list(slow) == list(fast) == [0, 100]
    assert slow[0] == fast[0] != epoch_losses(run(demo, capsys, "gender", "--epochs", "100"))[0]
    assert fast[100] < slow[100] < slow[0]
    out = run(demo, capsys, "gender", "--sweep", "2", "--epochs", "200")
    assert "2 of 2 seeds (100%) classify all four people, Emily and Frank" in out


def test_runs_as_a_module_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "-m", "demos.neuron"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "0.9990889488055994" in result.stdout
