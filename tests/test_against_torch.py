"""tinygrad_lite against PyTorch, in float64: forward values and gradients of
every `Value` and `Tensor` operation, extreme inputs, a small MLP loss and
gradient accumulation across backward calls.

Each Tensor case reduces its output to a scalar with a random weighting
``(out * W).sum()`` so that every output element gets a distinct upstream
gradient, calls backward in both libraries and compares the output and the
gradient of every input.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)
F = torch.nn.functional

import nn  # noqa: E402
from tinygrad_lite import Tensor, Value  # noqa: E402

RTOL = 1e-10
ATOL = 1e-12
VALUE_RTOL = 1e-12
VALUE_ATOL = 1e-14


# -- helpers ---------------------------------------------------------------------
def assert_close(actual, expected, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def make_input(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    """Random float64 data: "any" (standard normal), "pos" (in [0.5, 2.5]),
    "distinct" (a shuffled set of distinct values, for max)."""
    if domain == "any":
        return rng.standard_normal(shape)
    if domain == "pos":
        return rng.uniform(0.5, 2.5, size=shape)
    if domain == "distinct":
        n = int(np.prod(shape, dtype=int))
        return (rng.permutation(n) - n / 2).reshape(shape) * 0.37 + 0.01
    raise ValueError(domain)


def compare_tensor_fn(tl_fn, torch_fn, arrays: list[np.ndarray], seed: int = 0) -> None:
    """Run `tl_fn` and `torch_fn` on the same float64 inputs (all requiring
    grad), compare outputs; reduce with a random weighting, backward, compare
    every input's gradient."""
    tl_inputs = [Tensor(a, requires_grad=True) for a in arrays]
    th_inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    tl_out = tl_fn(*tl_inputs)
    th_out = torch_fn(*th_inputs)
    assert isinstance(tl_out, Tensor)
    assert tl_out.dtype == np.float64
    assert_close(tl_out.data, th_out.detach().numpy(), "forward value")

    w = np.random.default_rng(seed + 1000).standard_normal(th_out.shape)
    (tl_out * Tensor(w)).sum().backward()
    (th_out * torch.tensor(w, dtype=torch.float64)).sum().backward()
    for i, (tl_x, th_x) in enumerate(zip(tl_inputs, th_inputs)):
        assert th_x.grad is not None, f"test bug: input {i} does not reach the output in torch"
        assert tl_x.grad is not None, f"input {i}: no gradient reached it"
        assert tl_x.grad.dtype == np.float64
        assert_close(tl_x.grad, th_x.grad.numpy(), f"gradient of input {i}")


def same(fn):
    """The same expression works in both libraries."""
    return fn, fn


# -- Value ----------------------------------------------------------------------
def _shared_1(a, b):
    c = a * b
    return (c * c + c.exp() + c).tanh()


def _shared_2(a, b):
    e = (a + b).exp()
    return (e / (e + 1)).log() * e


def _shared_3(a, b):
    s = a - b
    t = s * s * s + s / a - 2 * s
    return t * t + t.sigmoid()


def _shared_4(a, b):
    h = (a * 0.5 + b).relu()
    g = (a - b).relu()
    return h * g + h**2 + (g + 1) ** a


