"""The path to PyTorch: `to_torch(model)` gives an equivalent ``torch.nn.Module``
(same outputs, same gradients), `from_torch(module)` gives ours back.

PyTorch is where a model goes when it needs a GPU or several machines
(``torch.distributed``); a model built and trained here moves there with its
weights, and comes back. PyTorch stays optional: importing `nn` never imports
it, and calling either function without it raises ImportError with the
install hint (``pip install torch``).

What maps to what (ours -> PyTorch; `from_torch` reverses each line):

===========================  =====================================================
``nn``                       ``torch.nn``
===========================  =====================================================
Linear(nin, nout)            Linear(nin, nout): weight **transposed**, ours
                             ``(nin, nout)``, torch's ``(nout, nin)``; bias as is
Layer(nin, nout, act)        Sequential(Linear, act) (Sequential(Linear) for None)
MLP(nin, nouts, ...)         one flat Sequential(Linear, act, Linear, act, ...),
                             an activation None leaving no entry
Sequential(a, b, ...)        Sequential(a', b', ...)
Conv2d                       Conv2d (stride, padding, dilation, groups, bias);
                             weight as is, ``(out, in // groups, kh, kw)``
MaxPool2d, AvgPool2d         MaxPool2d, AvgPool2d (kernel, stride, padding,
                             count_include_pad)
Flatten()                    Flatten() (start_dim=1, end_dim=-1)
Dropout(p)                   Dropout(p)
Embedding(n, dim)            Embedding(n, dim): weight as is, ``(n, dim)``
BatchNorm1d                  BatchNorm1d (eps, momentum, affine,
                             track_running_stats): weight, bias and the buffers
                             running_mean, running_var, num_batches_tracked
LayerNorm                    LayerNorm (normalized_shape, eps,
                             elementwise_affine, bias)
Sigmoid Tanh ReLU SiLU       Sigmoid Tanh ReLU SiLU
LeakyReLU ELU GELU           LeakyReLU(negative_slope) ELU(alpha) GELU(approximate)
Sequential() (empty)         Identity (from_torch only; to_torch gives Sequential())
===========================  =====================================================

`from_torch` of a ``torch.nn.Sequential`` gives our `Sequential` (never an
`MLP` or `Layer`: a torch Sequential of Linear/activation pairs becomes our
Sequential of `Linear` and activation modules), so ``from_torch(to_torch(mlp))``
computes what `mlp` computes but is a Sequential.

State-dict keys, parameters and buffers alike, correspond one to one
(`torch_keys(model)` gives the table):
our `Sequential` and `MLP` keep their layers in ``layers``, torch's
Sequential numbers them directly, so ``layers.0.weight`` is ``0.weight``; a
`Layer`'s ``weight`` is ``0.weight`` of its torch Sequential; an MLP's layer i
is entry 2i of the flat Sequential when every layer has an activation
(``layers.1.weight`` -> ``2.weight``). Values are equal, Linear weights
transposed; BatchNorm1d's running statistics are copied, so evaluation
gives the same outputs, and training updates them the same way on both sides.
Each module's training mode (``training``) is carried over, as are
frozen parameters (``requires_grad=False``). Parameters keep their dtype
(float64 or float32).

Anything else (a subclass of these, a `Neuron`, a plain function inside a
Sequential) raises TypeError naming its type, where it sits in the model and
what is supported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .embedding import Embedding
from .layers import MLP, Dropout, Layer, Linear
from .module import ELU, GELU, LeakyReLU, Module, ReLU, Sequential, Sigmoid, SiLU, Tanh
from .norm import BatchNorm1d, LayerNorm

# (our key, torch key, transposed): how one parameter's name and value map.
KeyPairs = list[tuple[str, str, bool]]

SUPPORTED = (
    "Linear, Layer, MLP, Sequential, Conv2d, MaxPool2d, AvgPool2d, Flatten, Dropout, "
    "Embedding, BatchNorm1d, LayerNorm, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, GELU, SiLU"
)


def _import_torch(caller: str) -> Any:
    """The torch module, or an ImportError with the install hint."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            f"nn.{caller} needs PyTorch, which is not installed: pip install torch "
            f"(see https://pytorch.org for GPU builds)"
        ) from exc
    return torch


def _torch_dtype(torch: Any, dtype: np.dtype) -> Any:
    if dtype == np.float64:
        return torch.float64
    if dtype == np.float32:
        return torch.float32
    raise TypeError(f"to_torch moves float64 and float32 parameters, got {dtype}")


def _numpy_dtype(torch: Any, dtype: Any, where: str) -> Any:
    if dtype == torch.float64:
        return np.float64
    if dtype == torch.float32:
        return np.float32
    raise TypeError(
        f"from_torch moves float64 and float32 parameters; {where} holds {dtype}: "
        f"call module.double() or module.float() first"
    )


