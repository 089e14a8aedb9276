"""The tutorials' small data sets, as float NumPy arrays ``(X, y)`` with one
row per sample and ``y`` of shape ``(n, 1)`` (matching a one-output model);
the two-class point clouds of the playground (`xor_points`, `circle`,
`moons`, `spiral`: ``X`` of shape ``(n, 2)``, labels 0 and 1, drawn from
`rng`, a seed or a Generator, so that a seed always gives the same points);
`digits`, real handwritten digits with integer class labels; and
`train_test_split`, a deterministic split of any of them."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

#: The four people of the gender tutorial, in the order of `gender()`'s rows.
GENDER_NAMES = ("Alice", "Bob", "Charlie", "Diana")


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: inputs [[0,0],[0,1],[1,0],[1,1]], targets [0,1,1,0]."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def gender() -> tuple[np.ndarray, np.ndarray]:
    """Alice, Bob, Charlie and Diana: [weight in lb - 135, height in inches - 66],
    target 1 for female and 0 for male."""
    X = np.array([[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    return X, y


def gender_features(weight_lb: float, height_in: float) -> np.ndarray:
    """One person's features as the gender tutorial shifts them: [lb - 135, in - 66]."""
    return np.array([weight_lb - 135.0, height_in - 66.0])


def circle(n: int = 1000, rng: Any = None, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """`n` points uniform in the unit square, label 1 inside the circle of
    area 1/2 around (0.5, 0.5): two balanced classes a small network can learn.

    With `noise` > 0, each point then moves by Gaussian noise of standard
    deviation `noise` but keeps its label, so the classes overlap near the
    circle (without noise, the points are drawn exactly as before it existed)."""
    _check_points("circle", n, noise)
    rng = np.random.default_rng(rng)
    X = rng.random((n, 2))
    radius2 = 1 / (2 * np.pi)
    y = (((X - 0.5) ** 2).sum(axis=1, keepdims=True) < radius2).astype(np.float64)
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def xor_points(n: int = 200, noise: float = 0.1, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """XOR as a cloud: `n` points around the four corners of the XOR truth
    table (0,0), (0,1), (1,0), (1,1), a quarter of them at each (in random
    order), each moved by Gaussian noise of standard deviation `noise`.
    A point's label is its quadrant around (0.5, 0.5): 1 when exactly one
    coordinate is above 0.5, as XOR labels the corners."""
    _check_points("xor_points", n, noise)
    rng = np.random.default_rng(rng)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = corners[rng.permutation(np.arange(n) % 4)] + rng.normal(0.0, noise, (n, 2))
    above = X > 0.5
    y = (above[:, :1] != above[:, 1:]).astype(np.float64)
    return X, y


def moons(n: int = 200, noise: float = 0.1, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons`` shape):
    ``n // 2`` points with label 0 on the upper arc (cos t, sin t) and the
    rest, label 1, on the lower arc (1 - cos t, 0.5 - sin t), t evenly spaced
    over [0, pi]; each moved by Gaussian noise of standard deviation `noise`,
    then the rows shuffled."""
    _check_points("moons", n, noise)
    rng = np.random.default_rng(rng)
    n_upper = n // 2
    t_upper, t_lower = np.linspace(0, np.pi, n_upper), np.linspace(0, np.pi, n - n_upper)
    X = np.concatenate(
        [
            np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
            np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_upper), np.ones(n - n_upper)])[:, None]
    X = X + rng.normal(0.0, noise, X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spiral(n: int = 200, noise: float = 0.1, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (TensorFlow Playground's shape, scaled to
    radius 1): for the k-th of m points of an arm, r = k / m and the angle
    t = 1.75 * 2 pi * r (label 1) or that plus pi (label 0), at
    (r sin t, r cos t); ``n // 2`` points with label 1, the rest with label 0,
    each moved by Gaussian noise of standard deviation `noise`, then the rows
    shuffled."""
    _check_points("spiral", n, noise)
    rng = np.random.default_rng(rng)
    arms = []
    for m, turn, label in ((n // 2, 0.0, 1.0), (n - n // 2, np.pi, 0.0)):
        r = np.arange(m) / m
        t = 1.75 * 2 * np.pi * r + turn
        arms.append(np.stack([r * np.sin(t), r * np.cos(t), np.full(m, label)], axis=1))
    data = np.concatenate(arms)
    X = data[:, :2] + rng.normal(0.0, noise, (n, 2))
    y = data[:, 2:]
    order = rng.permutation(n)
    return X[order], y[order]


def _check_points(name: str, n: Any, noise: Any) -> None:
    """Refuse a count of points that is not a positive int, or a noise that is
    not a finite number >= 0, naming the data set."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name}: n must be a positive int (the number of points), got {n!r:.40}")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, numbers.Real)
        or not (math.isfinite(noise) and noise >= 0)
    ):
        raise ValueError(f"{name}: noise must be a finite number >= 0, got {noise!r:.40}")


def random_labels(n: int = 1000, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The Keras tutorial's data: `n` points uniform in the unit square with
    random 0/1 labels. Nothing can learn them: expect about 50% accuracy."""
    rng = np.random.default_rng(rng)
    X = rng.random((n, 2))
    y = rng.integers(0, 2, size=(n, 1)).astype(np.float64)
    return X, y


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits (no download): 1,797 images of
    8x8 pixels, shape ``(1797, 8, 8)``, scaled from 0..16 to [0, 1], and their
    labels 0-9, shape ``(1797,)`` of integers (for `nn.cross_entropy`).

    Needs scikit-learn, the ``digits`` extra: ``pip install -e '.[digits]'``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "nn.datasets.digits() needs scikit-learn, which bundles the images: "
            "pip install -e '.[digits]'  (or: pip install scikit-learn)"
        ) from None
    data = load_digits()
    return data.images / 16.0, data.target.astype(np.int64)


def train_test_split(
    X: Any, y: Any, test_size: float = 0.2, rng: Any = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test``: the rows shuffled by `rng` (a seed
    or a Generator; the same seed always gives the same split), then the last
    ``round(test_size * n)`` rows held out for testing."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"train_test_split needs X and y with one row per sample each, got shapes {X.shape} and {y.shape}"
        )
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie strictly between 0 and 1, got {test_size!r}")
    n_test = round(test_size * len(X))
    if not 0 < n_test < len(X):
        raise ValueError(f"test_size {test_size} of {len(X)} rows leaves no rows for training or testing")
    order = np.random.default_rng(rng).permutation(len(X))
    train, test = order[:-n_test], order[-n_test:]
    return X[train], X[test], y[train], y[test]
