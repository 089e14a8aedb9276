"""Tensor: every op's forward and gradient (float64) against NumPy and an
independent central-finite-difference helper, broadcasting with hypothesis,
dtype rules, no_grad, comparisons, numerical stability, constructors and errors."""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np
import pytest
from concurrency import run_concurrently
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import tinygrad_lite
from tinygrad_lite import BackwardError, ShapeError, Tensor, is_grad_enabled, no_grad

EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-7
HYPOTHESIS = settings(max_examples=40, deadline=None, database=None)


# -- the independent finite-difference helper ----------------------------------
def numeric_grads(f, inputs) -> list[np.ndarray]:
    """Central differences of the scalar ``f(*inputs)`` (NumPy arrays in, a float
    out) with respect to every element of every input."""
    xs = [np.array(a, dtype=np.float64) for a in inputs]  # private copies
    grads = []
    for x in xs:
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            orig = x[idx]
            x[idx] = orig + EPS
            plus = float(f(*xs))
            x[idx] = orig - EPS
            minus = float(f(*xs))
            x[idx] = orig
            g[idx] = (plus - minus) / (2 * EPS)
        grads.append(g)
    return grads


def weights(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed random weighting so that every output element matters."""
    return np.asarray(np.random.default_rng(1234).standard_normal(shape))


def check_op(fn, ref, inputs) -> None:
    """fn on Tensors vs ref on arrays: forward values, then grads of
    (out * W).sum() against finite differences of (ref(...) * W).sum()."""
    tensors = [Tensor(np.array(a), requires_grad=True) for a in inputs]
    out = fn(*tensors)
    expected = np.asarray(ref(*[np.array(a) for a in inputs]))
    assert isinstance(out, Tensor)
    assert out.dtype == np.float64
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    W = weights(out.shape)
    loss = (out * Tensor(W)).sum()
    assert loss.shape == ()
    loss.backward()
    numeric = numeric_grads(lambda *xs: np.sum(np.asarray(ref(*xs)) * W), inputs)
    for k, (t, n) in enumerate(zip(tensors, numeric)):
        assert t.grad is not None, f"input {k} got no grad"
        assert t.grad.shape == t.shape
        assert t.grad.dtype == np.float64
        np.testing.assert_allclose(t.grad, n, rtol=RTOL, atol=ATOL, err_msg=f"input {k}")


def test_numeric_grads_helper_is_right():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    y = np.array([2.0, -1.0])
    gx, gy = numeric_grads(lambda a, b: np.sum(a**2 * b), [x, y])
    np.testing.assert_allclose(gx, 2 * x * y, rtol=1e-8)
    np.testing.assert_allclose(gy, (x**2).sum(axis=0), rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # inputs untouched


# -- inputs ----------------------------------------------------------------------
RNG = np.random.default_rng(20240501)


def normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.0, shape)


def away_from_zero(*shape: int) -> np.ndarray:
    return RNG.choice([-1.0, 1.0], shape) * RNG.uniform(0.2, 2.0, shape)


def distinct(*shape: int) -> np.ndarray:
    """Pairwise distinct values (gaps of 0.25 >> eps): max/min are differentiable."""
    n = math.prod(shape)
    return (RNG.permutation(n) * 0.25 - n * 0.125 + RNG.uniform(0, 0.01, n)).reshape(shape)


# values at least 0.1 away from 0 and from the clip bounds +-0.5
AWAY_FROM_BOUNDS = np.array([[-1.3, -0.8, -0.35, -0.1], [0.15, 0.3, 0.7, 1.2], [-0.62, 0.42, 0.9, -0.2]])


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def case(name: str, fn, ref, *inputs):
    return pytest.param(fn, ref, inputs, id=name)


def same(name: str, fn, *inputs):
    """An op spelled the same way for Tensors and NumPy arrays."""
    return case(name, fn, fn, *inputs)


ARITHMETIC = [
    same("add", lambda x, y: x + y, normal(3, 4), normal(3, 4)),
    same("sub", lambda x, y: x - y, normal(3, 4), normal(3, 4)),
    same("mul", lambda x, y: x * y, normal(3, 4), normal(3, 4)),
    same("div", lambda x, y: x / y, normal(3, 4), positive(3, 4)),
    same("pow-tensor-exponent", lambda x, y: x**y, positive(3, 4), normal(3, 4)),
    same("pow-int-3", lambda x: x**3, normal(3, 4)),
    same("pow-float-2.5", lambda x: x**2.5, positive(3, 4)),
    same("pow-negative-1.5", lambda x: x**-1.5, positive(3, 4)),
    same("pow-0.5", lambda x: x**0.5, positive(3, 4)),
    same("rpow-2**x", lambda x: 2**x, normal(3, 4)),
    same("rpow-0.5**x", lambda x: 0.5**x, normal(3, 4)),
    same("neg", lambda x: -x, normal(3, 4)),
    same("reuse-x*x+x", lambda x: x * x + x / (x * x + 1), normal(3, 4)),
    same("broadcast-add-(3,1)+(4,)", lambda x, y: x + y, normal(3, 1), normal(4)),
    same("broadcast-mul-(2,1,4)*(3,1)", lambda x, y: x * y, normal(2, 1, 4), normal(3, 1)),
]

MATMUL = [
    same("matmul-1d@1d", lambda x, y: x @ y, normal(4), normal(4)),
    same("matmul-1d@2d", lambda x, y: x @ y, normal(4), normal(4, 3)),
    same("matmul-2d@1d", lambda x, y: x @ y, normal(3, 4), normal(4)),
    same("matmul-2d@2d", lambda x, y: x @ y, normal(3, 4), normal(4, 2)),
    same("matmul-3d@3d", lambda x, y: x @ y, normal(2, 3, 4), normal(2, 4, 2)),
    same("matmul-(2,1,3,4)@(5,4,2)", lambda x, y: x @ y, normal(2, 1, 3, 4), normal(5, 4, 2)),
    same("matmul-2d@3d", lambda x, y: x @ y, normal(3, 4), normal(2, 4, 2)),
    same("matmul-1d@3d", lambda x, y: x @ y, normal(4), normal(2, 4, 3)),
    same("matmul-3d@1d", lambda x, y: x @ y, normal(2, 3, 4), normal(4)),
]


def reduction(name: str, axis, keepdims: bool):
    data = normal(2, 3, 4) if name in ("sum", "mean") else distinct(2, 3, 4)
    return case(
        f"{name}-axis={axis}-keepdims={keepdims}",
        lambda x: getattr(x, name)(axis=axis, keepdims=keepdims),
        lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims),
        data,
    )


REDUCTIONS = [
    reduction(name, axis, keepdims)
    for name in ("sum", "mean", "max", "min")
    for axis in (None, 0, 1, -1, (0, 2), (-1, 0))
    for keepdims in (False, True)
] + [
    case("sum-positional-axis", lambda x: x.sum(1), lambda x: x.sum(1), normal(2, 3, 4)),
    case("mean-default", lambda x: x.mean(), np.mean, normal(2, 3, 4)),
    case("max-default", lambda x: x.max(), np.max, distinct(2, 3, 4)),
    case("min-default", lambda x: x.min(), np.min, distinct(2, 3, 4)),
]

MASK = np.array([[True, False, True, True, False], [False, False, True, False, True]] * 2)

SHAPE_OPS = [
    same("reshape-varargs", lambda x: x.reshape(4, 6), normal(2, 3, 4)),
    same("reshape-tuple", lambda x: x.reshape((6, 4)), normal(2, 3, 4)),
    same("reshape-minus-one", lambda x: x.reshape(-1, 2), normal(2, 3, 4)),
    same("reshape-to-3d", lambda x: x.reshape(3, 2, 2), normal(12)),
    same("transpose-no-args", lambda x: x.transpose(), normal(2, 3, 4)),
    same("transpose-axes-varargs", lambda x: x.transpose(2, 0, 1), normal(2, 3, 4)),
    same("transpose-axes-tuple", lambda x: x.transpose((1, 0, 2)), normal(2, 3, 4)),
    same("transpose-negative-axes", lambda x: x.transpose(-1, 0, 1), normal(2, 3, 4)),
    same("T-2d", lambda x: x.T, normal(3, 4)),
    same("T-3d", lambda x: x.T, normal(2, 3, 4)),
    same("flatten", lambda x: x.flatten(), normal(2, 3, 4)),
    same("getitem-slice", lambda x: x[1:3], normal(4, 5)),
    same("getitem-2d-slices", lambda x: x[1:, 1:4], normal(4, 5)),
    same("getitem-negative-step", lambda x: x[::-1], normal(4, 5)),
    same("getitem-negative-step-2d", lambda x: x[::-2, 4:0:-2], normal(4, 5)),
    same("getitem-int", lambda x: x[1], normal(4, 5)),
    same("getitem-negative-int-pair", lambda x: x[-1, 2], normal(4, 5)),
    same("getitem-ellipsis", lambda x: x[..., 0], normal(2, 3, 4)),
    same("getitem-int-array-repeated", lambda x: x[[0, 0, 2, 3, 3, 3]], normal(4, 5)),
    same("getitem-int-array-2d-repeated", lambda x: x[np.array([[0, 1], [1, 1]])], normal(4, 5)),
    same("getitem-two-arrays-repeated", lambda x: x[[0, 2, 0], [1, 1, 1]], normal(4, 5)),
    same("getitem-bool-mask", lambda x: x[MASK], normal(4, 5)),
    same("getitem-bool-mask-from-comparison", lambda x: x[x > 0], away_from_zero(4, 5)),
    same("getitem-slice-and-array", lambda x: x[1:, [3, 0, 3]], normal(4, 5)),
    same("getitem-array-and-slice", lambda x: x[[2, 2, 0], ::-1], normal(4, 5)),
]

ELEMENTWISE = [
    case("exp", lambda x: x.exp(), np.exp, normal(3, 4)),
    case("log", lambda x: x.log(), np.log, positive(3, 4)),
    case("sqrt", lambda x: x.sqrt(), np.sqrt, positive(3, 4)),
    case("abs", lambda x: x.abs(), np.abs, away_from_zero(3, 4)),
    case("tanh", lambda x: x.tanh(), np.tanh, normal(3, 4)),
    case("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), 2 * normal(3, 4)),
    case("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), away_from_zero(3, 4)),
    case("clip-lo-hi", lambda x: x.clip(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), AWAY_FROM_BOUNDS),
    case("clip-lo-only", lambda x: x.clip(-0.5, None), lambda x: np.maximum(x, -0.5), AWAY_FROM_BOUNDS),
    case("clip-hi-only", lambda x: x.clip(None, 0.5), lambda x: np.minimum(x, 0.5), AWAY_FROM_BOUNDS),
    case("softmax-axis-1", lambda x: x.softmax(-1), lambda x: np_softmax(x, -1), normal(3, 4)),
    case("softmax-default", lambda x: x.softmax(), lambda x: np_softmax(x, -1), normal(3, 4)),
    case("softmax-axis0", lambda x: x.softmax(axis=0), lambda x: np_softmax(x, 0), normal(3, 4)),
    case(
        "log_softmax-axis-1", lambda x: x.log_softmax(-1), lambda x: np.log(np_softmax(x, -1)), normal(3, 4)
    ),
    case("log_softmax-axis0", lambda x: x.log_softmax(0), lambda x: np.log(np_softmax(x, 0)), normal(3, 4)),
    case("log_softmax-3d", lambda x: x.log_softmax(1), lambda x: np.log(np_softmax(x, 1)), normal(2, 3, 4)),
    case("softplus", lambda x: x.softplus(), lambda x: np.log1p(np.exp(x)), 3 * normal(3, 4)),
    case("log_sigmoid", lambda x: x.log_sigmoid(), lambda x: -np.log1p(np.exp(-x)), 3 * normal(3, 4)),
    case(
        "composite-mlp",
        lambda x, w, b: ((x @ w + b).tanh() @ w.T).sigmoid().mean(axis=0),
        lambda x, w, b: (1 / (1 + np.exp(-(np.tanh(x @ w + b) @ w.T)))).mean(axis=0),
        normal(5, 3),
        normal(3, 4),
        normal(4),
    ),
]


@pytest.mark.parametrize(("fn", "ref", "inputs"), ARITHMETIC)
def test_arithmetic_grad(fn, ref, inputs):
    check_op(fn, ref, inputs)


@pytest.mark.parametrize(("fn", "ref", "inputs"), MATMUL)
def test_matmul_grad(fn, ref, inputs):
    check_op(fn, ref, inputs)


@pytest.mark.parametrize(("fn", "ref", "inputs"), REDUCTIONS)
def test_reduction_grad(fn, ref, inputs):
    check_op(fn, ref, inputs)


@pytest.mark.parametrize(("fn", "ref", "inputs"), SHAPE_OPS)
def test_shape_op_grad(fn, ref, inputs):
    check_op(fn, ref, inputs)


@pytest.mark.parametrize(("fn", "ref", "inputs"), ELEMENTWISE)
def test_elementwise_grad(fn, ref, inputs):
    check_op(fn, ref, inputs)


# -- the loss ops: one node each, the mean over the batch included -----------------
CLASS_LABELS = np.array([2, 0, 3, 3, 1])
CLASS_PROBABILITIES = RNG.dirichlet(np.ones(4), size=5)


def np_nll(x: np.ndarray) -> np.ndarray:
    """-ln softmax(x) along the last axis, computed independently of the op."""
    return np.log(np.exp(x).sum(axis=-1, keepdims=True)) - x


def mse_op(p, t):
    return tinygrad_lite.tensor.apply(tinygrad_lite.ops.MSE, p, t)


def cross_entropy_op(x, target):
    return tinygrad_lite.tensor.apply(tinygrad_lite.ops.CrossEntropy, x, Tensor(target, dtype=target.dtype))


LOSS_OPS = [
    case("mse", mse_op, lambda p, t: np.mean((p - t) ** 2), normal(3, 4), normal(3, 4)),
    case(
        "cross_entropy-labels",
        lambda x: cross_entropy_op(x, CLASS_LABELS),
        lambda x: np.mean(np_nll(x)[np.arange(5), CLASS_LABELS]),
        2 * normal(5, 4),
    ),
    case(
        "cross_entropy-probabilities",
        lambda x: cross_entropy_op(x, CLASS_PROBABILITIES),
        lambda x: np.mean((CLASS_PROBABILITIES * np_nll(x)).sum(axis=-1)),
        2 * normal(5, 4),
    ),
]


@pytest.mark.parametrize(("fn", "ref", "inputs"), LOSS_OPS)
def test_loss_op_grad(fn, ref, inputs):
    check_op(fn, ref, inputs)


def test_mse_op_gives_exactly_the_composed_loss_and_gradients():
    p_np, t_np = normal(4, 3), normal(4, 3)
    fused = [Tensor(p_np, requires_grad=True), Tensor(t_np, requires_grad=True)]
    loss = mse_op(*fused)
    composed = [Tensor(p_np, requires_grad=True), Tensor(t_np, requires_grad=True)]
    d = composed[0] - composed[1]
    reference = (d * d).mean()
    (0.5 * loss).backward()
    (0.5 * reference).backward()
    assert loss.op == "mse" and loss.parents == tuple(fused)
    np.testing.assert_array_equal(loss.data, reference.data)
    for a, b in zip(fused, composed):
        np.testing.assert_array_equal(a.grad, b.grad)


def test_cross_entropy_op_is_one_node_whose_labels_get_no_gradient():
    x = Tensor(2 * normal(5, 4), requires_grad=True)
    loss = cross_entropy_op(x, CLASS_LABELS)
    assert loss.op == "cross_entropy" and loss.shape == ()
    assert loss.parents[0] is x and not loss.parents[1].requires_grad
    loss.backward()
    e = np.exp(x.data - x.data.max(axis=1, keepdims=True))
    one_hot = np.eye(4)[CLASS_LABELS]
    np.testing.assert_allclose(x.grad, (e / e.sum(axis=1, keepdims=True) - one_hot) / 5, rtol=1e-13)


# -- fast paths that must not change a number ---------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64])
@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (0, True), ((0, 2), False), (-1, False)])
def test_mean_is_numpy_mean_to_the_last_bit(dtype, axis, keepdims):
    x = (RNG.standard_normal((3, 5, 7)) * 100).astype(dtype)
    out = Tensor(x, dtype=dtype).mean(axis=axis, keepdims=keepdims)
    expected = np.mean(x, axis=axis, keepdims=keepdims)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mean_of_nothing_is_nan_without_a_warning_like_pytorch(dtype):
    x = Tensor(np.zeros(0), requires_grad=True, dtype=dtype)
    out = x.mean()
    assert np.isnan(out.item()) and out.dtype == dtype
    out.backward()
    assert x.grad.shape == (0,)
    np.testing.assert_array_equal(Tensor(np.zeros((2, 0)), dtype=dtype).mean(axis=1).data, [np.nan] * 2)
    assert Tensor(np.zeros((0, 3))).mean(axis=1).shape == (0,)


@pytest.mark.parametrize("n", [3, 5000], ids=["small", "large"])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_reduction_gradient_is_the_same_for_small_and_large_inputs(n, reduce):
    # small inputs get a new array, large ones a broadcast view: the leaf's grad is its own either way
    x = Tensor(np.ones((n, 2)), requires_grad=True)
    getattr(x, reduce)(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((n, 2), 1.0 if reduce == "sum" else 0.5))
    assert x.grad.flags.writeable and x.grad.flags.owndata


def test_every_leaf_grad_is_its_own_array():
    """No leaf's grad shares memory with another tensor's data or grad, or with
    anything an op saved, though leaves keep new arrays uncopied; so a second
    backward adds the same gradient once more."""
    a, b = Tensor(normal(3, 4), requires_grad=True), Tensor(normal(3, 4), requires_grad=True)
    w, c = Tensor(normal(4, 2), requires_grad=True), Tensor(normal(2), requires_grad=True)
    t = Tensor(normal(3, 2), requires_grad=True)
    h = (a + b) @ w + c  # same-shape add: both leaves receive the very gradient flowing in
    loss = mse_op(h.reshape(2, 3).T, t) + (a * a).sum() + c.mean()
    loss.backward()
    leaves = [a, b, w, c, t]
    first = [x.grad.copy() for x in leaves]
    order = tinygrad_lite.autograd.topological_order(loss, include_constants=True)
    others = [n.data for n in order] + [n.grad for n in order if n.parents]
    others += [n.saved for n in order if isinstance(n.saved, np.ndarray)]
    for x in leaves:
        assert x.grad.flags.writeable
        for other in others + [y.grad for y in leaves if y is not x]:
            assert not np.shares_memory(x.grad, other)
    loss.backward()
    for x, g in zip(leaves, first):
        np.testing.assert_allclose(x.grad, 2 * g, rtol=1e-15)


# -- broadcasting with hypothesis ----------------------------------------------------
# symbol -> (operator, range of the left operand, range of the right operand)
BINARY = {
    "+": (operator.add, (-3.0, 3.0), (-3.0, 3.0)),
    "-": (operator.sub, (-3.0, 3.0), (-3.0, 3.0)),
    "*": (operator.mul, (-3.0, 3.0), (-3.0, 3.0)),
    "/": (operator.truediv, (-3.0, 3.0), (0.5, 3.0)),
    "**": (operator.pow, (0.5, 2.0), (-2.0, 2.0)),
}
SHAPES = mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3)


def float_arrays(shape: tuple[int, ...], bounds: tuple[float, float]):
    lo, hi = bounds
    return arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, allow_infinity=False))


def assert_grads_match_fd(out, tensors, ref, inputs):
    W = weights(out.shape)
    (out * Tensor(W)).sum().backward()
    numeric = numeric_grads(lambda *xs: np.sum(np.asarray(ref(*xs)) * W), inputs)
    for t, n in zip(tensors, numeric):
        assert t.grad is not None
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, n, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("symbol", list(BINARY))
@HYPOTHESIS
@given(data=st.data())
def test_binary_op_broadcasting(symbol, data):
    op, left, right = BINARY[symbol]
    a_shape, b_shape = data.draw(SHAPES).input_shapes
    a_np = data.draw(float_arrays(a_shape, left))
    b_np = data.draw(float_arrays(b_shape, right))
    a = Tensor(a_np, requires_grad=True)
    b = Tensor(b_np, requires_grad=True)
    out = op(a, b)
    expected = op(a_np, b_np)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert_grads_match_fd(out, [a, b], op, [a_np, b_np])
    assert a.grad.shape == a.shape
    assert b.grad.shape == b.shape


@HYPOTHESIS
@given(data=st.data())
def test_matmul_broadcasting(data):
    batch_a, batch_b = data.draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)
    ).input_shapes
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    a_shape = (k,) if data.draw(st.booleans()) else (*batch_a, n, k)
    b_shape = (k,) if data.draw(st.booleans()) else (*batch_b, k, m)
    a_np = data.draw(float_arrays(a_shape, (-2.0, 2.0)))
    b_np = data.draw(float_arrays(b_shape, (-2.0, 2.0)))
    a = Tensor(a_np, requires_grad=True)
    b = Tensor(b_np, requires_grad=True)
    out = a @ b
    expected = np.matmul(a_np, b_np)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert_grads_match_fd(out, [a, b], np.matmul, [a_np, b_np])


@pytest.mark.parametrize("symbol", list(BINARY))
@HYPOTHESIS
@given(data=st.data())
def test_number_or_array_operand_on_either_side(symbol, data):
    op, left, right = BINARY[symbol]
    tensor_on_left = data.draw(st.booleans(), label="tensor_on_left")
    kind = data.draw(st.sampled_from(["float", "int", "array"]), label="kind")
    t_bounds, c_bounds = (left, right) if tensor_on_left else (right, left)
    t_shape, c_shape = data.draw(SHAPES).input_shapes
    t_np = data.draw(float_arrays(t_shape, t_bounds))
    if kind == "float":
        const = data.draw(st.floats(*c_bounds, allow_nan=False))
    elif kind == "int":
        const = data.draw(st.integers(math.ceil(c_bounds[0]), math.floor(c_bounds[1])))
    else:
        const = data.draw(float_arrays(c_shape, c_bounds))
    const_before = np.array(const, copy=True)
    t = Tensor(t_np, requires_grad=True)

    def ref(x):
        return op(x, const) if tensor_on_left else op(const, x)

    out = ref(t)
    assert isinstance(out, Tensor)
    assert out.requires_grad
    expected = np.asarray(ref(t_np))
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert_grads_match_fd(out, [t], ref, [t_np])
    np.testing.assert_array_equal(const, const_before)  # the constant is untouched
    constants = [p for p in out.parents if p is not t]
    assert len(constants) == 1
    assert not constants[0].requires_grad
    assert constants[0].grad is None


# -- specific semantics ------------------------------------------------------------------
def test_max_ties_split_gradient_evenly():
    x = Tensor([1.0, 5.0, 5.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 0.5, 0.0])


def test_max_ties_along_axis_and_min_ties():
    x = Tensor([[1.0, 5.0, 5.0], [2.0, 2.0, 0.0]], requires_grad=True)
    out = x.max(axis=1)
    np.testing.assert_array_equal(out.data, [5.0, 2.0])
    out.backward(grad=np.array([1.0, 4.0]))
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [2.0, 2.0, 0.0]])
    y = Tensor([3.0, 1.0, 1.0, 1.0], requires_grad=True)
    y.min().backward()
    np.testing.assert_allclose(y.grad, [0.0, 1 / 3, 1 / 3, 1 / 3])


def test_repeated_integer_indices_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 1.0])
    m = Tensor(np.zeros((2, 3)), requires_grad=True)
    m[[0, 0, 1, 0], [1, 1, 2, 1]].sum().backward()
    np.testing.assert_array_equal(m.grad, [[0.0, 3.0, 0.0], [0.0, 0.0, 1.0]])


def test_index_with_a_tensor_of_indices():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    out = x[Tensor([2, 2, 0], dtype=np.int64)]
    np.testing.assert_array_equal(out.data, [30.0, 30.0, 10.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 2.0])


FLOAT32_OPS = {
    "add": lambda x, y: x + y,
    "add-int": lambda x, y: x + 1,
    "sub-float": lambda x, y: x - 2.5,
    "rsub-float": lambda x, y: 2.5 - x,
    "mul-float": lambda x, y: x * 3.0,
    "rmul-float": lambda x, y: 0.5 * x,
    "mul": lambda x, y: x * y,
    "div-float": lambda x, y: x / 3.0,
    "rdiv-float": lambda x, y: 3.0 / x,
    "div": lambda x, y: x / y,
    "pow-float": lambda x, y: x**2.0,
    "pow-int": lambda x, y: x**2,
    "rpow-float": lambda x, y: 2.0**x,
    "pow-tensor": lambda x, y: x**y,
    "matmul": lambda x, y: x @ y.T,
    "neg": lambda x, y: -x,
    "exp": lambda x, y: x.exp(),
    "log": lambda x, y: x.log(),
    "sqrt": lambda x, y: x.sqrt(),
    "abs": lambda x, y: x.abs(),
    "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: x.sigmoid(),
    "relu": lambda x, y: x.relu(),
    "clip": lambda x, y: x.clip(0.6, 0.9),
    "softmax": lambda x, y: x.softmax(),
    "log_softmax": lambda x, y: x.log_softmax(0),
    "softplus": lambda x, y: x.softplus(),
    "log_sigmoid": lambda x, y: x.log_sigmoid(),
    "sum": lambda x, y: x.sum(),
    "mean": lambda x, y: x.mean(axis=0),
    "max": lambda x, y: x.max(axis=1),
    "min": lambda x, y: x.min(),
    "reshape": lambda x, y: x.reshape(3, 2),
    "T": lambda x, y: x.T,
    "getitem": lambda x, y: x[[0, 0], 1:],
    "flatten": lambda x, y: x.flatten(),
}


@pytest.mark.parametrize("fn", list(FLOAT32_OPS.values()), ids=list(FLOAT32_OPS))
def test_float32_stays_float32(fn):
    x = Tensor([[0.5, 0.75, 1.0], [1.25, 1.5, 1.75]], dtype=np.float32, requires_grad=True)
    y = Tensor([[1.0, 2.0, 0.5], [0.25, 1.5, 3.0]], dtype=np.float32, requires_grad=True)
    out = fn(x, y)
    assert out.dtype == np.float32
    assert out.data.dtype == np.float32
    loss = (out * 0.5).sum()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad is not None
    assert x.grad.dtype == np.float32
    assert x.grad.shape == x.shape
    assert np.all(np.isfinite(x.grad))
    if y.grad is not None:
        assert y.grad.dtype == np.float32


def test_constructor_dtypes():
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(3).dtype == np.float64
    assert Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.float64
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert Tensor(np.array([1.0, 2.0]), dtype=np.float32).dtype == np.float32
    assert Tensor(np.array([1.0], dtype=np.float32)).dtype == np.float32
    t = Tensor([1.5, 2.5], dtype=np.float32, requires_grad=True)
    assert t.dtype == np.float32
    assert t.requires_grad
    np.testing.assert_array_equal(Tensor([[1, 2], [3, 4]]).data, [[1.0, 2.0], [3.0, 4.0]])


def test_requires_grad_defaults_false():
    t = Tensor([1.0, 2.0])
    assert t.requires_grad is False
    assert t.grad is None
    assert t.op == ""
    assert t.parents == ()
    assert (t * 2 + t).requires_grad is False


@pytest.mark.parametrize(("ra", "rb"), [(False, False), (True, False), (False, True), (True, True)])
def test_result_requires_grad_iff_an_input_does(ra, rb):
    a = Tensor([1.0, 2.0], requires_grad=ra)
    b = Tensor([3.0, 4.0], requires_grad=rb)
    out = a * b + a
    assert out.requires_grad == (ra or rb)
    assert a.exp().requires_grad == ra
    assert (2.0 - b).requires_grad == rb
    if ra or rb:
        assert out.op != ""
        assert len(out.parents) == 2
        out.sum().backward()
        assert (a.grad is not None) == ra
        assert (b.grad is not None) == rb
        if ra:
            np.testing.assert_array_equal(a.grad, [4.0, 5.0])
        if rb:
            np.testing.assert_array_equal(b.grad, [1.0, 2.0])


def test_no_grad_context_records_nothing():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 2 + 1).exp().sum()
    assert is_grad_enabled()
    assert y.requires_grad is False
    assert y.op == ""
    assert y.parents == ()
    np.testing.assert_allclose(y.data, np.exp(3.0) + np.exp(5.0))
    with pytest.raises(BackwardError):
        y.backward()
    z = (x * 2).sum()  # recording is back on
    assert z.requires_grad
    assert z.op != ""
    z.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_no_grad_as_decorator():
    @no_grad()
    def affine(t):
        assert not is_grad_enabled()
        return t @ t + 1.0

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = affine(x)
    assert is_grad_enabled()
    assert y.requires_grad is False
    assert y.op == ""
    assert y.parents == ()
    assert y.item() == 6.0
    assert x.grad is None


COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@pytest.mark.parametrize("op", list(COMPARISONS.values()), ids=list(COMPARISONS))
def test_comparisons_return_bool_tensors_without_grad(op):
    xv = np.array([[1.0, 2.0, 3.0], [4.0, 2.0, 0.0]])
    yv = np.array([3.0, 2.0, 1.0])
    x = Tensor(xv, requires_grad=True)
    y = Tensor(yv, requires_grad=True)
    for out, expected in [
        (op(x, y), op(xv, yv)),
        (op(x, 2.0), op(xv, 2.0)),
        (op(2.0, x), op(2.0, xv)),
        (op(x, yv), op(xv, yv)),
    ]:
        assert isinstance(out, Tensor)
        assert out.dtype == np.bool_
        assert out.requires_grad is False
        assert out.shape == expected.shape
        np.testing.assert_array_equal(out.data, expected)


# x = [-1000, 0, 1000], backward with g = [1, 2, 3]: (name, fn, value, x.grad)
STABLE = [
    ("sigmoid", lambda t: t.sigmoid(), [0.0, 0.5, 1.0], [0.0, 0.5, 0.0]),
    ("tanh", lambda t: t.tanh(), [-1.0, 0.0, 1.0], [0.0, 2.0, 0.0]),
    ("softplus", lambda t: t.softplus(), [0.0, math.log(2.0), 1000.0], [0.0, 1.0, 3.0]),
    ("log_sigmoid", lambda t: t.log_sigmoid(), [-1000.0, -math.log(2.0), 0.0], [1.0, 1.0, 0.0]),
    ("softmax", lambda t: t.softmax(), [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]),
    ("log_softmax", lambda t: t.log_softmax(), [-2000.0, -1000.0, 0.0], [1.0, 2.0, -3.0]),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("fn", "value", "expected_grad"), [s[1:] for s in STABLE], ids=[s[0] for s in STABLE]
)
def test_numerically_stable_at_plus_minus_1000(fn, value, expected_grad, dtype):
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    with warnings.catch_warnings(), np.errstate(all="raise"):  # underflow too
        warnings.simplefilter("error")
        x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True, dtype=dtype)
        out = fn(x)
        assert out.dtype == dtype and np.all(np.isfinite(out.data))
        np.testing.assert_allclose(out.data, value, rtol=rtol, atol=1e-300)
        out.backward(grad=np.array([1.0, 2.0, 3.0]))
    assert x.grad.dtype == dtype and np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, expected_grad, rtol=rtol, atol=1e-300)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_and_log_at_the_ends_follow_ieee_without_warnings(dtype):
    # exp(1000) overflows to inf and log(0) is -inf, as in NumPy; neither warns or raises
    x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True, dtype=dtype)
    x.exp().backward(grad=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.exp().data, [0.0, 1.0, np.inf])
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, np.inf])
    z = Tensor([0.0, 1.0], requires_grad=True, dtype=dtype)
    out = z.log()
    out.backward(grad=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(out.data, [-np.inf, 0.0])
    np.testing.assert_array_equal(z.grad, [np.inf, 2.0])


@pytest.mark.filterwarnings("error")
def test_softmax_and_log_softmax_gradients_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0]], requires_grad=True)
        # softmax: z = [0, 0, 1] and [.5, .5, 0]; dL/dx = z * (g - sum(g z))
        g = np.array([[1.0, 2.0, 3.0], [1.0, 3.0, 5.0]])
        x.softmax().backward(grad=g)
        np.testing.assert_allclose(x.grad, [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-12)
        x.grad = None
        # log_softmax: dL/dx = g - softmax(x) * sum(g)  (row sums of g: 6 and 9)
        out = x.log_softmax(axis=-1)
        np.testing.assert_allclose(
            out.data, [[-2000.0, -1000.0, 0.0], [-math.log(2), -math.log(2), -2000.0 - math.log(2)]]
        )
        out.backward(grad=g)
        np.testing.assert_allclose(x.grad, [[1.0, 2.0, -3.0], [-3.5, -1.5, 5.0]], atol=1e-12)
        x.grad = None
        out0 = x.log_softmax(axis=0)  # column sums of g: 2, 5, 8
        np.testing.assert_allclose(out0.data, [[-2000.0, -1000.0, 0.0], [0.0, 0.0, -2000.0]])
        out0.backward(grad=g)
        assert np.all(np.isfinite(x.grad))
        np.testing.assert_allclose(x.grad, [[1.0, 2.0, -5.0], [-1.0, -2.0, 5.0]], atol=1e-12)


@pytest.mark.parametrize("make", [Tensor.zeros, Tensor.ones, Tensor.randn, Tensor.rand])
def test_constructors_shapes_dtype_and_requires_grad(make):
    for t in (make(2, 3), make((2, 3))):
        assert t.shape == (2, 3)
        assert t.dtype == np.float64
        assert t.requires_grad is False
    assert make(4).shape == (4,)
    assert make(2, 1, 3).shape == (2, 1, 3)
    t32 = make(2, 3, dtype=np.float32)
    assert t32.dtype == np.float32
    tg = make(2, 3, requires_grad=True)
    assert tg.requires_grad is True
    assert tg.grad is None
    (tg * 2.0).sum().backward()
    np.testing.assert_array_equal(tg.grad, np.full((2, 3), 2.0))


def test_zeros_ones_values_and_rand_range():
    np.testing.assert_array_equal(Tensor.zeros(2, 3).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(Tensor.ones((3, 2)).data, np.ones((3, 2)))
    r = Tensor.rand(1000, rng=0)
    assert r.data.min() >= 0.0
    assert r.data.max() < 1.0
    assert 0.4 < r.data.mean() < 0.6
    n = Tensor.randn(4000, rng=0)
    assert abs(n.data.mean()) < 0.1
    assert 0.9 < n.data.std() < 1.1


@pytest.mark.parametrize("make", [Tensor.randn, Tensor.rand])
def test_random_constructors_reproducible(make):
    np.testing.assert_array_equal(make(2, 3, rng=7).data, make(2, 3, rng=7).data)
    assert not np.array_equal(make(2, 3, rng=7).data, make(2, 3, rng=8).data)
    a = make(2, 3, rng=np.random.default_rng(7))
    b = make(2, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    gen = np.random.default_rng(7)
    first, second = make(2, 3, rng=gen), make(2, 3, rng=gen)
    assert not np.array_equal(first.data, second.data)  # a Generator advances
    assert make(2, 3, rng=7, dtype=np.float32).dtype == np.float32


def test_numpy_item_and_attributes():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    arr = t.numpy()
    assert isinstance(arr, np.ndarray)
    np.testing.assert_array_equal(arr, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.dtype == np.float64
    assert t.size == 6
    s = t.sum()
    assert s.item() == 21.0
    assert isinstance(s.item(), float)
    assert Tensor([[2.5]]).item() == 2.5
    assert Tensor(7.0).shape == ()
    assert Tensor(7.0).ndim == 0
    assert Tensor(7.0).size == 1


def test_detach_shares_data_and_leaves_the_graph():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    d = y.detach()
    assert np.shares_memory(d.data, y.data)
    np.testing.assert_array_equal(d.data, [2.0, 4.0, 6.0])
    assert d.requires_grad is False
    assert d.grad is None
    assert d.op == ""
    assert d.parents == ()
    # gradient flows only through the non-detached path
    loss = (x.detach() * x).sum()
    loss.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])


# -- errors -----------------------------------------------------------------------------------
def test_backward_on_non_scalar_needs_grad():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(BackwardError) as info:
        y.backward()
    assert isinstance(info.value, RuntimeError)
    msg = str(info.value)
    assert "grad" in msg
    assert str((2, 3)) in msg


@pytest.mark.parametrize("shape", [(3, 2), (6,), (1, 3), (2, 3, 1), (), (2, 1)])
def test_backward_refuses_wrong_shaped_grad(shape):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2.0
    with pytest.raises(BackwardError):
        y.backward(grad=np.ones(shape))
    assert x.grad is None


def test_backward_without_requires_grad_raises():
    with pytest.raises(BackwardError):
        Tensor([1.0]).backward()
    with pytest.raises(BackwardError):
        (Tensor([1.0, 2.0]) * 3.0).sum().backward()


INCOMPATIBLE = [
    ("+", operator.add, (2, 3), (4,)),
    ("-", operator.sub, (2, 3), (3, 2)),
    ("*", operator.mul, (5,), (4,)),
    ("/", operator.truediv, (2, 3), (2, 2)),
    ("**", operator.pow, (3,), (2, 1, 2)),
    ("@", operator.matmul, (2, 3), (4, 2)),
    ("@", operator.matmul, (3,), (4,)),
    ("@", operator.matmul, (2, 2, 3), (3, 3, 1)),
]


@pytest.mark.parametrize(
    ("symbol", "op", "a_shape", "b_shape"),
    INCOMPATIBLE,
    ids=[f"{s}-{a}-{b}" for s, _, a, b in INCOMPATIBLE],
)
def test_incompatible_shapes_raise_shape_error(symbol, op, a_shape, b_shape):
    a = Tensor(np.ones(a_shape), requires_grad=True)
    b = Tensor(np.ones(b_shape))
    for left, right in [(a, b), (a, b.data), (a.data, b)]:
        with pytest.raises(ShapeError) as info:
            op(left, right)
        assert isinstance(info.value, ValueError)
        msg = str(info.value)
        assert symbol in msg
        assert str(a_shape) in msg
        assert str(b_shape) in msg


@pytest.mark.parametrize("data", ["abc", ["a", "b"]], ids=["str", "list-of-str"])
def test_non_numeric_data_is_a_type_error(data):
    with pytest.raises(TypeError):
        Tensor(data)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_tensor_cannot_require_grad(dtype):
    with pytest.raises(TypeError):
        Tensor([1, 2], dtype=dtype, requires_grad=True)
    assert Tensor([1, 2], dtype=dtype).dtype == dtype  # fine without requires_grad


def test_error_classes():
    assert issubclass(tinygrad_lite.BackwardError, RuntimeError)
    assert issubclass(tinygrad_lite.ShapeError, ValueError)


# -- vector-Jacobian products --------------------------------------------------------------
VJP = [
    same("vjp-mul-broadcast", lambda x, y: x * y, normal(3, 4), normal(4)),
    same("vjp-matmul", lambda x, y: x @ y, normal(3, 4), normal(4, 2)),
    same("vjp-batched-matmul", lambda x, y: x @ y, normal(2, 3, 4), normal(4, 2)),
    case("vjp-softmax", lambda x: x.softmax(axis=0), lambda x: np_softmax(x, 0), normal(3, 4)),
    case("vjp-log_softmax", lambda x: x.log_softmax(), lambda x: np.log(np_softmax(x, -1)), normal(3, 4)),
    case("vjp-sum-axis", lambda x: x.sum(axis=1), lambda x: x.sum(axis=1), normal(3, 4)),
    case("vjp-getitem", lambda x: x[[0, 0, 2], 1:], lambda x: x[[0, 0, 2], 1:], normal(3, 4)),
    case("vjp-tanh-T", lambda x: x.tanh().T, lambda x: np.tanh(x).T, normal(3, 4)),
]


@pytest.mark.parametrize("as_tensor", [False, True], ids=["array-grad", "tensor-grad"])
@pytest.mark.parametrize(("fn", "ref", "inputs"), VJP)
def test_backward_with_grad_is_vector_jacobian_product(fn, ref, inputs, as_tensor):
    tensors = [Tensor(np.array(a), requires_grad=True) for a in inputs]
    out = fn(*tensors)
    g = np.random.default_rng(99).standard_normal(out.shape)
    out.backward(grad=Tensor(g) if as_tensor else g)
    numeric = numeric_grads(lambda *xs: np.sum(ref(*xs) * g), inputs)
    for t, n in zip(tensors, numeric):
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, n, rtol=RTOL, atol=ATOL)


def test_an_ops_quiet_floating_point_settings_stay_in_its_own_thread():
    """Ops silence expected overflow (exp(1000) = inf) for their own call only:
    threads running them at once each keep the error settings they chose
    (NumPy 1.x's errstate decorator, shared by all calls, mixed them up)."""
    x = Tensor([1000.0, -1000.0])
    kept = {}

    def worker(mode: str) -> None:
        with np.errstate(over=mode, under=mode):
            for _ in range(5_000):
                x.exp()
            kept[mode] = np.geterr()["over"]

    run_concurrently(worker, [(m,) for m in ("raise", "warn", "print", "call")])
    assert kept == {"raise": "raise", "warn": "warn", "print": "print", "call": "call"}


# -- PyTorch and NumPy habits: in place, conversions, indexing, promotion ------------
def test_in_place_under_no_grad_updates_the_same_parameter_object():
    w = Tensor([1.0, 2.0], requires_grad=True)
    held = {"w": w}
    w.grad = np.array([10.0, -10.0])
    with no_grad():
        for p in held.values():
            p -= 0.1 * p.grad
            p += 1
            p *= 2
            p /= 4
            p **= 2
    assert held["w"] is w and w.requires_grad
    np.testing.assert_array_equal(w.data, [0.25, 4.0])
    with pytest.raises(TypeError, match="write x = x @ y"):
        w @= np.eye(2)


def test_in_place_on_a_leaf_that_requires_grad_while_recording_says_to_use_no_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for update in (
        lambda: operator.iadd(w, 1),
        lambda: operator.isub(w, 1),
        lambda: operator.imul(w, 2),
        lambda: operator.itruediv(w, 2),
        lambda: operator.ipow(w, 2),
        lambda: w.__setitem__(0, 5.0),
    ):
        with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
            update()
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_in_place_on_a_computed_tensor_records_a_new_node():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    before = y
    y += x  # y = y + x: dy/dx = 3
    assert y is not before and y.op == "+"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    np.testing.assert_array_equal(before.data, [2.0, 4.0])  # the old node is untouched


def test_running_sum_from_a_plain_tensor_builds_the_graph():
    """``total += term`` with a total that does not require grad and terms that
    do records the sum, as in PyTorch, instead of dropping the graph."""
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    total = Tensor(0.0)
    for i in range(3):
        total += x[i] * (i + 1)
    assert total.requires_grad
    total.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])


