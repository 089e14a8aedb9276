"""`Session`: one live playground run, and the JSON the page draws from it.

A session holds a model, its data, its optimizer and a `train_steps` iterator:
``step(n)`` takes n optimisation steps of that one training loop (the one
`nn.fit` runs, so a session and `fit` reach the same weights number for
number). ``setup()`` describes the run once; ``frame()`` gives the state
after the steps so far: the loss and accuracy on the whole data set, every
layer's weights and gradients, the decision boundary and each neuron's
output over the input plane. ``explain_point(i)`` opens the explorer
(`tinygrad_lite.explain`) on one point's loss. Python computes every number;
the page only draws them. Sessions are not thread-safe: the server holds a
lock around each call.

JSON conventions: floats are rounded to 4 significant digits; a number that
is not finite (a run that diverged) is sent as null, since JSON has no NaN.
A grid of values is sent as base64 text of its bytes, one uint8 per cell,
row by row, row 0 at the top (``ymax``), column 0 at the left (``xmin``);
cell (r, c) holds the value at its centre (`grid_points`).
"""

from __future__ import annotations

import base64
import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite import Tensor, explain, no_grad

from .. import datasets, losses, optim
from ..layers import MLP, Layer
from ..training import TrainStep, train_steps
from .settings import Settings

#: Cells per side of the decision boundary's grid, and of each neuron's heatmap.
GRID = 48
NEURON_GRID = 20
#: The most steps one `Session.step` call takes.
MAX_STEPS = 1000

LOSSES: dict[str, Callable] = {"bce": losses.binary_cross_entropy, "mse": losses.mse_loss}


