"""The benchmark suite measures what it claims: on tiny configurations every
workload's implementations (tinygrad_lite, hand-written NumPy, PyTorch,
micrograd) reach the same final loss, and the runner prints its tables and
writes valid JSON. Correctness only: nothing here asserts a time."""

from __future__ import annotations

import json

import pytest

from benchmarks import __main__ as runner
from benchmarks import w0_overhead, w1_xor, w2_gender, w3_mlp, w4_scalar_mlp, w5_chain, w6_deep
from benchmarks.common import HAND, MICROGRAD, TORCH, agree, optional
from tinygrad_lite import compile_step

HAVE_TORCH = optional("torch") is not None
HAVE_MICROGRAD = optional("micrograd") is not None


def finals(impls: dict) -> dict[str, float]:
    return {name: train() for name, train in impls.items()}


def expect_extras(names: dict, scalar_workload: bool) -> None:
    """PyTorch and micrograd take part exactly when they are installed."""
    assert (TORCH in names) == HAVE_TORCH
    if scalar_workload:
        assert (MICROGRAD in names) == HAVE_MICROGRAD


@pytest.mark.parametrize("shape", [(1,), (20, 30)])
def test_w0_add_and_its_gradients_agree(shape):
    impls, _ = w0_overhead.implementations(shape, calls=3)
    losses = finals(impls)
    expect_extras(losses, scalar_workload=False)
    assert agree(losses, 1e-12, HAND).ok, losses


def test_w1_xor_implementations_reach_the_same_loss():
    losses = finals(w1_xor.implementations(steps=15)[0])
    expect_extras(losses, scalar_workload=True)
    assert agree(losses, 1e-9, HAND).ok, losses


def test_w2_gender_implementations_reach_the_same_loss():
    losses = finals(w2_gender.implementations(epochs=3)[0])
    expect_extras(losses, scalar_workload=True)
    assert agree(losses, 1e-9, HAND).ok, losses


def test_w3_float32_implementations_reach_the_same_loss():
    losses = finals(w3_mlp.implementations(steps=3, batch=8)[0])
    expect_extras(losses, scalar_workload=False)
    assert agree(losses, 1e-4, HAND).ok, losses


def test_w4_scalar_mlp_implementations_reach_the_same_loss():
    impls, _, steppers = w4_scalar_mlp.implementations([2, 3, 3, 1], points=4, steps=2)
    losses = finals(impls)
    expect_extras(losses, scalar_workload=True)
    assert agree(losses, 1e-9, HAND).ok, losses
    # 4 points x (3 + 3 + 1 neurons, each 2 or 3 multiplies and adds, plus tanh), then the loss sums
    counts = {name: w4_scalar_mlp.count_nodes(name, make()()) for name, make in steppers.items()}
    assert len(set(counts.values())) == 1, counts  # both engines build the same graph


def test_w4_compiled_replay_is_timed_after_warm_up_and_checked(monkeypatch):
    made = []

    def spy(fn):
        made.append(compile_step(fn))
        return made[-1]

    monkeypatch.setattr(w4_scalar_mlp, "compile_step", spy)
    impls, resets, _ = w4_scalar_mlp.replay_implementations([2, 3, 3, 1], points=4, steps=2)
    for name in impls:
        resets[name]()
    losses = finals(impls)
    assert agree(losses, 1e-9, HAND).ok, losses
    (step,) = made  # made once, traced twice during warm-up, replayed after
    assert (step.traces, step.replays) == (2, 2)


def test_w4_reports_the_replay_and_the_tracing_cost():
    main, replay = w4_scalar_mlp.run("smoke")
    assert (main.key, replay.key) == ("W4", "W4 replay")
    assert main.check.ok and replay.check.ok
    assert w4_scalar_mlp.TGL_COMPILED in main.seconds and w4_scalar_mlp.TGL_COMPILED in replay.seconds
    assert set(main.extra["first_calls_seconds"]) == {"eager_step", "compiled_calls_1_2_3"}
    texts = [t.text for r in (main, replay) for t in r.targets]
    assert "W4 compiled: first call at most 3x an eager step" in texts
    assert ("W4 compiled: no slower than PyTorch's step (after warm-up)" in texts) == HAVE_TORCH


def test_w5_chain_gradient_is_the_product_of_the_local_derivatives():
    impls, _ = w5_chain.implementations(ops=200)
    losses = finals(impls)
    assert losses[w5_chain.HAND] == pytest.approx(1.0001**100, rel=1e-12)
    assert agree(losses, 1e-9, w5_chain.HAND).ok, losses


@pytest.mark.parametrize(
    "leaf", [lambda: w6_deep.Value(0.5), lambda: w6_deep.Tensor([0.5, 0.5], requires_grad=True)]
)
def test_w6_deep_chains_have_the_gradient_by_hand(leaf):
    assert w6_deep.engine_chain(300, leaf)() == pytest.approx(w6_deep.by_hand(300)(), rel=1e-12)
    assert w6_deep.by_hand(300)() == pytest.approx(1.0001**150, rel=1e-12)


def test_w6_reports_the_growth_of_each_engine():
    results = w6_deep.run("smoke")
    assert [r.key for r in results] == ["W6 Value 2000", "W6 Value 200", "W6 Tensor 2000", "W6 Tensor 200"]
    assert all(r.check.ok for r in results)
    assert [t.text.split()[1] for r in results for t in r.targets] == ["Value", "Tensor"]


@pytest.mark.skipif(not HAVE_MICROGRAD, reason="micrograd is not installed (pip install -e '.[bench]')")
def test_w5_reports_micrograd_recursion_error_instead_of_failing():
    big = w5_chain.run("smoke")[0]
    assert big.failures == {MICROGRAD: "RecursionError"}
    assert MICROGRAD not in big.seconds


def test_runner_prints_tables_and_writes_json(tmp_path, capsys):
    path = tmp_path / "results.json"
    results = runner.main(["--smoke", "--only", "w0,W5", "--json", str(path)])
    out = capsys.readouterr().out
    assert [r.key for r in results] == [
        "W0 (1,)",
        "W0 (10, 10)",
        "W5 2000",
        "W5 200",
        "W5 2000 compiled",
        "W5 200 compiled",
    ]
    assert "Targets (" in out and "check:" in out
    saved = json.loads(path.read_text())
    assert saved["mode"] == "smoke"
    assert {"platform", "cpu_count", "python", "numpy", "torch", "date"} <= set(saved["machine"])
    w0 = saved["workloads"]["W0 (1,)"]
    assert w0["check"]["ok"] and w0["ratio_to_reference"][HAND] == 1.0
    assert all(seconds > 0 for seconds in w0["median_seconds_per_step"].values())
    assert all(
        set(t) == {"target", "measured", "met"} for r in saved["workloads"].values() for t in r["targets"]
    )


def test_runner_refuses_an_unknown_workload(capsys):
    with pytest.raises(SystemExit):
        runner.main(["--only", "W9"])
    assert "unknown workload" in capsys.readouterr().err