def _prefix(pairs: KeyPairs, ours: str, theirs: str) -> KeyPairs:
    return [(ours + a, theirs + b, t) for a, b, t in pairs]


def _where(path: str) -> str:
    return f" at {path!r}" if path else ""


# -- ours -> torch --------------------------------------------------------------
def _activation_to_torch(torch: Any, module: Module) -> Any:
    tnn = torch.nn
    kind = type(module)
    if kind is Sigmoid:
        return tnn.Sigmoid()
    if kind is Tanh:
        return tnn.Tanh()
    if kind is ReLU:
        return tnn.ReLU()
    if kind is SiLU:
        return tnn.SiLU()
    if kind is LeakyReLU:
        return tnn.LeakyReLU(module.negative_slope)
    if kind is ELU:
        return tnn.ELU(module.alpha)
    if kind is GELU:
        return tnn.GELU(approximate=module.approximate)
    return None


_ACTIVATION_NAMES: dict[str, Callable[[], Module]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
    "silu": SiLU,
}


def _copy_in(torch: Any, param: Any, tensor: Any, transposed: bool) -> None:
    """Copy our parameter `tensor`'s values (transposed when asked) into the torch `param`."""
    values = tensor.data.T if transposed else tensor.data
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(values)))
    param.requires_grad_(bool(tensor.requires_grad))


def _state_to_torch(torch: Any, ours: Module, theirs: Any, names: tuple[str, ...]) -> KeyPairs:
    """Copy the parameters and buffers `names` (those that are not None) from
    `ours` into `theirs`, torch's of the same names; their key pairs."""
    pairs: KeyPairs = []
    tparams = dict(theirs.named_parameters(recurse=False))
    for name in names:
        tensor = getattr(ours, name)
        if tensor is None:
            continue
        if name in tparams:
            _copy_in(torch, tparams[name], tensor, False)
        else:
            getattr(theirs, name).copy_(torch.from_numpy(np.array(tensor.data)))
        pairs.append((name, name, False))
    return pairs


def _dtype_of(torch: Any, module: Module, names: tuple[str, ...]) -> Any:
    """The torch dtype of `module`'s first float tensor among `names` (float64 if none)."""
    for name in names:
        tensor = getattr(module, name)
        if tensor is not None and tensor.dtype.kind == "f":
            return _torch_dtype(torch, tensor.dtype)
    return torch.float64


_BATCHNORM_STATE = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _linear_to_torch(torch: Any, layer: Linear) -> Any:
    dtype = _torch_dtype(torch, layer.weight.dtype)
    t = torch.nn.utils.skip_init(
        torch.nn.Linear, layer.nin, layer.nout, bias=layer.bias is not None, dtype=dtype
    )
    _copy_in(torch, t.weight, layer.weight, True)
    if layer.bias is not None:
        _copy_in(torch, t.bias, layer.bias, False)
    t.train(layer.training)
    return t


def _linear_pairs(layer: Linear, torch_prefix: str) -> KeyPairs:
    pairs = [("weight", torch_prefix + "weight", True)]
    if layer.bias is not None:
        pairs.append(("bias", torch_prefix + "bias", False))
    return pairs


def _layer_parts(torch: Any, layer: Layer) -> list[Any]:
    """A Layer as torch modules: its Linear, then its activation unless None."""
    parts = [_linear_to_torch(torch, layer)]
    if layer.activation is not None:
        act = _activation_to_torch(torch, _ACTIVATION_NAMES[layer.activation]())
        act.train(layer.training)
        parts.append(act)
    return parts


