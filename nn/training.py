"""The training loop (forward, loss, backward, step), with mini-batches and
shuffling: `train_steps` runs it one step at a time, for any consumer (the
playground, a notebook); `fit` runs it for a number of epochs, with a
progress bar on a terminal and a history of the loss per epoch."""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_lite import Tensor, no_grad

from . import losses
from .module import Module
from .optim import Optimizer

LossFn = Callable[[Tensor, Any], Tensor]
Callback = Callable[[int, dict[str, list[float]]], "bool | None"]


def _binary_accuracy(threshold: float) -> Callable[[np.ndarray, np.ndarray], float]:
    def accuracy(pred: np.ndarray, target: np.ndarray) -> float:
        return float(np.mean((pred > threshold) == (target > 0.5)))

    return accuracy


def _class_accuracy(pred: np.ndarray, target: np.ndarray) -> float:
    labels = target.argmax(axis=-1) if target.shape == pred.shape else target.reshape(-1)
    return float(np.mean(pred.argmax(axis=-1) == labels))


# Classification losses, and how to turn their predictions into an accuracy.
ACCURACY: dict[Callable, Callable[[np.ndarray, np.ndarray], float]] = {
    losses.binary_cross_entropy: _binary_accuracy(0.5),
    losses.binary_cross_entropy_with_logits: _binary_accuracy(0.0),
    losses.cross_entropy: _class_accuracy,
}


@dataclass(slots=True)
class TrainStep:
    """One optimisation step of `train_steps`: its `epoch` and global `step`
    (both counted from 1), the batch's `loss` (before the update), the row
    indices of the `batch`, the model's predictions for it (``pred``, before
    the update) and whether the step ends its epoch."""

    epoch: int
    step: int
    loss: float
    batch: np.ndarray
    pred: np.ndarray
    end_of_epoch: bool


def train_steps(
    model: Module | Callable[[Tensor], Tensor],
    X: Any,
    y: Any,
    loss: LossFn,
    optimizer: Optimizer,
    batch_size: int | None = None,
    shuffle: bool = True,
    rng: Any = None,
) -> Iterator[TrainStep]:
    """The training loop as an endless iterator: each ``next()`` takes one
    step (forward, ``loss(model(Xb), yb)``, backward, ``optimizer.step()``)
    and returns its `TrainStep`. The consumer decides when to stop.

    An epoch visits every row once, in batches of `batch_size` rows (all rows
    when None); with `shuffle`, in a new order ``rng.permutation(n)`` each
    epoch, `rng` being ``np.random.default_rng(rng)`` (a Generator or an int
    seed). A Module is put in training mode first. The arguments are checked
    here, when the iterator is made, not at the first step. `fit` runs
    this loop."""
    X, y = _checked("train_steps", model, X, y, loss, optimizer)
    batch = len(X) if batch_size is None else _count("batch_size", batch_size, _BATCH, "train_steps")
    if isinstance(model, Module):
        model.train()
    return _steps(model, X, y, loss, optimizer, batch, shuffle, np.random.default_rng(rng))


def _steps(
    model: Callable[[Tensor], Tensor],
    X: np.ndarray,
    y: np.ndarray,
    loss: LossFn,
    optimizer: Optimizer,
    batch: int,
    shuffle: bool,
    rng: np.random.Generator,
) -> Iterator[TrainStep]:
    """`train_steps`'s loop, on checked arguments."""
    n, step = len(X), 0
    for epoch in itertools.count(1):
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            pred = model(Tensor(X[idx]))
            step_loss = loss(pred, y[idx])
            optimizer.zero_grad()
            step_loss.backward()
            optimizer.step()
            step += 1
            yield TrainStep(epoch, step, step_loss.item(), idx, pred.data, start + batch >= n)


