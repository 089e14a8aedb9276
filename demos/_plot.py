"""Pictures shared by the demos: loss curves and decision boundaries, saved
as PNG under ``out/``. matplotlib is optional (``pip install -e '.[demos]'``):
without it the demos still run and say which pictures they skipped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path("out")
MISSING = "matplotlib is not installed, so {path} was not saved: pip install -e '.[demos]'"


def pyplot(name: str) -> Any:
    """matplotlib.pyplot on a file-only backend; None, after saying that picture
    `name` is skipped, when matplotlib is absent."""
    try:
        import matplotlib
    except ImportError:
        print(MISSING.format(path=OUT / name))
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, name: str) -> Path:
    """Save `fig` as ``out/NAME`` and say where."""
    OUT.mkdir(exist_ok=True)
    path = OUT / name
    fig.savefig(path, dpi=120, bbox_inches="tight")
    print(f"saved {path}")
    return path


def loss_curves(
    curves: dict[str, list[float]],
    name: str,
    title: str,
    ylabel: str = "loss",
    logx: bool = False,
    first_epoch: int = 1,
) -> Path | None:
    """One line per entry of `curves` (label -> loss per epoch, the first at
    epoch `first_epoch`: 0 for a curve that starts with the untrained loss),
    log-scaled when the losses span more than two decades; `logx` puts the
    epochs on a log scale too (for runs of very different lengths). The key
    goes below the plot, where it covers no curve."""
    plt = pyplot(name)
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for label, losses in curves.items():
        ax.plot(np.arange(first_epoch, first_epoch + len(losses)), losses, label=label, linewidth=1.8)
    values = np.concatenate([np.asarray(v, dtype=float) for v in curves.values()])
    if values.min() > 0 and values.max() / values.min() > 100:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set(xlabel="epoch", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    path = save(fig, name)
    plt.close(fig)
    return path


def decision_boundaries(
    panels: dict[str, Callable[[np.ndarray], np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    name: str,
    title: str,
    pad: float = 0.25,
    marks: dict[str, tuple[float, float]] | None = None,
    axis_labels: tuple[str, str] = ("x1", "x2"),
    point_labels: list[str] | None = None,
    class_names: tuple[str, str] = ("target 0", "target 1"),
) -> Path | None:
    """Side-by-side panels, one per model: its output probability over the
    plane (a filled contour, the 0.5 line drawn) with the data points on top.
    Each entry of `panels` maps a title to a function from an (n, 2) array of
    points to n probabilities; `point_labels` names the data points; `marks`
    adds named points (label -> (x1, x2)) drawn as stars, such as new people
    to classify. The dots are outlined in white, with a black rim around
    that, so a dot stays visible on a region of its own colour; a key below
    the panels names their colours (`class_names`)."""
    plt = pyplot(name)
    if plt is None:
        return None
    points = np.vstack([X, *[np.array([p]) for p in (marks or {}).values()]])
    span = points.max(axis=0) - points.min(axis=0)
    lo, hi = points.min(axis=0) - pad * span, points.max(axis=0) + pad * span
    xs, ys = np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5 * len(panels), 4.4), squeeze=False, sharey=True, layout="constrained"
    )
    for ax, (panel_title, predict) in zip(axes[0], panels.items()):
        probs = np.asarray(predict(grid)).reshape(len(ys), len(xs))
        filled = ax.contourf(xs, ys, probs, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
        ax.contour(xs, ys, probs, levels=[0.5], colors="k", linewidths=1.5)
        labels = np.asarray(y).reshape(-1)
        size = 120 if len(X) <= 20 else 14
        ax.scatter(*X.T, c="k", s=size * 1.9 if size > 20 else size * 2.6, linewidths=0)  # the black rim
        ax.scatter(*X.T, c=labels, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="white", s=size, linewidths=1)
        for label, (px, py) in zip(point_labels or [], X):
            ax.annotate(label, (px, py), textcoords="offset points", xytext=(8, 6), fontsize=10)
        for label, (px, py) in (marks or {}).items():
            ax.scatter([px], [py], marker="*", s=260, c="gold", edgecolors="k", zorder=3)
            ax.annotate(label, (px, py), textcoords="offset points", xytext=(8, 6), fontsize=10)
        ax.set(title=panel_title, xlabel=axis_labels[0])
    axes[0, 0].set_ylabel(axis_labels[1])
    dots = [
        plt.Line2D([], [], ls="", marker="o", markersize=9, markerfacecolor=plt.get_cmap("RdBu_r")(float(v)),
                   markeredgecolor="white", label=f"dots: {class_name}")
        for v, class_name in enumerate(class_names)
    ]  # fmt: skip
    fig.legend(handles=dots, loc="outside lower center", ncols=len(dots), frameon=False)
    fig.colorbar(filled, ax=axes[0].tolist(), label="model output (probability of class 1)")
    fig.suptitle(title)
    path = save(fig, name)
    plt.close(fig)
    return path
