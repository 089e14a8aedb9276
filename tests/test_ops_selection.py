"""Issue 17, selection: where, maximum, minimum, masked_fill, gather, argmax,
argmin and nn.one_hot against PyTorch 2.13 in float64 (values, and gradients of
a random weighting of the output) and against central finite differences, with
broadcasting, negative axes, 0-d and zero-size inputs, ties and NaN, float32
kept float32, and a clear error for each bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_ops_movement import cases_for_both_dtypes, compare, needs_torch, torch

import nn
from tinygrad_lite import ShapeError, Tensor, backward_steps, gradcheck

RNG = np.random.default_rng(17)
COND_23 = RNG.random((2, 3)) > 0.5
COND_213 = np.array([[[True, False, True]], [[False, False, True]]])
COND_EMPTY = np.zeros((0, 3), bool)
INDEX_ROWS = np.array([[0, 0], [2, 1], [1, 1]])  # for a (3, 4) input along axis 1
INDEX_COLS = np.array([[2, 0, 1, 2], [0, 0, 0, 1]])  # along axis 0 (rows picked twice)


def t(a):
    return torch.tensor(a)


SELECTION = [
    (
        "where",
        lambda x, y: Tensor.where(COND_23, x, y),
        lambda x, y: torch.where(t(COND_23), x, y),
        [(2, 3)] * 2,
    ),
    (
        "where_broadcast",
        lambda x, y: Tensor.where(Tensor(COND_213), x, y),
        lambda x, y: torch.where(t(COND_213), x, y),
        [(3,), (2, 1, 1)],
    ),
    (
        "where_method",
        lambda x, y: x.where(COND_213, y),
        lambda x, y: x.where(t(COND_213), y),
        [(1, 3), (2, 1, 3)],
    ),
    (
        "where_number",
        lambda x: Tensor.where(COND_23, x, -1.5),
        lambda x: torch.where(t(COND_23), x, -1.5),
        [(2, 3)],
    ),
    (
        "where_number_first",
        lambda y: Tensor.where(COND_23, 2, y),
        lambda y: torch.where(t(COND_23), 2, y),
        [(3,)],
    ),
    (
        "where_0d",
        lambda x, y: Tensor.where(np.array(True), x, y),
        lambda x, y: torch.where(t(True), x, y),
        [(), ()],
    ),
    (
        "where_zero_size",
        lambda x, y: Tensor.where(COND_EMPTY, x, y),
        lambda x, y: torch.where(t(COND_EMPTY), x, y),
        [(0, 3), (3,)],
    ),
    ("maximum", lambda x, y: x.maximum(y), lambda x, y: torch.maximum(x, y), [(2, 3)] * 2),
    ("maximum_broadcast", lambda x, y: x.maximum(y), lambda x, y: torch.maximum(x, y), [(2, 1, 3), (4, 1)]),
    ("maximum_0d", lambda x, y: x.maximum(y), lambda x, y: torch.maximum(x, y), [(), (3,)]),
    ("maximum_zero_size", lambda x, y: x.maximum(y), lambda x, y: torch.maximum(x, y), [(0, 3), (1, 3)]),
    ("minimum", lambda x, y: x.minimum(y), lambda x, y: torch.minimum(x, y), [(2, 3)] * 2),
    ("minimum_broadcast", lambda x, y: y.minimum(x), lambda x, y: torch.minimum(y, x), [(3,), (2, 1)]),
    ("minimum_0d", lambda x, y: x.minimum(y), lambda x, y: torch.minimum(x, y), [(), ()]),
    ("minimum_zero_size", lambda x, y: x.minimum(y), lambda x, y: torch.minimum(x, y), [(2, 0), ()]),
    (
        "masked_fill",
        lambda x: x.masked_fill(COND_23, 2.5),
        lambda x: x.masked_fill(t(COND_23), 2.5),
        [(2, 3)],
    ),
    (
        "masked_fill_broadcast_mask",
        lambda x: x.masked_fill(Tensor(COND_213), -1),
        lambda x: x.masked_fill(t(COND_213), -1),
        [(3,)],
    ),
    (
        "masked_fill_broadcast_tensor",
        lambda x: x.masked_fill(COND_23[:1], -1e6),
        lambda x: x.masked_fill(t(COND_23[:1]), -1e6),
        [(2, 3)],
    ),
    ("masked_fill_0d", lambda x: x.masked_fill(True, 0.0), lambda x: x.masked_fill(t(True), 0.0), [()]),
    (
        "masked_fill_zero_size",
        lambda x: x.masked_fill(COND_EMPTY, 1.0),
        lambda x: x.masked_fill(t(COND_EMPTY), 1.0),
        [(0, 3)],
    ),
    (
        "gather_axis1",
        lambda x: x.gather(1, INDEX_ROWS),
        lambda x: x.gather(1, t(INDEX_ROWS)),
        [(3, 4)],
    ),
    (
        "gather_negative_axis",
        lambda x: x.gather(-1, Tensor(INDEX_ROWS[:2], dtype=np.int64)),
        lambda x: x.gather(-1, t(INDEX_ROWS[:2])),
        [(3, 4)],
    ),
    (
        "gather_axis0_repeats",
        lambda x: x.gather(0, INDEX_COLS),
        lambda x: x.gather(0, t(INDEX_COLS)),
        [(3, 4)],
    ),
    (
        "gather_3d_int32",
        lambda x: x.gather(1, np.array([[[1, 0]], [[0, 0]]], np.int32)),
        lambda x: x.gather(1, torch.tensor([[[1, 0]], [[0, 0]]])),
        [(2, 2, 3)],
    ),
    ("gather_list", lambda x: x.gather(0, [2, 2, 0]), lambda x: x.gather(0, t([2, 2, 0])), [(3,)]),
    ("gather_0d", lambda x: x.gather(0, np.array(0)), lambda x: x.gather(0, t(0)), [()]),
    (
        "gather_zero_size_index",
        lambda x: x.gather(1, np.zeros((2, 0), np.int64)),
        lambda x: x.gather(1, torch.zeros((2, 0), dtype=torch.int64)),
        [(3, 4)],
    ),
    (
        "gather_zero_size_input",
        lambda x: x.gather(1, np.zeros((0, 2), np.int64)),
        lambda x: x.gather(1, torch.zeros((0, 2), dtype=torch.int64)),
        [(0, 4)],
    ),
]


@pytest.mark.parametrize("fn, torch_fn, shapes, dtype", cases_for_both_dtypes(SELECTION))
def test_selection_ops_match_torch(fn, torch_fn, shapes, dtype):
    compare(fn, torch_fn, shapes, dtype)


@needs_torch
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_and_minimum_split_ties_and_pass_nan_as_pytorch_does(op):
    """On a tie each input gets half of g; where either is NaN (the result is NaN)
    both get all of it (PyTorch 2.13's rule, checked here against it)."""
    nan = float("nan")
    x = np.array([1.0, 2.0, 3.0, nan, 1.0, nan, -0.0])
    y = np.array([1.0, 1.0, 4.0, 1.0, nan, nan, 0.0])
    ours = [Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)]
    theirs = [torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)]
    out, ref = getattr(ours[0], op)(ours[1]), getattr(torch, op)(*theirs)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = np.arange(1.0, 8.0)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad, b.grad.numpy())
    assert ours[0].grad[0] == ours[1].grad[0] == 0.5


