"""Optimizers: `SGD` (with momentum) and `Adam`, with PyTorch's update rules,
so a model started from the same weights follows the same trajectory.

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

from .module import Module


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

    @property
    def lr(self) -> float:
        """The learning rate, a positive number (checked when set)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        lr = number(type(self).__name__, "learning rate lr", value)
        if not (lr > 0 and math.isfinite(lr)):
            raise ValueError(
                f"{type(self).__name__}: learning rate lr must be positive and finite, got {lr!r}"
            )
        self._lr = lr

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError


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


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (as PyTorch's):

        v = momentum * v + g   (v = g on the first step)
        p = p - lr * v

    With momentum 0 this is plain p = p - lr * g."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction("SGD", "momentum", momentum)
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum = self._lr, self.momentum  # the checked value, without the property
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None or not p.requires_grad:  # no gradient, or frozen
                continue
            if momentum:
                v = self.velocity[i]
                if v is None:
                    g = self.velocity[i] = g.copy()
                else:  # in place: the velocity is the optimizer's own array
                    v *= momentum
                    v += g
                    g = v
            data = p.data  # updated in its own array: the object and the array stay the same
            data -= lr * g
        changed_in_place(self.params)


class Adam(Optimizer):
    """Adam (Kingma & Ba), as PyTorch computes it; for step t = 1, 2, ...:

    m = b1 m + (1 - b1) g,        v = b2 v + (1 - b2) g**2
    p = p - (lr / (1 - b1**t)) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)"""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list, np.ndarray)):
            raise TypeError(
                f"Adam: betas must be two numbers in [0, 1), e.g. (0.9, 0.999), got {betas!r:.40}"
            )
        if len(betas) != 2:
            raise ValueError(
                f"Adam: betas must be two numbers in [0, 1), e.g. (0.9, 0.999), got {betas!r:.60}"
            )
        self.betas = (_fraction("Adam", "betas[0]", betas[0]), _fraction("Adam", "betas[1]", betas[1]))
        self.eps = number("Adam", "eps", eps)
        if not (self.eps >= 0 and math.isfinite(self.eps)):
            raise ValueError(f"Adam: eps must be a finite number >= 0 (e.g. 1e-8), got {eps!r}")
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = [0] * len(self.params)

    def step(self) -> None:
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None or not p.requires_grad:  # no gradient, or frozen
                continue
            g, m, v = p.grad, self.m[i], self.v[i]
            self.t[i] += 1
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            step_size = self._lr / (1 - b1 ** self.t[i])
            denom = np.sqrt(v) / np.sqrt(1 - b2 ** self.t[i]) + self.eps
            data = p.data
            data -= step_size * (m / denom)
        changed_in_place(self.params)
