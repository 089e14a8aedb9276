"""The explorer's update phase: one step of plain gradient descent per parameter,
``w <- w - lr * dL/dw``, computed as `nn.optim.SGD` computes it, on copies."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .show import full, heats, short
from .steps import format_number, kind


def update_plan(order: list, lr: Any, optimizer: Any) -> tuple[float | None, set[int] | None]:
    """The update phase's learning rate and the ids of the parameters it updates (None: all of
    the graph's); (None, None) when no update is asked for. Every argument is checked here,
    before anything is recorded."""
    if lr is None and optimizer is None:
        return None, None
    if lr is not None and optimizer is not None:
        raise ValueError("explain: give lr or optimizer, not both (an optimizer brings its own lr)")
    params = [node for node in order if kind(node) == "parameter"]
    if optimizer is None:
        rate = _check_lr(lr, "lr")
        if not params:
            raise ValueError(
                "explain: lr given, but the graph has no parameter to update (a leaf with "
                "requires_grad=True); data and constants are never updated"
            )
        return rate, None
    held, rate = _plain_sgd(optimizer)
    chosen = {id(p) for p in held} & {id(p) for p in params}
    if not chosen:
        raise ValueError(
            f"explain: the optimizer holds none of this graph's {len(params)} parameters, so its "
            "step would change nothing here; pass the optimizer built on the parameters of the "
            "model that computed root (nn.optim.SGD(model.parameters(), lr)), or lr= to update "
            "every parameter of the graph"
        )
    return rate, chosen


def _check_lr(lr: Any, what: str) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"explain: {what} must be a number, got {type(lr).__name__} {lr!r:.40}")
    rate = float(lr)
    if not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"explain: {what} must be a positive finite number, got {lr!r}")
    return rate


def _plain_sgd(optimizer: Any) -> tuple[list, float]:
    """The parameters and the learning rate of a plain SGD optimizer (``nn.optim.SGD``, momentum 0).

    The page shows w <- w - lr * dL/dw and nothing else: an optimizer whose step also
    depends on its own state (momentum's velocity, Adam's running averages) is refused,
    since the page would have to re-implement it."""
    name = type(optimizer).__name__
    if not (hasattr(optimizer, "params") and hasattr(optimizer, "lr")):
        raise TypeError(
            f"explain: optimizer must be an nn.optim.SGD (without momentum), got {name} {optimizer!r:.40}"
        )
    momentum = getattr(optimizer, "momentum", None)
    if momentum is None or momentum != 0:
        detail = f"{name} with momentum={momentum}" if momentum is not None else name
        raise ValueError(
            f"explain shows only plain SGD's update, w <- w - lr * dL/dw; a step of {detail} also "
            "depends on the optimizer's state from earlier steps, which the page does not show. "
            "Pass lr= (or an nn.optim.SGD without momentum) to show one plain gradient-descent step"
        )
    return list(optimizer.params), _check_lr(optimizer.lr, "the optimizer's lr")


def lr_text(rate: float) -> str:
    return repr(rate)  # the shortest text that is exactly this float: 0.1, 0.05, 1e-05


def skipped(node: Any, chosen: set[int] | None) -> bool:
    """A parameter of the graph that the optimizer does not hold: its step leaves it unchanged."""
    return chosen is not None and kind(node) == "parameter" and id(node) not in chosen


def update_steps(
    order: list, names: list[str], leaf_grads: dict[int, Any], rate: float, chosen: set[int] | None
) -> list[dict]:
    """One step per parameter updated, in forward order: its data, gradient and new data."""
    steps = []
    for i, node in enumerate(order):
        if kind(node) != "parameter" or skipped(node, chosen) or leaf_grads.get(id(node)) is None:
            continue  # no gradient reached it: SGD leaves it unchanged too
        steps.append(_update_entry(i, names[i], node.data, leaf_grads[id(node)], rate))
    return steps


def _update_entry(i: int, name: str, old: Any, grad: Any, rate: float) -> dict:
    """w <- w - lr * dL/dw for node i, computed as `nn.optim.SGD.step` computes it (on a copy)."""
    dl = "dL/d" + (name if name.isidentifier() else f"({name})")
    step = rate * grad
    if isinstance(old, np.ndarray):
        new = old.copy()
        new -= step  # SGD's own arithmetic, data -= lr * g, in the parameter's dtype
    else:
        new = old - step
    lr = lr_text(rate)
    entry: dict[str, Any] = {"node": i}
    if np.size(old) == 1:  # a number: enough digits to see the step in the new value
        o, g, st, nw = (float(np.reshape(x, -1)[0]) for x in (old, grad, step, new))
        places = _places(nw, st)
        grad_text = format_number(g)
        entry |= {
            "old": _fixed(o, places),
            "grad": grad_text,
            "step": format_number(abs(st)),
            "new": _fixed(nw, places),
        }
        shown = f"({grad_text})" if grad_text.startswith("-") else grad_text
        entry["equation"] = [
            f"{name} ← {name} − lr × {dl}",
            f"{name} ← {entry['old']} − {lr} × {shown} = {entry['new']}",
        ]
        if g > 0:
            entry["note"] = (
                f"{dl} > 0: L goes down when {name} does, so {name} steps down by {entry['step']}."
            )
        elif g < 0:
            entry["note"] = (
                f"{dl} < 0: L goes down when {name} goes up, so {name} steps up by {entry['step']}."
            )
        else:
            entry["note"] = f"{dl} = 0: L does not change with {name} here, so it stays."
        return entry
    entry |= {
        "arrays": True,
        "old": short(old),
        "old_full": full(old),
        "grad_full": full(grad),
        "new": short(new),
        "new_full": full(new),
        **heats(old=old, grad=grad, new=new),  # arrays too big for a box: heatmaps (the panel, the box)
        "equation": [f"{name} ← {name} − lr × {dl},  element by element"],
        "note": f"Each element moves against its own gradient: down where {dl} > 0, up where it is < 0.",
    }
    return entry


def _places(new: float, step: float) -> int:
    """Decimals that show both `new` and the `step` that made it to 4 significant digits
    (1.0 - 0.1 x 0.02147 = 0.997853, not 0.9979, which hides most of the step); at most 12."""

    def needed(x: float) -> int:
        return 3 - math.floor(math.log10(abs(x))) if x and math.isfinite(x) else 1

    return max(1, min(12, max(needed(new), needed(step))))


def _fixed(x: float, places: int) -> str:
    """`x` with at most `places` decimals, trailing zeros dropped (1.0, not 1.000000)."""
    if not math.isfinite(x) or abs(x) >= 1e9:
        return format_number(x)
    text = f"{x:.{places}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
