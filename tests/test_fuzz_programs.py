"""Random Tensor programs (hypothesis): chains of random ops (every op of the
registry but those in NOT_DRAWN) on broadcastable operands, including 0-d
tensors and 0-size dimensions, differentiated and checked against central
finite differences in float64.

Every node of a program keeps a shape that broadcasts to one base shape, so
any two nodes can meet in a binary op; the loss weights every node with its
own fixed random array, so every node's gradient reaches the inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes
from programs import draw_steps

from tinygrad_lite import Tensor, gradcheck, ops

UNARY = {
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "softplus": Tensor.softplus,
    "log_sigmoid": Tensor.log_sigmoid,
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 0.5).log(),
    "sqrt": lambda x: (x * x + 0.25).sqrt(),
    "neg": lambda x: -x,
    "softmax": lambda x: x.softmax(axis=-1) if x.ndim else x,
    "log_softmax": lambda x: x.log_softmax(axis=0) if x.ndim else x,
    "sum": lambda x: x.sum(axis=-1, keepdims=True) if x.ndim else x.sum(),
    "mean": lambda x: x.mean(axis=0, keepdims=True) if x.ndim and len(x) else x.mean() if x.size else x,
    "reshape": lambda x: x.reshape(-1).reshape(x.shape),
    "transpose": lambda x: x.T.T,
    "getitem": lambda x: x[...],
    # issue 17's ops. A kink or a jump sits away from 0 (KINK), where programs like x - x land.
    "abs": lambda x: (x + KINK).abs(),
    "relu": lambda x: (x + KINK).relu(),
    "clip": lambda x: x.clip(-KINK, 2 * KINK),
    "max": lambda x: x.max(axis=-1, keepdims=True) if x.ndim and x.shape[-1] else x,
    "min": lambda x: x.min(axis=0, keepdims=True) if x.ndim and len(x) else x,
    "sin": Tensor.sin,
    "cos": Tensor.cos,
    "tan": lambda x: x.tanh().tan(),
    "log1p": lambda x: (x * x).log1p(),
    "expm1": lambda x: x.tanh().expm1(),
    "log2": lambda x: (x * x + 0.5).log2(),
    "exp2": lambda x: x.tanh().exp2(),
    "rsqrt": lambda x: (x * x + 0.25).rsqrt(),
    "square": Tensor.square,
    "reciprocal": lambda x: (x * x + 0.5).reciprocal(),
    "sign": lambda x: (x + KINK).sign() + x,
    "floor": lambda x: (x + KINK).floor() + x,
    "ceil": lambda x: (x + KINK).ceil() + x,
    "round": lambda x: (x + KINK).round() + x,
    "trunc": lambda x: (x + KINK).trunc() + x,
    "erf": Tensor.erf,
    "leaky_relu": lambda x: (x + KINK).leaky_relu(0.1),
    "elu": lambda x: (x + KINK).elu(),
    "gelu": lambda x: x.gelu() + (x + KINK).gelu(approximate="tanh"),
    "silu": Tensor.silu,
    "softsign": Tensor.softsign,
    "relu6": lambda x: (x * 4 + KINK).relu6(),
    "hardtanh": lambda x: (x + KINK).hardtanh(),
    "astype": lambda x: x.astype(np.float32).astype(np.float64) * 0 + x.astype(np.float64),
    "var": lambda x: x.var(dim=-1, keepdim=True) if x.ndim and x.shape[-1] > 1 else x,
    "std": lambda x: (
        (x + spread(x)).std(axis=-1, keepdims=True, correction=0) if x.ndim and x.shape[-1] else x
    ),
    "prod": lambda x: x.prod(axis=-1, keepdims=True) if x.ndim else x.prod(),
    "logsumexp": lambda x: x.logsumexp(axis=-1, keepdims=True) if x.ndim and x.shape[-1] else x,
    "cumsum": lambda x: x.cumsum(axis=-1) if x.ndim else x,
    "flip": lambda x: x.flip(-1) if x.ndim else x,
    "tril": lambda x: x.tril() if x.ndim >= 2 else x,
    "triu": lambda x: x.triu(1) if x.ndim >= 2 else x,
    "expand": lambda x: x.sum(axis=-1, keepdims=True).expand(*x.shape) if x.ndim else x,
    "repeat": lambda x: x[..., :1].repeat(*[1] * (x.ndim - 1), x.shape[-1]) if x.ndim and x.shape[-1] else x,
    "pad": lambda x: x.pad(1, value=0.5)[(slice(1, -1),) * x.ndim] if x.ndim else x,
    "cat": lambda x: (
        sum(Tensor.cat([x, 2 * x], axis=-1).split(x.shape[-1], axis=-1)) if x.ndim and x.shape[-1] else x
    ),
    "stack": lambda x: Tensor.stack([x, x * 0.5], dim=-1).sum(axis=-1),
    "gather": lambda x: x.gather(-1, reversed_index(x.shape)) if x.ndim else x,
    "masked_fill": lambda x: x.masked_fill(x > KINK, 0.5),
}
BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / (y * y + 1),
    "**": lambda x, y: (x * x + 0.5) ** y.tanh(),
    "where": lambda x, y: Tensor.where(x > y, x, y * 2),
    "maximum": lambda x, y: x.maximum(y),
    "minimum": lambda x, y: x.minimum(y),
    "//": lambda x, y: (x + KINK) // (y * y + 1) + x,
    "%": lambda x, y: (x + KINK) % (y * y + 1),
}
KINK = 0.3137  # where a shifted kink or jump sits: no program value lands there by chance

# The ops no random program draws, and why (every other op of the registry must be drawn).
NOT_DRAWN = {
    "@": "needs matching inner sizes: tested on its own and against PyTorch",
    "transpose": "drawn as T.T (no shape change)",
    "bce": "a loss: tests/test_nn_losses.py and test_losses_reduction.py",
    "mse": "a loss",
    "cross_entropy": "a loss",
    "nll_loss": "a loss",
    "outside_graph": "no gradient: drawn inside where and masked_fill (the comparisons x > y)",
}


def spread(x: Tensor) -> np.ndarray:
    """Distinct offsets along the last axis: a std of equal values has no derivative."""
    return np.arange(x.shape[-1]) * 0.37 if x.ndim else np.zeros(())


def reversed_index(shape: tuple[int, ...]) -> np.ndarray:
    """Indices that gather the last axis back to front."""
    return np.broadcast_to(np.arange(shape[-1])[::-1], shape).astype(np.int64)


@st.composite
def programs(draw):
    """(leaf arrays, steps): each step is (op name, index, index or None)."""
    base = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    n_leaves = draw(st.integers(1, 3))
    shapes = draw(
        mutually_broadcastable_shapes(num_shapes=n_leaves, base_shape=base, min_side=0, max_side=3)
    ).input_shapes
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    leaves = [rng.uniform(-2, 2, shape) for shape in shapes]
    steps = draw_steps(draw, n_leaves, 8, UNARY, BINARY)
    return leaves, steps


def run(steps, *leaves: Tensor) -> Tensor:
    """The program on `leaves`; the loss is the sum of every node weighted elementwise."""
    nodes = list(leaves)
    for name, i, j in steps:
        nodes.append(UNARY[name](nodes[i]) if j is None else BINARY[name](nodes[i], nodes[j]))
    rng = np.random.default_rng(7)
    loss = Tensor(0.0)
    for node in nodes:
        loss = loss + (node * rng.standard_normal(node.shape)).sum()
    return loss


@settings(max_examples=400, deadline=None, database=None)
@given(programs())
def test_random_tensor_programs_match_finite_differences(program):
    arrays, steps = program
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    loss = run(steps, *leaves)
    assert loss.shape == ()
    assert np.isfinite(loss.item())
    loss.backward()
    for leaf in leaves:
        assert leaf.grad is not None and leaf.grad.shape == leaf.shape
        assert leaf.grad.dtype == np.float64
        assert np.all(np.isfinite(leaf.grad))
    for leaf in leaves:
        leaf.grad = None
    assert gradcheck(lambda *xs: run(steps, *xs), *leaves, atol=1e-6, rtol=1e-4)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("shape, axis", [((2, 0), -1), ((0, 3), -1), ((0,), 0), ((3, 0), 0)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_zero_size_dimensions_is_empty_and_quiet(op, shape, axis):
    """As in PyTorch: an empty input gives an empty output (NumPy's max alone
    would refuse an empty axis), without warnings."""
    x = Tensor(np.zeros(shape), requires_grad=True)
    y = getattr(x, op)(axis=axis)
    y.sum().backward()
    assert y.shape == shape and x.grad.shape == shape


def test_every_op_of_the_registry_is_drawn_or_said_why_not():
    names = {
        getattr(ops, n).name
        for n in ops.__all__
        if isinstance(getattr(ops, n), type) and hasattr(getattr(ops, n), "name")
    }
    assert names - set(UNARY) - set(BINARY) - set(NOT_DRAWN) == set()
    assert set(NOT_DRAWN) <= names  # no reason kept for an op that is gone