VALUE_CASES = [
    # (id, fn, inputs)
    ("add", lambda a, b: a + b, [1.5, -2.25]),
    ("add_number_right", lambda a: a + 1, [0.75]),
    ("add_number_left", lambda a: 2.5 + a, [0.75]),
    ("add_self", lambda a: a + a, [1.25]),
    ("sub", lambda a, b: a - b, [1.5, -2.25]),
    ("sub_number_right", lambda a: a - 1.5, [0.75]),
    ("sub_number_left", lambda a: 2 - a, [0.75]),
    ("sub_self", lambda a: a - a, [1.25]),
    ("mul", lambda a, b: a * b, [1.5, -2.25]),
    ("mul_number_right", lambda a: a * 3, [0.75]),
    ("mul_number_left", lambda a: -3.5 * a, [0.75]),
    ("mul_self", lambda a: a * a, [-1.25]),
    ("div", lambda a, b: a / b, [1.5, -2.25]),
    ("div_number_right", lambda a: a / 4, [0.75]),
    ("div_number_left", lambda a: 3 / a, [0.75]),
    ("div_number_left_negative", lambda a: 3 / a, [-1.75]),
    ("div_self", lambda a: a / a, [1.25]),
    ("pow_int", lambda a: a**3, [-1.5]),
    ("pow_negative_int", lambda a: a**-2, [1.5]),
    ("pow_fraction", lambda a: a**0.5, [2.25]),
    ("pow_float", lambda a: a**2.7, [1.3]),
    ("pow_zero", lambda a: a**0, [1.3]),
    ("pow_value_exponent", lambda a, b: a**b, [1.7, -0.6]),
    ("pow_value_exponent_same", lambda a: a**a, [1.7]),
    ("rpow_number_base", lambda a: 2**a, [1.3]),
    ("rpow_fraction_base", lambda a: 0.5**a, [-0.7]),
    ("neg", lambda a: -a, [0.75]),
    ("exp", lambda a: a.exp(), [0.75]),
    ("exp_negative", lambda a: a.exp(), [-3.5]),
    ("log", lambda a: a.log(), [0.75]),
    ("log_large", lambda a: a.log(), [123.0]),
    ("tanh", lambda a: a.tanh(), [0.75]),
    ("tanh_negative", lambda a: a.tanh(), [-2.5]),
    ("sigmoid", lambda a: a.sigmoid(), [0.75]),
    ("sigmoid_negative", lambda a: a.sigmoid(), [-2.5]),
    ("relu_positive", lambda a: a.relu(), [0.75]),
    ("relu_negative", lambda a: a.relu(), [-0.75]),
    ("relu_zero", lambda a: a.relu(), [0.0]),
    ("numbers_both_sides", lambda a, b: (2 - a) * (3 / b) + (a + 1) ** 2 - 4 * b / 5, [0.6, -1.4]),
    ("composite_design_card", lambda a, b: (a * b + b**2).sigmoid(), [2.0, -3.0]),
    ("composite_shared_product", _shared_1, [0.3, -0.8]),
    ("composite_shared_exp", _shared_2, [0.4, 0.9]),
    ("composite_shared_difference", _shared_3, [1.2, 0.3]),
    ("composite_shared_relu", _shared_4, [1.1, 0.4]),
]


@pytest.mark.parametrize(("fn", "inputs"), [pytest.param(f, x, id=i) for i, f, x in VALUE_CASES])
def test_value_op_matches_torch(fn, inputs):
    leaves = [Value(x) for x in inputs]
    th_leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = fn(*leaves)
    th_out = fn(*th_leaves)
    assert isinstance(out, Value)
    np.testing.assert_allclose(out.data, th_out.item(), rtol=VALUE_RTOL, atol=VALUE_ATOL)
    out.backward()
    th_out.backward()
    assert out.grad == 1.0
    for i, (v, t) in enumerate(zip(leaves, th_leaves)):
        assert t.grad is not None, "test bug: an input does not reach the output"
        assert isinstance(v.grad, float)
        np.testing.assert_allclose(
            v.grad, t.grad.item(), rtol=VALUE_RTOL, atol=VALUE_ATOL, err_msg=f"grad of input {i}"
        )


@pytest.mark.parametrize("x", [-1000.0, 0.0, 1000.0])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_value_extreme_inputs_match_torch(op, x):
    v = Value(x)
    out = getattr(v, op)()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    th_out = getattr(t, op)()
    out.backward()
    th_out.backward()
    assert np.isfinite(out.data) and np.isfinite(v.grad)
    np.testing.assert_allclose(out.data, th_out.item(), rtol=VALUE_RTOL, atol=VALUE_ATOL)
    np.testing.assert_allclose(v.grad, t.grad.item(), rtol=VALUE_RTOL, atol=VALUE_ATOL)


# -- Tensor ---------------------------------------------------------------------
def _torch_dims(axis, ndim: int):
    return tuple(range(ndim)) if axis is None else axis


def _reduction(tl_name: str, th_name: str, axis, keepdims: bool):
    def tl_fn(x):
        return getattr(x, tl_name)(axis=axis, keepdims=keepdims)

    def th_fn(x):
        return getattr(torch, th_name)(x, dim=_torch_dims(axis, x.ndim), keepdim=keepdims)

    return tl_fn, th_fn


ARR = np.array  # short for the index arrays below
MASK_2D = ARR([[True, False, True, False], [False, False, False, True], [True, True, False, False]])
MASK_ROWS = ARR([True, False, True])


def _case(case_id: str, fns, *specs):
    """One Tensor case: an id, (tl_fn, torch_fn) and one (shape, domain) per input."""
    specs = [s if s and isinstance(s[-1], str) else (s, "any") for s in specs]
    return pytest.param(fns[0], fns[1], specs, id=case_id)


def _composite_tl(a, b):
    p = a * b
    return (p.tanh() + p**2) @ b.T + a.exp().sum(axis=1, keepdims=True) * p.mean()


