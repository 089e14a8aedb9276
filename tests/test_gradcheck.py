"""gradcheck: accepts correct gradients, catches wrong ones, leaves inputs alone."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_lite import GradcheckError, Tensor, Value, gradcheck, ops
from tinygrad_lite.tensor import apply


class ExpWithWrongGradient(ops.Exp):
    """A user's custom op whose backward forgot nothing but got the math wrong."""

    @staticmethod
    def backward(ctx, g):
        return (2 * g * ctx.data,)


def test_passes_for_correct_value_and_tensor_gradients():
    a, b = Value(0.5), Value(-1.5)
    assert gradcheck(lambda a, b: (a * b).tanh() + a**2 / b, a, b) is True
    x = Tensor.randn(3, 2, rng=1, requires_grad=True)
    w = Tensor.randn(2, rng=2, requires_grad=True)
    assert gradcheck(lambda x, w: (x @ w).sigmoid().sum(), x, w) is True


def test_catches_a_wrong_gradient_and_names_input_index_and_values():
    const = Tensor([1.0, 2.0])
    x = Tensor([[0.1, 0.2], [0.3, 0.4]], requires_grad=True, label="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda c, x: (apply(ExpWithWrongGradient, x) * c).sum(), const, x)
    message = str(info.value)
    assert "input 1" in message and "'x'" in message and "index (0, 0)" in message
    assert f"analytic {float(2 * np.exp(0.1))!r}" in message
    assert "numerical 1.10517" in message


def test_catches_a_wrong_gradient_of_a_value():
    a = Value(0.5, label="a")
    # Copying a.data into a new Value cuts the graph: backward sees d/da = a,
    # finite differences (which move the copy too) see 2a.
    with pytest.raises(GradcheckError, match=r"input 0 \('a'\): analytic 0.5, numerical (1.0000|0.9999)"):
        gradcheck(lambda a: a * Value(a.data), a)


def test_leaves_data_and_grads_as_they_were():
    x = Tensor([0.5, 1.5], requires_grad=True)
    x.grad = np.array([7.0, 8.0])
    before = x.data.copy()
    gradcheck(lambda x: (x**3).sum(), x)
    np.testing.assert_array_equal(x.data, before)
    np.testing.assert_array_equal(x.grad, [7.0, 8.0])
    a = Value(2.0)
    a.grad = 5.0
    gradcheck(lambda a: a.exp(), a)
    assert (a.data, a.grad) == (2.0, 5.0)


def test_refuses_float32_and_non_scalar_outputs_and_no_inputs():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda x: x.sum(), Tensor([1.0], dtype=np.float32, requires_grad=True))
    with pytest.raises(TypeError, match=r"shape \(2,\)"):
        gradcheck(lambda x: x * 2, Tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(ValueError, match="at least one"):
        gradcheck(lambda x: x.sum(), Tensor([1.0]))


def test_input_the_output_does_not_depend_on_has_zero_gradient():
    x = Tensor([1.0], requires_grad=True)
    y = Tensor([2.0], requires_grad=True)
    assert gradcheck(lambda x, y: (x * 3).sum(), x, y)


def test_a_data_value_is_not_checked_and_needs_no_gradient():
    """A Value made with requires_grad=False is data: no gradient reaches it,
    so gradcheck checks only the inputs that require grad."""
    assert gradcheck(lambda a, x: a * x + a.tanh(), Value(1.5), Value(2.0, requires_grad=False))
    with pytest.raises(ValueError, match="at least one Value or Tensor input with requires_grad=True"):
        gradcheck(lambda x: x * 2, Value(2.0, requires_grad=False))
