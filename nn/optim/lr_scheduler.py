"""Learning-rate schedules, as PyTorch's ``torch.optim.lr_scheduler``: build
one on an optimizer, call ``step()`` once per epoch (after the optimizer's
steps) and it sets ``optimizer.lr``; ``get_last_lr()`` is the rate it set
last (a list with one rate, as PyTorch's, one per parameter group).

The rates are computed as PyTorch computes them, recursively from the current
rate, so they are the same floats step for step (a closed form would differ
in the last bits)."""

from __future__ import annotations

import math
from typing import Any

from . import Optimizer, number


class LRScheduler:
    """The base of the schedules: counts the epochs (``last_epoch``, 0 when
    built) and sets ``optimizer.lr`` to ``_next_lr(current lr)`` at each
    `step`. The starting rate is ``base_lrs[0]``."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} takes an nn.optim optimizer, got {type(optimizer).__name__} "
                f"{optimizer!r:.40}"
            )
        self.optimizer = optimizer
        self.base_lrs = [optimizer.lr]
        self.last_epoch = 0
        self._last_lr = [optimizer.lr]

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        lr = self._next_lr(self.optimizer.lr)
        self.optimizer._set_lr(lr, allow_zero=True)  # a schedule may end at 0, as in PyTorch
        self._last_lr = [lr]

    def get_last_lr(self) -> list[float]:
        """The learning rate set last, in a list (PyTorch's shape: one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, as PyTorch's (``last_epoch``,
        ``base_lrs``, the settings)."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Continue from `state_dict` (from `state_dict()` of the same kind of schedule)."""
        if not isinstance(state_dict, dict) or set(state_dict) != set(vars(self)) - {"optimizer"}:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict takes the dict of a "
                f"{type(self).__name__}'s state_dict()"
            )
        vars(self).update({k: (list(v) if isinstance(v, list) else v) for k, v in state_dict.items()})


def _positive_int(owner: str, what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: {what} must be a positive int, got {type(value).__name__} {value!r:.40}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the learning rate by `gamma` every `step_size` epochs:
    ``lr = base_lr * gamma ** (epoch // step_size)``, computed as PyTorch
    does, one multiplication at each multiple of `step_size`."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = number("StepLR", "gamma", gamma)
        if not (self.gamma > 0 and math.isfinite(self.gamma)):
            raise ValueError(f"StepLR: gamma must be positive and finite, got {gamma!r}")
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the starting rate to `eta_min` over `T_max`
    epochs, then back up over the next `T_max` (a period of 2 T_max), as PyTorch:

        lr(e) = eta_min + (base_lr - eta_min) * (1 + cos(pi e / T_max)) / 2

    computed, as PyTorch does, recursively from the previous rate (so the
    values are PyTorch's to the last bit, not quite the closed form's)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = number("CosineAnnealingLR", "eta_min", eta_min)
        if not (self.eta_min >= 0 and math.isfinite(self.eta_min)):
            raise ValueError(f"CosineAnnealingLR: eta_min must be a finite number >= 0, got {eta_min!r}")
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        e, t, low, base = self.last_epoch, self.T_max, self.eta_min, self.base_lrs[0]
        if (e - 1 - t) % (2 * t) == 0:  # leaving the minimum: the recursion would divide by 0
            return lr + (base - low) * (1 - math.cos(math.pi / t)) / 2
        return (1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t)) * (lr - low) + low


__all__ = ["CosineAnnealingLR", "LRScheduler", "StepLR"]