def fit(
    model: Module | Callable[[Tensor], Tensor],
    X: Any,
    y: Any,
    loss: LossFn,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = True,
    progress: bool = True,
    rng: Any = None,
    callback: Callback | list[Callback] | tuple[Callback, ...] | None = None,
    validation_data: tuple[Any, Any] | None = None,
) -> dict[str, list[float]]:
    """Train `model` on inputs `X` and targets `y` for `epochs` passes.

    A Module is put in training mode first (see `Module.train`). Each step
    takes a batch of rows (all rows when `batch_size` is None,
    one row at a time with ``batch_size=1``: per-sample SGD), computes
    ``loss(model(Xb), yb)``, backpropagates and calls ``optimizer.step()``.
    With `shuffle`, each epoch visits the rows in a new order drawn from `rng`
    (a Generator or an int seed). With `progress`, a bar with the latest
    metrics is shown when stderr is a terminal, and in a Jupyter notebook
    (tqdm's bar when tqdm is installed; else a line rewritten in place on a
    terminal, one printed line per epoch in a notebook); ``progress=False``
    is silent. The steps are those of `train_steps`, stopped after `epochs`
    epochs.

    With ``validation_data=(X_val, y_val)``, after each epoch the loss on
    those rows (and the accuracy, for a classification loss) is computed as
    `evaluate` computes outputs: without recording a graph and, for a
    Module, in evaluation mode (its mode restored after); it never trains
    on them.

    After each epoch, ``callback(epoch, history)`` is called (epochs count
    from 1) when given; `callback` may also be a list of such functions,
    each called in order. They may record or print more, and training stops
    early when any returns True.

    Returns the history: ``"loss"``, the mean training loss of each epoch
    (each step's loss weighted by its batch size), and ``"accuracy"`` too
    when `loss` is a classification loss (binary or softmax cross-entropy);
    with `validation_data`, ``"val_loss"`` (and ``"val_accuracy"``) too.
    """
    X, y = _checked("fit", model, X, y, loss, optimizer)
    epochs = _count("epochs", epochs, "a positive int")
    n = len(X)
    batch = n if batch_size is None else _count("batch_size", batch_size, _BATCH)
    accuracy = ACCURACY.get(getattr(type(loss), "fn", loss))
    callbacks = _callbacks(callback)
    validation = None if validation_data is None else _validation(validation_data)
    rng = np.random.default_rng(rng)
    history: dict[str, list[float]] = {"loss": []}
    if accuracy:
        history["accuracy"] = []
    if validation is not None:
        history["val_loss"] = []
        if accuracy:
            history["val_accuracy"] = []
    if isinstance(model, Module):
        model.train()
    notebook = progress and _in_notebook()
    bar = _ProgressBar(epochs, notebook) if progress and (notebook or _is_terminal()) else None
    total = correct = 0.0
    try:
        for step in _steps(model, X, y, loss, optimizer, batch, shuffle, rng):
            rows = len(step.batch)
            total += step.loss * rows
            if accuracy:
                correct += accuracy(step.pred, y[step.batch]) * rows
            if not step.end_of_epoch:
                continue
            history["loss"].append(total / n)
            if accuracy:
                history["accuracy"].append(correct / n)
            total = correct = 0.0
            if validation is not None:
                _validate(model, loss, accuracy, *validation, history)
            if bar:
                bar.update({key: values[-1] for key, values in history.items()})
            stop = [bool(cb(step.epoch, history)) for cb in callbacks]  # every one is called
            if any(stop) or step.epoch == epochs:
                break
    finally:
        if bar:
            bar.close()
    return history


def _callbacks(callback: Any) -> list[Callback]:
    """`callback` as a list of callables (none, one, or a list or tuple of them)."""
    callbacks = (
        [] if callback is None else list(callback) if isinstance(callback, (list, tuple)) else [callback]
    )
    for i, cb in enumerate(callbacks):
        if not callable(cb):
            where = f"callback[{i}]" if isinstance(callback, (list, tuple)) else "callback"
            raise TypeError(
                f"fit: {where} must be callable as callback(epoch, history), "
                f"got {type(cb).__name__} {cb!r:.40}"
            )
    return callbacks


