"""Loss functions, each also as a Module (``nn.MSELoss()(pred, target)``), and
`one_hot`, the class labels of `cross_entropy` as probability rows.

Every loss takes PyTorch's ``reduction=``: "mean" (the default, the mean over
the batch), "sum" or "none" (one loss per element or sample). Targets may be
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
from tinygrad_lite.autograd import check_values
from tinygrad_lite.tensor import apply

from .module import Module, as_tensor


def _pair(name: str, pred: Any, target: Any) -> tuple[Tensor, Tensor]:
    """Prediction and target as Tensors of one shape, or a ShapeError."""
    pred = as_tensor(pred, "prediction")
    target = as_tensor(target, "target", pred.dtype)
    if pred.shape != target.shape:
        raise ShapeError(
            f"{name}: prediction shape {pred.shape} and target shape {target.shape} differ; "
            "broadcasting them would compute a wrong loss. Give the target the prediction's "
            f"shape, e.g. target.reshape{pred.shape}"
        )
    return pred, target


REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction: Any) -> str:
    """`reduction` if it is "mean", "sum" or "none", else a ValueError (as PyTorch's)."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be 'mean', 'sum' or 'none' (as in PyTorch), got {reduction!r:.40}"
        )
    return reduction


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    """Elementwise `losses` reduced as `reduction` says: their mean, their sum, or themselves."""
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (pred - target)**2 of each element, reduced as in PyTorch:
    its mean (the default, one graph node: `ops.MSE`), ``reduction="sum"`` or
    ``"none"`` (the squared errors themselves)."""
    reduction = _check_reduction("mse_loss", reduction)
    pred, target = _pair("mse_loss", pred, target)
    if reduction == "mean":
        return apply(_ops.MSE, pred, target)
    return _reduce((pred - target).square(), reduction)


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
    """Refuse `x` unless every element lies in [0, 1]; NaN gets a message of its
    own. A compiled step checks again on every call (`autograd.check_values`)."""
    check_values(x, lambda data: _unit(loss, what, data, hint))


def _unit(loss: str, what: str, data: np.ndarray, hint: str) -> None:
    nan = np.isnan(data)
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
    outside = data[~((data >= 0) & (data <= 1))]
    if outside.size:
        raise ValueError(f"{loss} needs {what} in [0, 1], got {outside[0]}{hint}")


def binary_cross_entropy(prob: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-(t ln p + (1 - t) ln(1 - p)) for probabilities p in [0, 1], reduced by
    `reduction` ("mean", "sum" or "none", as in PyTorch).

    Finite at p = 0 and 1: each log is clamped at -100, as in PyTorch. A p or
    a target t outside [0, 1], or NaN, is refused with a ValueError saying which."""
    reduction = _check_reduction("binary_cross_entropy", reduction)
    _check_order("binary_cross_entropy", prob, target)
    prob, target = _pair("binary_cross_entropy", prob, target)
    _check_unit(
        "binary_cross_entropy",
        "probabilities",
        prob,
        "; for raw scores (logits) use binary_cross_entropy_with_logits",
    )
    _check_unit("binary_cross_entropy", "targets", target)
    return _reduce(apply(_ops.BinaryCrossEntropy, prob, target), reduction)