def _to_torch(torch: Any, module: Any, path: str) -> tuple[Any, KeyPairs]:
    """`module` as a torch module, with the key pairs of its parameters."""
    kind = type(module)
    if kind is Linear:
        return _linear_to_torch(torch, module), _linear_pairs(module, "")
    if kind is Layer:
        seq = torch.nn.Sequential(*_layer_parts(torch, module))
        seq.training = module.training
        return seq, _linear_pairs(module, "0.")
    if kind is MLP:
        parts: list[Any] = []
        pairs: KeyPairs = []
        for i, layer in enumerate(module.layers):
            pairs += _prefix(_linear_pairs(layer, f"{len(parts)}."), f"layers.{i}.", "")
            parts += _layer_parts(torch, layer)
        seq = torch.nn.Sequential(*parts)
        seq.training = module.training
        return seq, pairs
    if kind is Sequential:
        children, pairs = [], []
        for i, child in enumerate(module.layers):
            t, child_pairs = _to_torch(torch, child, f"{path}.layers.{i}" if path else f"layers.{i}")
            children.append(t)
            pairs += _prefix(child_pairs, f"layers.{i}.", f"{i}.")
        seq = torch.nn.Sequential(*children)
        seq.training = module.training
        return seq, pairs
    if kind is Conv2d:
        dtype = _torch_dtype(torch, module.weight.dtype)
        t = torch.nn.utils.skip_init(
            torch.nn.Conv2d,
            module.in_channels,
            module.out_channels,
            module.kernel_size,
            stride=module.stride,
            padding=module.padding,
            dilation=module.dilation,
            groups=module.groups,
            bias=module.bias is not None,
            dtype=dtype,
        )
        _copy_in(torch, t.weight, module.weight, False)
        pairs = [("weight", "weight", False)]
        if module.bias is not None:
            _copy_in(torch, t.bias, module.bias, False)
            pairs.append(("bias", "bias", False))
        return t.train(module.training), pairs
    if kind is Embedding:
        t = torch.nn.utils.skip_init(
            torch.nn.Embedding,
            module.num_embeddings,
            module.embedding_dim,
            dtype=_torch_dtype(torch, module.weight.dtype),
        )
        return t.train(module.training), _state_to_torch(torch, module, t, ("weight",))
    if kind is BatchNorm1d:
        t = torch.nn.BatchNorm1d(
            module.num_features,
            eps=module.eps,
            momentum=module.momentum,
            affine=module.affine,
            track_running_stats=module.track_running_stats,
            dtype=_dtype_of(torch, module, _BATCHNORM_STATE),
        )
        with torch.no_grad():
            pairs = _state_to_torch(torch, module, t, _BATCHNORM_STATE)
        return t.train(module.training), pairs
    if kind is LayerNorm:
        t = torch.nn.LayerNorm(
            module.normalized_shape,
            eps=module.eps,
            elementwise_affine=module.elementwise_affine,
            bias=module.bias is not None,
            dtype=_dtype_of(torch, module, ("weight", "bias")),
        )
        return t.train(module.training), _state_to_torch(torch, module, t, ("weight", "bias"))
    if kind is MaxPool2d:
        t = torch.nn.MaxPool2d(module.kernel_size, module.stride, module.padding)
    elif kind is AvgPool2d:
        t = torch.nn.AvgPool2d(
            module.kernel_size, module.stride, module.padding, count_include_pad=module.count_include_pad
        )
    elif kind is Flatten:
        t = torch.nn.Flatten()
    elif kind is Dropout:
        t = torch.nn.Dropout(module.p)
    else:
        t = _activation_to_torch(torch, module) if isinstance(module, Module) else None
        if t is None:
            raise TypeError(
                f"to_torch cannot convert {kind.__name__}{_where(path)}; supported: {SUPPORTED} "
                f"(exactly these classes, not subclasses)"
            )
    return t.train(module.training), []


def to_torch(model: Module) -> Any:
    """An equivalent ``torch.nn.Module``: same outputs and, for the same loss,
    the same parameter gradients (Linear's transposed). Parameters are copied
    (float64 stays float64, float32 stays float32), training modes and frozen
    parameters carried over. See the module doc for what maps to what; an
    unsupported module raises TypeError, a missing PyTorch ImportError."""
    torch = _import_torch("to_torch")
    return _to_torch(torch, model, "")[0]


def torch_keys(model: Module) -> dict[str, str]:
    """Our ``state_dict()`` key -> the key of the same entry in
    ``to_torch(model).state_dict()``, for every parameter and buffer (one to one)."""
    torch = _import_torch("torch_keys")
    return {ours: theirs for ours, theirs, _ in _to_torch(torch, model, "")[1]}


# -- torch -> ours --------------------------------------------------------------
def _copy_out(torch: Any, tensor: Any, param: Any, transposed: bool) -> None:
    values = param.detach().cpu().numpy()
    tensor.data[...] = values.T if transposed else values
    tensor.requires_grad = bool(param.requires_grad)


def _state_from_torch(torch: Any, theirs: Any, ours: Module, names: tuple[str, ...]) -> None:
    """Copy torch's parameters and buffers `names` (those that are not None) into ours."""
    tparams = dict(theirs.named_parameters(recurse=False))
    for name in names:
        value = getattr(theirs, name)
        if value is None:
            continue
        if name in tparams:
            _copy_out(torch, getattr(ours, name), value, False)
        else:
            getattr(ours, name).data[...] = value.detach().cpu().numpy()


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _refuse(name: str, path: str, what: str) -> TypeError:
    return TypeError(
        f"from_torch cannot convert torch.nn.{name}{_where(path)} with {what}: nn has no equivalent"
    )