def _composite_th(a, b):
    p = a * b
    return (p.tanh() + p**2) @ b.T + a.exp().sum(dim=1, keepdim=True) * p.mean()


CE_LABELS = np.array([1, 0, 3, 3, 2])
CE_PROBABILITIES = np.random.default_rng(5).dirichlet(np.ones(4), size=5)


def _cross_entropy(target: np.ndarray):
    return (lambda x: nn.cross_entropy(x, target), lambda x: F.cross_entropy(x, torch.from_numpy(target)))


TENSOR_CASES = [
    # binary arithmetic, same shapes and broadcasting
    _case("add", same(lambda a, b: a + b), (3, 4), (3, 4)),
    _case("add_broadcast_row", same(lambda a, b: a + b), (3, 4), (4,)),
    _case("add_broadcast_both", same(lambda a, b: a + b), (3, 1), (1, 4)),
    _case("add_broadcast_3d", same(lambda a, b: a + b), (2, 1, 4), (3, 1)),
    _case("add_scalar_tensor", same(lambda a, b: a + b), (), (3, 4)),
    _case("add_number_right", same(lambda a: a + 1.5), (3, 4)),
    _case("add_number_left", same(lambda a: 1.5 + a), (3, 4)),
    _case("sub", same(lambda a, b: a - b), (3, 4), (3, 4)),
    _case("sub_broadcast", same(lambda a, b: a - b), (4,), (3, 4)),
    _case("sub_broadcast_3d", same(lambda a, b: a - b), (2, 3, 1), (1, 5)),
    _case("sub_number_right", same(lambda a: a - 2), (3, 4)),
    _case("sub_number_left", same(lambda a: 2 - a), (3, 4)),
    _case(
        "sub_array_left",
        (lambda a: np.arange(4.0) - a, lambda a: torch.arange(4.0, dtype=torch.float64) - a),
        (3, 4),
    ),
    _case("mul", same(lambda a, b: a * b), (3, 4), (3, 4)),
    _case("mul_broadcast", same(lambda a, b: a * b), (3, 1), (4,)),
    _case("mul_broadcast_3d", same(lambda a, b: a * b), (2, 3, 4), (3, 1)),
    _case("mul_number_right", same(lambda a: a * 3), (3, 4)),
    _case("mul_number_left", same(lambda a: -2.5 * a), (3, 4)),
    _case("mul_self", same(lambda a: a * a), (3, 4)),
    _case("div", same(lambda a, b: a / b), (3, 4), ((3, 4), "pos")),
    _case("div_broadcast_denominator", same(lambda a, b: a / b), (3, 4), ((3, 1), "pos")),
    _case("div_broadcast_numerator", same(lambda a, b: a / b), (4,), ((2, 3, 4), "pos")),
    _case("div_number_right", same(lambda a: a / 4), (3, 4)),
    _case("div_number_left", same(lambda a: 3 / a), ((3, 4), "pos")),
    _case("div_self", same(lambda a: a / a), ((3, 4), "pos")),
    _case("pow_tensor_exponent", same(lambda a, b: a**b), ((3, 4), "pos"), (3, 4)),
    _case("pow_tensor_exponent_broadcast", same(lambda a, b: a**b), ((3, 1), "pos"), (4,)),
    _case("pow_int", same(lambda a: a**3), (3, 4)),
    _case("pow_negative_int", same(lambda a: a**-1), ((3, 4), "pos")),
    _case("pow_fraction", same(lambda a: a**0.5), ((3, 4), "pos")),
    _case("pow_float", same(lambda a: a**2.7), ((3, 4), "pos")),
    _case("pow_zero", same(lambda a: a**0), (3, 4)),
    _case("rpow_number_base", same(lambda a: 2**a), (3, 4)),
    _case("rpow_fraction_base", same(lambda a: 0.3**a), (3, 4)),
    _case("neg", same(lambda a: -a), (3, 4)),
    # matmul
    _case("matmul_1d_1d", same(lambda a, b: a @ b), (4,), (4,)),
    _case("matmul_2d_1d", same(lambda a, b: a @ b), (3, 4), (4,)),
    _case("matmul_1d_2d", same(lambda a, b: a @ b), (4,), (4, 3)),
    _case("matmul_2d_2d", same(lambda a, b: a @ b), (3, 4), (4, 2)),
    _case("matmul_3d_2d", same(lambda a, b: a @ b), (2, 3, 4), (4, 5)),
    _case("matmul_2d_3d", same(lambda a, b: a @ b), (3, 4), (2, 4, 5)),
    _case("matmul_batch_broadcast", same(lambda a, b: a @ b), (2, 1, 3, 4), (5, 4, 2)),
    _case("matmul_3d_1d", same(lambda a, b: a @ b), (2, 3, 4), (4,)),
    _case("matmul_1d_3d", same(lambda a, b: a @ b), (4,), (2, 4, 3)),
    _case("matmul_self", same(lambda a: a @ a), (3, 3)),
    # reductions
    *[
        _case(f"{name}_axis{axis}_keepdims{kd}".replace(" ", ""), _reduction(name, th, axis, kd), shape)
        for name, th in [("sum", "sum"), ("mean", "mean")]
        for shape, axis in [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]
        for kd in (False, True)
    ],
    *[
        _case(
            f"max_axis{axis}_keepdims{kd}".replace(" ", ""),
            _reduction("max", "amax", axis, kd),
            (shape, "distinct"),
        )
        for shape, axis in [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]
        for kd in (False, True)
    ],
    # shape
    _case("reshape", same(lambda a: a.reshape(3, 4)), (2, 6)),
    _case("reshape_tuple_inferred", same(lambda a: a.reshape((4, -1))), (2, 3, 2)),
    _case("flatten", same(lambda a: a.flatten()), (2, 3, 2)),
    _case("transpose_2d", (lambda a: a.transpose(), lambda a: a.permute(1, 0)), (3, 4)),
    _case("transpose_reverse_3d", (lambda a: a.transpose(), lambda a: a.permute(2, 1, 0)), (2, 3, 4)),
    _case("transpose_axes_3d", (lambda a: a.transpose(2, 0, 1), lambda a: a.permute(2, 0, 1)), (2, 3, 4)),
    _case("T_2d", same(lambda a: a.T), (3, 4)),
    _case("T_2d_matches_permute", (lambda a: a.T, lambda a: a.permute(1, 0)), (4, 2)),
    # getitem
    _case("getitem_int", same(lambda a: a[1]), (3, 4)),
    _case("getitem_slice", same(lambda a: a[1:, ::2]), (3, 4)),
    _case("getitem_negative_and_ellipsis", same(lambda a: a[..., -1]), (2, 3, 4)),
    _case("getitem_int_and_slice", same(lambda a: a[0, 1:3]), (3, 4)),
    _case(
        "getitem_int_array_repeated",
        (lambda a: a[ARR([0, 2, 0, 0])], lambda a: a[torch.tensor([0, 2, 0, 0])]),
        (3, 4),
    ),
    _case(
        "getitem_int_list_repeated",
        (lambda a: a[[1, 1, 2]], lambda a: a[torch.tensor([1, 1, 2])]),
        (4,),
    ),
    _case(
        "getitem_int_array_pairs_repeated",
        (
            lambda a: a[ARR([0, 1, 0, 0]), ARR([2, 3, 2, 2])],
            lambda a: a[torch.tensor([0, 1, 0, 0]), torch.tensor([2, 3, 2, 2])],
        ),
        (3, 4),
    ),
    _case(
        "getitem_slice_and_int_array_repeated",
        (lambda a: a[:, ARR([1, 1, 3])], lambda a: a[:, torch.tensor([1, 1, 3])]),
        (3, 4),
    ),
    _case(
        "getitem_bool_mask",
        (lambda a: a[MASK_2D], lambda a: a[torch.from_numpy(MASK_2D)]),
        (3, 4),
    ),
    _case(
        "getitem_bool_mask_rows",
        (lambda a: a[MASK_ROWS], lambda a: a[torch.from_numpy(MASK_ROWS)]),
        (3, 4),
    ),
    # elementwise
    _case("exp", same(lambda a: a.exp()), (3, 4)),
    _case("log", same(lambda a: a.log()), ((3, 4), "pos")),
    _case("sqrt", same(lambda a: a.sqrt()), ((3, 4), "pos")),
    _case("abs", same(lambda a: a.abs()), (3, 4)),
    _case("tanh", same(lambda a: a.tanh()), (3, 4)),
    _case("sigmoid", same(lambda a: a.sigmoid()), (3, 4)),
    _case("relu", same(lambda a: a.relu()), (3, 4)),
    _case("clip", (lambda a: a.clip(-0.5, 0.7), lambda a: torch.clamp(a, -0.5, 0.7)), (3, 4)),
    _case("clip_lo_only", (lambda a: a.clip(-0.2, None), lambda a: torch.clamp(a, min=-0.2)), (3, 4)),
    _case("clip_hi_only", (lambda a: a.clip(None, 0.3), lambda a: torch.clamp(a, max=0.3)), (3, 4)),
    _case("softplus", (lambda a: a.softplus(), F.softplus), (3, 4)),
    _case("log_sigmoid", (lambda a: a.log_sigmoid(), F.logsigmoid), (3, 4)),
    # softmax family
    _case("softmax_last", (lambda a: a.softmax(), lambda a: torch.softmax(a, dim=-1)), (3, 4)),
    _case("softmax_axis-1", (lambda a: a.softmax(-1), lambda a: torch.softmax(a, dim=-1)), (3, 4)),
    _case("softmax_axis0", (lambda a: a.softmax(0), lambda a: torch.softmax(a, dim=0)), (3, 4)),
    _case("softmax_axis1_3d", (lambda a: a.softmax(1), lambda a: torch.softmax(a, dim=1)), (2, 3, 4)),
    _case("log_softmax_last", (lambda a: a.log_softmax(), lambda a: torch.log_softmax(a, dim=-1)), (3, 4)),
    _case(
        "log_softmax_axis-1", (lambda a: a.log_softmax(-1), lambda a: torch.log_softmax(a, dim=-1)), (3, 4)
    ),
    _case("log_softmax_axis0", (lambda a: a.log_softmax(0), lambda a: torch.log_softmax(a, dim=0)), (3, 4)),
    _case(
        "log_softmax_axis1_3d",
        (lambda a: a.log_softmax(1), lambda a: torch.log_softmax(a, dim=1)),
        (2, 3, 4),
    ),
    # the loss ops, one node each, reached through nn's losses
    _case("mse_loss", (nn.mse_loss, F.mse_loss), (3, 4), (3, 4)),
    _case("cross_entropy_labels", _cross_entropy(CE_LABELS), (5, 4)),
    _case("cross_entropy_probabilities", _cross_entropy(CE_PROBABILITIES), (5, 4)),
    # a few compositions with shared subexpressions
    _case("composite_shared", (_composite_tl, _composite_th), (3, 4), (1, 4)),
]


