"""Issue 17's elementwise ops: math (sin ... erf), rounding, // and %, the
activations, isnan/isinf/isfinite and the casts.

Each op against PyTorch in float64 (values and the gradient of a random
weighting of the output), on 2-D, 0-d and zero-size inputs, and against
central finite differences; float32 stays float32; extreme inputs (±1e308,
±inf, NaN) give PyTorch's values, or the exact limits where PyTorch's formula
gives nan, without a warning; bad arguments get clear errors; the nn modules
and activation names; the step-through shows each op's local derivative.
"""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

import nn
from tinygrad_lite import Tensor, backward_steps, gradcheck, no_grad
from tinygrad_lite.ops import special

try:
    import torch
except ImportError:  # the tests against PyTorch skip, saying why; the others run
    torch = None
F = None if torch is None else torch.nn.functional
needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)

RNG = np.random.default_rng(17)


def data(domain: str, shape: tuple[int, ...]) -> np.ndarray:
    """Random float64 inputs away from each op's edges: "any" (normal, x3),
    "pos" (0.3 .. 3), "above-1" (-0.9 .. 3), "trig" (-1.3 .. 1.3, away from
    tan's poles), "nonzero" (|x| in 0.3 .. 3), "wide" (-9 .. 9: relu6's two
    bends). Values are kept 0.01 away from whole numbers, halves and the
    activations' bends, where a step function or a kink would make finite
    differences meaningless."""
    lo, hi = {
        "any": (-3.0, 3.0),
        "pos": (0.3, 3.0),
        "above-1": (-0.9, 3.0),
        "trig": (-1.3, 1.3),
        "nonzero": (0.3, 3.0),
        "wide": (-9.0, 9.0),
    }[domain]
    x = RNG.uniform(lo, hi, size=shape)
    near = np.abs(x * 2 - np.round(x * 2)) < 0.02  # near a multiple of 1/2 (0, ±1, 6 and ±0.5 included)
    x = np.where(near, x + 0.037, x)
    if domain == "nonzero":
        x = x * RNG.choice([-1.0, 1.0], size=shape)
    return x


def compare(ours, theirs, x: np.ndarray, rtol: float = 1e-12, atol: float = 1e-14) -> None:
    """ours(Tensor) against theirs(torch tensor) at float64 input x: values,
    then the gradient of (out * W).sum() for a random weighting W."""
    t = Tensor(x, requires_grad=True)
    tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out, ref = ours(t), theirs(tt)
    assert out.dtype == np.float64 and out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol, err_msg="value")
    w = RNG.standard_normal(out.shape)
    (out * Tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    assert t.grad is not None and t.grad.dtype == np.float64 and t.grad.shape == x.shape
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=rtol, atol=atol, err_msg="gradient")