def binary_cross_entropy_with_logits(
    logits: Tensor, target: Any, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy of sigmoid(x), from the logit x: (1 - t) x - log_sigmoid(x)
    for each element, reduced by `reduction` ("mean", "sum" or "none", as in PyTorch).

    Exact for any logit (log_sigmoid never overflows): at x = 49.8, t = 0 it is
    49.8, where sigmoid(49.8) rounds to 1 and the naive formula gives inf. Its
    gradient is sigmoid(x) - t. A target outside [0, 1] is refused.

    `pos_weight` w weighs the positive term, as in PyTorch:
    -(w t ln sigmoid(x) + (1 - t) ln(1 - sigmoid(x))) = (1 - t) x - (1 + (w - 1) t) log_sigmoid(x).
    It broadcasts against the target (one weight per class on the last axis,
    say) and must not enlarge it; a Tensor that requires grad gets its gradient
    (PyTorch refuses one)."""
    reduction = _check_reduction("binary_cross_entropy_with_logits", reduction)
    _check_order("binary_cross_entropy_with_logits", logits, target)
    logits, target = _pair("binary_cross_entropy_with_logits", logits, target)
    _check_unit("binary_cross_entropy_with_logits", "targets", target)
    if pos_weight is None:
        return _reduce((1 - target) * logits - logits.log_sigmoid(), reduction)
    weight = _pos_weight(pos_weight, target)
    return _reduce((1 - target) * logits - (1 + (weight - 1) * target) * logits.log_sigmoid(), reduction)


def _pos_weight(pos_weight: Any, target: Tensor) -> Tensor:
    """`pos_weight` as a Tensor that broadcasts to the target's shape without changing it."""
    weight = as_tensor(pos_weight, "pos_weight", target.dtype)
    try:
        fits = np.broadcast_shapes(weight.shape, target.shape) == target.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"binary_cross_entropy_with_logits: pos_weight of shape {weight.shape} does not broadcast "
            f"to the target's shape {target.shape}; give one weight per class, shape "
            f"({target.shape[-1] if target.ndim else 1},)"
        )
    return weight


def _check_ignore_index(name: str, ignore_index: Any) -> int:
    """`ignore_index` as a Python int, or a TypeError."""
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{name}: ignore_index must be an int, got {ignore_index!r:.40}")
    return int(ignore_index)


def _check_smoothing(label_smoothing: Any) -> float:
    """`label_smoothing` as a float in [0, 1] (as PyTorch requires), or an error."""
    if isinstance(label_smoothing, (bool, np.bool_)) or not isinstance(
        label_smoothing, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"cross_entropy: label_smoothing must be a number, got {label_smoothing!r:.40}")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(
            f"cross_entropy: label_smoothing must lie in [0.0, 1.0] (as in PyTorch), got {label_smoothing}"
        )
    return float(label_smoothing)


