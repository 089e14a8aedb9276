"""The image ops of issue 17: `conv2d` with ``dilation=`` and ``groups=``,
`max_pool2d` with ``padding=``, `avg_pool2d`, and the layers `nn.Conv2d`
(dilation, groups), `nn.MaxPool2d` (padding) and `nn.AvgPool2d`: values and
gradients (input, weight, bias) against torch.nn.functional in float64 and
against central finite differences, zero-size batches, float32 kept, and the
errors for bad shapes and arguments.

Every test runs with warnings as errors. The PyTorch tests skip when torch is
not installed; everything else runs without it."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_lite import ShapeError, Tensor, backward_steps, gradcheck

try:
    import torch
except ImportError:
    torch = None
F = None if torch is None else torch.nn.functional

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)
pytestmark = pytest.mark.filterwarnings("error")

RTOL, ATOL = 1e-10, 1e-12


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def torch_compare(tl_fn, torch_fn, arrays: list[np.ndarray], exact: bool = False) -> Tensor:
    """Outputs, then every input's gradient for a random upstream gradient
    (passed to backward as is, so -inf outputs stay harmless)."""
    tl_inputs = [Tensor(a, requires_grad=True) for a in arrays]
    th_inputs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, th_out = tl_fn(*tl_inputs), torch_fn(*th_inputs)
    check = np.testing.assert_array_equal if exact else close
    assert out.shape == tuple(th_out.shape) and out.dtype == np.float64
    check(out.data, th_out.detach().numpy())
    g = normal(*out.shape, seed=99)
    out.backward(g)
    th_out.backward(torch.tensor(g))
    for x, th_x in zip(tl_inputs, th_inputs):
        assert x.grad.dtype == np.float64 and x.grad.shape == x.shape
        check(x.grad, th_x.grad.numpy())
    return out


def close(actual, expected) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


# -- conv2d: dilation and groups ---------------------------------------------------------------
# (id, x shape, weight shape, bias, stride, padding, dilation, groups)
CONV_CASES = [
    ("dilation2", (2, 3, 9, 9), (4, 3, 3, 3), True, 1, 0, 2, 1),
    ("dilation(2,3)-padding", (2, 2, 10, 11), (3, 2, 3, 2), True, 1, (2, 1), (2, 3), 1),
    ("dilation-stride", (1, 2, 12, 12), (2, 2, 3, 3), False, 2, 1, 2, 1),
    ("groups2", (2, 4, 7, 7), (6, 2, 3, 3), True, 1, 1, 1, 2),
    ("groups2-no-bias", (2, 4, 6, 5), (4, 2, 2, 3), False, 1, 0, 1, 2),
    ("depthwise", (3, 5, 6, 6), (5, 1, 3, 3), True, 1, 1, 1, 5),
    ("depthwise-multiplier", (2, 3, 6, 7), (6, 1, 3, 3), True, (1, 2), 0, 1, 3),
    ("groups-dilation-stride-padding", (2, 6, 11, 9), (9, 2, 3, 2), True, (2, 1), (1, 2), (2, 1), 3),
    ("groups4-1x1", (2, 8, 4, 4), (4, 2, 1, 1), True, 1, 0, 1, 4),
    ("kernel-as-large-as-dilated-input", (1, 2, 5, 5), (2, 1, 3, 3), True, 1, 0, 2, 2),
]


@needs_torch
@pytest.mark.parametrize(
    "x_shape, w_shape, bias, stride, padding, dilation, groups",
    [c[1:] for c in CONV_CASES],
    ids=[c[0] for c in CONV_CASES],
)
def test_conv2d_matches_pytorch(x_shape, w_shape, bias, stride, padding, dilation, groups):
    arrays = [normal(*x_shape), normal(*w_shape, seed=1)] + ([normal(w_shape[0], seed=2)] if bias else [])
    kw = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    torch_compare(lambda *t: t[0].conv2d(*t[1:], **kw), lambda *t: F.conv2d(*t, **kw), arrays)


@pytest.mark.parametrize(
    "case", [c for c in CONV_CASES if c[0] in ("dilation(2,3)-padding", "groups2", "depthwise")]
)
def test_conv2d_gradients_match_finite_differences(case):
    _, x_shape, w_shape, _, stride, padding, dilation, groups = case
    x, w = Tensor(normal(*x_shape), requires_grad=True), Tensor(normal(*w_shape, seed=1), requires_grad=True)
    b = Tensor(normal(w_shape[0], seed=2), requires_grad=True)
    out_shape = x.conv2d(w, b, stride, padding, dilation, groups).shape
    weights = Tensor(normal(*out_shape, seed=3))
    assert gradcheck(
        lambda x, w, b: (x.conv2d(w, b, stride, padding, dilation, groups) * weights).sum(), x, w, b
    )


def test_groups_convolve_each_group_alone():
    """Two groups are two separate convolutions, their outputs side by side."""
    x, w, b = Tensor(normal(2, 4, 5, 5)), Tensor(normal(6, 2, 3, 3, seed=1)), Tensor(normal(6, seed=2))
    grouped = x.conv2d(w, b, padding=1, groups=2).data
    first = x[:, :2].conv2d(w[:3], b[:3], padding=1).data
    second = x[:, 2:].conv2d(w[3:], b[3:], padding=1).data
    np.testing.assert_allclose(grouped, np.concatenate([first, second], axis=1), rtol=1e-12)


def test_dilation_is_a_kernel_with_zeros_between_its_taps():
    x, w = Tensor(normal(1, 2, 9, 9)), normal(3, 2, 2, 3, seed=1)
    spread = np.zeros((3, 2, 3, 5))
    spread[:, :, ::2, ::2] = w
    np.testing.assert_allclose(
        x.conv2d(Tensor(w), dilation=2).data, x.conv2d(Tensor(spread)).data, rtol=1e-12
    )


@needs_torch
def test_conv2d_of_an_empty_batch_as_pytorch():
    kw = {"padding": 1, "groups": 2}
    arrays = [np.zeros((0, 4, 6, 6)), normal(4, 2, 2, 3, seed=1), normal(4, seed=2)]
    torch_compare(lambda *t: t[0].conv2d(*t[1:], **kw), lambda *t: F.conv2d(*t, **kw), arrays)


def test_conv2d_of_no_channels_is_the_bias():
    """An empty sum is 0 (PyTorch 2.13 returns an output with no channels here instead)."""
    x, w = (
        Tensor(np.zeros((2, 0, 6, 6)), requires_grad=True),
        Tensor(np.zeros((3, 0, 2, 3)), requires_grad=True),
    )
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = x.conv2d(w, b, padding=1)
    assert out.shape == (2, 3, 7, 6)
    np.testing.assert_array_equal(out.data, np.broadcast_to(b.data.reshape(3, 1, 1), (2, 3, 7, 6)))
    out.sum().backward()
    assert x.grad.shape == x.shape and w.grad.shape == w.shape and b.grad.tolist() == [84.0] * 3


def test_conv2d_keeps_float32():
    x = Tensor(normal(2, 4, 6, 6).astype(np.float32), requires_grad=True)
    w = Tensor(normal(4, 2, 3, 3, seed=1).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    out = x.conv2d(w, b, padding=2, dilation=2, groups=2)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


# -- max_pool2d: padding ---------------------------------------------------------------------
# (id, shape, kernel, stride, padding)
POOL_CASES = [
    ("2x2-padding1", (2, 3, 5, 5), 2, None, 1),
    ("3x3-stride2-padding1", (2, 2, 7, 6), 3, 2, 1),
    ("3x3-stride1-padding1", (1, 2, 5, 5), 3, 1, 1),
    ("rect-padding(1,0)", (2, 1, 6, 7), (2, 3), (2, 1), (1, 0)),
    ("4x4-padding2", (1, 2, 6, 6), 4, 3, 2),
    ("window-larger-than-image", (1, 1, 1, 2), 3, 1, 1),
]


@needs_torch
@pytest.mark.parametrize(
    "shape, kernel, stride, padding", [c[1:] for c in POOL_CASES], ids=[c[0] for c in POOL_CASES]
)
@pytest.mark.parametrize("data", ["normal", "relu", "all-zero", "all-negative", "-inf"])
def test_max_pool2d_with_padding_matches_pytorch(shape, kernel, stride, padding, data):
    x = {
        "normal": normal(*shape),
        "relu": np.maximum(normal(*shape), 0),  # ties: the first maximum takes the gradient
        "all-zero": np.zeros(shape),
        "all-negative": -np.abs(normal(*shape)) - 1,  # padding is -inf, never 0
        "-inf": np.full(shape, -np.inf),  # padding ties: PyTorch picks the image's first pixel
    }[data]
    k = (kernel, kernel) if isinstance(kernel, int) else kernel
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    torch_compare(
        lambda x: x.max_pool2d(kernel, stride, padding),
        lambda x: F.max_pool2d(x, kernel, stride, padding),
        [x],
        exact=s[0] >= k[0] and s[1] >= k[1],  # where windows overlap, sums may differ in the last bit
    )


def test_max_pool2d_padding_gradient_matches_finite_differences():
    x = Tensor(normal(2, 2, 5, 5), requires_grad=True)
    weights = Tensor(normal(2, 2, 3, 3, seed=1))
    assert gradcheck(lambda x: (x.max_pool2d(3, 2, 1) * weights).sum(), x)


def test_max_pool2d_padding_is_minus_infinity():
    x = Tensor(-np.ones((1, 1, 2, 2)))
    assert x.max_pool2d(2, 1, 1).data.tolist() == [[[[-1.0] * 3] * 3]]


def test_max_pool2d_of_integers_pads_with_their_lowest_value():
    x = Tensor(np.array([[[[-5, -7], [-9, -6]]]]), dtype=np.int64)
    out = x.max_pool2d(2, 1, 1)
    assert out.dtype == np.int64 and out.data[0, 0].tolist() == [[-5, -5, -7], [-5, -5, -6], [-9, -6, -6]]


@needs_torch
def test_max_pool2d_of_zero_size_input_as_pytorch():
    torch_compare(
        lambda x: x.max_pool2d(2, padding=1),
        lambda x: F.max_pool2d(x, 2, padding=1),
        [np.zeros((0, 2, 4, 4))],
    )
    torch_compare(lambda x: x.max_pool2d(2), lambda x: F.max_pool2d(x, 2), [np.zeros((0, 2, 4, 4))])


def test_max_pool2d_with_padding_keeps_float32():
    x = Tensor(normal(1, 2, 5, 5).astype(np.float32), requires_grad=True)
    out = x.max_pool2d(3, 2, 1)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


# -- avg_pool2d ------------------------------------------------------------------------------
AVG_CASES = [
    ("2x2", (2, 3, 6, 6), 2, None, 0),
    ("2x2-odd-size", (2, 1, 5, 7), 2, None, 0),
    ("3x3-stride1", (1, 2, 5, 6), 3, 1, 0),
    ("3x3-stride2-padding1", (2, 2, 7, 7), 3, 2, 1),
    ("rect-padding(1,0)", (1, 3, 6, 5), (2, 3), (1, 2), (1, 0)),
    ("4x4-stride3-padding2", (1, 1, 7, 6), 4, 3, 2),
    ("window-larger-than-image", (1, 1, 1, 2), 3, 1, 1),
]


@needs_torch
@pytest.mark.parametrize(
    "shape, kernel, stride, padding", [c[1:] for c in AVG_CASES], ids=[c[0] for c in AVG_CASES]
)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_pytorch(shape, kernel, stride, padding, count_include_pad):
    torch_compare(
        lambda x: x.avg_pool2d(kernel, stride, padding, count_include_pad=count_include_pad),
        lambda x: F.avg_pool2d(x, kernel, stride, padding, count_include_pad=count_include_pad),
        [normal(*shape)],
    )


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_gradient_matches_finite_differences(count_include_pad):
    x = Tensor(normal(2, 2, 5, 6), requires_grad=True)
    weights = Tensor(normal(2, 2, 3, 3, seed=1))
    assert gradcheck(lambda x: (x.avg_pool2d(3, 2, 1, count_include_pad) * weights).sum(), x)


def test_avg_pool2d_counts_padding_as_zeros_by_default():
    x = Tensor(np.ones((1, 1, 2, 2)))
    assert x.avg_pool2d(2, 1, 1).data[0, 0].tolist() == [
        [0.25, 0.5, 0.25],
        [0.5, 1.0, 0.5],
        [0.25, 0.5, 0.25],
    ]
    assert x.avg_pool2d(2, 1, 1, count_include_pad=False).data.tolist() == [[[[1.0] * 3] * 3]]


@needs_torch
def test_avg_pool2d_of_zero_size_input_as_pytorch():
    torch_compare(
        lambda x: x.avg_pool2d(2, padding=1),
        lambda x: F.avg_pool2d(x, 2, padding=1),
        [np.zeros((0, 2, 4, 4))],
    )


def test_avg_pool2d_keeps_float32_and_gives_float64_for_integers():
    x = Tensor(normal(1, 2, 4, 4).astype(np.float32), requires_grad=True)
    out = x.avg_pool2d(2, padding=1)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
    ints = Tensor(np.arange(16).reshape(1, 1, 4, 4), dtype=np.int64).avg_pool2d(2)
    assert ints.dtype == np.float64 and ints.data[0, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]


# -- nn layers ------------------------------------------------------------------------------
@needs_torch
def test_nn_avg_pool2d_is_the_functional_op_as_torch_nn():
    x = normal(2, 3, 7, 7)
    layer = nn.AvgPool2d(3, stride=2, padding=1)
    assert (
        layer.parameters() == []
        and repr(layer) == "AvgPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    )
    out = layer(Tensor(x))
    expected = torch.nn.AvgPool2d(3, stride=2, padding=1)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.data, expected, rtol=RTOL)
    assert "AvgPool2d" in nn.__all__ and repr(nn.AvgPool2d(2, count_include_pad=False)).endswith(
        "count_include_pad=False)"
    )


@needs_torch
def test_nn_max_pool2d_takes_padding():
    x = normal(2, 3, 5, 5)
    layer = nn.MaxPool2d(3, 2, padding=1)
    assert repr(layer) == "MaxPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    expected = torch.nn.MaxPool2d(3, 2, padding=1)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(layer(Tensor(x)).data, expected)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2))"


@needs_torch
def test_nn_conv2d_with_groups_and_dilation_as_torch_nn():
    layer = nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2, rng=0)
    assert layer.weight.shape == (6, 2, 3, 3) and layer.bias.shape == (6,)
    assert repr(layer) == "Conv2d(4, 6, kernel_size=(3, 3), padding=(2, 2), dilation=(2, 2), groups=2)"
    x = normal(2, 4, 7, 7)
    expected = F.conv2d(
        torch.tensor(x),
        torch.tensor(layer.weight.data),
        torch.tensor(layer.bias.data),
        padding=2,
        dilation=2,
        groups=2,
    )
    np.testing.assert_allclose(layer(Tensor(x)).data, expected.numpy(), rtol=RTOL, atol=ATOL)


def test_nn_conv2d_initialises_from_the_grouped_weight_shape():
    """fan_in = in_channels // groups * kh * kw: a depthwise layer's weights are
    as large as a one-channel layer's."""
    depthwise = nn.Conv2d(8, 8, 3, groups=8, init="he", rng=0).weight.data
    one_channel = nn.Conv2d(1, 8, 3, init="he", rng=0).weight.data
    np.testing.assert_array_equal(depthwise, one_channel)