def test_maximum_with_a_number_and_dtypes():
    x = Tensor([-1.0, 2.0], dtype=np.float32, requires_grad=True)
    r = x.maximum(0.0)
    assert r.dtype == np.float32 and r.data.tolist() == [0.0, 2.0]
    r.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [0.0, 1.0]
    ints = Tensor([1, 5], dtype=np.int64).minimum(Tensor([3, 3], dtype=np.int64))
    assert ints.dtype == np.int64 and ints.data.tolist() == [1, 3]


def test_where_gradient_is_exactly_zero_where_not_chosen():
    x = Tensor([-1.0, 4.0], requires_grad=True)
    y = Tensor.where(x > 0, x * 2, 0.0)
    np.testing.assert_array_equal(y.data, [0.0, 8.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0])


def test_where_of_two_numbers_and_dtypes():
    r = Tensor.where([True, False], 1, 2)
    assert r.dtype == np.int64 and r.data.tolist() == [1, 2]
    assert Tensor.where([True, False], 1.0, 2).dtype == np.float64
    f32 = Tensor([1.0, 2.0], dtype=np.float32)
    assert Tensor.where([True, False], f32, 0.5).dtype == np.float32
    assert Tensor.where([True, False], f32, Tensor([0.0, 0.0])).dtype == np.float64  # as in NumPy and PyTorch
    assert Tensor.where.__doc__ and "torch.where" in Tensor.where.__doc__
    assert "torch.where" in f32.where.__doc__