def cross_entropy(
    logits: Tensor,
    labels: Any,
    reduction: str = "mean",
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy, as torch.nn.functional.cross_entropy: for each
    sample -log_softmax(logits)[label], reduced by `reduction` ("mean", "sum"
    or "none").

    Shapes: logits ``(classes,)`` for one sample, with a label of shape ``()``;
    ``(n, classes)`` with n labels; ``(n, classes, d1, ...)`` (classes on axis 1,
    e.g. one prediction per pixel) with labels ``(n, d1, ...)``. Labels are
    integer class indices. Float targets of the logits' shape are class
    probabilities instead: the loss is -sum_c t_c log_softmax(logits)_c, and
    targets that require grad get their gradient. Integer labels of the
    logits' shape (one-hot rows) are refused, as PyTorch does.

    ``ignore_index``: samples with that label add 0 and are left out of the
    mean, which is over the other samples (nan when none is left), as in
    PyTorch; for labels only. ``label_smoothing`` e in [0, 1] mixes the target
    with the uniform distribution, (1 - e) onehot + e / classes, so the loss is
    (1 - e) nll + (e / classes) sum_c -log_softmax(logits)_c (for labels, that
    second sum is reduced over the samples not ignored), as PyTorch computes it.

    The common case, ``(n, classes)`` logits, the mean, no smoothing, nothing
    ignored, is one graph node, `ops.CrossEntropy`, with gradient
    (softmax(logits) - onehot) / n; the others are `log_softmax` followed by
    `nll_loss` (or by the sum over probabilities), plus the smoothing term."""
    _check_order("cross_entropy", logits, labels)
    reduction = _check_reduction("cross_entropy", reduction)
    ignore_index = _check_ignore_index("cross_entropy", ignore_index)
    smoothing = _check_smoothing(label_smoothing)
    logits = as_tensor(logits, "logits")
    axis = _class_axis("cross_entropy", logits)
    classes = logits.shape[axis]
    plain = logits.ndim == 2 and reduction == "mean" and not smoothing
    label_tensor = _label_tensor("cross_entropy", labels, logits.shape, axis, ignore_index)
    if label_tensor is not None and not smoothing:
        if plain:
            return apply(_ops.CrossEntropy, logits, label_tensor, ignore_index=ignore_index)
        log_probs = logits.log_softmax(axis)
        return apply(_ops.NLLLoss, log_probs, label_tensor, reduction=reduction, ignore_index=ignore_index)
    targets = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if targets.shape == logits.shape and targets.dtype.kind == "f":
        if ignore_index != -100:
            raise ValueError(
                "cross_entropy: ignore_index applies to integer labels, not to probability targets "
                "(PyTorch refuses it too)"
            )
        if isinstance(labels, Tensor) and labels.requires_grad:  # the targets get their gradient
            probabilities = labels
        else:
            probabilities = Tensor(targets.astype(logits.dtype, copy=False), dtype=logits.dtype)
        if plain:
            return apply(_ops.CrossEntropy, logits, probabilities)
        if smoothing:
            probabilities = probabilities * (1 - smoothing) + smoothing / classes
        return _reduce(-(probabilities * logits.log_softmax(axis)).sum(axis=axis), reduction)
    if targets.shape == logits.shape and classes > 1 and targets.dtype.kind in "biu":
        expected = logits.shape[:axis] + logits.shape[axis + 1 :]
        raise TypeError(
            f"cross_entropy got {targets.dtype} labels of shape {targets.shape}, the logits' shape: "
            f"integer labels are class indices, one per sample, of shape {expected}; one-hot "
            f"or probability rows must be floats. Pass labels.argmax({axis}) (class indices) or "
            "labels.astype(float) (probability rows)"
        )
    indices, ignored = _class_indices("cross_entropy", targets, logits.shape, axis, ignore_index)
    if plain and not ignored.any():
        return apply(_ops.CrossEntropy, logits, Tensor(indices, dtype=indices.dtype))
    log_probs = logits.log_softmax(axis)
    loss = apply(
        _ops.NLLLoss,
        log_probs,
        Tensor(indices, dtype=indices.dtype),
        reduction=reduction,
        ignore_index=ignore_index,
    )
    if not smoothing:
        return loss
    smooth = -log_probs.sum(axis=axis)  # -sum_c log_softmax_c of each sample
    if ignored.any():
        smooth = smooth * Tensor(~ignored, dtype=logits.dtype)
    if reduction == "mean":
        count = int(ignored.size - ignored.sum())
        if not count:  # every label ignored: the mean is nan already
            return loss
        smooth = smooth.sum() / count
    elif reduction == "sum":
        smooth = smooth.sum()
    return loss * (1 - smoothing) + smooth * (smoothing / classes)


def nll_loss(log_probs: Tensor, labels: Any, reduction: str = "mean", ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood, as torch.nn.functional.nll_loss: for each sample
    -log_probs[label], reduced by `reduction` ("mean", "sum" or "none");
    ``nll_loss(logits.log_softmax(1), labels)`` is ``cross_entropy(logits, labels)``.

    Shapes as in `cross_entropy`: ``(classes,)`` with a label of shape ``()``,
    ``(n, classes)`` with n labels, ``(n, classes, d1, ...)`` with labels
    ``(n, d1, ...)``. Labels equal to `ignore_index` add 0 and are left out of
    the mean (nan when all are). One graph node, `ops.NLLLoss`; the labels get
    no gradient."""
    _check_order("nll_loss", log_probs, labels)
    reduction = _check_reduction("nll_loss", reduction)
    ignore_index = _check_ignore_index("nll_loss", ignore_index)
    log_probs = as_tensor(log_probs, "log_probs")
    if log_probs.dtype.kind != "f":
        raise TypeError(f"nll_loss needs floating-point log-probabilities, got dtype {log_probs.dtype}")
    axis = _class_axis("nll_loss", log_probs)
    label_tensor = _label_tensor("nll_loss", labels, log_probs.shape, axis, ignore_index)
    if label_tensor is not None:
        return apply(_ops.NLLLoss, log_probs, label_tensor, reduction=reduction, ignore_index=ignore_index)
    targets = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    indices, _ = _class_indices("nll_loss", targets, log_probs.shape, axis, ignore_index)
    labels = Tensor(indices, dtype=indices.dtype)
    return apply(_ops.NLLLoss, log_probs, labels, reduction=reduction, ignore_index=ignore_index)


def _class_axis(name: str, logits: Tensor) -> int:
    """The axis of the classes: 0 for one sample ``(classes,)``, else 1."""
    if logits.ndim == 0:
        raise ShapeError(
            f"{name} expects scores of shape (classes,) for one sample, (n, classes), or "
            "(n, classes, d1, ...), got a 0-d tensor"
        )
    return 0 if logits.ndim == 1 else 1


def _class_indices(
    name: str, labels: np.ndarray, shape: tuple[int, ...], axis: int, ignore_index: int
) -> tuple[np.ndarray, np.ndarray]:
    """Integer labels for scores of `shape` (classes on `axis`) as an index array of
    the scores' shape without that axis, and where they equal `ignore_index`;
    anything else is refused. Labels of shape (n, 1) for (n, classes) are taken
    too, and whole-number floats."""
    expected, classes = shape[:axis] + shape[axis + 1 :], shape[axis]
    if labels.shape != expected and not (len(shape) == 2 and labels.shape == (shape[0], 1)):
        if len(shape) == 1:
            raise ShapeError(
                f"{name} got scores of shape {shape}, one sample of {classes} classes, and labels of "
                f"shape {labels.shape}: one sample's label is a single int (shape ()); for a batch, "
                "give scores of shape (n, classes) and n labels"
            )
        probabilities = f" or float probability targets (shape {shape})" if name == "cross_entropy" else ""
        raise ShapeError(
            f"{name} expects {int(np.prod(expected))} integer labels (shape {expected}){probabilities} "
            f"for scores of shape {shape}, got labels of shape {labels.shape}"
        )
    labels = labels.reshape(expected)
    if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name} labels must be integers, got dtype {labels.dtype}")
    _check_range(name, labels, classes, ignore_index)
    return labels, labels == ignore_index