@pytest.mark.parametrize(("tl_fn", "th_fn", "specs"), TENSOR_CASES)
def test_tensor_op_matches_torch(request, tl_fn, th_fn, specs):
    seed = sum(map(ord, request.node.callspec.id))
    rng = np.random.default_rng(seed)
    arrays = [make_input(rng, shape, domain) for shape, domain in specs]
    compare_tensor_fn(tl_fn, th_fn, arrays, seed)


# -- values exactly at kinks and bounds -------------------------------------------
def test_clip_at_bounds_passes_gradient_like_torch_clamp():
    x = np.array([-2.0, -0.5, -0.25, 0.0, 0.5, 0.75, 3.0])
    compare_tensor_fn(lambda a: a.clip(-0.5, 0.5), lambda a: torch.clamp(a, -0.5, 0.5), [x])
    # and the gradient really is 1 at the bounds, 0 outside
    t = Tensor(x, requires_grad=True)
    t.clip(-0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(t.grad, [0, 1, 1, 1, 1, 0, 0])


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_kink_at_zero_matches_torch(op):
    x = np.array([-1.5, 0.0, 2.0, -0.0])
    compare_tensor_fn(lambda a: getattr(a, op)(), lambda a: getattr(a, op)(), [x])


@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (None, True), (0, False), (1, True), ((0, 1), False)]
)
def test_max_ties_split_gradient_evenly_like_torch_amax(axis, keepdims):
    """tinygrad_lite documents that tied maxima share the gradient evenly,
    which is what torch.amax does (torch.max with dim picks one index)."""
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [3.0, 0.5, 0.5, 3.0]])
    compare_tensor_fn(*_reduction("max", "amax", axis, keepdims), [x])


