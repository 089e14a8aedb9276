"""`gradcheck`: compare analytic gradients with central finite differences.

For every element x_i of every input, the numerical derivative is

    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

and it must match the gradient `backward()` computes within
``atol + rtol * |numerical|``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import no_grad
from .errors import GradcheckError
from .tensor import Tensor
from .value import Value


def gradcheck(
    fn: Callable[..., Value | Tensor],
    *inputs: Value | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the gradient of ``fn(*inputs)`` with respect to each input.

    `fn` returns a scalar `Value` or a one-element `Tensor`. Every input
    with ``requires_grad=True`` is checked (other inputs are data or
    constants, which no gradient reaches); tensors must be float64, since finite
    differences in float32 are too coarse to mean anything. Returns True, or
    raises `GradcheckError` naming the input, the index and both values.
    The inputs' data and grads are left as they were.
    """
    checked = [(k, x) for k, x in enumerate(inputs) if _is_param(x)]
    if not checked:
        raise ValueError("gradcheck needs at least one Value or Tensor input with requires_grad=True")
    for k, x in checked:
        if isinstance(x, Tensor) and x.dtype != np.float64:
            raise ValueError(
                f"gradcheck needs float64 tensors, input {k} is {x.dtype}: "
                "create it with dtype=np.float64 (the default)"
            )
    saved_grads = [x.grad for _, x in checked]
    try:
        for _, x in checked:
            x.grad = 0.0 if isinstance(x, Value) else None
        out = fn(*inputs)
        _scalar(out)
        out.backward()
        analytic = [_grad_array(x) for _, x in checked]
    finally:
        for (_, x), g in zip(checked, saved_grads):
            x.grad = g
    for (k, x), grad in zip(checked, analytic):
        for index in np.ndindex(*grad.shape):
            original = _get(x, index)
            try:
                with no_grad():
                    _set(x, index, original + eps)
                    plus = _scalar(fn(*inputs))
                    _set(x, index, original - eps)
                    minus = _scalar(fn(*inputs))
            finally:
                _set(x, index, original)
            numerical = (plus - minus) / (2 * eps)
            exact = float(grad[index])
            if not abs(exact - numerical) <= atol + rtol * abs(numerical):
                name = f" ({x.label!r})" if x.label else ""
                where = f" at index {index}" if isinstance(x, Tensor) else ""
                raise GradcheckError(
                    f"gradient of input {k}{name}{where}: analytic {exact!r}, "
                    f"numerical {numerical!r} (atol={atol}, rtol={rtol})"
                )
    return True


def _is_param(x: Any) -> bool:
    return isinstance(x, (Value, Tensor)) and x.requires_grad


def _scalar(out: Any) -> float:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, Tensor) and out.size == 1:
        return float(out.item())
    raise TypeError(
        "gradcheck needs fn to return a scalar Value or a one-element Tensor, got "
        + (f"a Tensor of shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__)
    )


def _grad_array(x: Value | Tensor) -> np.ndarray:
    if isinstance(x, Value):
        return np.array(x.grad)
    return np.zeros(x.shape) if x.grad is None else x.grad


def _get(x: Value | Tensor, index: tuple) -> float:
    return x.data if isinstance(x, Value) else float(x.data[index])


def _set(x: Value | Tensor, index: tuple, v: float) -> None:
    if isinstance(x, Value):
        x.data = v
    else:
        x.data[index] = v
