"""nn losses, as functions and as Modules: values against hand-written NumPy
and torch.nn.functional (float64), gradients against finite differences and
torch, the kinds of target accepted, the extremes (probabilities 0 and 1,
logits of ±1000) and the errors for labels and shapes, NaN, swapped arguments and
PyTorch options."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn
from tinygrad_lite import ShapeError, Tensor, gradcheck

RTOL = 1e-12


# -- NumPy references -------------------------------------------------------------
def np_mse(pred, target):
    return np.mean((pred - target) ** 2)


def np_bce(prob, target):
    return np.mean(-(target * np.log(prob) + (1 - target) * np.log(1 - prob)))


def np_bce_with_logits(x, target):
    # -(t log s(x) + (1 - t) log(1 - s(x))) = log(1 + e**x) - t x
    return np.mean(np.logaddexp(0.0, x) - target * x)


def np_cross_entropy(logits, labels):
    m = logits.max(axis=1, keepdims=True)
    log_probs = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def np_cross_entropy_soft(logits, probs):
    m = logits.max(axis=1, keepdims=True)
    log_probs = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return -np.mean((probs * log_probs).sum(axis=1))


RNG = np.random.default_rng(0)
PRED = RNG.standard_normal((6, 3))
TARGET = RNG.standard_normal((6, 3))
PROB = RNG.uniform(0.05, 0.95, size=(8, 1))
BINARY = RNG.integers(0, 2, size=(8, 1)).astype(float)
SOFT = RNG.uniform(size=(8, 1))  # soft targets in [0, 1]
LOGIT = RNG.standard_normal((8, 1)) * 3
CLASS_LOGITS = RNG.standard_normal((7, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2, 0, 3])
SOFT_CLASSES = RNG.dirichlet(np.ones(4), size=7)

# name -> (function, Module class, prediction, target, NumPy reference)
CASES = {
    "mse": (nn.mse_loss, nn.MSELoss, PRED, TARGET, np_mse),
    "bce": (nn.binary_cross_entropy, nn.BCELoss, PROB, BINARY, np_bce),
    "bce soft targets": (nn.binary_cross_entropy, nn.BCELoss, PROB, SOFT, np_bce),
    "bce with logits": (
        nn.binary_cross_entropy_with_logits,
        nn.BCEWithLogitsLoss,
        LOGIT,
        BINARY,
        np_bce_with_logits,
    ),
    "bce with logits soft": (
        nn.binary_cross_entropy_with_logits,
        nn.BCEWithLogitsLoss,
        LOGIT,
        SOFT,
        np_bce_with_logits,
    ),
    "cross entropy": (nn.cross_entropy, nn.CrossEntropyLoss, CLASS_LOGITS, LABELS, np_cross_entropy),
    "cross entropy soft": (
        nn.cross_entropy,
        nn.CrossEntropyLoss,
        CLASS_LOGITS,
        SOFT_CLASSES,
        np_cross_entropy_soft,
    ),
}


def torch_loss(name: str, pred, target):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: needed for the reference losses")
    F = torch.nn.functional
    t = torch.tensor(target, dtype=torch.long if target.dtype.kind == "i" else torch.float64)
    fn = {
        "mse": F.mse_loss,
        "bce": F.binary_cross_entropy,
        "bce with logits": F.binary_cross_entropy_with_logits,
        "cross entropy": F.cross_entropy,
    }[name.replace(" soft targets", "").replace(" soft", "")]
    return fn(pred, t)


@pytest.mark.parametrize("case", list(CASES))
def test_value_matches_numpy(case):
    fn, module, pred, target, reference = CASES[case]
    expected = reference(pred, target)
    loss = fn(Tensor(pred), target)
    assert isinstance(loss, Tensor) and loss.size == 1 and loss.dtype == np.float64
    np.testing.assert_allclose(loss.item(), expected, rtol=RTOL)
    np.testing.assert_allclose(module()(Tensor(pred), target).item(), expected, rtol=RTOL)


@pytest.mark.parametrize("case", list(CASES))
def test_value_and_gradient_match_pytorch(case):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: needed for the reference losses")
    fn, module, pred, target, _ = CASES[case]
    for loss_fn in (fn, module()):
        x = Tensor(pred, requires_grad=True)
        loss = loss_fn(x, target)
        loss.backward()
        tx = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
        ref = torch_loss(case, tx, target)
        ref.backward()
        np.testing.assert_allclose(loss.item(), ref.item(), rtol=RTOL)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("case", list(CASES))
def test_gradient_matches_finite_differences(case):
    fn, module, pred, target, _ = CASES[case]
    assert gradcheck(lambda x: fn(x, target), Tensor(pred, requires_grad=True), atol=1e-8, rtol=1e-5)
    assert gradcheck(lambda x: module()(x, target), Tensor(pred, requires_grad=True), atol=1e-8, rtol=1e-5)


@pytest.mark.parametrize("case", ["mse", "bce soft targets", "bce with logits soft", "cross entropy soft"])
def test_gradient_reaches_a_target_tensor_that_requires_grad(case):
    fn, _, pred, target, _ = CASES[case]
    x, t = Tensor(pred, requires_grad=True), Tensor(target, requires_grad=True)
    assert gradcheck(fn, x, t, atol=1e-8, rtol=1e-5)


@pytest.mark.parametrize("case", list(CASES))
def test_targets_as_list_array_or_tensor_give_the_same_loss(case):
    fn, _, pred, target, _ = CASES[case]
    expected = fn(Tensor(pred), target).item()
    assert fn(Tensor(pred), target.tolist()).item() == expected
    assert fn(Tensor(pred), Tensor(target)).item() == expected
    assert fn(pred, target).item() == expected  # a plain array as prediction too


@pytest.mark.parametrize(("case", "op"), [("mse", "mse"), ("cross entropy", "cross_entropy")])
def test_mse_and_cross_entropy_are_one_graph_node_each(case, op):
    # one step of the chain rule: (p - t) * 2/n, or (softmax - one_hot) / n
    fn, _, pred, target, _ = CASES[case]
    x = Tensor(pred, requires_grad=True)
    loss = fn(x, target)
    assert loss.op == op and loss.parents[0] is x and len(loss.parents) == 2
    np.testing.assert_array_equal(loss.parents[1].data, target)


def test_module_forms_are_modules_without_parameters():
    for module in (nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss):
        assert isinstance(module(), nn.Module)
        assert module().parameters() == []


def test_losses_are_means_over_the_batch():
    # the loss of a batch repeated twice is the same; summing would double it
    for fn, _, pred, target, _ in CASES.values():
        doubled = fn(Tensor(np.concatenate([pred, pred])), np.concatenate([target, target])).item()
        np.testing.assert_allclose(doubled, fn(Tensor(pred), target).item(), rtol=1e-14)


# -- extremes -----------------------------------------------------------------------
@pytest.fixture
def strict_numpy():
    """Any NumPy floating-point problem or warning raises."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


