"""`Tensor.conv2d` and `Tensor.max_pool2d`: gradients against central finite
differences, outputs and gradients against PyTorch in float64 (max pooling on
data with ties included), against naive loop implementations on random small
shapes (hypothesis), dtypes, error messages, and a tiny CNN that learns.

The PyTorch tests skip when torch is not installed; everything else runs without it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from tinygrad_lite import ShapeError, Tensor, gradcheck, no_grad

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)

RTOL = 1e-10
ATOL = 1e-12


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def params(*arrays: np.ndarray) -> list[Tensor]:
    return [Tensor(a, requires_grad=True) for a in arrays]


# -- naive references: explicit loops over every output element ------------------
def zero_padded(x, padding):
    (ph, pw), (n, c, h, wd) = padding, x.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    return xp


def naive_conv2d(x, w, b, stride, padding):
    (sh, sw), (c_out, _, kh, kw) = stride, w.shape
    xp = zero_padded(x, padding)
    out = np.zeros((len(x), c_out, (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1))
    for i, o, p, q in np.ndindex(*out.shape):
        patch = xp[i, :, p * sh : p * sh + kh, q * sw : q * sw + kw]
        out[i, o, p, q] = (patch * w[o]).sum() + (b[o] if b is not None else 0)
    return out


def naive_conv2d_grads(x, w, g, stride, padding):
    """dL/dx and dL/dw for dL/dz = g, element by element from the definition."""
    (sh, sw), (ph, pw), (h, wd), (kh, kw) = stride, padding, x.shape[2:], w.shape[2:]
    xp = zero_padded(x, padding)
    gxp, gw = np.zeros_like(xp), np.zeros_like(w)
    for i, o, p, q in np.ndindex(*g.shape):
        rows, cols = slice(p * sh, p * sh + kh), slice(q * sw, q * sw + kw)
        gxp[i, :, rows, cols] += g[i, o, p, q] * w[o]
        gw[o] += g[i, o, p, q] * xp[i, :, rows, cols]
    return gxp[:, :, ph : ph + h, pw : pw + wd], gw


def naive_max_pool2d(x, kernel, stride):
    """The pooled values, and dL/dx for dL/dz = ones: each window's first maximum gets 1."""
    (kh, kw), (sh, sw) = kernel, stride
    n, c, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out, gx = np.zeros((n, c, ho, wo)), np.zeros_like(x)
    for i, ch, p, q in np.ndindex(n, c, ho, wo):
        best = None
        for di in range(kh):
            for dj in range(kw):
                v = x[i, ch, p * sh + di, q * sw + dj]
                if best is None or v > best[0]:
                    best = (v, p * sh + di, q * sw + dj)
        out[i, ch, p, q] = best[0]
        gx[i, ch, best[1], best[2]] += 1
    return out, gx


# -- gradients against finite differences -----------------------------------------
CONV_CASES = [
    # (id, x shape, w shape, with bias, stride, padding)
    ("1x1-kernel", (1, 1, 3, 3), (1, 1, 1, 1), True, 1, 0),
    ("stride1-pad0", (2, 2, 5, 5), (3, 2, 3, 3), True, 1, 0),
    ("stride2-pad1", (2, 3, 6, 5), (2, 3, 3, 3), True, 2, 1),
    ("non-square-kernel", (1, 2, 5, 6), (2, 2, 2, 3), False, 1, 0),
    ("non-square-stride-padding", (2, 1, 7, 4), (2, 1, 3, 2), True, (2, 1), (0, 1)),
    ("no-bias-pad1", (3, 2, 4, 4), (2, 2, 3, 3), False, 1, 1),
    ("stride-leaves-a-remainder", (1, 2, 6, 6), (1, 2, 3, 3), True, 2, 0),
    ("kernel-equals-padded-input", (2, 1, 2, 3), (2, 1, 4, 3), True, 1, (1, 0)),
]


@pytest.mark.parametrize(
    "x_shape, w_shape, bias, stride, padding", [c[1:] for c in CONV_CASES], ids=[c[0] for c in CONV_CASES]
)
def test_conv2d_gradients_match_finite_differences(x_shape, w_shape, bias, stride, padding):
    x, w, b = params(normal(*x_shape), normal(*w_shape, seed=1), normal(w_shape[0], seed=2))
    weights = Tensor(normal(*naive_shape(x_shape, w_shape, stride, padding), seed=3))

    def loss(x, w, b):
        return (x.conv2d(w, b if bias else None, stride=stride, padding=padding) * weights).sum()

    assert gradcheck(loss, x, w, b) if bias else gradcheck(lambda x, w: loss(x, w, None), x, w)