def test_in_place_on_data_without_grad_keeps_the_object_and_shares_views():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    same = t
    t += Tensor([10.0, 20.0])  # broadcast into t's own shape
    t[0, 1] = -1.0
    t[Tensor([True, False])] *= 2  # item assignment of a masked update
    assert t is same
    np.testing.assert_array_equal(t.data, [[22.0, -2.0], [13.0, 24.0]])


def test_in_place_refuses_what_would_be_lost():
    ints = Tensor([1, 2, 3], dtype=np.int64)
    with pytest.raises(TypeError, match="dtype int64 cannot hold"):
        ints += 0.5
    with pytest.raises(TypeError, match="dtype int64 cannot hold"):
        ints /= 2
    with pytest.raises(TypeError, match="negative integer power"):
        ints **= -1
    with pytest.raises(TypeError, match="dtype int64 cannot hold"):
        ints[0] = 2.5
    with pytest.raises(ShapeError, match=r"cannot change x's shape \(3,\)"):
        ints += np.ones((2, 3), np.int64)
    np.testing.assert_array_equal(ints.data, [1, 2, 3])
    ints += 2
    np.testing.assert_array_equal(ints.data, [3, 4, 5])
    frozen = Tensor(np.broadcast_to(np.float64(1.0), (3,)))
    with pytest.raises(ValueError, match="read-only"):
        frozen += 1