EDGE_PROB = np.array([0.0, 1.0, 0.0, 1.0, 0.3, 1e-300])
EDGE_TARGET = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 1.0])


def test_bce_is_finite_at_probabilities_exactly_0_and_1(strict_numpy):
    p = Tensor(EDGE_PROB, requires_grad=True)
    loss = nn.binary_cross_entropy(p, EDGE_TARGET)
    loss.backward()
    # 0 where p = t; where p is the wrong extreme (or 1e-300, whose log is
    # -690.8) the log is clamped at -100
    per_element = [0.0, 0.0, 100.0, 100.0, -(0.5 * np.log(0.3) + 0.5 * np.log(0.7)), 100.0]
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), np.mean(per_element), rtol=1e-14)
    assert np.all(np.isfinite(p.grad))
    assert p.grad[0] == 0.0 and p.grad[1] == 0.0
    assert p.grad[2] < -1e10 and p.grad[3] > 1e10  # pushes p towards the target


def test_bce_at_0_and_1_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: needed for the reference losses")
    p = Tensor(EDGE_PROB, requires_grad=True)
    loss = nn.binary_cross_entropy(p, EDGE_TARGET)
    loss.backward()
    tp = torch.tensor(EDGE_PROB, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(EDGE_TARGET))
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-14)
    # At p = 0 or 1 both clamp p (1 - p) from below at 1e-12; PyTorch's
    # constant is the float32 rounding of 1e-12 (9.99999996e-13), 4e-9 away.
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-8, atol=0)