def test_masked_fill_keeps_the_dtype_when_it_can_and_never_cuts_a_float():
    ints = Tensor([1, 2, 3], dtype=np.int32)
    assert ints.masked_fill([True, False, False], 7).dtype == np.int32
    promoted = ints.masked_fill([True, False, False], 2.5)
    assert promoted.dtype == np.float64 and promoted.data.tolist() == [2.5, 2.0, 3.0]
    f32 = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    out = f32.masked_fill(Tensor([False, True]), Tensor(9.0))
    assert out.dtype == np.float32 and out.data.tolist() == [1.0, 9.0]
    out.sum().backward()
    assert f32.grad.tolist() == [1.0, 0.0]


@needs_torch
def test_masking_scores_with_minus_inf_before_softmax_matches_torch():
    """The attention idiom: scores.masked_fill(mask, -inf).softmax(-1); the masked
    places get probability 0 and gradient 0, with no NaN."""
    scores = RNG.standard_normal((3, 3))
    mask = np.triu(np.ones((3, 3), bool), 1)
    ours = Tensor(scores, requires_grad=True)
    theirs = torch.tensor(scores, requires_grad=True)
    p = ours.masked_fill(mask, float("-inf")).softmax(-1)
    q = theirs.masked_fill(torch.tensor(mask), float("-inf")).softmax(-1)
    np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12, atol=1e-15)
    w = RNG.standard_normal((3, 3))
    (p * Tensor(w)).sum().backward()
    (q * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert np.all(ours.grad[mask] == 0)


def test_gather_gradient_adds_up_repeated_picks():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    picked = x.gather(1, [[1, 1, 1], [0, 1, 0]])
    np.testing.assert_array_equal(picked.data, [[2, 2, 2], [3, 4, 3]])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 3], [2, 1]])
    assert gradcheck(lambda a: (a.gather(0, [[1, 0], [1, 1]]) ** 2).sum(), x)


@needs_torch
@pytest.mark.parametrize(
    "shape, kwargs",
    [
        ((3, 4), {}),
        ((3, 4), {"axis": 1}),
        ((3, 4), {"axis": -2}),
        ((3, 4), {"axis": 0, "keepdims": True}),
        ((3, 4), {"keepdims": True}),
        ((2, 3, 4), {"dim": 1, "keepdim": True}),
        ((5,), {"axis": 0}),
        ((), {}),
        ((), {"axis": 0}),
        ((), {"axis": -1}),
        ((0, 3), {"axis": 1}),
    ],
)
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_and_argmin_match_torch(op, shape, kwargs):
    data = np.round(RNG.standard_normal(shape), 0)  # rounded: ties, where the first one wins
    torch_kwargs = {{"axis": "dim", "keepdims": "keepdim"}.get(k, k): v for k, v in kwargs.items()}
    ours = getattr(Tensor(data, requires_grad=True), op)(**kwargs)
    theirs = getattr(torch.tensor(data), op)(**torch_kwargs)
    assert ours.dtype == np.int64 and not ours.requires_grad and ours.parents == ()
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@needs_torch
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_and_argmin_pick_the_first_nan_and_the_first_tie(op):
    x = np.array([[1.0, float("nan"), 3.0, float("nan")], [2.0, 5.0, 5.0, 2.0]])
    ours, theirs = getattr(Tensor(x), op)(axis=1), getattr(torch.tensor(x), op)(dim=1)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert getattr(Tensor(x, dtype=np.float32), op)().item() == getattr(torch.tensor(x), op)().item()


@needs_torch
@pytest.mark.parametrize(
    "labels, num_classes",
    [
        ([0, 2, 1, 2], -1),
        ([0, 2], 5),
        ([[1, 0], [3, 3]], -1),
        (np.array(2), 3),
        (np.zeros(0, np.int64), 3),
        (np.array([1, 0], np.int32), 2),
    ],
)
def test_one_hot_matches_torch(labels, num_classes):
    ours = nn.one_hot(labels, num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(np.asarray(labels), dtype=torch.int64), num_classes)
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(
        nn.one_hot(Tensor(labels, dtype=np.int64), num_classes).data, theirs.numpy()
    )