def test_max_ties_even_split_explicit():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)


# -- extreme inputs ---------------------------------------------------------------
EXTREME_1D = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
EXTREME_2D = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0], [0.0, 0.0, 0.0]])

EXTREME_CASES = [
    pytest.param(same(lambda a: a.sigmoid()), EXTREME_1D, id="sigmoid"),
    pytest.param(same(lambda a: a.tanh()), EXTREME_1D, id="tanh"),
    pytest.param((lambda a: a.softplus(), F.softplus), EXTREME_1D, id="softplus"),
    pytest.param((lambda a: a.log_sigmoid(), F.logsigmoid), EXTREME_1D, id="log_sigmoid"),
    pytest.param((lambda a: a.softmax(-1), lambda a: torch.softmax(a, -1)), EXTREME_2D, id="softmax_axis-1"),
    pytest.param((lambda a: a.softmax(0), lambda a: torch.softmax(a, 0)), EXTREME_2D, id="softmax_axis0"),
    pytest.param(
        (lambda a: a.log_softmax(-1), lambda a: torch.log_softmax(a, -1)), EXTREME_2D, id="log_softmax_axis-1"
    ),
    pytest.param(
        (lambda a: a.log_softmax(0), lambda a: torch.log_softmax(a, 0)), EXTREME_2D, id="log_softmax_axis0"
    ),
    pytest.param(_cross_entropy(np.array([0, 2, 1])), EXTREME_2D, id="cross_entropy"),
]