def test_bce_with_logits_is_exact_where_the_naive_formula_overflows(strict_numpy):
    x = Tensor([49.8], requires_grad=True)
    loss = nn.binary_cross_entropy_with_logits(x, [0.0])
    loss.backward()
    assert loss.item() == 49.8
    np.testing.assert_allclose(x.grad, [1.0], rtol=1e-15)
    scalar = Tensor(49.8, requires_grad=True)  # plain numbers work too
    loss = nn.binary_cross_entropy_with_logits(scalar, 0)
    loss.backward()
    assert loss.item() == 49.8 and scalar.grad == 1.0


def test_the_naive_bce_formula_really_is_infinite_at_49_8():
    # guards the test above: sigmoid(49.8) rounds to 1, so -log(1 - p) = inf
    with np.errstate(divide="ignore"):
        p = 1 / (1 + np.exp(-49.8))
        assert p == 1.0
        assert np.isinf(-np.log(1 - p))
    assert nn.binary_cross_entropy(Tensor([p]), [0.0]).item() == 100.0  # clamped, not 49.8


@pytest.mark.parametrize("errstate", ["over/divide/invalid", "all, underflow too"])
def test_bce_with_logits_at_plus_minus_1000_is_finite_without_warnings(errstate):
    logits = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    target = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    x = Tensor(logits, requires_grad=True)
    raise_on = (
        dict(all="raise")
        if errstate.startswith("all")
        else dict(over="raise", divide="raise", invalid="raise")
    )
    with warnings.catch_warnings(), np.errstate(**raise_on):
        warnings.simplefilter("error")
        loss = nn.binary_cross_entropy_with_logits(x, target)
        loss.backward()
    np.testing.assert_allclose(loss.item(), (0 + 0 + 1000 + 1000 + np.log(2)) / 5, rtol=1e-15)
    np.testing.assert_allclose(x.grad, np.array([0.0, 0.0, 1.0, -1.0, -0.5]) / 5, rtol=1e-15, atol=0)


def test_cross_entropy_with_extreme_logits_is_finite():
    x = Tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss = nn.cross_entropy(x, [1, 2])
        loss.backward()
    np.testing.assert_allclose(loss.item(), (2000.0 + 1.0 + np.log1p(np.exp(-1.0))) / 2, rtol=1e-14)
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad.sum(axis=1), 0.0, atol=1e-15)  # softmax - one_hot sums to 0


# -- cross_entropy targets and errors -------------------------------------------------------
def test_cross_entropy_one_hot_targets_equal_integer_labels():
    one_hot = np.eye(4)[LABELS]
    x1, x2 = Tensor(CLASS_LOGITS, requires_grad=True), Tensor(CLASS_LOGITS, requires_grad=True)
    a, b = nn.cross_entropy(x1, LABELS), nn.cross_entropy(x2, one_hot)
    a.backward()
    b.backward()
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-15)
    np.testing.assert_allclose(x1.grad, x2.grad, rtol=1e-15)
    # the gradient is (softmax - one_hot) / n
    e = np.exp(CLASS_LOGITS - CLASS_LOGITS.max(axis=1, keepdims=True))
    np.testing.assert_allclose(x1.grad, (e / e.sum(axis=1, keepdims=True) - one_hot) / 7, rtol=1e-12)


@pytest.mark.parametrize(
    "labels",
    [LABELS.astype(np.int32), LABELS.astype(np.uint8), LABELS.tolist(), Tensor(LABELS), LABELS.astype(float)],
    ids=["int32", "uint8", "list", "Tensor", "integral floats"],
)
def test_cross_entropy_accepts_integer_labels_in_any_container(labels):
    expected = np_cross_entropy(CLASS_LOGITS, LABELS)
    np.testing.assert_allclose(nn.cross_entropy(Tensor(CLASS_LOGITS), labels).item(), expected, rtol=RTOL)


@pytest.mark.parametrize("bad", [4, 7, -1])
def test_cross_entropy_label_out_of_range_names_the_label(bad):
    labels = LABELS.copy()
    labels[2] = bad
    with pytest.raises(ValueError, match=rf"(?<![\d-]){bad}(?!\d)"):
        nn.cross_entropy(Tensor(CLASS_LOGITS), labels)