def _from_torch(torch: Any, module: Any, path: str) -> Module:
    tnn = torch.nn
    kind = type(module)
    name = kind.__name__
    where = f"torch.nn.{name}{_where(path)}"
    if kind is tnn.Linear:
        dtype = _numpy_dtype(torch, module.weight.dtype, where)
        ours = Linear(module.in_features, module.out_features, bias=module.bias is not None, dtype=dtype)
        _copy_out(torch, ours.weight, module.weight, True)
        if module.bias is not None:
            _copy_out(torch, ours.bias, module.bias, False)
    elif kind is tnn.Embedding:
        if module.padding_idx is not None or module.max_norm is not None or module.scale_grad_by_freq:
            raise _refuse(name, path, "padding_idx, max_norm or scale_grad_by_freq")
        if module.sparse:
            raise _refuse(name, path, "sparse=True")
        dtype = _numpy_dtype(torch, module.weight.dtype, where)
        ours = Embedding(module.num_embeddings, module.embedding_dim, dtype=dtype)
        _copy_out(torch, ours.weight, module.weight, False)
    elif kind is tnn.BatchNorm1d:
        state = [t for t in (module.weight, module.running_mean) if t is not None]
        dtype = _numpy_dtype(torch, state[0].dtype, where) if state else np.float64
        ours = BatchNorm1d(
            module.num_features,
            eps=module.eps,
            momentum=module.momentum,
            affine=module.affine,
            track_running_stats=module.track_running_stats,
            dtype=dtype,
        )
        _state_from_torch(torch, module, ours, _BATCHNORM_STATE)
    elif kind is tnn.LayerNorm:
        dtype = np.float64 if module.weight is None else _numpy_dtype(torch, module.weight.dtype, where)
        ours = LayerNorm(
            module.normalized_shape,
            eps=module.eps,
            elementwise_affine=module.elementwise_affine,
            bias=module.bias is not None,
            dtype=dtype,
        )
        _state_from_torch(torch, module, ours, ("weight", "bias"))
    elif kind is tnn.Sequential:
        ours = Sequential(
            *(_from_torch(torch, child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(module))
        )
    elif kind is tnn.Identity:
        ours = Sequential()
    elif kind is tnn.Conv2d:
        if module.padding_mode != "zeros":
            raise _refuse(name, path, f"padding_mode={module.padding_mode!r}")
        if isinstance(module.padding, str):
            raise _refuse(name, path, f"padding={module.padding!r} (give the padding as numbers)")
        dtype = _numpy_dtype(torch, module.weight.dtype, where)
        ours = Conv2d(
            module.in_channels,
            module.out_channels,
            _pair(module.kernel_size),
            _pair(module.stride),
            _pair(module.padding),
            bias=module.bias is not None,
            dilation=_pair(module.dilation),
            groups=module.groups,
            dtype=dtype,
        )
        _copy_out(torch, ours.weight, module.weight, False)
        if module.bias is not None:
            _copy_out(torch, ours.bias, module.bias, False)
    elif kind is tnn.MaxPool2d:
        if _pair(module.dilation) != (1, 1) or module.ceil_mode or module.return_indices:
            raise _refuse(name, path, "dilation, ceil_mode or return_indices")
        ours = MaxPool2d(_pair(module.kernel_size), _pair(module.stride), _pair(module.padding))
    elif kind is tnn.AvgPool2d:
        if module.ceil_mode or module.divisor_override is not None:
            raise _refuse(name, path, "ceil_mode or divisor_override")
        ours = AvgPool2d(
            _pair(module.kernel_size),
            _pair(module.stride),
            _pair(module.padding),
            count_include_pad=module.count_include_pad,
        )
    elif kind is tnn.Flatten:
        if module.start_dim != 1 or module.end_dim != -1:
            raise _refuse(name, path, f"start_dim={module.start_dim}, end_dim={module.end_dim}")
        ours = Flatten()
    elif kind is tnn.Dropout:
        ours = Dropout(module.p)
    elif kind is tnn.Sigmoid:
        ours = Sigmoid()
    elif kind is tnn.Tanh:
        ours = Tanh()
    elif kind is tnn.ReLU:
        ours = ReLU()
    elif kind is tnn.SiLU:
        ours = SiLU()
    elif kind is tnn.LeakyReLU:
        ours = LeakyReLU(module.negative_slope)
    elif kind is tnn.ELU:
        ours = ELU(module.alpha)
    elif kind is tnn.GELU:
        ours = GELU(module.approximate)
    else:
        raise TypeError(
            f"from_torch cannot convert {kind.__module__}.{name}{_where(path)}; supported: torch.nn's "
            f"{SUPPORTED.replace('Layer, MLP, ', '')}, Identity"
        )
    ours.training = bool(module.training)
    return ours


def from_torch(module: Any) -> Module:
    """Our equivalent of a ``torch.nn.Module`` (see the module doc for the
    mapping; a torch Sequential becomes our `Sequential`): same outputs, its
    parameters copied (Linear weights transposed), float64 or float32 kept,
    training modes and frozen parameters carried over."""
    torch = _import_torch("from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch takes a torch.nn.Module, got {type(module).__name__}")
    return _from_torch(torch, module, "")
