"""`Module`: the base of every layer and model, and the containers and
activations built on it.

A module's parameters are the Tensors held in its attributes that require
grad, found by walking the attributes in the order they were set: sub-modules
and lists or tuples of them are walked too. That order is the order of
`parameters()` and the names of `state_dict()` (``"layers.0.weight"``).

As PyTorch registers an ``nn.Parameter``, a module records which attributes
were given a leaf Tensor that requires grad; such a tensor stays a parameter
when it is frozen later (``p.requires_grad = False``): it is still listed,
saved and loaded, and optimizers leave it unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, overload

import numpy as np

from tinygrad_lite import Tensor
from tinygrad_lite.autograd import Node, new_seq


class Module:
    """Base class: subclasses set parameters and sub-modules as attributes in
    ``__init__`` and define ``forward``; calling the module runs ``forward``.

    ``training`` is True until ``eval()``: layers such as `Dropout` act
    differently when training and when evaluating."""

    training = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """`forward`, its call remembered as a group for the graph views: its
        result is tagged with the module and the clock reading at the start
        (`autograd.new_seq`), so the nodes made in between, the call's, can be
        shown as one box named after the module (`steps.node_groups`). That
        costs two steps a call and nothing per op. Calls that end on the same
        node (an MLP and its last layer) are chained, the outer one first."""
        start = new_seq()
        out = self.forward(*args, **kwargs)
        if type(out) is Tensor:  # its _call is always set (None): no getattr default, which costs 4x
            if out._seq > start:  # an inner call may end on the same node
                out._call = (self, start, out._call)
        elif isinstance(out, Node) and out._seq > start:
            out._call = (self, start, getattr(out, "_call", None))
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        """Set the attribute, recording it as a parameter if it holds leaf
        Tensors that require grad (itself, or in a list or tuple). Rebinding a
        parameter to a constant is refused: see `_check_rebind`."""
        recorded = self.__dict__.get(_RECORD, frozenset())
        if name in recorded:
            _check_rebind(self, name, value)
        paths = _forget(recorded, name) | frozenset(_grad_leaves(value, name))
        if paths != recorded:  # a new set, never one changed in place: copy.copy(module) shares it
            self.__dict__[_RECORD] = paths
        for path, child in _modules_in(value, name):  # a sub-module is named by its first place
            child.__dict__.setdefault(NAME, path)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if _RECORD in self.__dict__:
            self.__dict__[_RECORD] = _forget(self.__dict__[_RECORD], name)

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """``(name, tensor)`` for every parameter, in a stable order; a tensor
        shared by several places appears once, under its first name."""
        seen: set[int] = set()
        for name, tensor in _walk(self, ""):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                yield name, tensor

    def parameters(self) -> list[Tensor]:
        """Every parameter (Tensor that requires grad, or was given to the
        module requiring grad and frozen since), without duplicates, in a
        stable order."""
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

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy values into the parameters, in place. The names must match
        `state_dict()` exactly and each array must have its parameter's shape;
        otherwise nothing is changed and the error names every mismatch."""
        if not isinstance(state, Mapping):
            hint = (
                ": to read a file, use model.load_state_dict(nn.load_state(path))"
                if isinstance(state, (str, os.PathLike))
                else ""
            )
            raise TypeError(
                f"load_state_dict needs a dict of arrays by name, such as model.state_dict() "
                f"or nn.load_state(path); got {type(state).__name__} {state!r:.40}{hint}"
            )
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
                transposed = arr.ndim == 2 and arr.shape == p.shape[::-1]
                hint = " (transposed? weights here are (nin, nout), PyTorch's (nout, nin): use .T)"
                problems.append(
                    f"{name!r} has shape {arr.shape}, the model expects {p.shape}"
                    + (hint if transposed else "")
                )
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


# The key, in a module's __dict__, of the set of attribute paths ("weight",
# "weights.0") that were given a leaf Tensor requiring grad: see __setattr__.
_RECORD = "_parameter_paths"
# The key, in a module's __dict__, of its name in the module that holds it
# ("layers.0"): the graph views name its calls so.
NAME = "_name"


def _modules_in(value: Any, path: str) -> Iterator[tuple[str, Module]]:
    """The modules in an attribute's value, itself or in a list or tuple, with their paths."""
    if isinstance(value, Module):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _modules_in(item, f"{path}.{i}")


def _grad_leaves(value: Any, path: str) -> Iterator[str]:
    """Paths of the leaf Tensors that require grad in `value`, itself or in
    (nested) lists and tuples; sub-modules keep their own record."""
    if isinstance(value, Tensor):
        if value.requires_grad and not value.parents:
            yield path
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _grad_leaves(item, f"{path}.{i}")