# name -> (ours, PyTorch's, input domain)
UNARY = {
    "sin": (Tensor.sin, lambda x: torch.sin(x), "any"),
    "cos": (Tensor.cos, lambda x: torch.cos(x), "any"),
    "tan": (Tensor.tan, lambda x: torch.tan(x), "trig"),
    "log1p": (Tensor.log1p, lambda x: torch.log1p(x), "above-1"),
    "expm1": (Tensor.expm1, lambda x: torch.expm1(x), "any"),
    "log2": (Tensor.log2, lambda x: torch.log2(x), "pos"),
    "exp2": (Tensor.exp2, lambda x: torch.exp2(x), "any"),
    "rsqrt": (Tensor.rsqrt, lambda x: torch.rsqrt(x), "pos"),
    "square": (Tensor.square, lambda x: torch.square(x), "any"),
    "reciprocal": (Tensor.reciprocal, lambda x: torch.reciprocal(x), "nonzero"),
    "erf": (Tensor.erf, lambda x: torch.erf(x), "any"),
    "sign": (Tensor.sign, lambda x: torch.sign(x), "any"),
    "floor": (Tensor.floor, lambda x: torch.floor(x), "any"),
    "ceil": (Tensor.ceil, lambda x: torch.ceil(x), "any"),
    "trunc": (Tensor.trunc, lambda x: torch.trunc(x), "any"),
    "round": (Tensor.round, lambda x: torch.round(x), "any"),
    "round(decimals=1)": (lambda x: x.round(1), lambda x: torch.round(x, decimals=1), "any"),
    "round(decimals=-1)": (lambda x: (x * 40).round(-1), lambda x: torch.round(x * 40, decimals=-1), "any"),
    "leaky_relu": (Tensor.leaky_relu, lambda x: F.leaky_relu(x), "any"),
    "leaky_relu(0.2)": (lambda x: x.leaky_relu(0.2), lambda x: F.leaky_relu(x, 0.2), "any"),
    "leaky_relu(-0.5)": (lambda x: x.leaky_relu(-0.5), lambda x: F.leaky_relu(x, -0.5), "any"),
    "elu": (Tensor.elu, lambda x: F.elu(x), "any"),
    "elu(alpha=0.3)": (lambda x: x.elu(alpha=0.3), lambda x: F.elu(x, alpha=0.3), "any"),
    "gelu": (Tensor.gelu, lambda x: F.gelu(x), "any"),
    "gelu(tanh)": (lambda x: x.gelu("tanh"), lambda x: F.gelu(x, approximate="tanh"), "any"),
    "silu": (Tensor.silu, lambda x: F.silu(x), "any"),
    "softsign": (Tensor.softsign, lambda x: F.softsign(x), "any"),
    "relu6": (Tensor.relu6, lambda x: F.relu6(x), "wide"),
    "hardtanh": (Tensor.hardtanh, lambda x: F.hardtanh(x), "any"),
    "hardtanh(-0.5, 2)": (lambda x: x.hardtanh(-0.5, 2), lambda x: F.hardtanh(x, -0.5, 2.0), "any"),
}
STEP_FUNCTIONS = {"sign", "floor", "ceil", "trunc", "round", "round(decimals=1)", "round(decimals=-1)"}


@needs_torch
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 3)], ids=["2-D", "0-d", "zero-size"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_op_matches_pytorch_in_float64(name, shape):
    ours, theirs, domain = UNARY[name]
    compare(ours, theirs, data(domain, shape))


@pytest.mark.parametrize("name", sorted(set(UNARY) - STEP_FUNCTIONS))
def test_unary_gradient_matches_finite_differences(name):
    ours, _, domain = UNARY[name]
    assert gradcheck(
        lambda x: (ours(x) * Tensor(np.arange(1.0, 7.0).reshape(2, 3))).sum(),
        Tensor(data(domain, (2, 3)), requires_grad=True),
    )


@pytest.mark.parametrize("name", sorted(STEP_FUNCTIONS))
def test_step_functions_have_zero_gradient_like_pytorch(name):
    ours, _, domain = UNARY[name]
    x = Tensor(data(domain, (2, 3)), requires_grad=True)
    y = ours(x)
    assert y.requires_grad and y.op in ("sign", "floor", "ceil", "trunc", "round", "*")
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))


@needs_torch
@pytest.mark.parametrize("name", list(UNARY))
def test_float32_stays_float32_and_matches_pytorch(name):
    ours, theirs, domain = UNARY[name]
    x = data(domain, (3, 4)).astype(np.float32)
    t = Tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    out, ref = ours(t), theirs(tt)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=2e-6, atol=1e-6)
    out.sum().backward()
    ref.sum().backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=2e-5, atol=1e-6)


# -- extremes -------------------------------------------------------------------------
EXTREMES = np.array(
    [-np.inf, -1e308, -1000.0, -20.0, -1e-300, 0.0, 1e-300, 20.0, 1000.0, 1e308, np.inf, np.nan]
)
ACTIVATIONS = [
    "leaky_relu",
    "leaky_relu(0.2)",
    "elu",
    "gelu",
    "gelu(tanh)",
    "silu",
    "softsign",
    "relu6",
    "hardtanh",
    "erf",
    "expm1",
    "exp2",
    "square",
    "reciprocal",
    "sign",
    "floor",
    "round",
]
# Where PyTorch's formula gives nan but the function has a limit, we give the limit:
# the tanh GELU's derivative at ±1e308 (PyTorch: x * 0 * x**2 = nan), softsign's
# derivative at ±inf (1 / inf**2 = 0; PyTorch differentiates x / (1 + |x|): inf / inf).
# Where PyTorch loses digits we keep them: the exact GELU at x = -20, where
# PyTorch's 1 + erf(x / sqrt 2) rounds to 0 (Phi(-20) = 2.8e-89). And sign(nan) is
# nan, as in NumPy (PyTorch gives 0).
PHI_20 = 0.5 * math.erfc(20 / math.sqrt(2))  # Phi(-20)
PDF_20 = math.exp(-200) / math.sqrt(2 * math.pi)  # phi(-20)
LIMITS = {
    "gelu(tanh)": {"grad": {-1e308: 0.0, 1e308: 1.0, -np.inf: 0.0, np.inf: 1.0}},
    "softsign": {"grad": {-np.inf: 0.0, np.inf: 0.0}},
    "gelu": {"value": {-20.0: -20 * PHI_20}, "grad": {-20.0: PHI_20 - 20 * PDF_20}},
    "sign": {"value": {np.nan: np.nan}},
}