def _label_tensor(
    name: str, labels: Any, shape: tuple[int, ...], axis: int, ignore_index: int
) -> Tensor | None:
    """`labels` as a Tensor the loss op takes as it is, when they are integers
    of the shape the scores need (the common case); else None (the caller
    handles the others). Their range is checked by `autograd.check_values`, so
    a compiled step, which reads them afresh as an input of its graph, checks
    the labels of every call."""
    if isinstance(labels, Tensor):
        if labels.requires_grad:
            return None
    else:
        array = np.asarray(labels)
        if array.dtype.kind not in "iu":
            return None
        labels = Tensor(array, dtype=array.dtype)
    if labels.dtype.kind not in "iu" or labels.shape != shape[:axis] + shape[axis + 1 :]:
        return None
    classes = shape[axis]
    check_values(labels, lambda data: _check_range(name, data, classes, ignore_index))
    return labels


def _check_range(name: str, labels: np.ndarray, classes: int, ignore_index: int) -> None:
    """Refuse integer labels outside [0, classes) other than `ignore_index`."""
    outside = (labels < 0) | (labels >= classes)
    if outside.any():
        bad = labels[outside & (labels != ignore_index)]
        if bad.size:
            also = f" (or ignore_index={ignore_index})" if ignore_index != -100 else ""
            raise ValueError(
                f"{name} labels must lie in [0, {classes - 1}] for {classes} classes{also}, got {bad[0]}"
            )