def _forget(recorded: frozenset[str], name: str) -> frozenset[str]:
    """`recorded` without the attribute `name` and the items of its lists."""
    return frozenset(p for p in recorded if p != name and not p.startswith(name + "."))


def _check_rebind(module: Module, name: str, value: Any) -> None:
    """Refuse to replace the parameter ``module.name`` with anything but None
    or another parameter (a leaf Tensor that requires grad), as PyTorch does:
    the layer would silently stop learning and saving it, and an optimizer
    would keep updating the old tensor."""
    if not isinstance(getattr(module, name, None), Tensor):
        return
    if value is None or (isinstance(value, Tensor) and value.requires_grad and not value.parents):
        return
    if isinstance(value, Tensor) and value.parents:
        given = f"the result of an operation ({value.op!r})"
    elif isinstance(value, Tensor):
        given = "a Tensor that does not require grad"
    else:
        given = f"an object of type {type(value).__name__}"
    raise TypeError(
        f"cannot assign {given} to {type(module).__name__}.{name}, a parameter: it would no "
        f"longer be a weight that training updates and save() stores. To set its values, copy "
        f"into it: module.{name}.data[...] = values; to freeze it: module.{name}.requires_grad "
        f"= False; to replace it: Tensor(values, requires_grad=True) (then build the optimizer again)"
    )


def _children(module: Module) -> Iterator[tuple[str, Module]]:
    """Direct sub-modules with their names, in attribute order."""
    for name, value in vars(module).items():
        if isinstance(value, Module):
            yield name, value
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, Module):
                    yield f"{name}.{i}", item


def _walk(module: Module, prefix: str) -> Iterator[tuple[str, Tensor]]:
    """Every parameter tensor reachable from `module`'s attributes, with dotted names."""
    recorded = vars(module).get(_RECORD, frozenset())
    for name, value in vars(module).items():
        yield from _walk_value(value, name, prefix, recorded)


def _walk_value(value: Any, path: str, prefix: str, recorded: frozenset[str]) -> Iterator[tuple[str, Tensor]]:
    """The parameters in one attribute `value` at `path` of a module: Tensors
    that require grad, and frozen ones (leaves at a recorded path)."""
    if isinstance(value, Tensor):
        if value.requires_grad or (path in recorded and not value.parents):
            yield prefix + path, value
    elif isinstance(value, Module):
        yield from _walk(value, f"{prefix}{path}.")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk_value(item, f"{path}.{i}", prefix, recorded)


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

    @overload
    def __getitem__(self, i: int) -> Module: ...
    @overload
    def __getitem__(self, i: slice) -> Sequential: ...
    def __getitem__(self, i: int | slice) -> Module | Sequential:
        """One module, or for a slice a Sequential of those modules (shared,
        not copied), as in PyTorch: ``model[:-1]`` is the model without its head."""
        return Sequential(*self.layers[i]) if isinstance(i, slice) else self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)


# -- activations ------------------------------------------------------------
def identity(x: Tensor) -> Tensor:
    """The activation None: x unchanged (a named function, so layers pickle)."""
    return x


ACTIVATIONS: dict[str | None, Callable[[Tensor], Tensor]] = {
    "sigmoid": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "relu": Tensor.relu,
    "leaky_relu": Tensor.leaky_relu,  # PyTorch's defaults: negative_slope 0.01, alpha 1, exact GELU
    "elu": Tensor.elu,
    "gelu": Tensor.gelu,
    "silu": Tensor.silu,
    None: identity,
}


def activation_fn(name: str | None) -> Callable[[Tensor], Tensor]:
    """The function for an activation name ("sigmoid", "tanh", "relu", "leaky_relu",
    "elu", "gelu", "silu" or None), each with PyTorch's default parameters."""
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


class LeakyReLU(Module):
    """leaky_relu(x) = x where x > 0, else negative_slope * x, elementwise (torch.nn.LeakyReLU)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        Tensor([0.0]).leaky_relu(negative_slope)  # a bad slope is refused here, not at the first call
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """elu(x) = x where x > 0, else alpha (e**x - 1), elementwise (torch.nn.ELU)."""

    def __init__(self, alpha: float = 1.0) -> None:
        Tensor([0.0]).elu(alpha)
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).elu(self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """gelu(x) = x Phi(x) (Phi the standard normal CDF), or its tanh approximation
    with ``approximate="tanh"``, elementwise (torch.nn.GELU)."""

    def __init__(self, approximate: str = "none") -> None:
        Tensor([0.0]).gelu(approximate)
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).gelu(self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """silu(x) = x sigmoid(x), elementwise (torch.nn.SiLU)."""

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).silu()


def as_tensor(x: Any, name: str = "input", dtype: Any = None) -> Tensor:
    """`x` as a Tensor (arrays and lists become constant tensors, float64
    unless `dtype` is given)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x, dtype=dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be a Tensor or an array of numbers: {exc}") from None