@pytest.mark.parametrize(("fns", "x"), EXTREME_CASES)
def test_extreme_inputs_match_torch_and_stay_finite(fns, x):
    tl_fn, th_fn = fns
    t = Tensor(x, requires_grad=True)
    out = tl_fn(t)
    w = np.random.default_rng(7).standard_normal(out.shape)
    (out * Tensor(w)).sum().backward()
    assert np.all(np.isfinite(out.data)), out.data
    assert np.all(np.isfinite(t.grad)), t.grad
    compare_tensor_fn(tl_fn, th_fn, [x], seed=3)


# -- a small MLP ------------------------------------------------------------------
def test_mlp_cross_entropy_loss_and_grads_match_torch():
    rng = np.random.default_rng(42)
    n, nin, nhidden, nclass = 6, 3, 5, 4
    arrays = {
        "x": rng.standard_normal((n, nin)),
        "W1": rng.standard_normal((nin, nhidden)) * 0.8,
        "b1": rng.standard_normal(nhidden) * 0.1,
        "W2": rng.standard_normal((nhidden, nclass)) * 0.8,
        "b2": rng.standard_normal(nclass) * 0.1,
    }
    labels = np.array([0, 3, 1, 1, 2, 3])

    tl = {k: Tensor(v, requires_grad=True) for k, v in arrays.items()}
    th = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in arrays.items()}

    logits = (tl["x"] @ tl["W1"] + tl["b1"]).tanh() @ tl["W2"] + tl["b2"]
    loss = -logits.log_softmax(-1)[np.arange(n), labels].mean()
    th_logits = (th["x"] @ th["W1"] + th["b1"]).tanh() @ th["W2"] + th["b2"]
    th_loss = -torch.log_softmax(th_logits, -1)[torch.arange(n), torch.from_numpy(labels)].mean()
    # the same loss as torch's own cross entropy
    assert_close(th_loss.detach().numpy(), F.cross_entropy(th_logits, torch.from_numpy(labels)).detach(), "")

    assert loss.shape == ()
    assert_close(loss.data, th_loss.detach().numpy(), "loss")
    loss.backward()
    th_loss.backward()
    for k in arrays:
        assert tl[k].grad is not None, k
        assert_close(tl[k].grad, th[k].grad.numpy(), f"grad of {k}")


# -- gradient accumulation -----------------------------------------------------
def test_value_grads_accumulate_over_two_backward_calls_like_torch():
    def f(a, b):
        c = a * b
        return (c + b**2).sigmoid() + c.tanh() * a

    a, b = Value(0.7), Value(-1.3)
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    out, th_out = f(a, b), f(ta, tb)
    out.backward()
    once = (a.grad, b.grad)
    out.backward()
    th_out.backward(retain_graph=True)
    th_out.backward()
    for v, t, g1 in zip((a, b), (ta, tb), once):
        np.testing.assert_allclose(v.grad, t.grad.item(), rtol=VALUE_RTOL, atol=VALUE_ATOL)
        np.testing.assert_allclose(v.grad, 2 * g1, rtol=VALUE_RTOL, atol=VALUE_ATOL)
    assert out.grad == 1.0  # the root is re-seeded, not compounded


def test_tensor_grads_accumulate_over_two_backward_calls_like_torch():
    rng = np.random.default_rng(5)
    xs, ws = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))

    def f(x, w):
        h = (x @ w).tanh()
        return (h * h + h).sum() + (x**2).mean()

    x, w = Tensor(xs, requires_grad=True), Tensor(ws, requires_grad=True)
    tx = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(ws, dtype=torch.float64, requires_grad=True)
    out, th_out = f(x, w), f(tx, tw)
    out.backward()
    once = (x.grad.copy(), w.grad.copy())
    out.backward()
    th_out.backward(retain_graph=True)
    th_out.backward()
    for name, v, t, g1 in zip("xw", (x, w), (tx, tw), once):
        assert_close(v.grad, t.grad.numpy(), f"accumulated grad of {name}")
        assert_close(v.grad, 2 * g1, f"grad of {name} doubled")