def one_hot(labels: Any, num_classes: int = -1) -> Tensor:
    """Class labels as one-hot rows: a new last axis of `num_classes` entries, 1 at
    each label and 0 elsewhere (torch.nn.functional.one_hot), so labels of shape
    ``(n,)`` give ``(n, num_classes)``. int64, as in PyTorch, and outside the graph.
    ``num_classes=-1`` takes max(labels) + 1. Labels are integers in
    [0, num_classes); whole-number floats are taken too, as `cross_entropy` takes
    them (PyTorch refuses any float tensor), since ``Tensor([0, 2])`` is float64."""
    if isinstance(labels, Tensor) and labels.requires_grad:
        raise TypeError("one_hot takes class labels (integers), got a tensor that requires grad")
    data = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if data.size == 0 and data.dtype.kind == "f":
        data = data.astype(np.int64)
    if data.dtype.kind == "f" and np.all(np.isfinite(data)) and np.all(data == np.round(data)):
        data = data.astype(np.int64)
    if data.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot needs integer class labels, got dtype {data.dtype}; pass a list of ints, an "
            "integer array, or Tensor(..., dtype=np.int64)"
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < -1:
        raise ValueError(f"one_hot num_classes must be an int >= 0, or -1 to infer it, got {num_classes!r}")
    if data.size and data.min() < 0:
        raise ValueError(f"one_hot labels must be >= 0, got {data.min()}")
    if num_classes == -1:
        if data.size == 0:
            raise ValueError("one_hot cannot infer num_classes from no labels: pass num_classes")
        num_classes = int(data.max()) + 1
    if data.size and data.max() >= num_classes:
        raise ValueError(f"one_hot labels must be smaller than num_classes={num_classes}, got {data.max()}")
    rows = data[..., None] == np.arange(num_classes)
    return Tensor(rows.astype(np.int64), dtype=np.int64)


class _Loss(Module):
    """A loss function as a module without parameters. It takes the keyword
    options of its function (``reduction=`` and the others listed in
    `options`), checked when the module is made and passed on every call."""

    fn: Callable[..., Tensor]
    options: tuple[str, ...] = ("reduction",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        name, accepted = type(self).__name__, ", ".join(f"{o}=" for o in self.options)
        if args:  # PyTorch's positional arguments are weight or deprecated flags
            raise TypeError(
                f"{name}() takes keyword options only ({accepted}), got positional arguments "
                f"{', '.join(map(repr, args)):.60}"
            )
        for key in kwargs:
            if key not in self.options:  # PyTorch habits: weight=..., size_average=...
                raise TypeError(
                    f"{name}() takes the options {accepted}, got {key}={kwargs[key]!r:.40} (class "
                    "weights, weight=, and PyTorch's deprecated size_average= and reduce= are not supported)"
                )
        _check_options(name, kwargs)
        self.kwargs = kwargs

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return type(self).fn(pred, target, **self.kwargs)

    def extra_repr(self) -> str:
        return ", ".join(f"{key}={value!r}" for key, value in self.kwargs.items())


def _check_options(name: str, options: dict[str, Any]) -> None:
    """Refuse a bad option when a loss module is made, not at its first call."""
    if "reduction" in options:
        _check_reduction(name, options["reduction"])
    if "ignore_index" in options:
        _check_ignore_index(name, options["ignore_index"])
    if "label_smoothing" in options:
        _check_smoothing(options["label_smoothing"])
    if options.get("pos_weight") is not None:
        as_tensor(options["pos_weight"], "pos_weight")


class MSELoss(_Loss):
    """Module form of `mse_loss`: ``nn.MSELoss(reduction="sum")``."""

    fn = staticmethod(mse_loss)


class BCELoss(_Loss):
    """Module form of `binary_cross_entropy`."""

    fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Module form of `binary_cross_entropy_with_logits`: ``nn.BCEWithLogitsLoss(pos_weight=w)``."""

    fn = staticmethod(binary_cross_entropy_with_logits)
    options = ("reduction", "pos_weight")


class CrossEntropyLoss(_Loss):
    """Module form of `cross_entropy`: ``nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)``."""

    fn = staticmethod(cross_entropy)
    options = ("reduction", "ignore_index", "label_smoothing")


class NLLLoss(_Loss):
    """Module form of `nll_loss`."""

    fn = staticmethod(nll_loss)
    options = ("reduction", "ignore_index")