@pytest.fixture
def strict():
    """Any NumPy warning or floating-point error raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@needs_torch
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_extreme_inputs_give_pytorchs_values_or_the_limits_without_warnings(name, strict):
    ours, theirs, _ = UNARY[name]
    x = Tensor(EXTREMES, requires_grad=True)
    tt = torch.tensor(EXTREMES, dtype=torch.float64, requires_grad=True)
    out, ref = ours(x), theirs(tt)
    out.backward(np.ones(out.shape))
    ref.backward(torch.ones(ref.shape, dtype=torch.float64))
    expected = {"value": ref.detach().numpy().copy(), "grad": tt.grad.numpy().copy()}
    for what, limits in LIMITS.get(name, {}).items():
        for point, limit in limits.items():
            expected[what][(point == EXTREMES) | (np.isnan(point) & np.isnan(EXTREMES))] = limit
    np.testing.assert_allclose(out.data, expected["value"], rtol=1e-12, atol=0, err_msg="value")
    finite = ~np.isnan(EXTREMES)  # PyTorch's gradient at NaN varies by op (0, 1 or the slope)
    np.testing.assert_allclose(x.grad[finite], expected["grad"][finite], rtol=1e-12, atol=0, err_msg="grad")
    assert np.isnan(out.data[-1])  # NaN propagates


def test_sign_of_nan_is_nan_as_numpy_not_0_as_pytorch():
    np.testing.assert_array_equal(Tensor([np.nan, -2.0, 0.0, 3.0]).sign().data, [np.nan, -1.0, 0.0, 1.0])


def test_gelu_keeps_its_digits_far_in_the_negative_tail():
    # Phi(x) = erfc(-x/sqrt 2)/2: (1 + erf(x/sqrt 2))/2 would round to 0 near x = -9
    x = np.array([-5.0, -9.0, -20.0, -37.0])
    expected = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    # 1e-12: x / sqrt 2 is rounded, and erfc's slope there magnifies that by 2 (x / sqrt 2)**2
    np.testing.assert_allclose(Tensor(x).gelu().data, expected, rtol=1e-12)
    assert Tensor(x).gelu().data[1] != 0


def test_elu_is_exact_for_tiny_negative_inputs():
    # alpha * (e**x - 1) as expm1: e**-1e-20 - 1 would be 0
    assert Tensor([-1e-20]).elu().item() == -1e-20


# -- erf itself -------------------------------------------------------------------------
def test_erf_and_erfc_agree_with_the_c_library_to_an_ulp_or_two():
    x = np.concatenate(
        [
            RNG.standard_normal(20000) * 3,
            RNG.uniform(-30, 30, 20000),
            np.linspace(-6, 6, 4001),
            10.0 ** RNG.uniform(-320, 1.4, 2000),
            [0.0, -0.0, 0.84375, 1.25, 1 / 0.35, 6.0, 28.0, -28.0, 5e-324, 1e308],
        ]
    )
    for ours, ref, tolerance in ((special.erf, math.erf, 1), (special.erfc, math.erfc, 4)):
        got, want = ours(x), np.array([ref(v) for v in x])
        ulps = np.abs(got - want) / np.spacing(np.abs(want))
        assert ulps.max() <= tolerance, (ours.__name__, x[np.argmax(ulps)], ulps.max())


def test_erf_at_the_edges_and_in_other_dtypes():
    np.testing.assert_array_equal(special.erf(np.array([-np.inf, np.inf, -0.0])), [-1.0, 1.0, -0.0])
    assert np.signbit(special.erf(np.array(-0.0)))
    np.testing.assert_array_equal(special.erfc(np.array([-np.inf, np.inf])), [2.0, 0.0])
    assert np.isnan(special.erf(np.array(np.nan))) and np.isnan(special.erfc(np.array(np.nan)))
    assert special.erf(np.ones(3, np.float32)).dtype == np.float32
    assert special.erf(np.array([1, 2])).dtype == np.float64
    assert special.erf(np.zeros((2, 0))).shape == (2, 0)
    assert special.erf(np.array(0.5)).shape == ()


# -- rounding and integers -------------------------------------------------------------
@needs_torch
def test_round_is_half_to_even_like_pytorch_and_numpy():
    halves = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994]
    ours = Tensor(halves).round().data
    np.testing.assert_array_equal(ours, torch.round(torch.tensor(halves, dtype=torch.float64)).numpy())
    np.testing.assert_array_equal(ours, [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 0.0])
    assert np.signbit(ours[3])


@needs_torch
@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "trunc", "round", "square"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_inputs_stay_integers_like_pytorch(name, dtype):
    x = np.array([[-3, 0, 2], [7, -1, 5]], dtype=dtype)
    ours = getattr(Tensor(x, dtype=dtype), name)()
    ref = getattr(torch, name)(torch.tensor(x))
    assert ours.dtype == dtype and str(ref.dtype) == f"torch.{np.dtype(dtype)}"
    np.testing.assert_array_equal(ours.data, ref.numpy())


def test_numpy_round_of_a_tensor_is_the_differentiable_round():
    t = Tensor([1.25, 2.5, -0.55], requires_grad=True)
    rounded = np.round(t, 1)
    assert isinstance(rounded, Tensor) and rounded.op == "round"
    np.testing.assert_array_equal(rounded.data, np.round(t.data, 1))


def test_sign_and_rounding_of_bools_keep_them():
    mask = Tensor([True, False])
    for name in ("sign", "floor", "ceil", "trunc", "round"):
        result = getattr(mask, name)()
        assert result.dtype == np.bool_ and result.data.tolist() == [True, False]


def test_math_on_integers_gives_float64():
    t = Tensor(np.array([1, 2, 4]), dtype=np.int64)
    assert t.log2().data.tolist() == [0.0, 1.0, 2.0] and t.sin().dtype == np.float64
    assert t.erf().dtype == np.float64 and t.reciprocal().data.tolist() == [1.0, 0.5, 0.25]


# -- isnan, isinf, isfinite -------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_isnan_isinf_isfinite_are_bool_tensors_outside_the_graph(name):
    x = np.array([[np.nan, np.inf, -np.inf], [0.0, -1.5, 1e308]])
    t = Tensor(x, requires_grad=True)
    result = getattr(t, name)()
    assert result.dtype == np.bool_ and not result.requires_grad and result.op == ""
    np.testing.assert_array_equal(result.data, getattr(torch, name)(torch.tensor(x)).numpy())
    assert getattr(Tensor(np.zeros((0, 2))), name)().shape == (0, 2)
    assert getattr(Tensor(3.0), name)().shape == ()
    ints = getattr(Tensor(np.array([1, 2]), dtype=np.int64), name)()
    np.testing.assert_array_equal(ints.data, getattr(torch, name)(torch.tensor([1, 2])).numpy())


# -- // and % ------------------------------------------------------------------------------
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((0, 2), (2,))]


def divisor(shape: tuple[int, ...]) -> np.ndarray:
    """Divisors of both signs, 0.4 .. 2.5 in size."""
    return RNG.uniform(0.4, 2.5, size=shape) * RNG.choice([-1.0, 1.0], size=shape)


@needs_torch
@pytest.mark.parametrize(("xs", "ys"), BINARY_SHAPES)
def test_remainder_matches_pytorch_with_broadcasting_and_both_gradients(xs, ys):
    x, y = RNG.uniform(-6, 6, size=xs), divisor(ys)
    a, b = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    ta = torch.tensor(x, requires_grad=True)
    tb = torch.tensor(y, requires_grad=True)
    out, ref = a % b, ta % tb
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = RNG.standard_normal(out.shape)
    (out * Tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)


@needs_torch
@pytest.mark.parametrize(("xs", "ys"), BINARY_SHAPES)
def test_floor_division_matches_pytorch_and_has_zero_gradient(xs, ys):
    x, y = RNG.uniform(-6, 6, size=xs), divisor(ys)
    a, b = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    out = a // b
    np.testing.assert_array_equal(out.data, (torch.tensor(x) // torch.tensor(y)).numpy())
    out.sum().backward()
    assert a.grad.shape == xs and b.grad.shape == ys
    assert not a.grad.any() and not b.grad.any()


def test_remainder_gradient_matches_finite_differences():
    x = Tensor([[5.3, -4.1, 0.7], [2.2, -0.3, 3.9]], requires_grad=True)
    y = Tensor([1.7, -2.3, 0.45], requires_grad=True)
    assert gradcheck(lambda a, b: ((a % b) * Tensor([1.0, 2.0, 3.0])).sum(), x, y)


def test_floor_division_and_remainder_follow_python_signs():
    x, y = [7.0, -7.0, 7.0, -7.0], [2.0, 2.0, -2.0, -2.0]
    assert (Tensor(x) // Tensor(y)).data.tolist() == [7 // 2, -7 // 2, 7 // -2, -7 // -2] == [3, -4, -4, 3]
    assert (Tensor(x) % Tensor(y)).data.tolist() == [1.0, 1.0, -1.0, -1.0]
    assert [v % w for v, w in zip(x, y)] == [1.0, 1.0, -1.0, -1.0]


@needs_torch
@pytest.mark.parametrize("op", ["//", "%"])
def test_numbers_on_either_side_and_integer_tensors(op):
    fn = {"//": lambda a, b: a // b, "%": lambda a, b: a % b}[op]
    x = np.array([-7.5, -1.0, 2.0, 9.25])
    for left, right in ((Tensor(x), 2.5), (2.5, Tensor(x)), (Tensor(x), np.array(-3.0))):
        torch_left = torch.tensor(x) if isinstance(left, Tensor) else left
        torch_right = torch.tensor(x) if isinstance(right, Tensor) else torch.tensor(right)
        np.testing.assert_allclose(fn(left, right).data, fn(torch_left, torch_right).numpy(), rtol=1e-15)
    ints = Tensor(np.array([-7, 7, 5]), dtype=np.int64)
    result = fn(ints, 3)
    assert result.dtype == np.int64
    assert result.data.tolist() == fn(torch.tensor([-7, 7, 5]), 3).tolist()
    f32 = fn(Tensor(x, dtype=np.float32, requires_grad=True), 2.5)
    assert f32.dtype == np.float32


@needs_torch
def test_division_by_zero_gives_inf_or_nan_for_floats_without_a_warning(strict):
    x = Tensor([1.0, -2.0, 0.0], requires_grad=True)
    np.testing.assert_array_equal((x // 0.0).data, (torch.tensor([1.0, -2.0, 0.0]) // 0.0).numpy())
    assert np.isnan((x % 0.0).data).all()
    (x % 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])


@needs_torch
@pytest.mark.parametrize("op", ["//", "%", "//=", "%="])
def test_integer_division_by_zero_raises_like_pytorch(op):
    x = Tensor(np.array([4, 5]), dtype=np.int64)
    with pytest.raises(ZeroDivisionError, match="by zero"):
        if op == "//":
            x // Tensor(np.array([2, 0]), dtype=np.int64)
        elif op == "%":
            x % 0
        elif op == "//=":
            x //= 0
        else:
            x %= Tensor(np.array([0, 1]), dtype=np.int64)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([4, 5]) // torch.tensor([2, 0])


def test_in_place_floor_division_and_remainder_keep_the_object_under_no_grad():
    p = Tensor([7.5, -3.0], requires_grad=True)
    with no_grad():
        same = p
        p //= 2
        assert p is same and p.data.tolist() == [3.0, -2.0]
        p %= 2
        assert p is same and p.data.tolist() == [1.0, 0.0]
    with pytest.raises(RuntimeError, match="no_grad"):
        p //= 2
    ints = Tensor(np.array([7, -7]), dtype=np.int64)
    ints %= 3
    assert ints.dtype == np.int64 and ints.data.tolist() == [1, 2]
    with pytest.raises(TypeError, match="cannot hold"):
        ints //= 1.5


# -- casts ---------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("float", np.float32),
        ("double", np.float64),
        ("long", np.int64),
        ("int", np.int32),
        ("bool", np.bool_),
    ],
)
def test_cast_methods_give_pytorchs_dtypes_and_values(method, dtype):
    x = np.array([[-2.7, -0.5, 0.0], [0.4, 1.5, 3.9]])
    ours = getattr(Tensor(x), method)()
    ref = getattr(torch.tensor(x), method)()
    assert ours.dtype == dtype and ours.shape == (2, 3)
    np.testing.assert_array_equal(ours.data, ref.numpy())  # floats to integers truncate toward 0
    assert getattr(Tensor(np.zeros((0, 3))), method)().dtype == dtype
    assert getattr(Tensor(2.5), method)().shape == ()


@needs_torch
def test_a_float_to_float_cast_passes_the_gradient_back_in_the_inputs_dtype():
    x = Tensor([1.5, -2.0, 1e-30], requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32 and y.requires_grad and y.op == "astype"
    (y * Tensor(np.array([1.0, 2.0, 3.0], np.float32))).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [1.0, 2.0, 3.0]
    x32 = Tensor(np.array([0.25, 4.0], np.float32), requires_grad=True)
    (x32.double() ** 2).sum().backward()
    assert x32.grad.dtype == np.float32 and x32.grad.tolist() == [0.5, 8.0]
    tx = torch.tensor([1.5, -2.0, 1e-30], dtype=torch.float64, requires_grad=True)
    assert tx.float().requires_grad and not tx.long().requires_grad


@pytest.mark.parametrize("method", ["long", "int", "bool"])
def test_a_cast_to_integers_or_bools_leaves_the_graph_like_pytorch(method):
    x = Tensor([1.5, -2.0], requires_grad=True)
    y = getattr(x, method)()
    assert not y.requires_grad and y.op == "" and y.parents == ()


def test_astype_takes_numpy_dtypes_names_and_python_types_and_copies():
    x = Tensor([1.25, -2.5])
    assert x.astype(np.float32).dtype == np.float32
    assert x.astype("float16").dtype == np.float16
    assert x.astype(float).dtype == np.float64 and x.astype(bool).dtype == np.bool_
    assert x.astype(int).dtype == np.dtype(int) and x.astype("int8").data.tolist() == [1, -2]
    same = x.astype(np.float64)
    assert same.data is not x.data and same.data.tolist() == [1.25, -2.5]
    ints = Tensor(np.array([1, 2]), dtype=np.int64).float()
    assert ints.dtype == np.float32 and not ints.requires_grad


@pytest.mark.parametrize("bad", [None, "complex128", np.complex64, object, "string", "no such type"])
def test_astype_refuses_what_a_tensor_cannot_hold(bad):
    with pytest.raises(TypeError, match="bool, integer or floating dtype"):
        Tensor([1.0]).astype(bad)


def test_python_conversions_still_work_beside_the_cast_methods():
    t = Tensor([2.7])
    assert int(t) == 2 and isinstance(int(t), int)
    assert float(t) == 2.7 and isinstance(float(t), float)
    assert bool(Tensor([0.0])) is False and bool(t) is True
    assert isinstance(t.int(), Tensor) and isinstance(t.float(), Tensor) and isinstance(t.bool(), Tensor)
    assert f"{Tensor([0.5]).float():.2f}" == "0.50"


# -- bad arguments ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda x: x.gelu("erf"), ValueError, "'none' or 'tanh'"),
        (lambda x: x.hardtanh(1.0, -1.0), ValueError, "min_val <= max_val"),
        (lambda x: x.hardtanh(None, 1.0), TypeError, "min_val must be a number"),
        (lambda x: x.leaky_relu("0.1"), TypeError, "negative_slope must be a number"),
        (lambda x: x.leaky_relu(True), TypeError, "negative_slope must be a number"),
        (lambda x: x.elu(float("nan")), ValueError, "alpha must be a number, got nan"),
        (lambda x: x.round(1.5), TypeError, "decimals must be an int"),
    ],
)
def test_bad_arguments_get_clear_errors(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call(Tensor([0.5, -0.5]))


@needs_torch
def test_pytorch_refuses_the_same_arguments():
    x = torch.tensor([0.5])
    with pytest.raises(RuntimeError):
        F.gelu(x, approximate="erf")
    with pytest.raises(ValueError):
        F.hardtanh(x, 1.0, -1.0)


# -- nn: modules and activation names --------------------------------------------------
MODULES = [
    (nn.LeakyReLU(), lambda x: x.leaky_relu(), lambda x: F.leaky_relu(x)),
    (nn.LeakyReLU(0.2), lambda x: x.leaky_relu(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(), Tensor.elu, lambda x: F.elu(x)),
    (nn.ELU(alpha=0.5), lambda x: x.elu(0.5), lambda x: F.elu(x, alpha=0.5)),
    (nn.GELU(), Tensor.gelu, lambda x: F.gelu(x)),
    (nn.GELU(approximate="tanh"), lambda x: x.gelu("tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), Tensor.silu, lambda x: F.silu(x)),
]


@needs_torch
@pytest.mark.parametrize(("module", "method", "theirs"), MODULES, ids=[repr(m[0]) for m in MODULES])
def test_activation_modules_are_their_methods_and_pytorchs(module, method, theirs):
    x = data("any", (4, 3))
    np.testing.assert_array_equal(module(Tensor(x)).data, method(Tensor(x)).data)
    np.testing.assert_allclose(module(x).data, theirs(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-15)
    assert module.parameters() == [] and isinstance(module, nn.Module)
    copy = pickle.loads(pickle.dumps(module))
    np.testing.assert_array_equal(copy(Tensor(x)).data, module(Tensor(x)).data)
    assert repr(copy) == repr(module)


def test_activation_modules_refuse_bad_arguments_when_made():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        nn.GELU("fast")
    with pytest.raises(TypeError, match="negative_slope"):
        nn.LeakyReLU("steep")
    with pytest.raises(TypeError, match="alpha"):
        nn.ELU(None)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "gelu", "silu"])
def test_new_activation_names_work_in_layers_and_mlps(name):
    x = data("any", (5, 2))
    mlp = nn.MLP(2, [8, 1], activation=name, out_activation=None, rng=0)
    hidden = mlp.layers[0]
    expected = getattr(Tensor(x @ hidden.weight.data + hidden.bias.data), name)().data
    np.testing.assert_array_equal(hidden(Tensor(x)).data, expected)
    assert mlp(Tensor(x)).shape == (5, 1)
    # He initialisation, as for ReLU: N(0, 2 / nin)
    big = nn.Layer(400, 300, activation=name, rng=1)
    assert abs(big.weight.data.std() - math.sqrt(2 / 400)) < 0.002
    loaded = pickle.loads(pickle.dumps(mlp))
    np.testing.assert_array_equal(loaded(Tensor(x)).data, mlp(Tensor(x)).data)


def test_unknown_activation_names_list_the_new_ones():
    with pytest.raises(ValueError, match=r"'gelu'.*'silu'"):
        nn.MLP(2, [2, 1], activation="swish")


def test_nn_exports_the_activation_modules():
    for name in ("LeakyReLU", "ELU", "GELU", "SiLU"):
        assert name in nn.__all__ and isinstance(getattr(nn, name)(), nn.Module)


# -- the step-through ------------------------------------------------------------------
def test_the_step_through_shows_each_new_ops_local_derivative():
    x = Tensor([[0.3, -1.2], [2.1, 0.8]], requires_grad=True, label="x")
    y = Tensor([[1.7, -0.9], [0.6, 2.4]], requires_grad=True, label="y")
    parts = [
        x.sin(),
        x.cos(),
        x.tan(),
        (x * 0.5).log1p(),
        x.expm1(),
        y.abs().log2(),
        x.exp2(),
        y.abs().rsqrt(),
    ]
    parts += [x.square(), y.reciprocal(), x.sign(), x.floor(), x.ceil(), x.trunc(), x.round(), x.erf()]
    parts += [x.leaky_relu(), x.elu(), x.gelu(), x.gelu("tanh"), x.silu(), x.softsign(), x.relu6()]
    parts += [x.hardtanh(), x // y, x % y, x.float().double()]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    lines = [line for step in backward_steps(total.sum()) for line in step.describe()]
    text = "\n".join(lines)
    for rule in (
        "cos(x)",
        "-sin(x)",
        "1/(1 + (x*0.5))",
        "2/√π·exp(-x²)",
        "-floor(x/y)",
        "cast back",
        "alpha·exp(x)",
    ):
        assert rule in text, rule
    assert "x//y" in text and "x%y" in text  # infix names, with the precedence of * and /
    stepped = x.grad.copy(), y.grad.copy()
    x.grad = y.grad = None
    total.sum().backward()
    np.testing.assert_array_equal(stepped[0], x.grad)
    np.testing.assert_array_equal(stepped[1], y.grad)
