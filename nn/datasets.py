"""The tutorials' small data sets, as float NumPy arrays ``(X, y)`` with one
row per sample and ``y`` of shape ``(n, 1)`` (matching a one-output model)."""

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
