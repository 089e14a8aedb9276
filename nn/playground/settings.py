"""`Settings`: everything that defines a playground run, as one frozen value.

Like TensorFlow Playground's ``State``, the settings serialise both ways: to
the strings of a URL's query (`to_query` / `from_query`) and to JSON
(`to_json` / `from_json`), so a link or a file reproduces a run exactly
(the seed draws the data, the initial weights and the batch order). Every
value is checked when a `Settings` is made, however it is made; a bad one
raises `SettingsError` naming the field, in words a student can act on.
Text is parsed by hand (regular expressions, ``int``, ``float``): nothing
is ever evaluated.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: The data sets by name: the tutorials' 4-point "xor" and "gender" (`points` and `noise` unused),
#: and the generated clouds of `points` points with `noise`.
DATASETS = ("xor", "xor-cloud", "gender", "circle", "moons", "spiral")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
LOSSES = ("bce", "mse")
#: "momentum" is SGD with momentum 0.9.
OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_LAYERS, MAX_WIDTH = 6, 32
MIN_POINTS, MAX_POINTS = 10, 1000
MAX_NOISE, MAX_LR = 0.5, 10.0
MAX_SEED = 2**31 - 1

_INT = re.compile(r"[+-]?[0-9]{1,18}")  # longer is out of every range (and slow for int())
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


class SettingsError(ValueError):
    """A setting with a bad value; `field` names it (e.g. ``"lr"``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Settings:
    """The whole state of a playground run (see the module doc for the ranges):

    - `dataset`: one of `DATASETS`; `points` (10..1000) and `noise` (0..0.5,
      the standard deviation of the Gaussian noise) shape the generated ones;
    - the network ``2 -> hidden... -> 1``: `hidden`, 0 to 6 layer sizes of
      1..32, with `activation` ("tanh", "relu", "sigmoid"); the output is one
      sigmoid unit, the probability of label 1;
    - training: `loss` ("bce": binary cross-entropy, "mse"), `optimizer`
      ("sgd", "momentum": SGD with momentum 0.9, "adam"), `lr` (0 < lr <= 10),
      `batch_size` (1..points; for the 4-point data sets any size from 4 up
      takes all four rows), and `seed` (0..2**31-1).
    """

    dataset: str = "xor"
    points: int = 200
    noise: float = 0.1
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    loss: str = "bce"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        _choice("dataset", self.dataset, DATASETS)
        points = _whole("points", self.points, MIN_POINTS, MAX_POINTS)
        noise = _number("noise", self.noise, "a number from 0 to 0.5", lambda x: 0 <= x <= MAX_NOISE)
        hidden = _hidden(self.hidden)
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("loss", self.loss, LOSSES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        lr = _number("lr", self.lr, "a number > 0 and ≤ 10", lambda x: 0 < x <= MAX_LR)
        batch_size = _whole("batch_size", self.batch_size, 1, points, " (the number of points)")
        seed = _whole("seed", self.seed, 0, MAX_SEED)
        # the checked values, in their canonical types (an int lr becomes a float, a list a tuple)
        for name, value in (
            ("points", points),
            ("noise", noise),
            ("hidden", hidden),
            ("lr", lr),
            ("batch_size", batch_size),
            ("seed", seed),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> Settings:
        """Settings from a URL's query, as ``urllib.parse.parse_qs`` gives it (each value a
        list of one string) or as plain strings: ``{"lr": "0.1", "hidden": "4,4"}``; ``hidden``
        is ``""`` for no hidden layer. Missing keys keep their defaults; an unknown key, a key
        given twice or a value that does not parse is a `SettingsError`."""
        values: dict[str, Any] = {}
        for key, raw in _known(query).items():
            if isinstance(raw, list):
                if len(raw) != 1:
                    raise SettingsError(key, f"{key} must be given once, got {len(raw)} values {raw!r:.60}")
                raw = raw[0]
            if not isinstance(raw, str):
                raise SettingsError(key, f"{key} must be given as text, got {type(raw).__name__} {raw!r:.40}")
            values[key] = _PARSE[key](raw)
        return cls(**values)

    def to_query(self) -> dict[str, str]:
        """Every setting as URL query text (``hidden`` as ``"8,8"``); `from_query` reads it back
        to equal settings (floats are written as their shortest exact text)."""
        return {
            key: ",".join(map(str, value)) if key == "hidden" else str(value)
            for key, value in self.to_json().items()
        }

    @classmethod
    def from_json(cls, obj: dict) -> Settings:
        """Settings from `to_json`'s dict (``hidden`` a list of ints); missing keys keep their
        defaults, an unknown key is a `SettingsError`."""
        if not isinstance(obj, dict):
            raise SettingsError("settings", f"settings must be a JSON object, got {type(obj).__name__}")
        return cls(**_known(obj))

    def to_json(self) -> dict:
        """Every setting as a JSON-ready dict: numbers as numbers, ``hidden`` as a list."""
        out = dataclasses.asdict(self)
        out["hidden"] = list(self.hidden)
        return out


FIELDS = tuple(field.name for field in dataclasses.fields(Settings))


def _known(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """`mapping` as a dict, refusing any key that is not a setting."""
    for key in mapping:
        if key not in FIELDS:
            raise SettingsError(
                str(key), f"unknown setting {str(key)!r:.40}; the settings are {', '.join(FIELDS)}"
            )
    return dict(mapping)


# -- checks on values (Python or JSON): each raises SettingsError naming the field ------
def _choice(field: str, value: Any, choices: tuple[str, ...]) -> None:
    if not (isinstance(value, str) and value in choices):
        options = ", ".join(repr(c) for c in choices)
        raise SettingsError(field, f"{field} must be one of {options}, got {value!r:.40}")


def _whole(field: str, value: Any, lo: int, hi: int, why: str = "") -> int:
    """`value` as an int if it is a whole number from `lo` to `hi` (a NumPy integer too)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise SettingsError(
            field, f"{field} must be a whole number from {lo} to {hi}{why}, got {value!r:.40}"
        )
    return int(value)


def _number(field: str, value: Any, expected: str, ok: Callable[[float], bool]) -> float:
    """`value` as a float if it is a finite real number for which ``ok(value)`` holds."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not ok(value)
    ):
        raise SettingsError(field, f"{field} must be {expected}, got {value!r:.40}")
    return float(value)


def _hidden(value: Any) -> tuple[int, ...]:
    """`value` (a sequence of layer sizes) as a tuple of 0 to 6 ints of 1..32."""
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, (tuple, list))
        or len(value) > MAX_LAYERS
        or not all(
            not isinstance(n, bool) and isinstance(n, numbers.Integral) and 1 <= n <= MAX_WIDTH for n in value
        )
    ):
        raise SettingsError("hidden", _HIDDEN_RULE + f", got {value!r:.60}")
    return tuple(int(n) for n in value)


_HIDDEN_RULE = (
    f"hidden must be 0 to {MAX_LAYERS} layer sizes, each a whole number from 1 to {MAX_WIDTH} "
    "(e.g. '8,8', or '' for no hidden layer)"
)


# -- parsers of URL text: each gives the typed value, or raises SettingsError --------------
def _text(raw: str) -> str:
    return raw


def _int_text(raw: str) -> Any:
    """Decimal digits as an int; any other text is returned as it is, for the range check to
    refuse with the field's own message."""
    text = raw.strip()
    return int(text) if _INT.fullmatch(text) else raw


def _float_text(raw: str) -> Any:
    """A decimal number (``0.1``, ``1e-3``) as a float; anything else (``nan``, ``inf``,
    ``abc``) is returned as it is, for the check to refuse."""
    text = raw.strip()
    return float(text) if _FLOAT.fullmatch(text) else raw


def _hidden_text(raw: str) -> tuple[int, ...]:
    """``"8,8"`` as (8, 8); ``""`` as (): no hidden layer."""
    parts = [part.strip() for part in raw.split(",")] if raw.strip() else []
    if not all(_INT.fullmatch(part) for part in parts):
        raise SettingsError("hidden", _HIDDEN_RULE + f", got {raw!r:.60}")
    return tuple(int(part) for part in parts)


_PARSE = {
    "dataset": _text,
    "points": _int_text,
    "noise": _float_text,
    "hidden": _hidden_text,
    "activation": _text,
    "loss": _text,
    "optimizer": _text,
    "lr": _float_text,
    "batch_size": _int_text,
    "seed": _int_text,
}