def make_data(settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The data set `settings` names, drawn with its seed: ``(X (n, 2), y (n, 1))``."""
    n, noise, seed = settings.points, settings.noise, settings.seed
    return {
        "xor": datasets.xor,
        "gender": datasets.gender,
        "xor-cloud": lambda: datasets.xor_points(n, noise, rng=seed),
        "circle": lambda: datasets.circle(n, rng=seed, noise=noise),
        "moons": lambda: datasets.moons(n, noise, rng=seed),
        "spiral": lambda: datasets.spiral(n, noise, rng=seed),
    }[settings.dataset]()


def make_optimizer(settings: Settings, params: list[Tensor]) -> optim.Optimizer:
    """The optimizer `settings` names ("momentum" is SGD with momentum 0.9), with its lr."""
    if settings.optimizer == "adam":
        return optim.Adam(params, lr=settings.lr)
    return optim.SGD(params, lr=settings.lr, momentum=0.9 if settings.optimizer == "momentum" else 0.0)


def grid_points(extent: list[float], cells: int) -> np.ndarray:
    """The centres of a ``cells x cells`` grid over ``extent = [xmin, xmax, ymin, ymax]``,
    shape ``(cells * cells, 2)``, row by row from the top (ymax) and left to right."""
    xmin, xmax, ymin, ymax = extent
    centres = (np.arange(cells) + 0.5) / cells
    xs = xmin + centres * (xmax - xmin)
    ys = ymax - centres * (ymax - ymin)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def round4(a: Any) -> Any:
    """`a` (a number or an array) with every value rounded to 4 significant digits, as nested
    lists of floats for JSON (non-finite values as None)."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(np.abs(np.where(finite, a, 1.0))))
        digits = 3 - np.where(np.isfinite(exponent), exponent, 0.0)  # 0 has no exponent: keep it
        scale = 10.0 ** np.abs(digits)  # a power of ten >= 1: exact, so the result is the nearest float
        rounded = np.where(digits >= 0, np.round(a * scale) / scale, np.round(a / scale) * scale)
    tiny = finite & np.isinf(scale)  # below 1e-305 the scale overflows: round those one by one
    if tiny.any():
        rounded[tiny] = [float(f"{v:.4g}") for v in a[tiny]]
    finite = np.isfinite(rounded)  # rounding up past the largest float gives inf: None too
    if finite.all():
        return rounded.tolist()
    out = rounded.astype(object)
    out[~finite] = None
    return out.tolist()


class Session:
    """A playground run: ``Session(settings)`` builds the data, the model
    ``nn.MLP(2, [*hidden, 1], activation, out_activation="sigmoid", rng=seed)``,
    the optimizer and the training loop (``train_steps(..., batch_size, rng=seed)``);
    `from_model` wraps a model of your own. See the module doc for the JSON."""

    settings: Settings | None

    def __init__(self, settings: Settings) -> None:
        if not isinstance(settings, Settings):
            raise TypeError(f"Session takes a Settings, got {type(settings).__name__}")
        X, y = make_data(settings)
        model = MLP(
            2,
            [*settings.hidden, 1],
            activation=settings.activation,
            out_activation="sigmoid",
            rng=settings.seed,
        )
        self.settings = settings
        self._start(
            model,
            X,
            y,
            LOSSES[settings.loss],
            make_optimizer(settings, model.parameters()),
            settings.batch_size,
            settings.seed,
            settings.to_json(),
        )

    @classmethod
    def from_model(
        cls,
        model: MLP,
        X: Any,
        y: Any,
        *,
        loss: Callable[[Tensor, Any], Tensor],
        optimizer: optim.Optimizer,
        batch_size: int | None = None,
        seed: int = 0,
        name: str = "custom",
    ) -> Session:
        """A session training your own `model`: an `nn.MLP` with 2 inputs and one sigmoid
        output (the probability of label 1), on `X` of shape (n, 2) and labels `y` of shape
        (n, 1), each 0 or 1, with your `loss` and `optimizer`; `batch_size` None is the full
        batch, and `seed` draws the batch order. ``setup()["settings"]`` describes the run,
        `name` standing for the data set. The session trains `model` itself (no copy)."""
        layers = _layers(model)
        X, y = _data(X, y)
        if batch_size is not None and not _whole(batch_size, 1):
            raise ValueError(
                f"Session.from_model: batch_size must be an int >= 1 or None, got {batch_size!r:.40}"
            )
        if not _whole(seed, 0):
            raise ValueError(f"Session.from_model: seed must be an int >= 0, got {seed!r:.40}")
        session = cls.__new__(cls)
        session.settings = None
        described = {
            "dataset": str(name),
            "points": len(X),
            "noise": None,
            "hidden": [layer.nout for layer in layers[:-1]],
            "activation": layers[0].activation,
            "loss": _loss_name(loss),
            "optimizer": _optimizer_name(optimizer),
            "lr": getattr(optimizer, "lr", None),
            "batch_size": len(X) if batch_size is None else int(batch_size),
            "seed": int(seed),
        }
        session._start(model, X, y, loss, optimizer, batch_size, seed, described)
        return session

    def _start(
        self,
        model: MLP,
        X: np.ndarray,
        y: np.ndarray,
        loss: Callable[[Tensor, Any], Tensor],
        optimizer: optim.Optimizer,
        batch_size: int | None,
        seed: int,
        described: dict,
    ) -> None:
        self.model, self.X, self.y, self.loss, self.optimizer = model, X, y, loss, optimizer
        self.layers = _layers(model)
        self._steps = train_steps(model, X, y, loss, optimizer, batch_size=batch_size, rng=seed)
        self.steps_done = 0
        self.last: TrainStep | None = None
        n = len(X)
        self.batch_rows = n if batch_size is None else min(batch_size, n)
        self.batches_per_epoch = -(-n // self.batch_rows)
        extent = _extent(X)
        # one batch for every grid the frame draws: the boundary's, then the neurons'
        self._grid = Tensor(np.concatenate([grid_points(extent, GRID), grid_points(extent, NEURON_GRID)]))
        self._setup = {
            "settings": described,
            "sizes": [2, *(layer.nout for layer in self.layers)],
            "activation": described["activation"],
            "points": [[*round4(x), int(label)] for x, label in zip(X, y[:, 0])],
            "extent": extent,
            "grid": GRID,
            "neuron_grid": NEURON_GRID,
        }

    def step(self, n: int = 1) -> None:
        """Take `n` optimisation steps (1 <= n <= 1000)."""
        if not (_whole(n, 1) and n <= MAX_STEPS):
            raise ValueError(f"step takes a whole number of steps from 1 to {MAX_STEPS}, got {n!r:.40}")
        self._advance(int(n))

    def _advance(self, n: int) -> None:
        for _ in range(n):
            self.last = next(self._steps)
            self.steps_done = self.last.step

    def setup(self) -> dict:
        """What stays the same for the whole run (JSON-ready, built once): ``settings``,
        ``sizes`` ([2, *hidden, 1]), ``activation`` (the hidden layers'), ``points``
        ([[x1, x2, label], ...]), ``extent`` ([xmin, xmax, ymin, ymax]: the data's range with
        a 10% margin, square), ``grid`` and ``neuron_grid`` (cells per side)."""
        return self._setup

    def frame(self) -> dict:
        """The state after the steps so far (JSON-ready): ``step``, ``epoch`` (steps / batches
        per epoch), ``loss`` (the loss on the whole data set, in eval mode, recording nothing),
        ``accuracy`` (the fraction of points on the right side of probability 0.5),
        ``batch_loss`` (the last step's, None before any), ``layers`` (per Linear layer:
        ``weight`` (in x out), ``bias``, and the last step's ``weight_grad`` and ``bias_grad``,
        zeros before any step), ``boundary`` (base64 of GRID x GRID uint8: the output
        probability x 255) and ``neurons`` (per layer, output layer included, per neuron:
        ``{"cells": base64 of NEURON_GRID x NEURON_GRID uint8, "lo": float, "hi": float}``, the
        activation a mapped linearly from [lo, hi] to 0..255: lo, hi are -1, 1 for tanh, 0, 1
        for sigmoid, and 0 and the largest value on the grid for relu)."""
        model = self.model
        was_training = model.training
        model.eval()
        try:
            with no_grad():
                prob = model(Tensor(self.X))
                # a run that diverged has no loss (and binary cross-entropy refuses NaN)
                loss = self.loss(prob, self.y).item() if np.isfinite(prob.data).all() else math.nan
                outputs, h = [], self._grid
                for layer in self.layers:
                    h = layer(h)
                    outputs.append(h.data)
        finally:
            model.train(was_training)
        boundary = outputs[-1][: GRID * GRID, 0]
        return {
            "step": self.steps_done,
            "epoch": self.steps_done / self.batches_per_epoch,
            "loss": _finite(loss),
            "accuracy": float(np.mean((prob.data > 0.5) == (self.y > 0.5))),
            "batch_loss": None if self.last is None else _finite(self.last.loss),
            "layers": [_layer_json(layer) for layer in self.layers],
            "boundary": _cells(boundary, 0.0, 1.0),
            "neurons": [
                _neurons(layer.activation, out[GRID * GRID :]) for layer, out in zip(self.layers, outputs)
            ],
        }

    def explain_point(self, i: int) -> dict:
        """The explorer on data point `i`'s loss at the current weights: its forward and
        backward pass through the model (and, when the run uses plain SGD, the update one SGD
        step on this point alone would make). Returns ``html`` (the explorer's page),
        ``point``, ``x``, ``label``, ``loss_before``, ``loss_after`` (plain SGD only: the point's
        loss after that step, taken on a copy; else None) and ``note`` (what the update shown
        is). The session's model and optimizer are left exactly as they were."""
        n = len(self.X)
        if not (_whole(i, 0) and i < n):
            raise ValueError(f"explain_point takes a point's index from 0 to {n - 1}, got {i!r:.40}")
        x, target = self.X[i : i + 1], self.y[i : i + 1]
        prediction = self.model(Tensor(x, label="x"))
        prediction.label = "p"  # the names a student reads in the explorer: L = loss(p, y)
        point_loss = self.loss(prediction, Tensor(target, label="y"))
        point_loss.label = "L"
        loss_before = point_loss.item()
        loss_after = None
        if _plain_sgd(self.optimizer):
            html = explain(point_loss, optimizer=self.optimizer).html
            model, optimizer = copy.deepcopy((self.model, self.optimizer))  # the copy shares nothing
            optimizer.zero_grad()
            self.loss(model(Tensor(x)), target).backward()
            optimizer.step()
            with no_grad():
                loss_after = _finite(self.loss(model(Tensor(x)), target).item())
            note = _sgd_note(self.optimizer.lr, self.batch_rows, n)
        else:
            html = explain(point_loss).html
            note = (
                f"The run uses {_optimizer_words(self.optimizer)}; the explorer shows the forward and "
                "backward pass for this point, without the update (the optimizer's step also depends on "
                "its state from earlier steps)"
            )
        return {
            "html": html,
            "point": int(i),
            "x": round4(x[0]),
            "label": int(self.y[i, 0]),
            "loss_before": _finite(loss_before),
            "loss_after": loss_after,
            "note": note,
        }


def _layers(model: Any) -> list[Layer]:
    """The layers of an `nn.MLP` with 2 inputs and one sigmoid output, or a clear TypeError."""
    example = "nn.MLP(2, [8, 1], activation='tanh', out_activation='sigmoid')"
    if not isinstance(model, MLP):
        raise TypeError(
            f"the playground draws an nn.MLP (its layers' weights and each neuron's output), e.g. "
            f"{example}; got {type(model).__name__}"
        )
    layers = model.layers
    if layers[0].nin != 2 or layers[-1].nout != 1 or layers[-1].activation != "sigmoid":
        raise TypeError(
            f"the playground needs an MLP with 2 inputs and 1 output through a sigmoid (the probability "
            f"of label 1), e.g. {example}; got {layers[0].nin} inputs, {layers[-1].nout} outputs and "
            f"out_activation={layers[-1].activation!r}"
        )
    return layers


def _data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """`X` (n, 2) and `y` (n, 1) of 0s and 1s as float64 arrays, or a clear ValueError."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0 or not np.isfinite(X).all():
        raise ValueError(f"X must be finite points of shape (n, 2), n >= 1; got shape {X.shape}")
    if y.shape != (len(X), 1):
        raise ValueError(f"y must have shape (n, 1) = {(len(X), 1)}, one label per row of X; got {y.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must hold labels 0 and 1 only (the playground draws two classes)")
    return X, y


def _extent(X: np.ndarray) -> list[float]:
    """[xmin, xmax, ymin, ymax]: a square around the data, its side the larger of the data's
    two ranges plus 10% on each side (2 when every point is the same), rounded to 4 digits."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    half = 0.6 * float((hi - lo).max()) or 1.0
    cx, cy = (lo + hi) / 2
    return round4([cx - half, cx + half, cy - half, cy + half])


def _whole(x: Any, least: int) -> bool:
    """Whether `x` is an int (a NumPy integer too, not a bool) of at least `least`."""
    return not isinstance(x, bool) and isinstance(x, (int, np.integer)) and x >= least


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _cells(a: np.ndarray, lo: Any, hi: Any) -> str:
    """Values `a` mapped linearly from [lo, hi] to 0..255 (clipped; NaN as 0), as base64 bytes."""
    span = hi - lo
    with np.errstate(over="ignore", invalid="ignore"):  # infinities of a diverged run end up clipped
        scaled = np.clip(np.nan_to_num((a - lo) / np.where(span > 0, span, 1.0)), 0.0, 1.0)
    return base64.b64encode(np.round(scaled * 255).astype(np.uint8).tobytes()).decode("ascii")


def _neurons(activation: str | None, out: np.ndarray) -> list[dict]:
    """Each neuron's heatmap over the neurons' grid (`out`: one column per neuron), with the
    range [lo, hi] its colours span: the activation's own, or for relu (and identity) the
    grid's. lo and hi are rounded to 4 digits first, and the cells computed from them."""
    if activation == "tanh":
        lo, hi = np.full(out.shape[1], -1.0), np.ones(out.shape[1])
    elif activation == "sigmoid":
        lo, hi = np.zeros(out.shape[1]), np.ones(out.shape[1])
    else:
        lo = np.zeros(out.shape[1]) if activation == "relu" else out.min(axis=0)
        hi = np.asarray(round4(np.nan_to_num(out.max(axis=0))))
        lo = np.asarray(round4(np.nan_to_num(lo)))
    return [
        {"cells": _cells(out[:, j], lo[j], hi[j]), "lo": float(lo[j]), "hi": float(hi[j])}
        for j in range(out.shape[1])
    ]


def _layer_json(layer: Layer) -> dict:
    """A layer's weight (in x out), bias and their gradients from the last step (zeros before)."""
    return {
        "weight": round4(layer.weight.data),
        "bias": round4(layer.bias.data),
        "weight_grad": round4(_grad(layer.weight)),
        "bias_grad": round4(_grad(layer.bias)),
    }


def _grad(p: Tensor) -> np.ndarray:
    return np.zeros_like(p.data) if p.grad is None else p.grad


def _plain_sgd(optimizer: Any) -> bool:
    return isinstance(optimizer, optim.SGD) and optimizer.momentum == 0


def _sgd_note(lr: float, batch_rows: int, n: int) -> str:
    if batch_rows == 1:
        run = "each of the run's steps takes one point too"
    elif batch_rows == n:
        run = f"the run's steps average the gradient over all {n} points"
    else:
        run = f"the run's steps average the gradient over a batch of {batch_rows} points"
    return f"One SGD step (lr {lr:g}) on this point alone; {run}"


def _optimizer_words(optimizer: Any) -> str:
    if isinstance(optimizer, optim.SGD):
        return f"SGD with momentum {optimizer.momentum:g}"
    return type(optimizer).__name__


def _optimizer_name(optimizer: Any) -> str:
    """The settings' name of an optimizer ("sgd", "momentum", "adam"), else its class name."""
    if isinstance(optimizer, optim.Adam):
        return "adam"
    if isinstance(optimizer, optim.SGD) and optimizer.momentum in (0.0, 0.9):
        return "sgd" if optimizer.momentum == 0 else "momentum"
    return type(optimizer).__name__


def _loss_name(loss: Any) -> str:
    """The settings' name of a loss ("bce", "mse"), else its function or class name."""
    fn = getattr(type(loss), "fn", loss)  # nn.BCELoss() stands for binary_cross_entropy
    for key, known in LOSSES.items():
        if fn is known:
            return key
    return getattr(fn, "__name__", type(loss).__name__)
