"""Loss functions, each also as a Module (``nn.MSELoss()(pred, target)``).

Every loss is the mean over its elements (over the batch). Targets may be
Tensors, arrays or lists. Where a prediction and a target of different shapes
would broadcast into a silently wrong loss (``(4, 1)`` against ``(4,)`` gives a
4x4 matrix of differences), the loss refuses them instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite import ShapeError, Tensor
from tinygrad_lite import ops as _ops
from tinygrad_lite.tensor import apply

from .module import Module, as_tensor


def _pair(name: str, pred: Any, target: Any) -> tuple[Tensor, Tensor]:
    """Prediction and target as Tensors of one shape, or a ShapeError."""
    pred = as_tensor(pred, "prediction")
    target = as_tensor(target, "target", pred.data.dtype)
    if pred.data.shape != target.data.shape:
        raise ShapeError(
            f"{name}: prediction shape {pred.shape} and target shape {target.shape} differ; "
            "broadcasting them would compute a wrong loss. Give the target the prediction's "
            f"shape, e.g. target.reshape{pred.shape}"
        )
    return pred, target


def mse_loss(pred: Tensor, target: Any) -> Tensor:
    """Mean squared error: mean((pred - target)**2), one graph node (`ops.MSE`)."""
    pred, target = _pair("mse_loss", pred, target)
    return apply(_ops.MSE, pred, target)


def _check_order(name: str, pred: Any, target: Any) -> None:
    """Refuse a target that is being trained while the prediction is a plain
    array: the arguments are swapped (Keras and scikit-learn put y_true
    first), and the loss would train the model toward a wrong objective."""
    if not isinstance(pred, Tensor) and isinstance(target, Tensor) and target.requires_grad:
        raise TypeError(
            f"{name}(prediction, target) takes the model's output first: got a "
            f"{type(pred).__name__} as the prediction and a Tensor that requires grad as the "
            f"target; swap them: {name}(model(x), y)"
        )


def _check_unit(loss: str, what: str, x: Tensor, hint: str = "") -> None:
    """Refuse `x` unless every element lies in [0, 1]; NaN gets a message of its own."""
    nan = np.isnan(x.data)
    if nan.any():
        whose = "targets" if what == "targets" else "predictions"
        where = ""
        if nan.ndim:
            first = tuple(int(i) for i in np.unravel_index(int(np.argmax(nan)), nan.shape))
            where = f" (at {int(nan.sum())} of {nan.size} elements, the first at index {first})"
        if whose == "targets":
            cause = "check the data for missing values"
        else:
            cause = (
                "the inputs hold NaN, or training diverged (often from a learning rate too high); "
                "`with tinygrad_lite.detect_anomaly():` names the op that made the first NaN"
            )
        raise ValueError(f"{loss}: the {whose} contain NaN{where}: {cause}")
    outside = x.data[~((x.data >= 0) & (x.data <= 1))]
    if outside.size:
        raise ValueError(f"{loss} needs {what} in [0, 1], got {outside[0]}{hint}")


def binary_cross_entropy(prob: Tensor, target: Any) -> Tensor:
    """mean(-(t ln p + (1 - t) ln(1 - p))) for probabilities p in [0, 1].

    Finite at p = 0 and 1: each log is clamped at -100, as in PyTorch. A p or
    a target t outside [0, 1], or NaN, is refused with a ValueError saying which."""
    _check_order("binary_cross_entropy", prob, target)
    prob, target = _pair("binary_cross_entropy", prob, target)
    _check_unit(
        "binary_cross_entropy",
        "probabilities",
        prob,
        "; for raw scores (logits) use binary_cross_entropy_with_logits",
    )
    _check_unit("binary_cross_entropy", "targets", target)
    return apply(_ops.BinaryCrossEntropy, prob, target).mean()


def binary_cross_entropy_with_logits(logits: Tensor, target: Any) -> Tensor:
    """Binary cross-entropy of sigmoid(x), from the logit x:
    mean((1 - t) x - log_sigmoid(x)).

    Exact for any logit (log_sigmoid never overflows): at x = 49.8, t = 0 it is
    49.8, where sigmoid(49.8) rounds to 1 and the naive formula gives inf. Its
    gradient is sigmoid(x) - t. A target outside [0, 1] is refused."""
    _check_order("binary_cross_entropy_with_logits", logits, target)
    logits, target = _pair("binary_cross_entropy_with_logits", logits, target)
    _check_unit("binary_cross_entropy_with_logits", "targets", target)
    return ((1 - target) * logits - logits.log_sigmoid()).mean()


def cross_entropy(logits: Tensor, labels: Any) -> Tensor:
    """Softmax cross-entropy: mean over rows of -log_softmax(logits)[label].

    `logits` is ``(n, classes)``; `labels` holds n integer class indices, or
    is an ``(n, classes)`` float array of class probabilities (one-hot rows):
    integer labels of the logits' shape are refused, as PyTorch does. One
    graph node, `ops.CrossEntropy`, with gradient (softmax(logits) - one_hot) / n."""
    _check_order("cross_entropy", logits, labels)
    logits = as_tensor(logits, "logits")
    if logits.ndim != 2:
        raise ShapeError(f"cross_entropy expects logits of shape (n, classes), got {logits.shape}")
    targets = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if targets.shape == logits.shape and targets.dtype.kind == "f":
        if isinstance(labels, Tensor) and labels.requires_grad:  # the targets get their gradient
            return apply(_ops.CrossEntropy, logits, labels)
        targets = targets.astype(logits.dtype, copy=False)
    elif targets.shape == logits.shape and logits.shape[1] > 1 and targets.dtype.kind in "biu":
        raise TypeError(
            f"cross_entropy got {targets.dtype} labels of shape {targets.shape}, the logits' shape: "
            f"integer labels are class indices, one per row, of shape ({logits.shape[0]},); one-hot "
            "or probability rows must be floats. Pass labels.argmax(1) (class indices) or "
            "labels.astype(float) (probability rows)"
        )
    else:
        targets = _class_indices(targets, *logits.shape)
    return apply(_ops.CrossEntropy, logits, Tensor(targets, dtype=targets.dtype))


def _class_indices(labels: np.ndarray, n: int, classes: int) -> np.ndarray:
    """n integer labels as an index array of shape ``(n,)``, refusing anything else."""
    if labels.shape not in ((n,), (n, 1)):
        raise ShapeError(
            f"cross_entropy expects {n} integer labels (shape ({n},)) or float probability "
            f"rows (shape ({n}, {classes})) for logits of shape ({n}, {classes}), got labels "
            f"of shape {labels.shape}"
        )
    labels = labels.reshape(n)
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy labels must be integers, got dtype {labels.dtype}")
    bad = labels[(labels < 0) | (labels >= classes)]
    if bad.size:
        raise ValueError(
            f"cross_entropy labels must lie in [0, {classes - 1}] for {classes} classes, got {bad[0]}"
        )
    return labels


class _Loss(Module):
    """A loss function as a module without parameters."""

    fn: Callable[[Any, Any], Tensor]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:  # PyTorch habits: reduction="sum", weight=..., pos_weight=...
            given = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
            raise TypeError(
                f"{type(self).__name__}() takes no arguments, got {given:.60}: the loss is always "
                "the mean over the batch (PyTorch's reduction='mean'), without weights"
            )

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return type(self).fn(pred, target)


class MSELoss(_Loss):
    """Module form of `mse_loss`."""

    fn = staticmethod(mse_loss)


class BCELoss(_Loss):
    """Module form of `binary_cross_entropy`."""

    fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Module form of `binary_cross_entropy_with_logits`."""

    fn = staticmethod(binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """Module form of `cross_entropy`."""

    fn = staticmethod(cross_entropy)
