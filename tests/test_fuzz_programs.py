"""Random Tensor programs (hypothesis): chains of random ops on broadcastable
operands, including 0-d tensors and 0-size dimensions, differentiated and
checked against central finite differences in float64.

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

from tinygrad_lite import Tensor, gradcheck

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
}
BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / (y * y + 1),
    "**": lambda x, y: (x * x + 0.5) ** y.tanh(),
}


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


@settings(max_examples=150, deadline=None, database=None)
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
