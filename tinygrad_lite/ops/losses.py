"""Losses: one node each, the mean over the batch included."""

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
        gp = d * (g / d.size) * 2
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
    (e is raised to x - max(x_i) <= 0 only)."""

    name = "cross_entropy"

    @staticmethod
    @quiet(under="ignore")
    def forward(ctx: Any, x: Array, t: Array) -> Array:
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=1, keepdims=True)
        if t.dtype.kind == "f":
            neg_log_softmax = np.log(sums) - shifted
            ctx.saved = e, sums, neg_log_softmax
            return fast_mean((t * neg_log_softmax).sum(axis=1))
        ctx.saved = e, sums, None
        return fast_mean(np.log(sums[:, 0]) - shifted[np.arange(len(x)), t])

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple:
        e, sums, neg_log_softmax = ctx.saved
        t = ctx.parents[1].data
        n = len(e)
        d = e / sums  # softmax(x)
        if t.dtype.kind == "f":
            d = d * t.sum(axis=1, keepdims=True) - t
        else:
            d[np.arange(n), t] -= 1
        d *= g
        d /= n
        gt = neg_log_softmax * (g / n) if needs_grad(ctx, 1) else None
        return d, gt