def naive_shape(x_shape, w_shape, stride, padding) -> tuple[int, ...]:
    (sh, sw), (ph, pw) = pairs(stride), pairs(padding)
    return (
        x_shape[0],
        w_shape[0],
        (x_shape[2] + 2 * ph - w_shape[2]) // sh + 1,
        (x_shape[3] + 2 * pw - w_shape[3]) // sw + 1,
    )


def pairs(v) -> tuple[int, int]:
    return tuple(v) if isinstance(v, tuple) else (v, v)


POOL_CASES = [
    # (id, x shape, kernel_size, stride)
    ("2x2", (2, 3, 4, 4), 2, None),
    ("3x3-stride1-overlapping", (1, 2, 5, 5), 3, 1),
    ("non-square-window", (2, 1, 5, 7), (2, 3), None),
    ("floor-mode-remainder", (1, 2, 5, 7), 2, None),
    ("stride-larger-than-window", (1, 1, 7, 7), 2, 3),
    ("overlap-in-rows-only", (2, 2, 5, 6), (3, 2), (1, 2)),
]


@pytest.mark.parametrize("shape, kernel, stride", [c[1:] for c in POOL_CASES], ids=[c[0] for c in POOL_CASES])
def test_max_pool2d_gradients_match_finite_differences(shape, kernel, stride):
    (x,) = params(normal(*shape))  # distinct values: the max is differentiable
    out_shape = x.max_pool2d(kernel, stride).shape
    weights = Tensor(normal(*out_shape, seed=5))
    assert gradcheck(lambda x: (x.max_pool2d(kernel, stride) * weights).sum(), x)


# -- shapes, graph, dtypes -----------------------------------------------------------
@pytest.mark.parametrize(
    "x_shape, w_shape, stride, padding, expected",
    [
        ((2, 3, 8, 8), (4, 3, 3, 3), 1, 0, (2, 4, 6, 6)),
        ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1, (2, 4, 8, 8)),
        ((2, 3, 8, 8), (4, 3, 3, 3), 2, 1, (2, 4, 4, 4)),
        ((1, 1, 7, 5), (2, 1, 3, 2), (2, 1), (0, 1), (1, 2, 3, 6)),
        ((5, 1, 28, 28), (6, 1, 5, 5), 1, 2, (5, 6, 28, 28)),
    ],
)
def test_conv2d_output_shape(x_shape, w_shape, stride, padding, expected):
    out = Tensor(np.zeros(x_shape)).conv2d(Tensor(np.zeros(w_shape)), stride=stride, padding=padding)
    assert out.shape == expected == naive_shape(x_shape, w_shape, stride, padding)


@pytest.mark.parametrize(
    "shape, kernel, stride, expected",
    [
        ((2, 3, 8, 8), 2, None, (2, 3, 4, 4)),
        ((2, 3, 9, 7), 2, None, (2, 3, 4, 3)),
        ((2, 3, 9, 7), 3, 1, (2, 3, 7, 5)),
        ((1, 1, 6, 6), (3, 2), (1, 2), (1, 1, 4, 3)),
    ],
)
def test_max_pool2d_output_shape(shape, kernel, stride, expected):
    assert Tensor(np.zeros(shape)).max_pool2d(kernel, stride).shape == expected


def test_conv2d_with_bias_is_one_graph_node():
    x, w, b = params(normal(1, 1, 4, 4), normal(2, 1, 3, 3), normal(2))
    out = x.conv2d(w, b)
    assert out.op == "conv2d" and out.parents == (x, w, b)
    assert x.conv2d(w).parents == (x, w)
    assert x.max_pool2d(2).op == "max_pool2d"


