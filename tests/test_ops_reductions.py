"""The reductions of issue 17 (`var std prod logsumexp cumsum any all`) and
PyTorch's ``dim=``/``keepdim=`` spellings of every reduction: values and
gradients against PyTorch in float64 and against central finite differences,
negative and tuple axes, 0-d and zero-size inputs, float32 kept, zeros in
`prod`, extreme values in `logsumexp`, NumPy's functions (``np.var(t)``),
and the errors for bad arguments.

Every test runs with warnings as errors. The PyTorch tests skip when torch is
not installed; everything else runs without it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_lite.tensor as tensor_module
from tinygrad_lite import ShapeError, Tensor, backward_steps, gradcheck

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)
pytestmark = pytest.mark.filterwarnings("error")

RTOL, ATOL = 1e-10, 1e-12
INF = np.inf


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def torch_compare(tl_fn, torch_fn, x: np.ndarray, rtol: float = RTOL) -> Tensor:
    """`tl_fn` and `torch_fn` on the same float64 input: the outputs, then the
    input's gradient for a random upstream gradient (passed to backward as is,
    so infinite outputs do not turn the loss into nan). nan matches nan.
    PyTorch's own warnings (var with n <= correction) are its business; ours
    would fail the test."""
    t = Tensor(x, requires_grad=True)
    th = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = tl_fn(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        th_out = torch_fn(th)
    expected = th_out.detach().numpy()
    assert out.shape == expected.shape and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=ATOL)
    g = normal(*out.shape, seed=99)
    out.backward(g)
    th_out.backward(torch.tensor(g))
    assert t.grad.shape == x.shape and t.grad.dtype == np.float64
    np.testing.assert_allclose(t.grad, th.grad.numpy(), rtol=rtol, atol=ATOL)
    return out


def torch_prod(t, axis: tuple[int, ...]):
    """torch.prod over several axes (it takes one): the axes moved last and flattened."""
    ends = tuple(range(t.ndim - len(axis), t.ndim))
    return t.movedim(axis, ends).flatten(ends[0]).prod(-1)


# (id, ours, PyTorch's): on a (3, 4, 5) input
CASES = [
    ("var", lambda t: t.var(), lambda t: t.var()),
    ("var-axis0", lambda t: t.var(0), lambda t: t.var(0)),
    ("var-axis-1-keepdims", lambda t: t.var(-1, keepdims=True), lambda t: t.var(-1, keepdim=True)),
    ("var-axes(0,-1)", lambda t: t.var((0, -1)), lambda t: t.var((0, -1))),
    ("var-correction0", lambda t: t.var(1, correction=0), lambda t: t.var(1, correction=0)),
    ("var-correction2", lambda t: t.var(1, correction=2), lambda t: t.var(1, correction=2)),
    ("var-correction1.5", lambda t: t.var(2, correction=1.5), lambda t: t.var(2, correction=1.5)),
    ("std", lambda t: t.std(), lambda t: t.std()),
    ("std-axis1", lambda t: t.std(1), lambda t: t.std(1)),
    ("std-axis-2-keepdims", lambda t: t.std(-2, keepdims=True), lambda t: t.std(-2, keepdim=True)),
    (
        "std-axes(1,2)-correction0",
        lambda t: t.std((1, 2), correction=0),
        lambda t: t.std((1, 2), correction=0),
    ),
    ("prod", lambda t: t.prod(), lambda t: t.prod()),
    ("prod-axis1", lambda t: t.prod(1), lambda t: t.prod(1)),
    ("prod-axis-1-keepdims", lambda t: t.prod(-1, keepdims=True), lambda t: t.prod(-1, keepdim=True)),
    ("prod-axes(0,2)", lambda t: t.prod((0, 2)), lambda t: torch_prod(t, (0, 2))),
    ("logsumexp-axis0", lambda t: t.logsumexp(0), lambda t: t.logsumexp(0)),
    ("logsumexp-axis-1-keepdims", lambda t: t.logsumexp(-1, True), lambda t: t.logsumexp(-1, True)),
    ("logsumexp-axes(0,1)", lambda t: t.logsumexp((0, 1)), lambda t: t.logsumexp((0, 1))),
    ("logsumexp-all", lambda t: t.logsumexp((0, 1, 2)), lambda t: t.logsumexp((0, 1, 2))),
    ("cumsum-axis0", lambda t: t.cumsum(0), lambda t: t.cumsum(0)),
    ("cumsum-axis1", lambda t: t.cumsum(1), lambda t: t.cumsum(1)),
    ("cumsum-axis-1", lambda t: t.cumsum(-1), lambda t: t.cumsum(-1)),
]
IDS = [c[0] for c in CASES]


# -- values and gradients ------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("ours, theirs", [c[1:] for c in CASES], ids=IDS)
def test_matches_pytorch_values_and_gradients(ours, theirs):
    torch_compare(ours, theirs, normal(3, 4, 5))


@pytest.mark.parametrize("ours", [c[1] for c in CASES], ids=IDS)
def test_gradient_matches_finite_differences(ours):
    x = Tensor(np.random.default_rng(1).uniform(0.5, 1.5, (2, 3, 4)), requires_grad=True)
    weights = None

    def loss(x: Tensor) -> Tensor:
        nonlocal weights
        out = ours(x)
        weights = normal(*out.shape, seed=5) if weights is None else weights
        return (out * weights).sum()

    assert gradcheck(loss, x)


@pytest.mark.parametrize("ours", [c[1] for c in CASES], ids=IDS)
def test_float32_stays_float32(ours):
    x = Tensor(normal(3, 4, 5).astype(np.float32), requires_grad=True)
    out = ours(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, ours(Tensor(x.data.astype(np.float64))).data, rtol=2e-5, atol=1e-5)


# -- 0-d and zero-size inputs ----------------------------------------------------------------
ZERO_D = [
    ("var-correction0", lambda t: t.var(correction=0), lambda t: t.var(correction=0)),
    ("var", lambda t: t.var(), lambda t: t.var()),  # n = 1: 0/0 is nan, as PyTorch
    ("std", lambda t: t.std(), lambda t: t.std()),
    ("prod", lambda t: t.prod(), lambda t: t.prod()),
    ("logsumexp-axis0", lambda t: t.logsumexp(0), lambda t: t.logsumexp(0)),
    ("logsumexp-axis-1", lambda t: t.logsumexp(dim=-1), lambda t: t.logsumexp(-1)),
    ("cumsum-axis0", lambda t: t.cumsum(0), lambda t: t.cumsum(0)),
    ("cumsum-axis-1", lambda t: t.cumsum(-1), lambda t: t.cumsum(-1)),
]


@needs_torch
@pytest.mark.parametrize("ours, theirs", [c[1:] for c in ZERO_D], ids=[c[0] for c in ZERO_D])
@pytest.mark.parametrize("value", [1.7, 0.0])
def test_a_0d_tensor_as_pytorch(ours, theirs, value):
    out = torch_compare(ours, theirs, np.array(value))
    assert out.shape == ()


ZERO_SIZE = [
    ("var-axis0", lambda t: t.var(0), lambda t: t.var(0)),  # nothing to average: nan
    ("var-axis1", lambda t: t.var(1), lambda t: t.var(1)),  # no rows: an empty result
    ("std-all", lambda t: t.std(), lambda t: t.std()),
    ("prod-axis0", lambda t: t.prod(0), lambda t: t.prod(0)),  # the empty product: 1
    ("prod-all", lambda t: t.prod(), lambda t: t.prod()),
    ("logsumexp-axis0", lambda t: t.logsumexp(0), lambda t: t.logsumexp(0)),  # log(0) = -inf
    ("logsumexp-axis1", lambda t: t.logsumexp(1, keepdims=True), lambda t: t.logsumexp(1, keepdim=True)),
    ("cumsum-axis0", lambda t: t.cumsum(0), lambda t: t.cumsum(0)),
    ("cumsum-axis1", lambda t: t.cumsum(1), lambda t: t.cumsum(1)),
]


@needs_torch
@pytest.mark.parametrize("ours, theirs", [c[1:] for c in ZERO_SIZE], ids=[c[0] for c in ZERO_SIZE])
def test_a_zero_size_tensor_as_pytorch(ours, theirs):
    torch_compare(ours, theirs, np.zeros((0, 3)))


def test_any_and_all_of_zero_size_and_0d_tensors():
    empty = Tensor(np.zeros((0, 3)))
    assert not empty.any().item() and empty.all().item()  # as torch: any of nothing is False, all True
    assert empty.any(axis=0).data.tolist() == [False] * 3 and empty.all(dim=0).data.tolist() == [True] * 3
    assert empty.any(axis=1).shape == (0,)
    assert Tensor(2.0).any().item() and not Tensor(0.0).all().item()


# -- prod with zeros -------------------------------------------------------------------------
ZEROS = {
    "one zero": [[2.0, 0.0, 3.0, -1.5], [1.0, 2.0, 3.0, 4.0], [0.5, -2.0, 1.0, 3.0]],
    "several zeros": [[0.0, 2.0, 0.0, 3.0], [1.0, 0.0, 0.0, 0.0], [0.5, -2.0, 1.0, 3.0]],
    "a zero per row": [[0.0, 2.0, 5.0, 3.0], [1.0, 0.0, 2.0, 7.0], [0.5, -2.0, 1.0, 0.0]],
    "all zeros": [[0.0] * 4] * 3,
}


@needs_torch
@pytest.mark.parametrize("data", ZEROS.values(), ids=ZEROS.keys())
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_prod_gradient_with_zeros_as_pytorch(data, axis):
    x = np.array(data)
    if axis is None:
        torch_compare(lambda t: t.prod(), lambda t: t.prod(), x)
    else:
        torch_compare(lambda t: t.prod(axis), lambda t: t.prod(axis), x)


@needs_torch
@pytest.mark.parametrize("data", ZEROS.values(), ids=ZEROS.keys())
def test_prod_over_two_axes_with_zeros_as_pytorch(data):
    x = np.array(data).reshape(3, 2, 2)
    torch_compare(lambda t: t.prod((0, 2)), lambda t: torch_prod(t, (0, 2)), x)


@needs_torch
@settings(max_examples=60, deadline=None, database=None)
@given(
    arrays(
        np.float64, st.tuples(*[st.integers(1, 4)] * 3), elements=st.sampled_from([0.0, 0.5, -1.0, 2.0, 3.0])
    ),
    st.sampled_from([None, 0, 1, -1, (0, 2), (1, 2)]),
)
def test_prod_with_random_zeros_matches_pytorch(x, axis):
    if axis is None:
        torch_compare(lambda t: t.prod(), lambda t: t.prod(), x)
    elif isinstance(axis, tuple):
        torch_compare(lambda t: t.prod(axis), lambda t: torch_prod(t, axis), x)
    else:
        torch_compare(lambda t: t.prod(axis), lambda t: t.prod(axis), x)


def test_prod_gradient_with_one_zero_is_the_product_of_the_rest():
    x = Tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 24.0, 0.0, 0.0]


# -- logsumexp at the extremes -----------------------------------------------------------------
EXTREMES = {
    "1e308": [[1e308, 1e308, 1e308], [1e308, -1e308, 0.0]],
    "-1e308": [[-1e308, -1e308, -1e308], [-1e308, 1.0, 2.0]],
    "-inf rows": [[-INF, -INF, -INF], [-INF, 0.0, 1.0]],
    "+inf": [[INF, 0.0, 1.0], [INF, INF, -INF]],
    "nan": [[np.nan, 0.0, 1.0], [0.0, 1.0, 2.0]],
    "1000": [[1000.0, -1000.0, 999.0], [-1000.0, -1001.0, -999.0]],
}


@needs_torch
@pytest.mark.parametrize("data", EXTREMES.values(), ids=EXTREMES.keys())
@pytest.mark.parametrize("axis", [0, 1, (0, 1)])
def test_logsumexp_at_the_extremes_as_pytorch(data, axis):
    torch_compare(lambda t: t.logsumexp(axis), lambda t: t.logsumexp(axis), np.array(data))


def test_logsumexp_does_not_overflow():
    out = Tensor([1e308, 1e308]).logsumexp(0)
    assert out.item() == 1e308  # log(2) is lost in 1e308's last bit, but nothing overflows
    assert Tensor([[-INF, -INF]]).logsumexp(1).item() == -INF


# -- var and std with few elements -------------------------------------------------------------
SMALL = [
    ("var-one-element", lambda t: t.var(1), lambda t: t.var(1), [[2.0], [3.0]]),  # 0/0: nan
    ("std-one-element", lambda t: t.std(1), lambda t: t.std(1), [[2.0], [3.0]]),
    ("std-constant", lambda t: t.std(1), lambda t: t.std(1), [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]),  # grad 0
    ("var-constant", lambda t: t.var(0), lambda t: t.var(0), [[5.0, 1.0], [5.0, 2.0]]),
    (
        "var-negative-correction",
        lambda t: t.var(1, correction=-1),
        lambda t: t.var(1, correction=-1),
        [[1.0, 3.0]],
    ),
]


@needs_torch
@pytest.mark.parametrize("ours, theirs, data", [c[1:] for c in SMALL], ids=[c[0] for c in SMALL])
def test_var_and_std_of_few_elements_as_pytorch(ours, theirs, data):
    torch_compare(ours, theirs, np.array(data))


def test_var_with_correction_at_least_n_divides_by_zero_quietly():
    assert Tensor([1.0, 3.0]).var(correction=2).item() == INF  # 2 / 0, as PyTorch
    assert np.isnan(Tensor([1.0, 1.0]).var(correction=3).item())  # 0 / 0


# -- dtypes ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_prod_and_cumsum_of_integers_and_bools_give_int64_as_pytorch(dtype):
    x = np.array([[1, 0, 1], [1, 1, 1]] if dtype is np.bool_ else [[1, -2, 3], [4, 5, -6]]).astype(dtype)
    t = Tensor(x, dtype=dtype)
    for ours, theirs in [
        (t.prod(1), torch.tensor(x).prod(1)),
        (t.cumsum(1), torch.tensor(x).cumsum(1)),
        (t.prod(), torch.tensor(x).prod()),
    ]:
        assert ours.dtype == np.int64 and theirs.dtype == torch.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_var_std_and_logsumexp_of_integers_give_float64_as_numpy():
    x = np.array([[1, 2, 4], [3, 5, 9]])
    assert Tensor(x, dtype=np.int64).var(1).dtype == np.float64
    np.testing.assert_allclose(Tensor(x, dtype=np.int64).var(1).data, np.var(x, axis=1, ddof=1))
    np.testing.assert_allclose(Tensor(x, dtype=np.int64).std().data, np.std(x, ddof=1))
    np.testing.assert_allclose(
        Tensor(x, dtype=np.int64).logsumexp(0).data, np.log(np.exp(x.astype(float)).sum(0)), rtol=1e-12
    )


# -- any and all -------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize(
    "data", [[[0.0, 1.5, 0.0], [0.0, 0.0, 0.0]], [[True, False], [True, True]], [[2, 0], [1, 3]]]
)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True), ((0, 1), False)])
def test_any_and_all_as_pytorch(name, data, axis, keepdims):
    x = np.array(data)
    ours = getattr(Tensor(x, dtype=x.dtype), name)(axis, keepdims)
    t = torch.tensor(x)
    theirs = getattr(t, name)() if axis is None else getattr(t, name)(dim=axis, keepdim=keepdims)
    assert ours.dtype == np.bool_ and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_any_and_all_are_outside_the_graph_like_comparisons():
    x = Tensor([[0.5, -1.0], [0.0, 2.0]], requires_grad=True)
    for out in (x.any(), x.all(0), (x > 0).any(dim=1, keepdim=True)):
        assert out.requires_grad is False and out.op == "" and out.dtype == np.bool_
    assert x.all(0).data.tolist() == [False, True]


# -- the spellings: dim= and keepdim= ------------------------------------------------------------
SPELLED = ["sum", "mean", "max", "min", "var", "std", "prod", "logsumexp", "any", "all"]


@pytest.mark.parametrize("name", SPELLED)
@pytest.mark.parametrize("axis", [0, -1, (0, 2)])
@pytest.mark.parametrize("keep", [False, True])
def test_every_reduction_takes_dim_and_keepdim_as_pytorch(name, axis, keep):
    x = Tensor(normal(2, 3, 4))
    numpy_spelling = getattr(x, name)(axis=axis, keepdims=keep)
    for torch_spelling in (
        getattr(x, name)(dim=axis, keepdim=keep),
        getattr(x, name)(axis, keepdim=keep),
        getattr(x, name)(dim=axis, keepdims=keep),
    ):
        assert torch_spelling.shape == numpy_spelling.shape
        np.testing.assert_array_equal(torch_spelling.data, numpy_spelling.data)


@pytest.mark.parametrize("name", ["cumsum", "softmax", "log_softmax"])
def test_the_one_axis_ops_take_dim(name):
    x = Tensor(normal(2, 3, 4))
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(getattr(x, name)(dim=axis).data, getattr(x, name)(axis=axis).data)
        np.testing.assert_array_equal(getattr(x, name)(dim=axis).data, getattr(x, name)(axis).data)


@pytest.mark.parametrize("name", [*SPELLED, "cumsum"])
def test_axis_and_dim_together_are_refused_naming_both(name):
    with pytest.raises(TypeError, match=rf"{name}\(\) got both axis=1 and dim=0"):
        getattr(Tensor(normal(2, 3)), name)(axis=1, dim=0)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_axis_and_dim_together_are_refused_naming_both(name):
    with pytest.raises(TypeError, match=rf"{name}\(\) got both axis=0 and dim=1"):
        getattr(Tensor(normal(2, 3)), name)(axis=0, dim=1)


@pytest.mark.parametrize("name", SPELLED)
def test_keepdims_and_keepdim_together_are_refused_naming_both(name):
    with pytest.raises(TypeError, match=rf"{name}\(\) got both keepdims=True and keepdim=True"):
        getattr(Tensor(normal(2, 3)), name)(0, keepdims=True, keepdim=True)


def test_the_common_call_never_looks_at_the_new_keywords(monkeypatch):
    """`t.sum()` and `t.mean(axis=0)` are hot paths (benchmarks W0-W3): only a
    given dim=, keepdim= or NumPy keyword reaches `_axis_keywords`."""

    def refuse(*args, **kwargs):
        raise AssertionError("_axis_keywords was called")

    monkeypatch.setattr(tensor_module, "_axis_keywords", refuse)
    x = Tensor(normal(3, 4), requires_grad=True)
    for out in (x.sum(), x.mean(axis=0), x.max(1, True), x.min(), x.prod(0), x.softmax(), x.log_softmax(0)):
        assert out.requires_grad
    with pytest.raises(AssertionError, match="_axis_keywords was called"):
        x.sum(dim=0)


# -- NumPy's functions on tensors -------------------------------------------------------------
def test_numpy_functions_give_differentiable_tensors_with_numpy_semantics():
    data = normal(3, 4)
    x = Tensor(data, requires_grad=True)
    # np.var and np.std pass ddof=0: NumPy's population variance, not PyTorch's default
    for name in ("var", "std", "prod", "cumsum"):
        kwargs = {"axis": 0}
        ours, theirs = getattr(np, name)(x, **kwargs), getattr(np, name)(data, **kwargs)
        assert isinstance(ours, Tensor) and ours.requires_grad
        np.testing.assert_allclose(ours.data, theirs, rtol=1e-12)
    np.testing.assert_allclose(np.var(x).data, np.var(data), rtol=1e-12)
    np.testing.assert_allclose(np.std(x, ddof=1).data, np.std(data, ddof=1), rtol=1e-12)
    assert np.any(Tensor(data)).item() and np.all(Tensor(data) > -100).item()


def test_ddof_names_the_correction():
    x = Tensor(normal(5))
    assert x.var(ddof=0).item() == x.var(correction=0).item()
    assert x.std(ddof=2).item() == x.std(correction=2).item()
    with pytest.raises(TypeError, match=r"var\(\) got both correction=0 and ddof=2"):
        x.var(correction=0, ddof=2)


# -- errors -----------------------------------------------------------------------------------
def test_logsumexp_needs_an_axis_as_in_pytorch():
    with pytest.raises(TypeError, match=r"logsumexp\(\) needs axis= \(or dim=\)"):
        Tensor(normal(3)).logsumexp()


def test_cumsum_needs_one_axis():
    with pytest.raises(TypeError, match=r"cumsum\(\) needs axis= \(or dim=\)"):
        Tensor(normal(3)).cumsum()
    with pytest.raises(
        TypeError, match=r"cumsum\(\) takes one axis \(an int\), as torch.cumsum, got \(0, 1\)"
    ):
        Tensor(normal(3, 2)).cumsum((0, 1))


@pytest.mark.parametrize("bad", ["1", None, True, [1]])
def test_var_and_std_refuse_a_correction_that_is_not_a_number(bad):
    for name in ("var", "std"):
        with pytest.raises(TypeError, match=rf"{name}\(\) needs a number correction"):
            getattr(Tensor(normal(3)), name)(correction=bad)


@pytest.mark.parametrize("name", ["var", "std", "prod", "logsumexp", "cumsum", "any", "all"])
def test_an_axis_out_of_range_is_a_shape_error(name):
    with pytest.raises(ShapeError, match=r"axis 2 is out of range for a tensor with 2 dimensions"):
        getattr(Tensor(normal(2, 3)), name)(2)
    with pytest.raises(ShapeError, match=r"axis -3 is out of range"):
        getattr(Tensor(normal(2, 3)), name)(dim=-3)


@pytest.mark.parametrize("name", ["var", "prod", "logsumexp", "cumsum", "any"])
def test_a_float_axis_is_a_type_error(name):
    with pytest.raises(TypeError, match=r"axis must be an int, a tuple of ints or None, got 1.5"):
        getattr(Tensor(normal(2, 3)), name)(1.5)


@pytest.mark.parametrize("name", ["prod", "var"])
def test_numpy_out_is_refused(name):
    with pytest.raises(TypeError, match=rf"Tensor.{name}\(\) takes axis and keepdims only, got out="):
        getattr(np, name)(Tensor(normal(3)), out=np.zeros(()))


# -- the step-through --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda x: x.var(0), "2·(x - mean)/(n - correction)"),
        (lambda x: x.std(1), "(x - mean)/((n - correction)·"),
        (lambda x: x.prod(0), "the product of the other elements"),
        (lambda x: x.logsumexp(1), "softmax(x)"),
        (lambda x: x.cumsum(0), "g summed from the end"),
    ],
)
def test_each_op_steps_through_with_its_local_derivative(fn, words):
    x = Tensor(normal(2, 3), requires_grad=True, label="x")
    steps = list(backward_steps(fn(x).sum()))
    lines = [line for step in steps for line in step.describe()]
    assert any(words in line for line in lines), lines
    stepped = x.grad.copy()
    x.grad = None
    fn(x).sum().backward()
    np.testing.assert_array_equal(stepped, x.grad)
