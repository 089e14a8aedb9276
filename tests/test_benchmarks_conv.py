"""The W7 conv2d and W8 CNN benchmarks measure what they claim: their
hand-written references compute the same losses and gradients as
tinygrad_lite, every implementation agrees before timing, and the runner
knows both. Correctness only: nothing here asserts a time."""

from __future__ import annotations

import numpy as np

import nn
from benchmarks import __main__ as runner
from benchmarks import w7_conv, w8_cnn
from benchmarks.common import HAND, TORCH, agree, optional
from tinygrad_lite import Tensor

HAVE_TORCH = optional("torch") is not None


def test_w7_hand_im2col_gives_the_loss_and_gradients_of_conv2d():
    x_np, w_np, b_np, G_np = (a.astype(np.float64) for a in w7_conv.data(batch=3, filters=5))
    loss, dx, dw, db = w7_conv.by_hand(x_np, w_np, b_np, G_np)
    x, w, b = (Tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    tl_loss = (x.conv2d(w, b) * Tensor(G_np)).sum()
    tl_loss.backward()
    np.testing.assert_allclose(loss, tl_loss.item(), rtol=1e-12)
    for hand, tl in ((dx, x.grad), (dw, w.grad), (db, b.grad)):
        assert hand.shape == tl.shape
        np.testing.assert_allclose(hand, tl, rtol=1e-10, atol=1e-12)


def test_w7_float32_implementations_agree():
    impls, notes = w7_conv.implementations(steps=2, batch=3, filters=5)
    assert (TORCH in impls) == HAVE_TORCH
    assert any("PyTorch" in note for note in notes)
    losses = {name: train() for name, train in impls.items()}
    assert agree(losses, 1e-4, HAND).ok, losses


def test_w7_smoke_run_checks_and_reports_its_targets(capsys):
    results = runner.main(["--smoke", "--only", "w7"])
    out = capsys.readouterr().out
    assert [r.key for r in results] == ["W7"]
    (result,) = results
    assert result.check.ok and result.reference == HAND
    assert set(result.seconds) == {w7_conv.TGL, HAND} | ({TORCH} if HAVE_TORCH else set())
    expected = ["W7: at most 1.5x hand NumPy per step"] + (
        ["W7: at most 3x PyTorch per step"] if HAVE_TORCH else []
    )
    assert [t.text for t in result.targets] == expected
    assert "W7 conv2d" in out and "Targets (" in out
    assert "W7" in runner.__doc__


def test_w8_hand_gradients_are_the_cnn_gradients_of_nn():
    params, batches = w8_cnn.data(batch=3, filters=4)
    params64 = [p.astype(np.float64) for p in params]
    x, labels = batches[0]
    loss, grads = w8_cnn.hand_grads(params64, x.astype(np.float64), labels)
    model = w8_cnn.cnn(params64)
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    tl_loss = nn.cross_entropy(model(Tensor(x.astype(np.float64))), labels)
    tl_loss.backward()
    np.testing.assert_allclose(loss, tl_loss.item(), rtol=1e-12)
    for hand, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(hand, p.grad, rtol=1e-9, atol=1e-12)


def test_w8_implementations_agree_after_adam_steps():
    impls, _ = w8_cnn.implementations(steps=3, batch=4, filters=4)
    losses = {name: train() for name, train in impls.items()}
    assert agree(losses, 1e-4, HAND).ok, losses


def test_w8_smoke_run_reports_its_targets():
    (result,) = runner.main(["--smoke", "--only", "w8"])
    assert result.key == "W8" and result.check.ok
    expected = ["W8: at most 1.5x hand NumPy per step"]
    expected += ["W8: at most 3x PyTorch per step"] if HAVE_TORCH else []
    assert [t.text for t in result.targets] == expected
