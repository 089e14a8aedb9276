"""Training utilities: `clip_grad_norm_`, as ``torch.nn.utils``'s."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from tinygrad_lite import Tensor

from .optim import number


def _norm(x: np.ndarray, p: float) -> float:
    """The p-norm of `x` as one vector: (sum |x|^p)^(1/p); max |x| for p = inf."""
    a = np.abs(np.ravel(x))
    if a.size == 0:
        return 0.0
    if p == math.inf:
        return float(a.max())
    if p == 2.0:
        return float(np.sqrt(np.sum(a * a)))
    if p == 1.0:
        return float(np.sum(a))
    return float(np.sum(a**p) ** (1.0 / p))


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients of `parameters` (those that have one) so that their
    total norm is at most `max_norm`, as ``torch.nn.utils.clip_grad_norm_``:

        total = || (||g_1||_p, ||g_2||_p, ...) ||_p     (the norm of all gradients as one vector)
        g = g * min(max_norm / (total + 1e-6), 1)

    `norm_type` is p (a positive number, or ``math.inf`` / ``"inf"`` for the
    largest absolute value). Returns the total norm before clipping, a float
    (PyTorch returns a tensor); 0.0 when no parameter has a gradient. Each
    gradient is replaced by a scaled copy (``p.grad`` is a new array, so a
    gradient array shared with anything else is never scaled twice). With
    `error_if_nonfinite`, a NaN or infinite total norm is a RuntimeError."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    max_norm = number("clip_grad_norm_", "max_norm", max_norm)
    p = math.inf if norm_type in ("inf", "Inf") else number("clip_grad_norm_", "norm_type", norm_type)
    if not p > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive (or inf), got {norm_type!r}")
    holders = [t for t in params if t.grad is not None]
    if not holders:
        return 0.0
    total = _norm(np.array([_norm(t.grad, p) for t in holders]), p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {p} of the gradients is non-finite ({total}), "
            "so they cannot be clipped; set error_if_nonfinite=False to scale them anyway"
        )
    coef = min(max_norm / (total + 1e-6), 1.0)
    for t in holders:
        t.grad = t.grad * coef
    return total
