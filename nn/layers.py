"""Layers with parameters: `Linear`, `Neuron`, `Layer` and `MLP`.

Weights are stored ``(nin, nout)`` and a layer computes ``x @ weight + bias``
(the tutorials' convention: a row of inputs times a matrix). Every layer takes
``rng=`` (a ``numpy.random.Generator`` or an int seed) so that its initial
weights are reproducible, and ``init=`` to choose how they are drawn:

- ``"xavier"`` (Glorot uniform): U(-a, a) with a = sqrt(6 / (nin + nout)),
  keeping the variance of sigmoid and tanh layers steady; the default for
  them and for plain `Linear`;
- ``"he"`` (Kaiming normal): N(0, 2 / nin), for ReLU layers (and leaky ReLU,
  ELU, GELU, SiLU), whose default it is;
- ``"normal"``: N(0, 1), the tutorials' ``np.random.normal()`` weights.

Biases start at zero.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_lite import ShapeError, Tensor

from .module import Module, activation_fn, as_tensor


def init_weight(nin: int, nout: int, init: str, rng: np.random.Generator) -> np.ndarray:
    """A ``(nin, nout)`` weight array drawn by the scheme `init` (see the module doc)."""
    return init_array((nin, nout), nin, nout, init, rng)


def init_array(
    shape: tuple[int, ...], fan_in: int, fan_out: int, init: str, rng: np.random.Generator
) -> np.ndarray:
    """A weight array of `shape` drawn by the scheme `init`, for a layer where
    each output sums `fan_in` inputs and each input feeds `fan_out` outputs
    (for a convolution: channels times kernel size)."""
    if init == "xavier":
        a = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-a, a, size=shape)
    if init == "he":
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    if init == "normal":
        return rng.standard_normal(shape)
    raise ValueError(f"unknown init {init!r}; choose 'xavier', 'he' or 'normal'")


def default_init(activation: str | None) -> str:
    """He for ReLU and its kin (leaky ReLU, ELU, GELU, SiLU), Xavier/Glorot otherwise."""
    return "he" if activation in ("relu", "leaky_relu", "elu", "gelu", "silu") else "xavier"


def check_size(name: str, n: Any) -> int:
    """`n` as an int, or a ValueError unless it is a positive int."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return int(n)


class Linear(Module):
    """y = x @ weight + bias, with weight ``(nin, nout)`` and bias ``(nout,)``."""

    def __init__(
        self,
        nin: int,
        nout: int,
        bias: bool = True,
        *,
        init: str = "xavier",
        rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        self.nin, self.nout = check_size("nin", nin), check_size("nout", nout)
        rng = np.random.default_rng(rng)
        self.weight = Tensor(init_weight(self.nin, self.nout, init, rng), True, dtype, "weight")
        self.bias = Tensor(np.zeros(self.nout), True, dtype, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        x = _features(self, x, self.nin)
        out = x @ self.weight
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return f"{self.nin}, {self.nout}" + ("" if self.bias is not None else ", bias=False")


class Layer(Linear):
    """A fully connected layer: activation(x @ weight + bias).

    `activation` is "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu",
    "silu" or None (identity); the default init follows it (He for the ReLU
    family, Xavier otherwise)."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "sigmoid",
        *,
        init: str | None = None,
        rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        self._act = activation_fn(activation)
        self.activation = activation
        super().__init__(nin, nout, init=init or default_init(activation), rng=rng, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self._act(Linear.forward(self, x))

    def extra_repr(self) -> str:
        return f"{self.nin}, {self.nout}, activation={self.activation!r}"


class Neuron(Module):
    """One neuron: activation(w · x + b), with weight ``(nin,)`` and a scalar bias.

    On an input of shape ``(nin,)`` it gives a scalar; on a batch
    ``(n, nin)``, one output per row, shape ``(n,)``."""

    def __init__(
        self,
        nin: int,
        activation: str | None = "sigmoid",
        *,
        init: str | None = None,
        rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        self.nin = check_size("nin", nin)
        self._act = activation_fn(activation)
        self.activation = activation
        w = init_weight(self.nin, 1, init or default_init(activation), np.random.default_rng(rng))
        self.weight = Tensor(w[:, 0], True, dtype, "weight")
        self.bias = Tensor(0.0, True, dtype, "bias")

    def forward(self, x: Tensor) -> Tensor:
        return self._act(_features(self, x, self.nin) @ self.weight + self.bias)

    def extra_repr(self) -> str:
        return f"{self.nin}, activation={self.activation!r}"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [4, 1])`` is 2 inputs -> 4 hidden -> 1 output.

    Hidden layers use `activation`, the last one `out_activation` (each a
    name `activation_fn` knows: "sigmoid", "tanh", "relu", "gelu"... or None).
    One `rng` draws every layer's weights in turn, so a seed gives the whole
    network."""

    def __init__(
        self,
        nin: int,
        nouts: list[int],
        activation: str | None = "sigmoid",
        out_activation: str | None = "sigmoid",
        *,
        init: str | None = None,
        rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        if isinstance(nouts, str) or not isinstance(nouts, Iterable):
            raise TypeError(
                f"MLP takes a list of layer sizes, e.g. MLP(2, [4, 1]) for 2 inputs, 4 hidden "
                f"and 1 output; got nouts={nouts!r:.40}"
            )
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts, e.g. MLP(2, [4, 1])")
        activation_fn(activation)  # refuses an unknown name even when no hidden layer uses it
        rng = np.random.default_rng(rng)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(nouts) - 1 else out_activation,
                init=init,
                rng=rng,
                dtype=dtype,
            )
            for i in range(len(nouts))
        ]

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


def _features(layer: Module, x: Any, nin: int) -> Tensor:
    """`x` as a Tensor whose last axis holds `nin` features, or a clear error."""
    if not isinstance(x, Tensor):
        x = as_tensor(x)
    shape = x.shape
    if not shape or shape[-1] != nin:
        raise ShapeError(
            f"{type(layer).__name__} expects inputs with {nin} features on the last axis, "
            f"got an input of shape {shape}"
        )
    return x


class Dropout(Module):
    """Inverted dropout: while training, each element is zeroed with
    probability `p` and the rest are scaled by 1 / (1 - p), so the expected
    output is the input; in evaluation mode (``model.eval()``) the input
    passes unchanged. The gradient flows through the kept elements, scaled
    the same way. `rng` (a Generator or a seed) draws the masks."""

    def __init__(self, p: float = 0.5, *, rng: Any = None) -> None:
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(f"Dropout needs a probability p in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x)
        if not self.training or self.p == 0:
            return x
        keep = self.rng.random(x.shape) >= self.p
        return x * Tensor(keep / (1 - self.p), dtype=x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"