@pytest.mark.parametrize("in_channels, out_channels", [(3, 4), (4, 3)])
def test_nn_conv2d_refuses_channels_not_divisible_by_groups(in_channels, out_channels):
    name, given = ("in_channels", 3) if in_channels == 3 else ("out_channels", 3)
    with pytest.raises(
        ValueError, match=rf"{name} must be divisible by groups \(as PyTorch\), given {given}"
    ):
        nn.Conv2d(in_channels, out_channels, 3, groups=2)


def test_a_small_cnn_with_the_new_layers_trains_and_steps_through():
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, groups=2, rng=1),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(4, 4, 3, padding=2, dilation=2, rng=2),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 2 * 2, 3, rng=3),
    )
    x, labels = Tensor(rng.standard_normal((8, 2, 8, 8))), rng.integers(0, 3, 8)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        loss = nn.cross_entropy(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    ops = {step.node.op for step in backward_steps(nn.cross_entropy(model(x), labels))}
    assert {"conv2d", "max_pool2d", "avg_pool2d"} <= ops


def test_avg_pool2d_steps_through_with_its_local_derivative():
    x = Tensor(normal(1, 1, 4, 4), requires_grad=True, label="x")
    steps = list(backward_steps(x.avg_pool2d(2).sum()))
    lines = [line for step in steps for line in step.describe()]
    assert any("1/(kH·kW) from each window" in line for line in lines), lines


# -- errors -----------------------------------------------------------------------------------
def image(*shape: int) -> Tensor:
    return Tensor(np.zeros(shape))


def test_conv2d_names_the_channels_that_groups_expect():
    with pytest.raises(
        ShapeError,
        match=r"weight expects groups x C_in/groups = 2 x 1 = 2 input channels \(its axis 1\), given an "
        r"input with 3 channels",
    ):
        image(1, 3, 5, 5).conv2d(image(4, 1, 3, 3), groups=2)


def test_conv2d_refuses_filters_not_divisible_by_groups():
    with pytest.raises(
        ShapeError, match=r"groups=2 must divide the weight's 3 filters \(its axis 0, C_out\)"
    ):
        image(1, 4, 5, 5).conv2d(image(3, 2, 3, 3), groups=2)


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_conv2d_refuses_groups_that_are_not_a_positive_int(bad, error):
    with pytest.raises(error, match=rf"groups must be a positive int|groups must be positive, given {bad}"):
        image(1, 4, 5, 5).conv2d(image(4, 4, 3, 3), groups=bad)


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), ((1, 0), ValueError), (1.0, TypeError), ((1, 2, 3), TypeError)]
)
def test_conv2d_refuses_a_dilation_that_is_not_positive_ints(bad, error):
    with pytest.raises(error, match=r"dilation must be"):
        image(1, 1, 5, 5).conv2d(image(1, 1, 3, 3), dilation=bad)