def test_one_hot_takes_whole_number_floats_as_cross_entropy_does():
    np.testing.assert_array_equal(nn.one_hot(Tensor([1.0, 0.0])).data, [[0, 1], [1, 0]])
    _, y = nn.datasets.xor()  # float (4, 1) targets
    assert nn.one_hot(y[:, 0]).shape == (4, 2)
    assert nn.one_hot([], 2).shape == (0, 2)


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda x: Tensor.where(x > 1, x, -x), "where"),
        (lambda x: x.maximum(Tensor([2.0, 2.0, 2.0])), "maximum"),
        (lambda x: x.minimum(2.0), "minimum"),
        (lambda x: x.masked_fill(x > 2, 0.0), "masked_fill"),
        (lambda x: x.gather(0, [2, 2]), "gather"),
    ],
)
def test_each_selection_op_steps_through(make, op):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, label="x")
    steps = list(backward_steps(make(x).sum()))
    (step,) = [s for s in steps if s.node.op == op]
    assert step.describe()[1].strip() and "summed over axis" not in step.describe()[1]
    grad = x.grad.copy()
    x.grad = None
    make(x).sum().backward()
    np.testing.assert_array_equal(grad, x.grad)


def test_maximum_step_says_where_a_broadcast_operand_is_summed():
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x")
    b = Tensor([0.0, 2.0, 1.0], requires_grad=True, label="b")
    steps = {s.node.op: s for s in backward_steps(x.maximum(b).sum())}
    lines = "\n".join(steps["maximum"].describe())
    assert "1 where b > x, 1/2 where they tie, else 0, summed over axis 0" in lines


# -- bad arguments ---------------------------------------------------------------------
X = Tensor(np.ones((2, 3)))
ERRORS = [
    (lambda: Tensor.where(X, X, X), TypeError, "bool condition"),
    (lambda: Tensor.where([1, 0, 1], X, X), TypeError, "bool condition"),
    (lambda: Tensor.where(COND_23, X, np.ones(2)), ShapeError, "axis -1 has sizes 3 and 3 and 2"),
    (lambda: X.where(np.ones((4, 1), bool), 0.0), ShapeError, "condition (4, 1)"),
    (lambda: X.maximum(np.ones(2)), ShapeError, "maximum"),
    (lambda: X.minimum("a"), TypeError, "numeric data"),
    (lambda: X.masked_fill(X, 0.0), TypeError, "bool condition"),
    (lambda: X.masked_fill(np.ones(2, bool), 0.0), ShapeError, "mask (2,)"),
    (lambda: X.masked_fill(COND_23, "a"), TypeError, "a number"),
    (lambda: X.masked_fill(COND_23, Tensor([1.0, 2.0])), ShapeError, "one number"),
    (lambda: X.masked_fill(COND_23, Tensor(1.0, requires_grad=True)), TypeError, "Tensor.where"),
    (lambda: X.gather(1, np.array([[0.0]])), TypeError, "integer index"),
    (lambda: X.gather(1, Tensor([[0, 1]])), TypeError, "dtype=np.int64"),
    (lambda: X.gather(1, np.array([True])), TypeError, "integer index"),
    (lambda: X.gather(1, [0, 1]), ShapeError, "1 dimensions"),
    (lambda: X.gather(1, [[0], [1], [2]]), ShapeError, "on axis 0"),
    (lambda: X.gather(1, [[3]]), IndexError, "index 3 is out of range for axis 1 of length 3"),
    (lambda: X.gather(0, [[-1]]), IndexError, "negative ones are refused"),
    (lambda: X.gather(2, [[0]]), ShapeError, "out of range"),
    (lambda: Tensor(np.zeros(0)).argmax(), ValueError, "empty tensor"),
    (lambda: Tensor(np.zeros((0, 3))).argmin(axis=0), ValueError, "no element"),
    (lambda: X.argmax(axis=(0, 1)), TypeError, "one axis"),
    (lambda: X.argmax(axis=2), ShapeError, "out of range"),
    (lambda: X.argmax(1, dim=0), TypeError, "axis=1 and dim=0"),
    (lambda: nn.one_hot([0.5, 1.0]), TypeError, "integer class labels"),
    (lambda: nn.one_hot([-1, 1]), ValueError, ">= 0"),
    (lambda: nn.one_hot([0, 3], 3), ValueError, "smaller than num_classes=3"),
    (lambda: nn.one_hot(np.zeros(0, np.int64)), ValueError, "cannot infer"),
    (lambda: nn.one_hot([0], -2), ValueError, "num_classes"),
    (lambda: nn.one_hot([0], 2.0), ValueError, "num_classes"),
    (lambda: nn.one_hot(Tensor([0.0], requires_grad=True)), TypeError, "requires grad"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[f"{e[1].__name__}:{e[2]}" for e in ERRORS])
def test_bad_arguments_get_a_clear_error(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
