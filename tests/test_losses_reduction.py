"""Issue 17's loss options against torch.nn.functional in float64, values and
gradients: ``reduction="mean" | "sum" | "none"`` on every loss; `nll_loss`;
`cross_entropy` on one sample ``(C,)``, on ``(N, C, d1, ...)`` scores, with
``ignore_index`` and ``label_smoothing`` (labels and probability targets);
``pos_weight`` for BCE with logits; the module forms with their options;
float32, zero-size batches, extreme logits, finite differences and the errors.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import nn
from tinygrad_lite import ShapeError, Tensor, gradcheck

try:
    import torch
except ImportError:  # the tests against PyTorch skip, saying why; the others run
    torch = None
F = None if torch is None else torch.nn.functional
needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)

RNG = np.random.default_rng(1717)
REDUCTIONS = ["mean", "sum", "none"]


def as_torch(x, requires_grad: bool = False):
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        return torch.tensor(x, dtype=torch.long)
    return torch.tensor(
        x, dtype=torch.float64 if x.dtype == np.float64 else torch.float32, requires_grad=requires_grad
    )


def compare(ours, theirs, inputs: list, grads: tuple[int, ...] = (0,), rtol: float = 1e-11) -> None:
    """ours(*Tensors) against theirs(*torch tensors): the value, then the
    gradient of a random weighting of it for each input listed in `grads`."""
    mine = [Tensor(x, requires_grad=i in grads, dtype=np.asarray(x).dtype) for i, x in enumerate(inputs)]
    ref = [as_torch(x, requires_grad=i in grads) for i, x in enumerate(inputs)]
    out, expected = ours(*mine), theirs(*ref)
    assert out.shape == tuple(expected.shape), (out.shape, expected.shape)
    assert out.dtype == np.asarray(inputs[0]).dtype
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=1e-13, err_msg="value")
    w = RNG.standard_normal(out.shape)
    (out * Tensor(w, dtype=out.dtype)).sum().backward()
    (expected * torch.tensor(w, dtype=expected.dtype)).sum().backward()
    for i in grads:
        assert mine[i].grad is not None and mine[i].grad.dtype == mine[i].dtype, f"input {i}"
        np.testing.assert_allclose(
            mine[i].grad, ref[i].grad.numpy(), rtol=rtol, atol=1e-13, err_msg=f"gradient of input {i}"
        )


def labels(shape: tuple[int, ...], classes: int, ignore: int | None = None) -> np.ndarray:
    """Random class indices; with `ignore`, about a third of them set to it."""
    out = RNG.integers(0, classes, size=shape)
    if ignore is not None:
        out = np.where(RNG.random(shape) < 0.35, ignore, out)
    return out


def probabilities(shape: tuple[int, ...], axis: int) -> np.ndarray:
    x = RNG.standard_normal(shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- reduction on every loss --------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 3), (4,), (), (0, 2)], ids=["2-D", "1-D", "0-d", "zero-size"])
def test_mse_reduction_matches_pytorch_with_both_gradients(shape, reduction):
    compare(
        lambda p, t: nn.mse_loss(p, t, reduction=reduction),
        lambda p, t: F.mse_loss(p, t, reduction=reduction),
        [RNG.standard_normal(shape), RNG.standard_normal(shape)],
        grads=(0, 1),
    )


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 3), (4,), (), (0, 2)], ids=["2-D", "1-D", "0-d", "zero-size"])
def test_bce_reduction_matches_pytorch_with_both_gradients(shape, reduction):
    compare(
        lambda p, t: nn.binary_cross_entropy(p, t, reduction=reduction),
        lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction),
        [RNG.uniform(0.05, 0.95, shape), RNG.uniform(0, 1, shape)],
        grads=(0, 1),
    )


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 3), (4,), (), (0, 2)], ids=["2-D", "1-D", "0-d", "zero-size"])
def test_bce_with_logits_reduction_matches_pytorch_with_both_gradients(shape, reduction):
    compare(
        lambda x, t: nn.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        [RNG.standard_normal(shape) * 3, RNG.uniform(0, 1, shape)],
        grads=(0, 1),
    )


def test_the_default_reduction_is_the_mean_and_the_mean_paths_are_unchanged():
    p, t = RNG.standard_normal((6, 2)), RNG.standard_normal((6, 2))
    assert nn.mse_loss(Tensor(p, requires_grad=True), t).op == "mse"  # still one node
    assert nn.mse_loss(Tensor(p), t, reduction="mean").item() == nn.mse_loss(Tensor(p), t).item()
    np.testing.assert_allclose(
        nn.mse_loss(Tensor(p), t, reduction="sum").item(), ((p - t) ** 2).sum(), rtol=1e-14
    )
    logits = Tensor(RNG.standard_normal((6, 4)), requires_grad=True)
    assert nn.cross_entropy(logits, labels((6,), 4)).op == "cross_entropy"
    assert nn.cross_entropy(logits, probabilities((6, 4), 1)).op == "cross_entropy"
    assert nn.cross_entropy(logits, labels((6,), 4), reduction="none").op == "nll_loss"


# -- cross_entropy: shapes, reductions, ignore_index, label_smoothing -----------------------
CE_SHAPES = [(7,), (5, 4), (3, 4, 5), (2, 3, 4, 2), (0, 4), (0, 3, 2)]
CE_IDS = ["one sample (C,)", "(N, C)", "(N, C, d)", "(N, C, d1, d2)", "empty batch", "empty (N, C, d)"]


def label_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return () if len(shape) == 1 else shape[:1] + shape[2:]


@needs_torch
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES, ids=CE_IDS)
def test_cross_entropy_with_labels_matches_pytorch(shape, reduction, smoothing):
    classes = shape[0 if len(shape) == 1 else 1]
    compare(
        lambda x, t: nn.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        [RNG.standard_normal(shape) * 2, labels(label_shape(shape), classes)],
    )


@needs_torch
@pytest.mark.parametrize("ignore_index", [-100, 0, 2, 7])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "shape", [(9, 4), (3, 4, 5), (2, 4, 3, 3)], ids=["(N, C)", "(N, C, d)", "(N, C, d1, d2)"]
)
def test_cross_entropy_ignore_index_matches_pytorch(shape, reduction, smoothing, ignore_index):
    # ignore_index inside the classes (0, 2) or outside them (-100, 7)
    compare(
        lambda x, t: nn.cross_entropy(x, t, reduction, ignore_index, smoothing),
        lambda x, t: F.cross_entropy(
            x, t, reduction=reduction, ignore_index=ignore_index, label_smoothing=smoothing
        ),
        [RNG.standard_normal(shape) * 2, labels(label_shape(shape), shape[1], ignore=ignore_index)],
    )


@needs_torch
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_of_one_ignored_sample_and_of_all_ignored(reduction, smoothing):
    for logits, target in (
        (RNG.standard_normal(4), np.array(-100)),
        (RNG.standard_normal((3, 4)), np.full(3, -100)),
    ):
        compare(
            lambda x, t: nn.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
            lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
            [logits, target],
        )
    loss = nn.cross_entropy(Tensor(np.ones((2, 3))), [-100, -100])
    assert np.isnan(loss.item())  # a mean over no labels, as PyTorch


@needs_torch
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES, ids=CE_IDS)
def test_cross_entropy_with_probability_targets_matches_pytorch_with_their_gradient(
    shape, reduction, smoothing
):
    axis = 0 if len(shape) == 1 else 1
    compare(
        lambda x, t: nn.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        lambda x, t: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        [RNG.standard_normal(shape) * 2, probabilities(shape, axis)],
        grads=(0, 1),
    )


def test_cross_entropy_options_pass_finite_differences():
    shape, classes = (4, 3, 2), 3
    target = np.array([[0, 2], [-1, 1], [2, 2], [1, -1]])
    x = Tensor(RNG.standard_normal(shape), requires_grad=True)
    w = Tensor(RNG.standard_normal((4, 2)))
    assert gradcheck(
        lambda x: (nn.cross_entropy(x, target, "none", ignore_index=-1, label_smoothing=0.3) * w).sum(), x
    )
    assert gradcheck(lambda x: nn.cross_entropy(x, target, ignore_index=-1, label_smoothing=0.3), x)
    t = Tensor(probabilities(shape, 1), requires_grad=True)
    assert gradcheck(lambda x, t: nn.cross_entropy(x, t, "sum", label_smoothing=0.1), x, t)
    assert classes == shape[1]


@needs_torch
def test_cross_entropy_with_extreme_logits_and_options_is_finite_without_warnings():
    logits = Tensor([[2000.0, 0.0, -2000.0], [-1000.0, 1000.0, 0.0]], requires_grad=True)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        loss = nn.cross_entropy(logits, [0, -100], reduction="sum", label_smoothing=0.1)
        loss.backward()
    ref = torch.tensor(logits.data, requires_grad=True)
    expected = F.cross_entropy(ref, torch.tensor([0, -100]), reduction="sum", label_smoothing=0.1)
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(logits.grad, ref.grad.numpy(), rtol=1e-12, atol=1e-15)


# -- nll_loss ----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES, ids=CE_IDS)
def test_nll_loss_matches_pytorch(shape, reduction, ignore_index):
    classes = shape[0 if len(shape) == 1 else 1]
    ignore = ignore_index if len(shape) > 1 else None
    compare(
        lambda x, t: nn.nll_loss(x, t, reduction=reduction, ignore_index=ignore_index),
        lambda x, t: F.nll_loss(x, t, reduction=reduction, ignore_index=ignore_index),
        [RNG.standard_normal(shape), labels(label_shape(shape), classes, ignore=ignore)],
    )


def test_nll_of_log_softmax_is_cross_entropy_and_one_node():
    x = Tensor(RNG.standard_normal((6, 5)), requires_grad=True)
    t = labels((6,), 5)
    loss = nn.nll_loss(x.log_softmax(1), t)
    assert loss.op == "nll_loss" and loss.parents[0].op == "log_softmax"
    np.testing.assert_allclose(loss.item(), nn.cross_entropy(x, t).item(), rtol=1e-14)
    assert gradcheck(lambda x: nn.nll_loss(x, t, "sum"), x)


def test_nll_loss_labels_get_no_gradient_and_float32_stays_float32():
    x = Tensor(RNG.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    for reduction in REDUCTIONS:
        loss = nn.nll_loss(x, [0, 2, -100, 1], reduction=reduction)
        assert loss.dtype == np.float32
        loss.sum().backward()
        assert x.grad.dtype == np.float32
        assert not loss.parents[1].requires_grad


# -- pos_weight ----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape", "weight_shape"),
    [((5, 3), (3,)), ((5, 3), ()), ((5, 3), (1,)), ((5, 3), (5, 1)), ((2, 4, 3), (3,)), ((4,), (4,))],
)
def test_pos_weight_matches_pytorch(shape, weight_shape, reduction):
    weight = RNG.uniform(0.2, 4.0, weight_shape)
    compare(
        lambda x, t: nn.binary_cross_entropy_with_logits(x, t, reduction=reduction, pos_weight=weight),
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, reduction=reduction, pos_weight=torch.tensor(weight)
        ),
        [RNG.standard_normal(shape) * 3, RNG.uniform(0, 1, shape)],
        grads=(0, 1),
    )


def test_pos_weight_of_one_is_the_plain_loss_and_a_weight_tensor_gets_its_gradient():
    x, t = RNG.standard_normal((6, 2)), RNG.integers(0, 2, (6, 2)).astype(float)
    plain = nn.binary_cross_entropy_with_logits(Tensor(x), t).item()
    ones = nn.binary_cross_entropy_with_logits(Tensor(x), t, pos_weight=np.ones(2)).item()
    np.testing.assert_allclose(ones, plain, rtol=1e-15)
    w = Tensor([0.5, 3.0], requires_grad=True)  # PyTorch refuses a weight that requires grad
    assert gradcheck(
        lambda x, w: nn.binary_cross_entropy_with_logits(x, t, pos_weight=w), Tensor(x, requires_grad=True), w
    )


def test_pos_weight_is_finite_at_extreme_logits_without_warnings():
    x = Tensor([[1000.0, -1000.0], [-1000.0, 1000.0]], requires_grad=True)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        loss = nn.binary_cross_entropy_with_logits(x, [[0.0, 1.0], [1.0, 0.0]], pos_weight=[2.0, 0.5])
        loss.backward()
    # (1 - t) x + (1 + (w - 1) t) softplus(-x): 1000, 0.5 * 1000, 2 * 1000 and 1000
    np.testing.assert_allclose(loss.item(), (1000 + 500 + 2000 + 1000) / 4, rtol=1e-15)
    assert np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("weight_shape", [(2,), (5, 3, 3), (4, 1)])
def test_a_pos_weight_that_does_not_fit_the_target_is_a_shape_error(weight_shape):
    with pytest.raises(ShapeError, match="pos_weight of shape"):
        nn.binary_cross_entropy_with_logits(
            Tensor(np.zeros((5, 3))), np.zeros((5, 3)), pos_weight=np.ones(weight_shape)
        )


# -- float32 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_stays_float32_for_every_loss_and_reduction(reduction):
    x = Tensor(RNG.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    p = Tensor(RNG.uniform(0.1, 0.9, (4, 3)).astype(np.float32), requires_grad=True)
    target = RNG.uniform(0, 1, (4, 3))  # float64 targets take the prediction's dtype
    losses = [
        nn.mse_loss(x, target, reduction=reduction),
        nn.binary_cross_entropy(p, target, reduction=reduction),
        nn.binary_cross_entropy_with_logits(x, target, reduction=reduction, pos_weight=[1.0, 2.0, 3.0]),
        nn.cross_entropy(x, [0, 2, -100, 1], reduction=reduction, label_smoothing=0.1),
        nn.cross_entropy(x, probabilities((4, 3), 1), reduction=reduction, label_smoothing=0.1),
        nn.nll_loss(x.log_softmax(1), [0, 2, 1, 1], reduction=reduction),
    ]
    for loss in losses:
        assert loss.dtype == np.float32, loss.op
        loss.sum().backward()
    assert x.grad.dtype == np.float32 and p.grad.dtype == np.float32


# -- the module forms --------------------------------------------------------------------------
def test_loss_modules_pass_their_options_to_their_functions():
    x, t = RNG.standard_normal((6, 4)), labels((6,), 4, ignore=1)
    probs, target = RNG.uniform(0.1, 0.9, (6, 4)), RNG.uniform(0, 1, (6, 4))
    pairs = [
        (nn.MSELoss(reduction="none"), lambda p, y: nn.mse_loss(p, y, reduction="none"), x, target),
        (
            nn.BCELoss(reduction="sum"),
            lambda p, y: nn.binary_cross_entropy(p, y, reduction="sum"),
            probs,
            target,
        ),
        (
            nn.BCEWithLogitsLoss(reduction="sum", pos_weight=np.arange(1.0, 5.0)),
            lambda p, y: nn.binary_cross_entropy_with_logits(p, y, "sum", np.arange(1.0, 5.0)),
            x,
            target,
        ),
        (
            nn.CrossEntropyLoss(ignore_index=1, label_smoothing=0.2, reduction="none"),
            lambda p, y: nn.cross_entropy(p, y, "none", ignore_index=1, label_smoothing=0.2),
            x,
            t,
        ),
        (nn.NLLLoss(ignore_index=1), lambda p, y: nn.nll_loss(p, y, ignore_index=1), x, t),
    ]
    for module, fn, pred, y in pairs:
        np.testing.assert_array_equal(module(Tensor(pred), y).data, fn(Tensor(pred), y).data)
        copy = pickle.loads(pickle.dumps(module))
        np.testing.assert_array_equal(copy(Tensor(pred), y).data, fn(Tensor(pred), y).data)
        assert module.parameters() == [] and module.state_dict() == {}
    assert repr(nn.CrossEntropyLoss(ignore_index=1)) == "CrossEntropyLoss(ignore_index=1)"
    assert repr(nn.NLLLoss()) == "NLLLoss()"


def test_a_pos_weight_that_requires_grad_is_no_parameter_of_the_module():
    module = nn.BCEWithLogitsLoss(pos_weight=Tensor([1.0, 2.0], requires_grad=True))
    assert module.parameters() == []


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda: nn.CrossEntropyLoss(label_smoothing=1.5),
            ValueError,
            r"label_smoothing must lie in \[0.0, 1.0\]",
        ),
        (lambda: nn.CrossEntropyLoss(ignore_index=1.5), TypeError, "ignore_index must be an int"),
        (lambda: nn.NLLLoss(reduction="average"), ValueError, "'mean', 'sum' or 'none'"),
        (lambda: nn.NLLLoss(label_smoothing=0.1), TypeError, "takes the options reduction=, ignore_index="),
        (lambda: nn.MSELoss(pos_weight=2.0), TypeError, "takes the options reduction="),
        (lambda: nn.BCEWithLogitsLoss(pos_weight="heavy"), TypeError, "pos_weight must be a Tensor"),
        (lambda: nn.CrossEntropyLoss(np.ones(3)), TypeError, "keyword options only"),
    ],
)
def test_loss_modules_refuse_bad_options_when_made(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -- errors of the functions --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda x: nn.cross_entropy(x, [0, 1, 2], reduction="avg"), ValueError, "'avg'"),
        (lambda x: nn.mse_loss(x, np.zeros((3, 3)), reduction=None), ValueError, "reduction must be"),
        (lambda x: nn.cross_entropy(x, [0, 1, 2], label_smoothing=-0.1), ValueError, "label_smoothing"),
        (lambda x: nn.cross_entropy(x, [0, 1, 2], label_smoothing="a"), TypeError, "label_smoothing"),
        (lambda x: nn.cross_entropy(x, [0, 1, 2], ignore_index=None), TypeError, "ignore_index"),
        (
            lambda x: nn.cross_entropy(x, np.full((3, 3), 1 / 3), ignore_index=0),
            ValueError,
            "probability targets",
        ),
        (
            lambda x: nn.cross_entropy(x, [0, 5, 2], ignore_index=4),
            ValueError,
            r"\[0, 2\].*ignore_index=4.*got 5",
        ),
        (
            lambda x: nn.cross_entropy(x.reshape(1, 3, 3), np.zeros((1, 2), int)),
            ShapeError,
            r"shape \(1, 3\)",
        ),
        (lambda x: nn.cross_entropy(x.reshape(1, 3, 3), np.zeros((1, 3, 3), int)), TypeError, r"argmax\(1\)"),
        (lambda x: nn.nll_loss(x, np.full((3, 3), 1 / 3)), ShapeError, "3 integer labels"),
        (lambda x: nn.nll_loss(x, [0, 1, 3]), ValueError, r"nll_loss labels must lie in \[0, 2\]"),
        (lambda x: nn.nll_loss(x[0], [0]), ShapeError, "single int"),
        (lambda x: nn.nll_loss(Tensor(np.zeros((2, 2), int), dtype=np.int64), [0, 1]), TypeError, "floating"),
        (lambda x: nn.nll_loss(x.sum(), 0), ShapeError, "0-d"),
    ],
)
def test_bad_loss_arguments_get_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call(Tensor(RNG.standard_normal((3, 3)), requires_grad=True))


@needs_torch
def test_pytorch_refuses_the_same_loss_arguments():
    x = torch.zeros(3, 3)
    with pytest.raises(ValueError):
        F.cross_entropy(x, torch.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(RuntimeError, match="label_smoothing"):
        F.cross_entropy(x, torch.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="ignore_index"):
        F.cross_entropy(x, torch.full((3, 3), 1 / 3), ignore_index=0)
    with pytest.raises(IndexError):
        F.nll_loss(x, torch.tensor([0, 1, 3]))


def test_nn_exports_nll_loss_and_its_module():
    assert "nll_loss" in nn.__all__ and "NLLLoss" in nn.__all__