def test_item_assignment_that_cannot_be_recorded_says_what_to_do():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="Build the result with ops"):
        y[0] = 0.0
    z = Tensor.zeros(2)
    with pytest.raises(RuntimeError, match="Build the result with ops"):
        z[0] = x.sum()
    with no_grad():
        y[0] = 0.0
    np.testing.assert_array_equal(y.data, [0.0, 4.0])


def test_python_conversions_and_formatting_of_one_element_tensors():
    loss = Tensor([[0.123456]], requires_grad=True)
    assert f"{loss:.4f}" == "0.1235" and format(loss, ".2e") == "1.23e-01"
    assert f"{loss}" == repr(loss)
    assert int(Tensor([2.7])) == 2 and int(Tensor(-2.7)) == -2 and float(Tensor([2.5])) == 2.5
    with pytest.raises(TypeError, match=r"one-element tensor, got shape \(2,\)"):
        f"{Tensor([1.0, 2.0]):.3f}"
    with pytest.raises(ValueError, match="one-element"):
        int(Tensor([1.0, 2.0]))


def test_numpy_reductions_on_a_tensor_return_differentiable_tensors():
    x = Tensor([[1.0, 5.0], [3.0, -2.0]], requires_grad=True)
    total = np.sum(x) + np.mean(x, axis=0).sum() + np.max(x) + np.min(x, axis=1, keepdims=True).sum()
    assert isinstance(total, Tensor)
    total.backward()
    np.testing.assert_array_equal(x.grad, [[2.5, 2.5], [1.5, 2.5]])
    with pytest.raises(TypeError, match="no out= array"):
        np.sum(x, out=np.zeros(()))
    with pytest.raises(TypeError, match="axis and keepdims only"):
        x.sum(where=True)


