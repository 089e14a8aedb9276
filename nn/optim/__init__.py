"""Optimizers: `SGD` (momentum, Nesterov, dampening, weight decay), `Adam`
(L2 weight decay) and `AdamW` (decoupled weight decay), with PyTorch's update
rules, so a model started from the same weights follows the same trajectory;
learning-rate schedules are in `nn.optim.lr_scheduler`.

``step()`` updates every parameter that requires grad and has a gradient, in
place (the Tensor objects stay the same, so a model keeps its parameters); a
frozen parameter (``p.requires_grad = False``) is left unchanged. ``zero_grad()``
forgets the gradients. Every argument is checked when the optimizer is built.

A step counts as a change in place of the parameters, as in PyTorch: a graph
built before it cannot be differentiated after it (its gradients would come
from the new weights), and backward says so.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_lite import Tensor
from tinygrad_lite.autograd import changed_in_place

from ..module import Module


class Optimizer:
    """Holds the parameters to update: leaf Tensors, each once, at least one
    of them requiring grad (the others are frozen, and stay unchanged)."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, (Tensor, Module)) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name} takes a list of parameters, e.g. model.parameters(); got {type(params).__name__}"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name} got no parameters to optimize; pass model.parameters()")
        first: dict[int, int] = {}  # id of a tensor -> its first index
        for i, p in enumerate(self.params):
            _check_parameter(name, i, p)
            if id(p) in first:
                raise ValueError(
                    f"{name}: parameters {first[id(p)]} and {i} are the same tensor; give each "
                    "parameter once (it would be updated twice per step; PyTorch refuses it too)"
                )
            first[id(p)] = i
        if not any(p.requires_grad for p in self.params):
            raise ValueError(
                f"{name}: none of the {len(self.params)} parameters requires grad, so step() would "
                "never change anything; create them with requires_grad=True"
            )
        self.lr = lr

    #: The hyperparameters of the (single) parameter group, PyTorch's names; set by `_configure`.
    _settings: tuple[str, ...] = ()

    @property
    def lr(self) -> float:
        """The learning rate, a positive number (checked when set)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._set_lr(value)

    def _set_lr(self, value: Any, allow_zero: bool = False) -> None:
        """Check and set the learning rate; a schedule (and a state saved from
        one) may bring it down to 0, as PyTorch allows."""
        lr = number(type(self).__name__, "learning rate lr", value)
        if not ((lr >= 0 if allow_zero else lr > 0) and math.isfinite(lr)):
            what = "at least 0" if allow_zero else "positive"
            raise ValueError(f"{type(self).__name__}: learning rate lr must be {what} and finite, got {lr!r}")
        self._lr = lr

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError

    def _configure(self, **settings: Any) -> None:
        """Check and set the hyperparameters named in `_settings` (all of them)."""
        raise NotImplementedError

    def _param_state(self, i: int) -> dict[str, Any] | None:
        """Parameter i's state as PyTorch names it (copies), None before its first step."""
        raise NotImplementedError

    def _load_param_states(self, states: dict[int, dict[str, np.ndarray | int]]) -> None:
        """Replace every parameter's state by `states` (checked; missing: never stepped)."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's shape: ``{"state": {i: {...}},
        "param_groups": [{"lr": ..., <hyperparameters>, "params": [0, 1, ...]}]}``,
        `i` indexing the parameters as given; only parameters that have taken a
        step have a state. Arrays are copies. PyTorch keeps ``"step"`` as a
        tensor; here it is an int."""
        group: dict[str, Any] = {"lr": self._lr}
        group.update({name: getattr(self, name) for name in self._settings})
        group["params"] = list(range(len(self.params)))
        states = {i: s for i in range(len(self.params)) if (s := self._param_state(i)) is not None}
        return {"state": states, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Continue from `state_dict` (from `state_dict()` of an optimizer of the
        same kind over parameters of the same shapes): its hyperparameters and
        per-parameter state are checked, then copied in (as PyTorch, the saved
        learning rate and settings replace the current ones)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}.load_state_dict takes a dict with keys 'state' and 'param_groups'")
        groups, states = state_dict["param_groups"], state_dict["state"]
        if not isinstance(groups, (list, tuple)) or len(groups) != 1 or not isinstance(groups[0], dict):
            raise ValueError(f"{name}.load_state_dict: 'param_groups' must be a list of one dict")
        group = dict(groups[0])
        expected = {"lr", "params", *self._settings}
        if set(group) != expected:
            missing, extra = sorted(expected - set(group)), sorted(set(group) - expected)
            raise ValueError(
                f"{name}.load_state_dict: the parameter group's keys differ from {name}'s "
                f"(missing {missing}, unexpected {extra}); was it saved from another optimizer?"
            )
        if list(group.pop("params")) != list(range(len(self.params))):
            raise ValueError(
                f"{name}.load_state_dict: the state is for {len(groups[0]['params'])} parameters, "
                f"this optimizer has {len(self.params)}"
            )
        if not isinstance(states, dict) or not all(
            isinstance(i, (int, np.integer)) and 0 <= i < len(self.params) and isinstance(s, dict)
            for i, s in states.items()
        ):
            raise ValueError(
                f"{name}.load_state_dict: 'state' must map parameter indices "
                f"0..{len(self.params) - 1} to dicts"
            )
        lr = group.pop("lr")
        old = {"_lr": self._lr, **{k: getattr(self, k) for k in self._settings}}
        try:  # all checked before anything changes
            self._set_lr(lr, allow_zero=True)
            self._configure(**group)
            self._load_param_states({int(i): s for i, s in states.items()})
        except Exception:
            for key, value in old.items():
                setattr(self, key, value)
            raise

    def _saved_array(self, i: int, key: str, entry: dict[str, Any]) -> np.ndarray:
        """entry[key] as a copy in parameter i's dtype, checked against its shape."""
        p = self.params[i]
        if key not in entry:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state {i} has no {key!r}")
        value = np.array(entry[key], dtype=p.data.dtype)  # a copy
        if value.shape != p.shape:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: state {i} {key!r} has shape {value.shape}, "
                f"parameter {i} has shape {p.shape}"
            )
        return value