# -- PyTorch habits: dtypes, min, transpose, indexing, in place --------------------
_TORCH_DTYPES = {
    np.dtype(np.float64): torch.float64,
    np.dtype(np.float32): torch.float32,
    np.dtype(np.int64): torch.int64,
    np.dtype(np.int32): torch.int32,
    np.dtype(np.uint8): torch.uint8,
    np.dtype(np.bool_): torch.bool,
}
_HABIT_DATA = {
    "float64": np.array([0.5, 1.0, 2.0, 3.0]),
    "float32": np.array([0.5, 1.0, 2.0, 3.0], np.float32),
    "int64": np.array([1, 2, 3, 4], np.int64),
    "int32": np.array([1, 2, 3, 4], np.int32),
    "uint8": np.array([0, 1, 128, 255], np.uint8),
    "bool": np.array([True, False, True, True]),
}
_NUMBER_OPS = {
    "t+n": lambda t, n: t + n,
    "n+t": lambda t, n: n + t,
    "t*n": lambda t, n: t * n,
    "n*t": lambda t, n: n * t,
    "t/n": lambda t, n: t / n,
    "n-t": lambda t, n: n - t,
    "t**n": lambda t, n: t**n,
    "n**t": lambda t, n: n**t,
}


def _habit_cases():
    for kind in _HABIT_DATA:
        for number in (2, 2.5, 0.5, True):
            for name, op in _NUMBER_OPS.items():
                if name == "n-t" and (number is True or kind == "bool"):
                    continue  # PyTorch refuses subtraction with bools
                if "**" in name and kind == "bool" and number is True:
                    continue  # PyTorch has no bool ** bool
                if kind == "uint8" and name == "n-t":
                    continue  # unsigned wrap-around: the same in both, but not a habit to test
                yield pytest.param(kind, number, op, id=f"{kind}-{name}-{number!r}")


@pytest.mark.parametrize(("kind", "number", "op"), _habit_cases())
def test_a_python_number_meets_a_tensor_with_pytorchs_dtype_and_values(kind, number, op):
    """A number keeps the tensor's dtype when that dtype can hold it; a float
    meeting an integer or bool tensor gives a float tensor (PyTorch's rule with
    float64 as the default float, which is ours)."""
    data = _HABIT_DATA[kind]
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        expected = op(torch.from_numpy(data.copy()), number)
    finally:
        torch.set_default_dtype(old)
    got = op(Tensor(data, dtype=data.dtype), number)
    assert _TORCH_DTYPES[got.dtype] == expected.dtype, f"{got.dtype} vs torch's {expected.dtype}"
    np.testing.assert_allclose(
        got.data.astype(float), expected.double().numpy(), rtol=1e-6 if kind == "float32" else 1e-15
    )


_CONSTANT_OPS = {
    "x*c": lambda x, c: x * c,
    "c*x+x": lambda x, c: c * x + x,
    "x/(c*0.5+1)": lambda x, c: x / (c * 0.5 + 1),
    "x**c": lambda x, c: x**c,
    "x**(c*0.5)": lambda x, c: (x.abs() + 1) ** (c * 0.5),
    "1.5**c*x": lambda x, c: 1.5 ** (c + 0) * x,
}


@pytest.mark.parametrize(
    ("kind", "op"),
    [
        pytest.param(kind, op, id=f"{name}-{kind}")
        for kind in ("int32", "int64", "uint8", "bool")
        for name, op in _CONSTANT_OPS.items()
        # PyTorch's x ** bool_tensor fails in its own backward (it subtracts 1 from a bool)
        if not (kind == "bool" and name == "x**c")
    ],
)
def test_gradients_through_integer_and_bool_constants_match_torch(kind, op):
    """A float tensor meeting an integer or bool tensor: values and the float's gradient."""
    c = _HABIT_DATA[kind]
    x = np.array([-1.5, 0.5, 2.0, 1.25])
    t = Tensor(x, requires_grad=True)
    out = op(t, Tensor(c, dtype=c.dtype))
    assert out.dtype == np.float64
    out.sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # ours: 1.5 ** uint8 is float64, as the default float
    try:
        expected = op(tx, torch.from_numpy(c.copy()))
    finally:
        torch.set_default_dtype(old)
    expected.sum().backward()
    assert_close(out.data, expected.detach().numpy(), "value")
    assert_close(t.grad, tx.grad.numpy(), "grad")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(np.array([0, 1, 2, 3, 4, 5], np.uint8), id="uint8-from-0"),
        pytest.param(np.array([0, 128, 255, 64, 32, 16], np.uint8), id="uint8-wide"),
        pytest.param(np.array([0, -(2**31), 2**31 - 1], np.int32), id="int32-ends"),
        pytest.param(np.array([[3, -7], [2**62, 5]], np.int64), id="int64-2d"),
        pytest.param(np.array([True, False, True]), id="bool"),
        pytest.param(np.array([[True, True], [False, True]]), id="bool-2d"),
    ],
)
def test_integer_and_bool_min_and_max_are_exact_like_torch(data):
    t, th = Tensor(data, dtype=data.dtype), torch.from_numpy(data.copy())
    for name in ("min", "max"):
        got = getattr(t, name)()
        assert got.dtype == data.dtype
        assert got.item() == getattr(th, name)().item(), name
        if data.ndim == 2:
            np.testing.assert_array_equal(getattr(t, name)(axis=0).data, getattr(th, f"a{name}")(0).numpy())