def test_conv2d_refuses_a_dilated_kernel_larger_than_the_input():
    with pytest.raises(
        ShapeError, match=r"kernel 3x3 \(dilated to 7x7\) is larger than the padded input 5x5"
    ):
        image(1, 1, 5, 5).conv2d(image(1, 1, 3, 3), dilation=3)


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_refuses_padding_over_half_the_window(pool):
    with pytest.raises(
        ValueError, match=r"padding must be at most half the window \(as in PyTorch\), given padding"
    ):
        getattr(image(1, 1, 5, 5), pool)(3, padding=2)
    with pytest.raises(ValueError, match=r"at most \(1, 0\)"):
        getattr(image(1, 1, 5, 5), pool)((2, 1), padding=(0, 1))


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_refuses_a_window_larger_than_the_padded_input(pool):
    with pytest.raises(ShapeError, match=r"window 5x5 is larger than the input's 2x2 pixels padded to 4x4"):
        getattr(image(1, 1, 2, 2), pool)(5, padding=1)


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_refuses_a_negative_padding_and_an_input_that_is_not_4d(pool):
    with pytest.raises(ValueError, match=r"padding must be at least 0, given -1"):
        getattr(image(1, 1, 4, 4), pool)(2, padding=-1)
    with pytest.raises(ShapeError, match=rf"'{pool}'.*expected a 4-D input \(N, C, H, W\), given a 3-D one"):
        getattr(image(1, 4, 4), pool)(2)


def test_nn_pool_layers_check_their_padding_when_made():
    with pytest.raises(ValueError, match=r"padding must be at most half the window"):
        nn.AvgPool2d(2, padding=2)
    with pytest.raises(ValueError, match=r"padding must be at most half the window"):
        nn.MaxPool2d(3, padding=2)