@pytest.mark.parametrize("labels", [[0, 1.5, 2], [0.0, 0.5, 1.0], [True, False, True]])
def test_cross_entropy_non_integer_labels_are_a_type_error(labels):
    with pytest.raises(TypeError):
        nn.cross_entropy(Tensor(np.zeros((3, 3))), labels)


@pytest.mark.parametrize("labels", [[0, 1], [0, 1, 2, 0], np.zeros((3, 2), dtype=int)])
def test_cross_entropy_wrong_label_count_is_a_shape_error(labels):
    with pytest.raises(ShapeError):
        nn.cross_entropy(Tensor(np.zeros((3, 3))), labels)


def test_cross_entropy_of_one_sample_needs_a_single_label_and_logits_need_an_axis():
    with pytest.raises(ShapeError, match=r"single int \(shape \(\)\).*\(n, classes\)"):
        nn.cross_entropy(Tensor(np.zeros(3)), [0])
    with pytest.raises(ShapeError, match="0-d"):
        nn.cross_entropy(Tensor(0.0), 0)


# -- shape checks and dtypes --------------------------------------------------------------
@pytest.mark.parametrize(
    "fn", [nn.mse_loss, nn.binary_cross_entropy, nn.binary_cross_entropy_with_logits, nn.MSELoss()]
)
@pytest.mark.parametrize(("pred_shape", "target_shape"), [((4, 1), (4,)), ((4,), (4, 1)), ((4, 2), (2,))])
def test_prediction_target_shape_mismatch_is_a_shape_error(fn, pred_shape, target_shape):
    with pytest.raises(ShapeError) as info:
        fn(Tensor(np.full(pred_shape, 0.5)), np.full(target_shape, 0.5))
    assert str(pred_shape) in str(info.value) and str(target_shape) in str(info.value)


@pytest.mark.parametrize(
    ("fn", "pred", "target"),
    [
        (nn.mse_loss, np.ones(3), [1, 2, 3]),
        (nn.binary_cross_entropy, np.full(3, 0.25), [1, 0, 1]),
        (nn.binary_cross_entropy_with_logits, np.array([-1.0, 0.0, 2.0]), [1, 0, 1]),
        (nn.cross_entropy, np.ones((3, 2)), [1, 0, 1]),
        (nn.cross_entropy, np.ones((3, 2)), np.eye(2)[[1, 0, 1]]),
    ],
    ids=["mse", "bce", "bce with logits", "cross entropy", "cross entropy one-hot"],
)
def test_float32_predictions_with_list_or_float64_targets_stay_float32(fn, pred, target):
    x = Tensor(pred, requires_grad=True, dtype=np.float32)
    loss = fn(x, target)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), fn(Tensor(pred), target).item(), rtol=1e-6)


@pytest.mark.parametrize("bad", [-0.1, 1.5, np.inf])
def test_bce_refuses_probabilities_outside_0_1(bad):
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*binary_cross_entropy_with_logits"):
        nn.binary_cross_entropy(Tensor([0.5, bad]), [1.0, 0.0])


def test_bce_on_nan_predictions_says_nan_not_range():
    # a diverged model outputs NaN: blaming the range (and suggesting logits) would mislead
    prob = Tensor([[0.5], [np.nan], [np.nan]])
    with pytest.raises(ValueError) as info:
        nn.binary_cross_entropy(prob, [[1.0], [0.0], [1.0]])
    message = str(info.value)
    for words in ("predictions contain NaN", "2 of 3", "index (1, 0)", "learning rate", "detect_anomaly"):
        assert words in message, message
    assert "[0, 1]" not in message and "with_logits" not in message


def test_bce_on_nan_targets_says_the_targets_contain_nan():
    with pytest.raises(ValueError, match=r"targets contain NaN.*missing values"):
        nn.binary_cross_entropy(Tensor([0.5, 0.5]), [1.0, np.nan])
    with pytest.raises(ValueError, match="targets contain NaN"):
        nn.binary_cross_entropy_with_logits(Tensor([0.5, 0.5]), [np.nan, 1.0])


