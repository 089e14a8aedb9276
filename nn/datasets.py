"""The tutorials' small data sets, as float NumPy arrays ``(X, y)`` with one
row per sample and ``y`` of shape ``(n, 1)`` (matching a one-output model);
`digits`, real handwritten digits with integer class labels; and
`train_test_split`, a deterministic split of any of them."""

from __future__ import annotations

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


def circle(n: int = 1000, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """`n` points uniform in the unit square, label 1 inside the circle of
    area 1/2 around (0.5, 0.5): two balanced classes a small network can learn."""
    X = np.random.default_rng(rng).random((n, 2))
    radius2 = 1 / (2 * np.pi)
    y = (((X - 0.5) ** 2).sum(axis=1, keepdims=True) < radius2).astype(np.float64)
    return X, y


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
