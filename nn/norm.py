"""Normalisation layers: `BatchNorm1d` and `LayerNorm`, with PyTorch's semantics.

Both compute y = (x - mean) / sqrt(var + eps) * weight + bias, composed from
Tensor ops so that the gradient reaches the input, `weight` (gamma, ones at
first) and `bias` (beta, zeros). They differ in what the mean and the biased
variance are taken over: each feature over the batch (`BatchNorm1d`), or each
sample over its last axes (`LayerNorm`).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tinygrad_lite import ShapeError, Tensor

from .layers import check_size
from .module import Module, as_tensor


def _check_eps(eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps >= 0:
        raise ValueError(f"eps must be a number >= 0, got {eps!r}")
    return float(eps)


class BatchNorm1d(Module):
    """Batch normalisation over a batch ``(N, C)`` or ``(N, C, L)``, per
    channel C (``torch.nn.BatchNorm1d``).

    Training (``model.train()``, the default): normalise by the batch's mean
    and biased variance (divided by n, the number of values per channel), and
    update the buffers ``running_mean`` (zeros at first) and ``running_var``
    (ones) as PyTorch does: r = (1 - momentum) r + momentum s, with the batch's
    *unbiased* variance (divided by n - 1); ``momentum=None`` takes the
    cumulative average instead (momentum 1 / num_batches_tracked). A batch of
    one value per channel cannot be normalised and is refused, as PyTorch does.
    Evaluation (``model.eval()``): normalise by the running statistics. With
    ``track_running_stats=False`` there are no running statistics and the
    batch's are always used. ``affine=False`` drops `weight` and `bias`."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        dtype: Any = np.float64,
    ) -> None:
        self.num_features = check_size("num_features", num_features)
        self.eps = _check_eps(eps)
        if momentum is not None and (
            isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1
        ):
            raise ValueError(f"momentum must be a number in [0, 1] or None, got {momentum!r}")
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        c = self.num_features
        self.weight = Tensor(np.ones(c), True, dtype, "weight") if affine else None
        self.bias = Tensor(np.zeros(c), True, dtype, "bias") if affine else None
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c), dtype=dtype))
            self.register_buffer("running_var", Tensor(np.ones(c), dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x)
        c = self.num_features
        if x.ndim not in (2, 3) or x.shape[1] != c:
            raise ShapeError(
                f"BatchNorm1d({c}) expects an input of shape (N, {c}) or (N, {c}, L), got {x.shape}"
            )
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, c) if x.ndim == 2 else (1, c, 1)
        if self.training or not self.track_running_stats:
            n = x.size // c
            if self.training and n <= 1:
                raise ValueError(
                    f"BatchNorm1d expects more than 1 value per channel when training, got input of "
                    f"shape {x.shape} (evaluate with model.eval(), or use a larger batch)"
                )
            mean = x.mean(axes, keepdims=True)
            var = x.var(axes, keepdims=True, correction=0)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean.data.reshape(c), var.data.reshape(c) * (n / (n - 1)))
        else:
            mean = self.running_mean.reshape(shape)  # ops on the buffers: a compiled step reads them afresh
            var = self.running_var.reshape(shape)
        out = (x - mean) / (var + self.eps).sqrt()
        if self.weight is not None:
            out = out * self.weight.reshape(*shape) + self.bias.reshape(*shape)
        return out

    def _update_running_stats(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        """r = (1 - m) r + m s for the mean and the unbiased variance, in place
        (the buffers stay the same tensors)."""
        self.num_batches_tracked.data += 1
        m = 1.0 / int(self.num_batches_tracked.data) if self.momentum is None else self.momentum
        self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mean
        self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased_var

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class LayerNorm(Module):
    """Layer normalisation over the last axes (``torch.nn.LayerNorm``): each
    sample's values over `normalized_shape` (an int for the last axis, or a
    tuple for the last few) are normalised by their own mean and biased
    variance, then scaled by `weight` (ones) and shifted by `bias` (zeros),
    both of shape `normalized_shape`; the same in training and evaluation.
    ``elementwise_affine=False`` drops both, ``bias=False`` the bias."""

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: Any = np.float64,
    ) -> None:
        dims = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else normalized_shape
        try:
            self.normalized_shape = tuple(check_size("normalized_shape", n) for n in dims)
        except TypeError:
            raise ValueError(
                f"normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}"
            ) from None
        if not self.normalized_shape:
            raise ValueError("normalized_shape must name at least one axis")
        self.eps = _check_eps(eps)
        self.elementwise_affine = bool(elementwise_affine)
        affine = self.elementwise_affine
        self.weight = Tensor(np.ones(self.normalized_shape), True, dtype, "weight") if affine else None
        self.bias = Tensor(np.zeros(self.normalized_shape), True, dtype, "bias") if affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x)
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k :] != self.normalized_shape or x.ndim < k:
            raise ShapeError(
                f"LayerNorm{self.normalized_shape} expects an input whose last axes are "
                f"{self.normalized_shape}, got {x.shape}"
            )
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axes, keepdims=True)
        var = x.var(axes, keepdims=True, correction=0)
        out = (x - mean) / (var + self.eps).sqrt()
        if self.weight is not None:
            out = out * self.weight
        if self.bias is not None:
            out = out + self.bias
        return out

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