def test_comparing_with_none_is_a_plain_bool():
    t = Tensor([1.0, 2.0])
    assert (t == None) is False  # noqa: E711 - the habit under test
    assert (t != None) is True  # noqa: E711
    assert t not in [None]


def test_transpose_and_permute_refuse_what_is_not_a_permutation():
    x = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(ShapeError, match="each of the 3 axes exactly once"):
        x.permute(0, 0, 1)
    with pytest.raises(ShapeError, match="each of the 3 axes exactly once"):
        x.permute(0, 1)
    with pytest.raises(ShapeError, match="out of range"):
        x.transpose(0, 3)
    assert x.transpose(2, 1, 0).shape == (4, 3, 2) == x.transpose().shape
    assert Tensor(np.zeros((2, 3))).transpose(0, 1).shape == (3, 2)
    assert Tensor(np.zeros(3)).transpose().shape == (3,)


def test_index_arrays_must_hold_integers_or_bools():
    x = Tensor([10.0, 20.0, 30.0])
    for index in (Tensor([0.7, 1.9]), Tensor([0, 2]), np.array([0.0, 1.0]), [0.5, 1.0]):
        with pytest.raises(IndexError, match="must hold integers or bools"):
            x[index]
    np.testing.assert_array_equal(x[Tensor([0, 2], dtype=np.int32)].data, [10.0, 30.0])
    np.testing.assert_array_equal(x[[True, False, True]].data, [10.0, 30.0])
    np.testing.assert_array_equal(x[[]].data, np.empty(0))
    assert Tensor([True, False]).dtype == np.bool_ and Tensor(np.array([True])).dtype == np.bool_