def _validation(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """``validation_data`` as checked arrays (X_val, y_val)."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"fit: validation_data must be a pair (X_val, y_val), got {type(data).__name__}")
    X_val, y_val = _rows(data[0], "X_val", "fit"), _rows(data[1], "y_val", "fit")
    if len(X_val) != len(y_val) or len(X_val) == 0:
        raise ValueError(
            f"fit: validation_data has {len(X_val)} rows in X_val and {len(y_val)} in y_val; "
            "they must match and not be empty"
        )
    return X_val, y_val


def _validate(
    model: Callable[[Tensor], Tensor],
    loss: LossFn,
    accuracy: Callable[[np.ndarray, np.ndarray], float] | None,
    X_val: np.ndarray,
    y_val: np.ndarray,
    history: dict[str, list[float]],
) -> None:
    """Append the loss (and accuracy) on the validation rows to `history`,
    computed without a graph and in evaluation mode, as `evaluate`."""
    with _evaluating(model):
        pred = model(Tensor(X_val))
        history["val_loss"].append(loss(pred, y_val).item())
    if accuracy:
        history["val_accuracy"].append(accuracy(pred.data, y_val))


def evaluate(model: Callable[[Tensor], Tensor], X: Any) -> np.ndarray:
    """The model's outputs for inputs `X`, computed without recording a graph
    and, for a Module, in evaluation mode (`Dropout` off); its mode is
    restored after."""
    X = _rows(X, "X", "evaluate")
    with _evaluating(model):
        return model(Tensor(X)).numpy()


@contextlib.contextmanager
def _evaluating(model: Any) -> Iterator[None]:
    """No graph recorded and, for a Module, evaluation mode inside; its mode restored after."""
    module = model if isinstance(model, Module) else None
    was_training = module is not None and module.training
    if module is not None:
        module.eval()
    try:
        with no_grad():
            yield
    finally:
        if module is not None:
            module.train(was_training)


def _rows(a: Any, name: str, caller: str) -> np.ndarray:
    """`a` as an array with one row per sample, or a ValueError naming `caller`."""
    arr = np.asarray(a.data if isinstance(a, Tensor) else a)
    if arr.ndim == 0:
        raise ValueError(f"{caller}: {name} must have one row per sample, got a scalar")
    return arr


def _checked(
    caller: str, model: Any, X: Any, y: Any, loss: Any, optimizer: Any
) -> tuple[np.ndarray, np.ndarray]:
    """`X` and `y` as arrays of rows, after checking the training loop's model,
    loss, optimizer and data; each error names `caller`."""
    for name, fn in (("model", model), ("loss", loss)):
        if not callable(fn):
            raise TypeError(f"{caller}: {name} must be callable, got {type(fn).__name__} {fn!r:.40}")
        if isinstance(fn, type):  # nn.MSELoss, not nn.MSELoss()
            raise TypeError(
                f"{caller}: {name} must be an instance, e.g. {fn.__name__}(...), got the class itself"
            )
    if isinstance(optimizer, type) or not all(
        callable(getattr(optimizer, m, None)) for m in ("step", "zero_grad")
    ):
        raise TypeError(
            f"{caller}: optimizer must be an object with step() and zero_grad(), e.g. "
            f"nn.optim.SGD(model.parameters(), lr=0.1); got {optimizer!r:.60}"
        )
    _check_optimizer_holds_model(caller, model, optimizer)
    X, y = _rows(X, "X", caller), _rows(y, "y", caller)
    if len(X) != len(y):
        raise ValueError(f"{caller}: X has {len(X)} rows but y has {len(y)}; they must match")
    if len(X) == 0:
        raise ValueError(
            f"{caller}: the data has no rows (X has shape {X.shape}): there is nothing to train on"
        )
    return X, y


_BATCH = "a positive int or None"


def _count(name: str, value: Any, expected: str, caller: str = "fit") -> int:
    """`value` as an int if it is a positive whole number (a NumPy integer
    too, not a bool or a float), else a ValueError naming `caller` and `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{caller}: {name} must be {expected}, got {type(value).__name__} {value!r:.40}")
    return int(value)


def _check_optimizer_holds_model(caller: str, model: Any, optimizer: Any) -> None:
    """Refuse an optimizer that holds none of the model's parameters (built
    for an earlier model, say): training would silently change nothing."""
    params = getattr(optimizer, "params", None)
    if not isinstance(model, Module) or not isinstance(params, list):
        return
    own = model.parameters()
    held = {id(p) for p in params}
    if own and not any(id(p) in held for p in own):
        raise ValueError(
            f"{caller}: the optimizer holds none of the model's {len(own)} parameters, so training "
            "would change nothing (was the model created again after the optimizer?); "
            "build the optimizer from this model: nn.optim.Adam(model.parameters())"
        )


def _is_terminal() -> bool:
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), not in a terminal IPython."""
    if "ipykernel" not in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


class _ProgressBar:
    """An epoch counter with the latest metrics: tqdm's bar when tqdm is
    installed (``tqdm.auto``: its widget in a notebook), else one line
    rewritten in place on stderr (a terminal) or one printed line per epoch
    (a notebook, where a carriage return does not rewrite)."""

    def __init__(self, epochs: int, notebook: bool = False) -> None:
        self.epochs, self.done, self.notebook = epochs, 0, notebook
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self.tqdm = None
        else:
            self.tqdm = tqdm(total=epochs, unit="epoch", leave=True)

    def update(self, metrics: dict[str, float]) -> None:
        self.done += 1
        text = " ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        if self.tqdm is not None:
            self.tqdm.set_postfix_str(text, refresh=False)
            self.tqdm.update(1)
        elif self.notebook:
            print(f"epoch {self.done}/{self.epochs} {text}", flush=True)
        else:
            filled = 30 * self.done // self.epochs
            bar = "#" * filled + "." * (30 - filled)
            sys.stderr.write(f"\repoch {self.done}/{self.epochs} [{bar}] {text}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()
        elif not self.notebook:
            sys.stderr.write("\n")
