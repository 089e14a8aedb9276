"""Long training keeps memory flat: the graph of a step is freed once nothing
refers to it (reference counting alone: graphs hold no cycles), and nothing
else grows from step to step (optimizer state, caches, the node counter).

The models and the measurement are `benchmarks.soak`'s, which runs them for
100,000 steps; here 5,000 steps each keep the suite fast."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import soak
from tinygrad_lite import Tensor


@pytest.mark.parametrize("make", [soak.tensor_step, soak.value_step], ids=["Tensor + nn", "Value"])
def test_training_steps_do_not_grow_memory(make):
    readings = soak.memory_curve(make(), [1_000, 5_000])
    growth = readings[5_000][0] - readings[1_000][0]
    assert growth < 20_000, f"{growth} bytes more after 4,000 more steps"


def test_a_leak_would_be_seen():
    """The measurement itself: a step that keeps its graph is caught."""
    kept = []
    x = Tensor(np.ones(4), requires_grad=True)

    def leaky_step() -> None:
        loss = (x * 2).sum()
        loss.backward()
        kept.append(loss)

    readings = soak.memory_curve(leaky_step, [100, 500])
    assert readings[500][0] - readings[100][0] > 100_000


def test_checkpoints_are_every_tenfold_step_then_the_last():
    assert soak.checkpoints(100_000) == [1_000, 10_000, 100_000]
    assert soak.checkpoints(25_000) == [1_000, 10_000, 25_000]
    assert soak.checkpoints(1_000) == [1_000]


def test_soak_command_prints_a_table_per_model(capsys):
    soak.main(["--steps", "1000"])
    out = capsys.readouterr().out
    assert "Tensor + nn" in out and "Value" in out
    assert out.count("1,000") >= 2 and "MB" in out


def test_soak_command_refuses_fewer_steps_than_its_first_reading():
    with pytest.raises(SystemExit):
        soak.main(["--steps", "10"])