def test_a_number_too_big_for_an_integer_tensor_widens_it_instead_of_wrapping():
    small = Tensor([0, 200], dtype=np.uint8)
    wide = small + 300
    assert wide.dtype == np.uint16
    np.testing.assert_array_equal(wide.data, [300, 500])
    assert (small * -1).dtype == np.int16
    assert (Tensor([True, False]) * 2).dtype == np.int64
    assert (Tensor([1.0], dtype=np.float32) * 1e3).dtype == np.float32
    assert (Tensor([1], dtype=np.int32) * np.float64(0.5)).dtype == np.float64
    assert (Tensor([1], dtype=np.int32) + np.int64(2)).dtype == np.int32


def test_integer_tensors_to_negative_integer_powers_are_refused_clearly():
    with pytest.raises(TypeError, match="negative integer power"):
        Tensor([1, 2], dtype=np.int64) ** -1
    np.testing.assert_array_equal((Tensor([1, 2], dtype=np.int64) ** -1.0).data, [1.0, 0.5])


def test_assigning_data_converts_or_refuses_at_once():
    t = Tensor([1.0, 2.0], requires_grad=True)
    t.data = [3, 4]
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, [3.0, 4.0])
    with pytest.raises(TypeError, match="numeric data"):
        t.data = "abc"
    with pytest.raises(TypeError, match="floating-point data"):
        t.data = np.array([1, 2])
    np.testing.assert_array_equal(t.data, [3.0, 4.0])