def test_bce_refuses_nan_predictions_like_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: needed for the reference losses")
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy(
            torch.tensor([0.5, float("nan")], dtype=torch.float64),
            torch.tensor([1.0, 0.0], dtype=torch.float64),
        )
    with pytest.raises(ValueError, match="NaN"):
        nn.binary_cross_entropy(Tensor([0.5, np.nan]), [1.0, 0.0])


# -- PyTorch habits -----------------------------------------------------------------------
ONE_HOT = np.eye(3, dtype=np.int64)[[0, 2, 1, 2]]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_cross_entropy_integer_one_hot_labels_explain_indices_and_floats(dtype):
    with pytest.raises(TypeError) as info:
        nn.cross_entropy(Tensor(np.zeros((4, 3))), ONE_HOT.astype(dtype))
    message = str(info.value)
    for words in (
        "shape (4, 3)",
        "class indices",
        "shape (4,)",
        "must be floats",
        "argmax(1)",
        "astype(float)",
    ):
        assert words in message, message


def test_cross_entropy_integer_one_hot_labels_are_refused_by_pytorch_too_and_both_fixes_agree():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: needed for the reference losses")
    logits = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(RuntimeError):
        torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(ONE_HOT))
    with pytest.raises(TypeError):
        nn.cross_entropy(Tensor(logits), ONE_HOT)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(ONE_HOT.argmax(1))).item()
    for fixed in (ONE_HOT.argmax(1), ONE_HOT.astype(float)):
        np.testing.assert_allclose(nn.cross_entropy(Tensor(logits), fixed).item(), expected, rtol=RTOL)


def test_cross_entropy_integer_labels_of_shape_n_1_are_still_indices():
    logits = np.random.default_rng(0).standard_normal((4, 1))
    assert nn.cross_entropy(Tensor(logits), np.zeros((4, 1), dtype=int)).item() == 0.0


@pytest.mark.parametrize(
    ("fn", "target"),
    [
        (nn.binary_cross_entropy, np.array([[1.0], [0.0]])),
        (nn.binary_cross_entropy_with_logits, np.array([[1.0], [0.0]])),
        (nn.cross_entropy, np.array([1, 0])),
    ],
    ids=["bce", "bce with logits", "cross entropy"],
)
def test_swapped_target_and_prediction_are_refused(fn, target):
    # Keras and scikit-learn take (y_true, y_pred): here the array would be
    # read as the prediction and the model trained toward a wrong objective
    model = nn.Linear(2, 1 if target.ndim == 2 else 2, rng=0)
    out = model(Tensor(np.ones((2, 2))))
    if fn is nn.binary_cross_entropy:
        out = out.sigmoid()
    with pytest.raises(TypeError, match=r"model's output first.*swap them"):
        fn(target, out)
    fn(out, target)  # the right order works


def test_swapping_the_arguments_of_bce_changes_the_loss():
    # why the order check matters: with the roles swapped, BCE is a different number
    prob, target = np.array([0.3, 0.8]), np.array([1.0, 0.0])
    right = nn.binary_cross_entropy(Tensor(prob), target).item()
    wrong = nn.binary_cross_entropy(Tensor(target), prob).item()
    assert abs(right - wrong) > 1.0


@pytest.mark.parametrize("module", [nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss])
def test_loss_modules_take_keyword_options_and_refuse_weights_and_positional_arguments(module):
    assert "reduction='sum'" in repr(module(reduction="sum"))  # tests/test_losses_reduction.py: the values
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none'.*'avg'"):
        module(reduction="avg")
    with pytest.raises(TypeError, match=r"takes the options reduction=.*weight=.*not supported"):
        module(weight=np.ones(2))
    with pytest.raises(TypeError, match="keyword options only"):
        module(np.ones(2))


def test_softmax_cross_entropy_with_logits_far_apart_raises_nothing_under_strict_numpy():
    logits = Tensor([[2000.0, 0.0, -2000.0]], requires_grad=True)
    with np.errstate(all="raise"):
        loss = nn.cross_entropy(logits, [0])
        loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_array_equal(logits.grad, [[0.0, 0.0, 0.0]])
