"""Losses: one node each, the reduction over the batch included (`MSE` and
`CrossEntropy` take the mean; `NLLLoss` also the sum or none, as PyTorch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Array, fast_mean, needs_grad, quiet


class MSE:
    """Mean squared error of a prediction p and a target t of one shape (n elements):
    z = (1/n) sum (p - t)**2;  dz/dp = 2 (p - t) / n,  dz/dt = -2 (p - t) / n."""

    name = "mse"

    @staticmethod
    def forward(ctx: Any, p: Array, t: Array) -> Array:
        d = ctx.saved = p - t
        return fast_mean(d * d)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        d = ctx.saved
        gp = d * (g / (d.size or 1)) * 2  # an empty batch: an empty gradient, without a division by 0
        return gp, (-gp if ctx.parents[1].requires_grad else None)


class CrossEntropy:
    """Softmax cross-entropy of logits x, shape (n, classes), with n integer
    labels t: the mean over the rows of -ln softmax(x_i)[t_i],
    z = (1/n) sum_i (lse(x_i) - x_i,t_i)  with lse(x_i) = ln sum_j e**x_ij;
    dz/dx = (softmax(x) - onehot(t)) / n.  The labels get no gradient.

    With rows t_i of class probabilities instead of labels:
    z = (1/n) sum_i sum_j t_ij (lse(x_i) - x_ij),  dz/dx = (softmax(x) sum_j t_ij - t) / n,
    dz/dt = -log_softmax(x) / n (as PyTorch, when t requires grad);
    a one-hot row gives exactly the loss and gradient of its label. One node
    for log_softmax, picking the label and the mean; stable as LogSoftmax
    (e is raised to x - max(x_i) <= 0 only).

    Rows whose label is `ignore_index` add nothing and are left out of the
    mean (nan when every row is), as in PyTorch: with m rows kept,
    z = (1/m) sum over kept i, and their rows of dz/dx are 0."""

    name = "cross_entropy"

    @staticmethod
    @quiet(under="ignore", invalid="ignore", divide="ignore")
    def forward(ctx: Any, x: Array, t: Array, ignore_index: int = -100) -> Array:
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=1, keepdims=True)
        if t.dtype.kind == "f":
            neg_log_softmax = np.log(sums) - shifted
            ctx.saved = e, sums, neg_log_softmax, None
            return fast_mean((t * neg_log_softmax).sum(axis=1))
        keep = t != ignore_index
        if keep.all():  # the common case: every row counts
            ctx.saved = e, sums, None, None
            return fast_mean(np.log(sums[:, 0]) - shifted[np.arange(len(x)), t])
        t = np.where(keep, t, 0)
        losses = np.where(keep, np.log(sums[:, 0]) - shifted[np.arange(len(x)), t], 0.0)
        ctx.saved = e, sums, None, (keep, t, int(keep.sum()))
        return losses.sum() / x.dtype.type(ctx.saved[3][2])

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        e, sums, neg_log_softmax, ignored = ctx.saved
        t = ctx.parents[1].data
        n = len(e)
        d = e / sums  # softmax(x)
        if t.dtype.kind == "f":
            d = d * t.sum(axis=1, keepdims=True) - t
        elif ignored is None:
            d[np.arange(n), t] -= 1
        else:  # rows with the ignored label get no gradient; the mean is over the m others
            keep, t, n = ignored
            d[np.arange(len(e)), t] -= 1
            d *= keep[:, None]
        d *= g
        d /= n or 1  # every row ignored: d is 0, as in PyTorch
        gt = neg_log_softmax * (g / (n or 1)) if needs_grad(ctx, 1) else None  # n = 0: empty, no warning
        return d, gt


class NLLLoss:
    """Negative log-likelihood of log-probabilities x at integer labels t, as
    torch.nn.functional.nll_loss: x is (classes,) for one sample, else (n, classes,
    d1, ...) with t of shape (n, d1, ...) (classes on axis 1).

    Each label picks one element: l = -x[t] (0 where t == ignore_index);
    z = sum(l) / (the number of labels not ignored) for reduction "mean" (nan if
    all are ignored, as in PyTorch), sum(l) for "sum", l itself for "none".
    dz/dx = -1/count ("mean"), -1 ("sum") or -g ("none") at each picked element,
    0 elsewhere. The labels get no gradient."""

    name = "nll_loss"

    @staticmethod
    @quiet(invalid="ignore")  # 0/0: a mean over no labels is nan
    def forward(ctx: Any, x: Array, t: Array, reduction: str, ignore_index: int) -> Array:
        axis = 0 if x.ndim == 1 else 1
        keep = t != ignore_index
        index = np.expand_dims(np.where(keep, t, 0), axis)
        losses = np.where(keep, -np.take_along_axis(x, index, axis).squeeze(axis), 0.0)
        count = int(keep.sum())
        ctx.saved = axis, index, keep, count, reduction
        if reduction == "none":
            return losses
        total = losses.sum()
        return total if reduction == "sum" else total / x.dtype.type(count)

    @staticmethod
    @quiet(divide="ignore", invalid="ignore")
    def backward(ctx: Any, g: Array) -> tuple:
        axis, index, keep, count, reduction = ctx.saved
        scale = -g / count if reduction == "mean" else -g
        picked = np.where(keep, scale, 0)  # ignored labels get 0 (also when count is 0)
        dx = np.zeros_like(ctx.parents[0].data)
        np.put_along_axis(dx, index, np.expand_dims(picked, axis).astype(dx.dtype, copy=False), axis)
        return dx, None