@pytest.mark.parametrize(
    ("make", "dtype", "values"),
    [
        pytest.param(lambda b, i, f: b * 2, np.int64, [2, 0], id="bool*2"),
        pytest.param(lambda b, i, f: b * 2.5, np.float64, [2.5, 0.0], id="bool*2.5"),
        pytest.param(lambda b, i, f: b + True, np.bool_, [True, True], id="bool+True"),
        pytest.param(lambda b, i, f: i * 2, np.int32, [2, 4], id="int32*2"),
        pytest.param(lambda b, i, f: i * 2.5, np.float64, [2.5, 5.0], id="int32*2.5"),
        pytest.param(lambda b, i, f: 0.5 * i, np.float64, [0.5, 1.0], id="0.5*int32"),
        pytest.param(lambda b, i, f: i**0.5, np.float64, [1.0, 2**0.5], id="int32**0.5"),
        pytest.param(lambda b, i, f: 0.7**i, np.float64, [0.7, 0.49], id="0.7**int32"),
        pytest.param(lambda b, i, f: 2**i, np.int32, [2, 4], id="2**int32"),
        pytest.param(lambda b, i, f: f * 2.5, np.float32, [2.5, 5.0], id="float32*2.5"),
        pytest.param(lambda b, i, f: i.clip(0.5, 1.5), np.float64, [1.0, 1.5], id="int32.clip(0.5,1.5)"),
        pytest.param(lambda b, i, f: i.clip(1, 1), np.int32, [1, 1], id="int32.clip(1,1)"),
        pytest.param(lambda b, i, f: (f > 1) * 2.5, np.float64, [0.0, 2.5], id="mask*2.5"),
    ],
)
def test_number_promotion_is_the_same_on_every_numpy(make, dtype, values):
    """The dtype rule, pinned without PyTorch, so that CI's NumPy 1.26 run
    (value-based casting) checks it as well as NumPy 2 (test_against_torch
    compares the same rule with PyTorch)."""
    out = make(Tensor([True, False]), Tensor([1, 2], dtype=np.int32), Tensor([1.0, 2.0], dtype=np.float32))
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data.astype(float), values, rtol=1e-7)