def test_conv2d_only_computes_the_gradients_asked_for():
    x = Tensor(normal(2, 2, 5, 5))  # a constant image: only the weight and the bias learn
    w, b = params(normal(3, 2, 3, 3, seed=1), normal(3, seed=2))
    out = x.conv2d(w, b, padding=1)
    out.sum().backward()
    assert x.grad is None
    expected_gw = naive_conv2d_grads(x.data, w.data, np.ones(out.shape), (1, 1), (1, 1))[1]
    np.testing.assert_allclose(w.grad, expected_gw, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(b.grad, np.full(3, 2 * 5 * 5), rtol=RTOL)


def test_float32_stays_float32():
    x, w, b = (
        Tensor(a, requires_grad=True, dtype=np.float32)
        for a in (normal(2, 1, 5, 5), normal(3, 1, 3, 3), normal(3))
    )
    out = x.conv2d(w, b, padding=1).relu().max_pool2d(2)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    x64, w64, b64 = (Tensor(t.data.astype(np.float64), requires_grad=True) for t in (x, w, b))
    out64 = x64.conv2d(w64, b64, padding=1).relu().max_pool2d(2)
    out64.sum().backward()
    np.testing.assert_allclose(out.data, out64.data, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w.grad, w64.grad, rtol=1e-4, atol=1e-4)


def test_max_pool2d_sends_a_tie_wholly_to_the_first_maximum():
    x = Tensor(np.zeros((1, 1, 2, 4)), requires_grad=True)  # two all-zero windows (relu's usual output)
    x.data[0, 0, 1, 2] = x.data[0, 0, 1, 3] = 1.0  # the second window: a tie in its bottom row
    x.max_pool2d(2).backward(np.array([[[[3.0, 5.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0]]]])
    shared = Tensor(np.zeros(4), requires_grad=True)
    shared.max().backward()
    np.testing.assert_array_equal(shared.grad, [0.25] * 4)  # Tensor.max shares ties evenly


def test_max_pool2d_takes_a_nan_as_the_maximum_like_pytorch():
    x = Tensor([[[[1.0, np.nan, np.nan, 5.0], [0.0, 2.0, 3.0, 4.0]]]], requires_grad=True)
    out = x.max_pool2d(2)
    out.sum().backward()
    assert np.isnan(out.data).all()
    np.testing.assert_array_equal(x.grad, [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


# -- against naive loops: random small configurations (hypothesis) ------------------
@st.composite
def conv_configs(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 6))
    w = draw(st.integers(max(1, kw - 2 * pw), 6))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    w_shape = (draw(st.integers(1, 3)), shape[1], kh, kw)
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return shape, w_shape, stride, (ph, pw), draw(st.booleans()), draw(st.integers(0, 2**16))


@settings(max_examples=40, deadline=None, database=None)
@given(conv_configs())
def test_conv2d_matches_naive_loops(config):
    shape, w_shape, stride, padding, bias, seed = config
    x, w, b = params(
        normal(*shape, seed=seed), normal(*w_shape, seed=seed + 1), normal(w_shape[0], seed=seed + 2)
    )
    out = x.conv2d(w, b if bias else None, stride=stride, padding=padding)
    expected = naive_conv2d(x.data, w.data, b.data if bias else None, stride, padding)
    np.testing.assert_allclose(out.data, expected, rtol=RTOL, atol=ATOL)
    g = normal(*out.shape, seed=seed + 3)
    out.backward(g)
    gx, gw = naive_conv2d_grads(x.data, w.data, g, stride, padding)
    np.testing.assert_allclose(x.grad, gx, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w.grad, gw, rtol=RTOL, atol=ATOL)
    if bias:
        np.testing.assert_allclose(b.grad, g.sum(axis=(0, 2, 3)), rtol=RTOL, atol=ATOL)


@st.composite
def pool_configs(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(kernel[0], 7)))
    shape += (draw(st.integers(kernel[1], 7)),)
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    return shape, kernel, stride, draw(st.integers(0, 2**16))


@settings(max_examples=40, deadline=None, database=None)
@given(pool_configs())
def test_max_pool2d_matches_naive_loops_with_ties(config):
    shape, kernel, stride, seed = config
    data = np.random.default_rng(seed).integers(-1, 2, shape).astype(float)  # many ties and 0s
    (x,) = params(np.maximum(data, 0))
    out = x.max_pool2d(kernel, stride)
    out.backward(np.ones(out.shape))
    expected, gx = naive_max_pool2d(x.data, kernel, stride or kernel)
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(x.grad, gx)


# -- against PyTorch, float64 -----------------------------------------------------------
def torch_compare(tl_fn, torch_fn, arrays: list[np.ndarray], exact: bool = False) -> None:
    """Outputs and every input's gradient under a random weighting of the output."""
    tl_inputs = params(*arrays)
    th_inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    tl_out, th_out = tl_fn(*tl_inputs), torch_fn(*th_inputs)
    check = np.testing.assert_array_equal if exact else close
    check(tl_out.data, th_out.detach().numpy())
    weights = normal(*th_out.shape, seed=99)
    (tl_out * Tensor(weights)).sum().backward()
    (th_out * torch.tensor(weights)).sum().backward()
    for tl_x, th_x in zip(tl_inputs, th_inputs):
        assert tl_x.grad.dtype == np.float64
        check(tl_x.grad, th_x.grad.numpy())


def close(actual, expected) -> None:
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


@needs_torch
@pytest.mark.parametrize(
    "x_shape, w_shape, bias, stride, padding", [c[1:] for c in CONV_CASES], ids=[c[0] for c in CONV_CASES]
)
def test_conv2d_matches_pytorch(x_shape, w_shape, bias, stride, padding):
    arrays = [normal(*x_shape), normal(*w_shape, seed=1)] + ([normal(w_shape[0], seed=2)] if bias else [])
    torch_compare(
        lambda *t: t[0].conv2d(*t[1:], stride=stride, padding=padding),
        lambda *t: torch.nn.functional.conv2d(*t, stride=stride, padding=padding),
        arrays,
    )


@needs_torch
@pytest.mark.parametrize(
    "x_shape, w_shape, stride, padding",
    [
        ((4, 3, 12, 10), (8, 3, 3, 3), 1, 1),
        ((2, 8, 9, 9), (4, 8, 5, 5), 2, 2),
        ((3, 1, 8, 8), (64, 1, 3, 3), 1, 0),  # W7's shapes
        ((1, 4, 10, 7), (3, 4, 4, 1), (3, 2), (2, 0)),
    ],
)
def test_larger_conv2d_matches_pytorch(x_shape, w_shape, stride, padding):
    arrays = [normal(*x_shape), normal(*w_shape, seed=1), normal(w_shape[0], seed=2)]
    torch_compare(
        lambda x, w, b: x.conv2d(w, b, stride=stride, padding=padding),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding),
        arrays,
    )


@needs_torch
@pytest.mark.parametrize("shape, kernel, stride", [c[1:] for c in POOL_CASES], ids=[c[0] for c in POOL_CASES])
@pytest.mark.parametrize("data", ["distinct", "relu", "all-zero", "integers"])
def test_max_pool2d_matches_pytorch_exactly_even_with_ties(shape, kernel, stride, data):
    x = {
        "distinct": normal(*shape),
        "relu": np.maximum(normal(*shape), 0),  # half zeros: many all-zero windows
        "all-zero": np.zeros(shape),
        "integers": np.random.default_rng(3).integers(0, 3, shape).astype(float),
    }[data]
    torch_compare(
        lambda x: x.max_pool2d(kernel, stride),
        lambda x: torch.nn.functional.max_pool2d(x, kernel, stride),
        [x],
        # one window's gradient goes to one element; where windows overlap, a pixel adds up
        # several, in another order than PyTorch's (last-bit differences)
        exact=all(s >= k for s, k in zip(pairs(stride or kernel), pairs(kernel))),
    )


@needs_torch
def test_conv_relu_pool_stack_matches_pytorch_with_ties():
    arrays = [normal(2, 2, 8, 8), normal(4, 2, 3, 3, seed=1), normal(4, seed=2)]
    torch_compare(
        lambda x, w, b: x.conv2d(w, b, padding=1).relu().max_pool2d(2),
        lambda x, w, b: torch.nn.functional.max_pool2d(
            torch.relu(torch.nn.functional.conv2d(x, w, b, padding=1)), 2
        ),
        arrays,
    )


# -- errors: one test per mistake ---------------------------------------------------------
def image(*shape: int) -> Tensor:
    return Tensor(np.zeros(shape))


def test_conv2d_refuses_an_input_that_is_not_4d():
    with pytest.raises(
        ShapeError, match=r"expected a 4-D input \(N, C, H, W\), given a 3-D one of shape \(1, 5, 5\)"
    ):
        image(1, 5, 5).conv2d(image(2, 1, 3, 3))


def test_conv2d_refuses_a_weight_that_is_not_4d():
    with pytest.raises(ShapeError, match=r"expected a 4-D weight .* given a 2-D one of shape \(2, 9\)"):
        image(1, 1, 5, 5).conv2d(image(2, 9))


def test_conv2d_names_the_channel_mismatch():
    with pytest.raises(ShapeError, match=r"C_in = 2 input channels .* given an input with 3 channels") as err:
        image(1, 3, 5, 5).conv2d(image(4, 2, 3, 3))
    assert "'conv2d'" in str(err.value) and "(1, 3, 5, 5)" in str(err.value)


def test_conv2d_refuses_a_bias_of_the_wrong_shape():
    with pytest.raises(
        ShapeError, match=r"expected a bias of shape \(4,\) \(one per filter\), given \(4, 1\)"
    ):
        image(1, 3, 5, 5).conv2d(image(4, 3, 3, 3), image(4, 1))


def test_conv2d_refuses_a_kernel_larger_than_the_padded_input():
    with pytest.raises(ShapeError, match=r"kernel 5x5 is larger than the padded input 4x6"):
        image(1, 1, 2, 4).conv2d(image(1, 1, 5, 5), padding=1)


def test_conv2d_refuses_a_stride_that_is_not_positive():
    with pytest.raises(ValueError, match=r"stride must be positive, given \(1, 0\)"):
        image(1, 1, 5, 5).conv2d(image(1, 1, 3, 3), stride=(1, 0))


def test_conv2d_refuses_a_negative_padding():
    with pytest.raises(ValueError, match=r"padding must be at least 0, given -1"):
        image(1, 1, 5, 5).conv2d(image(1, 1, 3, 3), padding=-1)


@pytest.mark.parametrize("bad", [1.5, "1", (1, 2, 3), True])
def test_conv2d_refuses_a_stride_that_is_not_ints(bad):
    with pytest.raises(TypeError, match=r"stride must be an int or a pair of ints \(rows, columns\), given"):
        image(1, 1, 5, 5).conv2d(image(1, 1, 3, 3), stride=bad)


def test_max_pool2d_refuses_an_input_that_is_not_4d():
    with pytest.raises(
        ShapeError, match=r"'max_pool2d'.*expected a 4-D input \(N, C, H, W\), given a 2-D one"
    ):
        image(4, 4).max_pool2d(2)


def test_max_pool2d_refuses_a_window_larger_than_the_input():
    with pytest.raises(ShapeError, match=r"window 3x2 is larger than the input's 2x5 pixels"):
        image(1, 1, 2, 5).max_pool2d((3, 2))


def test_max_pool2d_refuses_a_kernel_size_that_is_not_positive():
    with pytest.raises(ValueError, match=r"kernel_size must be positive, given 0"):
        image(1, 1, 4, 4).max_pool2d(0)


def test_max_pool2d_refuses_a_stride_that_is_not_an_int():
    with pytest.raises(TypeError, match=r"stride must be an int or a pair of ints"):
        image(1, 1, 4, 4).max_pool2d(2, stride=2.0)


# -- in a network --------------------------------------------------------------------
def test_a_tiny_cnn_learns_with_sgd():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((16, 1, 6, 6))
    labels = (images[:, 0, :3].sum(axis=(1, 2)) > images[:, 0, 3:].sum(axis=(1, 2))).astype(
        int
    )  # top vs bottom
    w1, b1 = params(rng.standard_normal((4, 1, 3, 3)) * 0.5, np.zeros(4))
    w2, b2 = params(rng.standard_normal((36, 2)) * 0.2, np.zeros(2))
    opt = nn.optim.SGD([w1, b1, w2, b2], lr=0.1)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        features = Tensor(images).conv2d(w1, b1, padding=1).relu().max_pool2d(2)  # (16, 4, 3, 3)
        loss = nn.cross_entropy(features.reshape(16, 36) @ w2 + b2, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses
    with no_grad():
        assert Tensor(images).conv2d(w1, b1).max_pool2d(2).requires_grad is False