def _check_parameter(owner: str, i: int, p: Any) -> None:
    """Refuse anything but a leaf Tensor, with the likely fix."""
    if isinstance(p, Tensor):
        if p.parents:
            raise ValueError(
                f"{owner}: parameter {i} (shape {p.shape}) is the result of an operation "
                f"({p.op!r}), not a leaf tensor: step() would change a copy the model never "
                "reads. Pass the tensors you created with requires_grad=True (model.parameters())"
            )
        return
    if isinstance(p, dict):
        hint = "; parameter groups (dicts) are not supported: one optimizer per group"
    elif isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
        hint = "; pass model.parameters(), not model.named_parameters()"
    elif isinstance(p, Module):
        hint = "; pass model.parameters(), not the modules"
    elif isinstance(p, (list, tuple)):
        hint = "; pass one flat list, e.g. [*a.parameters(), *b.parameters()]"
    else:
        hint = ""
    raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Tensor{hint}")


def number(owner: str, what: str, value: Any) -> float:
    """`value` as a float if it is a real number (a NumPy scalar too, not a
    bool, a string or a Tensor), else a TypeError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        hint = " (a plain number, not a Tensor)" if isinstance(value, Tensor) else ""
        raise TypeError(f"{owner}: {what} must be a number{hint}, got {type(value).__name__} {value!r:.40}")
    return float(value)


def _fraction(owner: str, what: str, value: Any) -> float:
    """`value` as a float in [0, 1), or a clear error."""
    x = number(owner, what, value)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{owner}: {what} must lie in [0, 1), got {value!r}")
    return x


def _non_negative(owner: str, what: str, value: Any) -> float:
    """`value` as a finite float >= 0, or a clear error."""
    x = number(owner, what, value)
    if not (x >= 0 and math.isfinite(x)):
        raise ValueError(f"{owner}: {what} must be a finite number >= 0, got {value!r}")
    return x


class SGD(Optimizer):
    """Stochastic gradient descent, as PyTorch's; with g the gradient:

        g = g + weight_decay * p                       (L2 penalty, if weight_decay)
        v = momentum * v + (1 - dampening) * g         (v = g on the first step)
        g = g + momentum * v if nesterov else v        (if momentum)
        p = p - lr * g

    With momentum 0 this is plain p = p - lr * g. Nesterov momentum needs
    momentum > 0 and dampening 0 (PyTorch refuses it otherwise too)."""

    _settings = ("momentum", "dampening", "weight_decay", "nesterov")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self._configure(momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def _configure(self, momentum: Any, dampening: Any, weight_decay: Any, nesterov: Any) -> None:
        momentum = _fraction("SGD", "momentum", momentum)
        dampening = number("SGD", "dampening", dampening)
        if not 0.0 <= dampening <= 1.0:
            raise ValueError(f"SGD: dampening must lie in [0, 1], got {dampening!r}")
        weight_decay = _non_negative("SGD", "weight_decay", weight_decay)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(
                f"SGD: nesterov must be True or False, got {type(nesterov).__name__} {nesterov!r:.40}"
            )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires momentum > 0 and dampening 0 (as in PyTorch), "
                f"got momentum={momentum} and dampening={dampening}"
            )
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, bool(nesterov)

    def step(self) -> None:
        lr, momentum = self._lr, self.momentum  # the checked value, without the property
        decay, keep, nesterov = self.weight_decay, 1.0 - self.dampening, self.nesterov
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None or not p.requires_grad:  # no gradient, or frozen
                continue
            if decay:
                g = g + decay * p.data
            if momentum:
                v = self.velocity[i]
                if v is None:
                    v = self.velocity[i] = g.copy()
                else:  # in place: the velocity is the optimizer's own array
                    v *= momentum
                    v += g if keep == 1.0 else keep * g
                g = g + momentum * v if nesterov else v
            data = p.data  # updated in its own array: the object and the array stay the same
            data -= lr * g
        changed_in_place(self.params)

    def _param_state(self, i: int) -> dict[str, Any] | None:
        v = self.velocity[i]
        return None if v is None else {"momentum_buffer": v.copy()}

    def _load_param_states(self, states: dict[int, dict[str, Any]]) -> None:
        velocity: list[np.ndarray | None] = [None] * len(self.params)
        for i, entry in states.items():
            velocity[i] = self._saved_array(i, "momentum_buffer", entry)
        self.velocity = velocity


class Adam(Optimizer):
    """Adam (Kingma & Ba), as PyTorch computes it; for step t = 1, 2, ...:

    g = g + weight_decay * p      (an L2 penalty in the gradient, if weight_decay)
    m = b1 m + (1 - b1) g,        v = b2 v + (1 - b2) g**2
    p = p - (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)"""

    _settings = ("betas", "eps", "weight_decay")
    _decoupled = False  # AdamW: the decay shrinks p itself instead of entering g

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self._configure(betas=betas, eps=eps, weight_decay=weight_decay)
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = [0] * len(self.params)

    def _configure(self, betas: Any, eps: Any, weight_decay: Any) -> None:
        name = type(self).__name__
        if not isinstance(betas, (tuple, list, np.ndarray)):
            raise TypeError(
                f"{name}: betas must be two numbers in [0, 1), e.g. (0.9, 0.999), got {betas!r:.40}"
            )
        if len(betas) != 2:
            raise ValueError(
                f"{name}: betas must be two numbers in [0, 1), e.g. (0.9, 0.999), got {betas!r:.60}"
            )
        b = (_fraction(name, "betas[0]", betas[0]), _fraction(name, "betas[1]", betas[1]))
        e = number(name, "eps", eps)
        if not (e >= 0 and math.isfinite(e)):
            raise ValueError(f"{name}: eps must be a finite number >= 0 (e.g. 1e-8), got {eps!r}")
        self.betas, self.eps = b, e
        self.weight_decay = _non_negative(name, "weight_decay", weight_decay)

    def step(self) -> None:
        b1, b2 = self.betas
        lr, decay = self._lr, self.weight_decay
        for i, p in enumerate(self.params):
            if p.grad is None or not p.requires_grad:  # no gradient, or frozen
                continue
            g, m, v, data = p.grad, self.m[i], self.v[i], p.data
            if decay:
                if self._decoupled:
                    data *= 1 - lr * decay
                else:
                    g = g + decay * data
            self.t[i] += 1
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            step_size = lr / (1 - b1 ** self.t[i])
            denom = np.sqrt(v) / np.sqrt(1 - b2 ** self.t[i]) + self.eps
            data -= step_size * (m / denom)
        changed_in_place(self.params)

    def _param_state(self, i: int) -> dict[str, Any] | None:
        if not self.t[i]:
            return None
        return {"step": self.t[i], "exp_avg": self.m[i].copy(), "exp_avg_sq": self.v[i].copy()}

    def _load_param_states(self, states: dict[int, dict[str, Any]]) -> None:
        m = [np.zeros_like(p.data) for p in self.params]
        v = [np.zeros_like(p.data) for p in self.params]
        t = [0] * len(self.params)
        for i, entry in states.items():
            step = entry.get("step")
            step = step.item() if isinstance(step, np.ndarray) and step.size == 1 else step
            if isinstance(step, float) and step.is_integer():
                step = int(step)  # PyTorch counts steps in a float tensor
            if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state {i} 'step' must be a positive int, "
                    f"got {step!r:.40}"
                )
            m[i], v[i], t[i] = (
                self._saved_array(i, "exp_avg", entry),
                self._saved_array(i, "exp_avg_sq", entry),
                int(step),
            )
        self.m, self.v, self.t = m, v, t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's
    ``torch.optim.AdamW`` (same defaults: lr=1e-3, weight_decay=1e-2): each
    step first shrinks the parameter, ``p = p * (1 - lr * weight_decay)``, then
    takes Adam's step with the plain gradient (the decay never enters m or v)."""

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


from . import lr_scheduler  # noqa: E402 (it imports Optimizer from here)

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