@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (0, False), (1, True)])
def test_min_ties_split_gradient_evenly_like_torch_amin(axis, keepdims):
    x = np.array([[1.0, -3.0, -3.0, 0.0], [2.0, 2.0, 5.0, 2.0], [-3.0, 0.5, 0.5, -3.0]])
    compare_tensor_fn(*_reduction("min", "amin", axis, keepdims), [x])


@pytest.mark.parametrize(
    ("shape", "ours", "theirs"),
    [
        pytest.param((3, 4), lambda a: a.transpose(0, 1), lambda a: a.transpose(0, 1), id="matrix-0-1"),
        pytest.param((3, 4), lambda a: a.transpose(1, 0), lambda a: a.transpose(1, 0), id="matrix-1-0"),
        pytest.param((3, 4), lambda a: a.transpose(-1, -2), lambda a: a.transpose(-1, -2), id="matrix-neg"),
        pytest.param((2, 3, 4), lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), id="3d-swap-0-2"),
        pytest.param((2, 3, 4), lambda a: a.transpose(1, 2), lambda a: a.transpose(1, 2), id="3d-swap-1-2"),
        pytest.param((2, 3, 4), lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), id="permute"),
        pytest.param(
            (2, 3, 4), lambda a: a.permute((1, 2, 0)), lambda a: a.permute(1, 2, 0), id="permute-tuple"
        ),
        pytest.param((2, 3, 4, 5), lambda a: a.transpose(3, 1), lambda a: a.transpose(3, 1), id="4d-swap"),
    ],
)
def test_transpose_swaps_two_axes_and_permute_permutes_like_torch(shape, ours, theirs):
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    compare_tensor_fn(ours, theirs, [x])


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(((0, 0),), id="tuple-in-tuple"),
        pytest.param(((0, 0, 2), (1, 1, 1)), id="two-tuples"),
        pytest.param(([1, 1], slice(None)), id="list-and-slice"),
        pytest.param((np.array([2, 0, 2]),), id="array-in-tuple"),
    ],
)
def test_repeated_indices_accumulate_gradient_like_torch(index):
    x = np.arange(12.0).reshape(3, 4) / 7

    def th_index(a):
        parts = tuple(torch.tensor(p) if isinstance(p, (tuple, list, np.ndarray)) else p for p in index)
        return a[parts]

    compare_tensor_fn(lambda a: a[index], th_index, [x])


def test_a_bool_list_masks_like_torch():
    x = np.array([1.0, -2.0, 3.0])
    mask = [True, False, True]
    assert Tensor(mask).dtype == np.bool_
    compare_tensor_fn(lambda a: a[Tensor(mask)], lambda a: a[torch.tensor(mask)], [x])


def test_cross_entropy_gives_probability_targets_their_gradient_like_torch():
    rng = np.random.default_rng(11)
    logits = rng.standard_normal((4, 3)) * 2
    probs = rng.dirichlet(np.ones(3), size=4)
    compare_tensor_fn(
        lambda x, t: nn.cross_entropy(x, t), lambda x, t: F.cross_entropy(x, t), [logits, probs]
    )


def test_in_place_update_under_no_grad_matches_torch_and_keeps_the_object():
    from tinygrad_lite import no_grad

    rng = np.random.default_rng(2)
    w0, x0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    w, tw = Tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    params, th_params = [w], [tw]
    for _ in range(3):
        ((Tensor(x0) @ w).tanh() ** 2).sum().backward()
        ((torch.from_numpy(x0) @ tw).tanh() ** 2).sum().backward()
        with no_grad():
            for p in params:
                p -= 0.1 * p.grad
                p *= 0.99
                p.grad = None
        with torch.no_grad():
            for p in th_params:
                p -= 0.1 * p.grad
                p *= 0.99
                p.grad = None
    assert params[0] is w
    assert_close(w.data, tw.detach().numpy(), "parameter after three hand-written updates")
