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

Buffers (`Module.register_buffer`: a batch norm's running statistics) are
state that is not learnt: saved by `state_dict()` and loaded back, never
returned by `parameters()`. The containers `ModuleList` and `ModuleDict` hold
modules under their own names, as PyTorch's do (``"layers.0.weight"``,
``"blocks.head.weight"``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple, overload

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
        if name in self.__dict__.get(_BUFFERS, {}):
            self.__dict__[_BUFFERS] = {k: v for k, v in self.__dict__[_BUFFERS].items() if k != name}

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep `tensor` as the attribute `name`, a buffer: state that is not
        learnt (running statistics), saved by `state_dict()` and loaded by
        `load_state_dict` (unless ``persistent=False``), never among
        `parameters()`, and cast by `float()` / `double()`, as PyTorch's
        ``register_buffer``. Assigning the attribute again keeps it a buffer;
        a buffer set to None is not saved."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"a buffer name must be a non-empty string without '.', got {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            given = type(tensor).__name__
            raise TypeError(f"register_buffer({name!r}, ...) takes a Tensor or None, got {given}")
        if name in self.__dict__ and name not in self.__dict__.get(_BUFFERS, {}):
            raise KeyError(f"attribute {name!r} already exists and is not a buffer")
        self.__dict__[_BUFFERS] = {**self.__dict__.get(_BUFFERS, {}), name: bool(persistent)}
        object.__setattr__(self, name, tensor)

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """``(name, tensor)`` for every buffer of this module and its
        sub-modules (persistent or not), each tensor once."""
        seen: set[int] = set()
        for name, tensor, kind in _walk(self, ""):
            if kind != _PARAMETER and id(tensor) not in seen:
                seen.add(id(tensor))
                yield name, tensor

    def buffers(self) -> list[Tensor]:
        """Every buffer (see `register_buffer`), each once, in a stable order."""
        return [tensor for _, tensor in self.named_buffers()]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for each direct sub-module, each module once."""
        seen: set[int] = set()
        for name, child in _children(self):
            if id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, each once, in attribute order."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module (named `prefix`, "" by default) and
        every module inside it, depth first, each module once (as PyTorch)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            inner = [(f"{name}.{sub}" if name else sub, child) for sub, child in _children(module)]
            stack.extend(reversed(inner))

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, each once (see `named_modules`)."""
        for _, module in self.named_modules():
            yield module

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(module)`` on every sub-module (depth first, children before
        their parent) and then on this one, as PyTorch; returns this module
        (``model.apply(init_weights)``)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def float(self) -> Module:
        """Cast every floating-point parameter and buffer (and gradient) to
        float32, in place: the Tensor objects stay the same (an optimizer built
        on them goes on updating them), only their data changes; returns the
        module. An optimizer's own state (Adam's moments) keeps its dtype, so,
        as in PyTorch, cast the model before building the optimizer."""
        return self._cast(np.float32)

    def double(self) -> Module:
        """Cast every floating-point parameter and buffer to float64, in place
        (see `float`); returns the module."""
        return self._cast(np.float64)

    def _cast(self, dtype: Any) -> Module:
        seen: set[int] = set()
        for _, t, _ in _walk(self, ""):
            if id(t) in seen or t.dtype.kind != "f":
                continue
            seen.add(id(t))
            t.data = t.data.astype(dtype)
            if t.grad is not None:
                t.grad = t.grad.astype(dtype)
        return self

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """``(name, tensor)`` for every parameter, in a stable order; a tensor
        shared by several places appears once, under its first name."""
        seen: set[int] = set()
        for name, tensor, kind in _walk(self, ""):
            if kind == _PARAMETER and id(tensor) not in seen:
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
        """A copy of every parameter's and persistent buffer's values, by name,
        in attribute order (a tensor in several places once, under its first name)."""
        return {name: t.data.copy() for name, t in self._state_tensors().items()}

    def _state_tensors(self) -> dict[str, Tensor]:
        """The tensors `state_dict()` saves, by name."""
        seen: set[int] = set()
        tensors = {}
        for name, tensor, kind in _walk(self, ""):
            if kind != _TRANSIENT and id(tensor) not in seen:
                seen.add(id(tensor))
                tensors[name] = tensor
        return tensors

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers, in place.

        With ``strict=True`` (the default) the names must match `state_dict()`
        exactly; with ``strict=False`` missing and unexpected names are allowed
        and the rest is loaded. Either way each array must have its tensor's
        shape and hold numbers: otherwise nothing is changed and the error
        names every mismatch. Returns ``(missing_keys, unexpected_keys)``, as
        PyTorch's ``_IncompatibleKeys`` (both empty after a strict load);
        strict mode raises ValueError (PyTorch: RuntimeError) naming both."""
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
        params = self._state_tensors()
        problems = []
        missing = [name for name in params if name not in state]
        extra = [name for name in state if name not in params]
        if strict and missing:
            problems.append(f"missing keys {missing}")
        if strict and extra:
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
        for name, arr in arrays.items():
            params[name].data[...] = arr
        return IncompatibleKeys(missing, extra)

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
# The key, in a module's __dict__, of its buffers: {attribute name: persistent}.
_BUFFERS = "_buffer_names"
# What `_walk` says a tensor is: a parameter, a buffer state_dict() saves, one it does not.
_PARAMETER, _BUFFER, _TRANSIENT = "parameter", "buffer", "transient"


class IncompatibleKeys(NamedTuple):
    """What `Module.load_state_dict` did not match: names the model has that
    the state lacks, and names in the state the model does not have (as
    PyTorch's ``_IncompatibleKeys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


# The key, in a module's __dict__, of its name in the module that holds it
# ("layers.0"): the graph views name its calls so.
NAME = "_name"


def _modules_in(value: Any, path: str) -> Iterator[tuple[str, Module]]:
    """The modules in an attribute's value, itself or in a list or tuple, with their paths."""
    if isinstance(value, Module):
        yield path, value
        if isinstance(value, _Container):
            for key, item in value._modules.items():
                yield from _modules_in(item, f"{path}.{key}")
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
    for name, value in _items(module):
        if isinstance(value, Module):
            yield name, value
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, Module):
                    yield f"{name}.{i}", item


def _items(module: Module) -> Iterator[tuple[str, Any]]:
    """A module's attributes by name, or for a container its modules by key."""
    if isinstance(module, _Container):
        return iter(module._modules.items())
    return iter(vars(module).items())


def _walk(module: Module, prefix: str) -> Iterator[tuple[str, Tensor, str]]:
    """Every parameter and buffer tensor reachable from `module`'s attributes,
    with dotted names and what it is (`_PARAMETER`, `_BUFFER`, `_TRANSIENT`)."""
    recorded = vars(module).get(_RECORD, frozenset())
    buffers = vars(module).get(_BUFFERS, {})
    for name, value in _items(module):
        if name in buffers:
            if isinstance(value, Tensor):
                yield prefix + name, value, _BUFFER if buffers[name] else _TRANSIENT
        else:
            yield from _walk_value(value, name, prefix, recorded)


def _walk_value(
    value: Any, path: str, prefix: str, recorded: frozenset[str]
) -> Iterator[tuple[str, Tensor, str]]:
    """The parameters in one attribute `value` at `path` of a module: Tensors
    that require grad, and frozen ones (leaves at a recorded path); and the
    sub-modules' parameters and buffers."""
    if isinstance(value, Tensor):
        if value.requires_grad or (path in recorded and not value.parents):
            yield prefix + path, value, _PARAMETER
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


class _Container(Module):
    """A module that holds modules by key (`ModuleList`, `ModuleDict`): its
    parameters, buffers and sub-modules are named by those keys alone, as
    PyTorch's containers (``model.layers = ModuleList(...)`` gives
    ``"layers.0.weight"``)."""

    _modules: dict[str, Module]

    def _put(self, key: str, module: Any) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__} holds nn.Module objects, got {type(module).__name__}")
        place = self.__dict__.get(NAME)
        if place is not None:
            module.__dict__.setdefault(NAME, f"{place}.{key}")
        self._modules[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no forward: call the modules it holds (as in PyTorch)"
        )

    def __len__(self) -> int:
        return len(self._modules)


class ModuleList(_Container):
    """A list of modules whose parameters the holding module finds, named by
    position (``"layers.0.weight"``), as ``torch.nn.ModuleList``: indexing
    (a slice gives a ModuleList of the same modules), ``len``, iteration,
    ``append``, ``extend``, ``insert``, item assignment and deletion."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        self._modules = {}
        if modules is not None:
            self.extend(modules)

    def _index(self, i: int) -> str:
        n = len(self._modules)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"ModuleList indices must be integers or slices, not {type(i).__name__}")
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a ModuleList of {n} modules")
        return str(int(i) % n)

    @overload
    def __getitem__(self, i: int) -> Module: ...
    @overload
    def __getitem__(self, i: slice) -> ModuleList: ...
    def __getitem__(self, i: int | slice) -> Module | ModuleList:
        if isinstance(i, slice):
            return ModuleList(list(self._modules.values())[i])
        return self._modules[self._index(i)]

    def __setitem__(self, i: int, module: Module) -> None:
        self._put(self._index(i), module)

    def __delitem__(self, i: int | slice) -> None:
        kept = list(self._modules.values())
        del kept[i if isinstance(i, slice) else int(self._index(i))]
        self._modules = {}
        self.extend(kept)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end; returns the list (as PyTorch)."""
        self._put(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add each of `modules` at the end; returns the list."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleList):
            raise TypeError("ModuleList.extend takes an iterable of modules; to add one, use append")
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before position `index` (as ``list.insert``)."""
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules = {}
        self.extend(items)


class ModuleDict(_Container):
    """Modules by string key, in insertion order, whose parameters the holding
    module finds, named by key (``"blocks.head.weight"``), as
    ``torch.nn.ModuleDict``: ``d[key]``, assignment, ``del``, ``in``, ``len``,
    iteration over the keys, ``keys()``, ``items()``, ``values()``,
    ``update``, ``pop`` and ``clear``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        self._modules = {}
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict keys must be non-empty strings without '.', got {key!r}")
        self._put(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> list[str]:
        return list(self._modules.keys())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._modules.items())

    def values(self) -> list[Module]:
        return list(self._modules.values())

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for pair in pairs:
            key, module = pair
            self[key] = module

    def pop(self, key: str) -> Module:
        """Remove the module at `key` and return it."""
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()


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
