"""`Module`: the base of every layer and model, and the containers and
activations built on it.

A module's parameters are the Tensors (with ``requires_grad``) held in its
attributes, found by walking the attributes in the order they were set:
sub-modules and lists or tuples of them are walked too. That order is the
order of `parameters()` and the names of `state_dict()` (``"layers.0.weight"``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tinygrad_lite import Tensor


class Module:
    """Base class: subclasses set parameters and sub-modules as attributes in
    ``__init__`` and define ``forward``; calling the module runs ``forward``.

    ``training`` is True until ``eval()``: layers such as `Dropout` act
    differently when training and when evaluating."""

    training = True

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """``(name, tensor)`` for every parameter, in a stable order; a tensor
        shared by several places appears once, under its first name."""
        seen: set[int] = set()
        for name, tensor in _walk(self, ""):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                yield name, tensor

    def parameters(self) -> list[Tensor]:
        """Every parameter (Tensor that requires grad), without duplicates, in a stable order."""
        return [tensor for _, tensor in self.named_parameters()]

    def train(self, mode: bool = True) -> Module:
        """Set training mode (or evaluation mode with ``mode=False``) on this
        module and every sub-module; returns the module."""
        self.training = bool(mode)
        for _, child in _children(self):
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (set them to None)."""
        for p in self.parameters():
            p.grad = None

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy values into the parameters, in place. The names must match
        `state_dict()` exactly and each array must have its parameter's shape;
        otherwise nothing is changed and the error names every mismatch."""
        params = dict(self.named_parameters())
        problems = []
        missing = [name for name in params if name not in state]
        extra = [name for name in state if name not in params]
        if missing:
            problems.append(f"missing keys {missing}")
        if extra:
            problems.append(f"unexpected keys {extra}")
        arrays = {}
        for name, p in params.items():
            if name not in state:
                continue
            arr = np.asarray(state[name].data if isinstance(state[name], Tensor) else state[name])
            if arr.shape != p.shape:
                problems.append(f"{name!r} has shape {arr.shape}, the model expects {p.shape}")
            elif arr.dtype.kind not in "biuf":
                problems.append(f"{name!r} holds {arr.dtype} data, not numbers")
            arrays[name] = arr
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        for name, p in params.items():
            p.data[...] = arrays[name]

    def save(self, path: str | os.PathLike) -> None:
        """Write `state_dict()` to `path` as a NumPy ``.npz`` file (no pickle);
        read it back with ``model.load_state_dict(nn.load_state(path))``."""
        with open(path, "wb") as f:
            np.savez(f, **self.state_dict())

    def __repr__(self) -> str:
        children = [f"  ({name}): {module!r}".replace("\n", "\n  ") for name, module in _children(self)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(children) + "\n)"

    def extra_repr(self) -> str:
        """What the one-line repr shows between the parentheses."""
        return ""


def _children(module: Module) -> Iterator[tuple[str, Module]]:
    """Direct sub-modules with their names, in attribute order."""
    for name, value in vars(module).items():
        if isinstance(value, Module):
            yield name, value
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, Module):
                    yield f"{name}.{i}", item


def _walk(obj: Any, prefix: str) -> Iterator[tuple[str, Tensor]]:
    """Every parameter tensor reachable from `obj`'s attributes, with dotted names."""
    if isinstance(obj, Tensor):
        if obj.requires_grad:
            yield prefix, obj
    elif isinstance(obj, Module):
        for name, value in vars(obj).items():
            yield from _walk(value, f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{prefix}.{i}")


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``."""

    def __init__(self, *modules: Module) -> None:
        for m in modules:
            if not callable(m):
                raise TypeError(f"Sequential takes modules (or callables), got {type(m).__name__}")
        self.layers = list(modules)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)


# -- activations ------------------------------------------------------------
ACTIVATIONS: dict[str | None, Callable[[Tensor], Tensor]] = {
    "sigmoid": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "relu": Tensor.relu,
    None: lambda x: x,
}


def activation_fn(name: str | None) -> Callable[[Tensor], Tensor]:
    """The function for an activation name ("sigmoid", "tanh", "relu" or None)."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        names = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of {names}") from None


class Sigmoid(Module):
    """sigmoid(x) = 1 / (1 + e**-x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).sigmoid()


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).tanh()


class ReLU(Module):
    """relu(x) = max(x, 0), elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).relu()


def as_tensor(x: Any, name: str = "input", dtype: Any = None) -> Tensor:
    """`x` as a Tensor (arrays and lists become constant tensors, float64
    unless `dtype` is given)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x, dtype=dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be a Tensor or an array of numbers: {exc}") from None
