"""Optimizers: `SGD` (with momentum) and `Adam`, with PyTorch's update rules,
so a model started from the same weights follows the same trajectory.

``step()`` updates every parameter that has a gradient, in place (the Tensor
objects stay the same, so a model keeps its parameters); ``zero_grad()``
forgets the gradients.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tinygrad_lite import Tensor


class Optimizer:
    """Holds the parameters (Tensors that require grad) to update."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name} takes a list of parameters, e.g. model.parameters(); got {type(params).__name__}"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name} got no parameters to optimize; pass model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) does not require grad, "
                    "so it would never change; create it with requires_grad=True"
                )
        if not lr > 0:
            raise ValueError(f"{name}: learning rate must be positive, got {lr!r}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (as PyTorch's):

        v = momentum * v + g   (v = g on the first step)
        p = p - lr * v

    With momentum 0 this is plain p = p - lr * g."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
        self.momentum = momentum
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum = self.lr, self.momentum
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if momentum:
                v = self.velocity[i]
                if v is None:
                    g = self.velocity[i] = g.copy()
                else:  # in place: the velocity is the optimizer's own array
                    v *= momentum
                    v += g
                    g = v
            p.data -= lr * g


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
        if not all(0.0 <= b < 1.0 for b in betas) or len(betas) != 2:
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.betas, self.eps = betas, eps
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = [0] * len(self.params)

    def step(self) -> None:
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g, m, v = p.grad, self.m[i], self.v[i]
            self.t[i] += 1
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            step_size = self.lr / (1 - b1 ** self.t[i])
            denom = np.sqrt(v) / np.sqrt(1 - b2 ** self.t[i]) + self.eps
            p.data -= step_size * (m / denom)
