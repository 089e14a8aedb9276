"""The catalogue of bad inputs: every one a learner is likely to give, with the
error it gets. Each case names the exception type (a tinygrad_lite type where
it helps, always a subclass of the natural built-in) and the words the message
must hold: what was expected and what was given.

``python -m tests.test_bad_inputs`` prints the catalogue as a Markdown table of
the messages as they are now.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import nn
from tinygrad_lite import (
    BackwardError,
    ShapeError,
    Tensor,
    Value,
    backward_steps,
    draw_graph,
    explain,
    no_grad,
)


@dataclass(frozen=True)
class Case:
    what: str
    call: Callable[[], object]
    error: type[Exception]
    says: tuple[str, ...]  # each must appear in the message


def param(*shape: int) -> Tensor:
    return Tensor(np.ones(shape), requires_grad=True)


def under_no_grad(make: Callable[[], object]) -> object:
    with no_grad():
        return make()


def fit(**change: object) -> object:
    model = nn.MLP(2, [1], rng=0)
    X, y = nn.datasets.xor()
    args = dict(model=model, X=X, y=y, loss=nn.mse_loss, epochs=1, progress=False)
    args["optimizer"] = nn.optim.SGD(model.parameters(), lr=0.1)
    return nn.fit(**{**args, **change})


def linear_state(**change: object) -> dict:
    state = nn.Linear(2, 2, rng=0).state_dict()
    state.update(change)
    return {k: v for k, v in state.items() if v is not None}


def _isub(t: Tensor, value: object) -> Tensor:
    t -= value
    return t


def _stale_graph() -> None:
    x, w = Tensor([1.0, 2.0]), param(2)
    y = (w * x).sum()
    x += 1
    y.backward()


def _stale_after_step() -> None:
    model = nn.Linear(2, 1, rng=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = model(np.ones((1, 2))).sum()
    loss.backward()
    opt.step()
    loss.backward()


def _int_requires_grad() -> None:
    t = Tensor([1, 2], dtype=np.int64)
    t.requires_grad = True
    (t * 2.5).sum().backward()


BINARY = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__"}

CASES = [
    *[
        Case(
            f"`{op}` on shapes (2, 3) and (4,)",
            lambda method=method: getattr(param(2, 3), method)(param(4)),
            ShapeError,
            (f"'{op}'", "(2, 3) and (4,)", "axis -1 has sizes 3 and 4", "equal or 1"),
        )
        for op, method in BINARY.items()
    ],
    Case(
        "`<` on shapes (3,) and (2,)",
        lambda: param(3) < param(2),
        ShapeError,
        ("(3,) and (2,)", "axis -1 has sizes 3 and 2"),
    ),
    Case(
        "`@` with inner dimensions 3 and 2",
        lambda: param(2, 3) @ param(2, 3),
        ShapeError,
        ("'@'", "(2, 3) and (2, 3)", "inner dimensions differ", "has 3", "has 2"),
    ),
    Case(
        "`@` of 1-D vectors of lengths 3 and 4",
        lambda: param(3) @ param(4),
        ShapeError,
        ("'@'", "(3,) and (4,)", "has 3", "has 4"),
    ),
    Case(
        "`@` with batch axes (2,) and (3,)",
        lambda: param(2, 3, 4) @ param(3, 4, 5),
        ShapeError,
        ("'@'", "batch axes (2,) and (3,)"),
    ),
    Case(
        "`@` with a 0-d tensor", lambda: Tensor(2.0) @ param(3), ShapeError, ("'@'", "at least 1 dimension")
    ),
    Case(
        "`reshape` to a size that differs",
        lambda: param(6).reshape(4, 2),
        ShapeError,
        ("'reshape'", "(6,)", "(4, 2)"),
    ),
    Case(
        "`sum(axis=2)` of a 2-D tensor",
        lambda: param(2, 3).sum(axis=2),
        ShapeError,
        ("axis 2", "2 dimensions"),
    ),
    Case("`sum(axis=1.5)`", lambda: param(2, 3).sum(axis=1.5), TypeError, ("int", "1.5")),
    Case("`item()` of 3 elements", lambda: param(3).item(), ValueError, ("one-element", "(3,)")),
    Case(
        "`backward()` on a non-scalar, no grad",
        lambda: param(3).exp().backward(),
        BackwardError,
        ("shape (3,)", "needs grad=", ".sum().backward()"),
    ),
    Case(
        "`backward(grad)` of the wrong shape",
        lambda: param(3).exp().backward(np.ones(2)),
        BackwardError,
        ("shape (3,)", "got shape (2,)"),
    ),
    Case(
        "`backward(grad)` that is not numbers",
        lambda: param(3).exp().backward("x"),
        TypeError,
        ("numbers", "shape (3,)", "str"),
    ),
    Case(
        "`backward()` on a Tensor computed under no_grad",
        lambda: under_no_grad(lambda: param(3).sum()).backward(),
        BackwardError,
        ("does not require grad", "no_grad()"),
    ),
    Case(
        "`backward()` on a Tensor that does not require grad",
        lambda: Tensor([1.0, 2.0]).sum().backward(),
        BackwardError,
        ("does not require grad", "requires_grad=True"),
    ),
    Case(
        "`backward()` on a Value computed under no_grad",
        lambda: under_no_grad(lambda: Value(2.0) * 3).backward(),
        BackwardError,
        ("under no_grad()", "no graph was recorded"),
    ),
    Case('`Tensor("abc")`', lambda: Tensor("abc"), TypeError, ("numeric data", "str")),
    Case('`Tensor(["a", "b"])`', lambda: Tensor(["a", "b"]), TypeError, ("numeric data", "list")),
    Case("`Tensor(None)`", lambda: Tensor(None), TypeError, ("numeric data", "NoneType")),
    Case(
        "`Tensor([[1, 2], [3]])` (ragged)",
        lambda: Tensor([[1, 2], [3]]),
        TypeError,
        ("numeric data", "list", "rows of different lengths"),
    ),
    Case("`Tensor([1j])` (complex)", lambda: Tensor([1j]), TypeError, ("numeric data", "complex128")),
    Case("`Value(None)`", lambda: Value(None), TypeError, ("real number", "NoneType")),
    Case('`Value("abc")`', lambda: Value("abc"), TypeError, ("real number", "str")),
    Case('`Value(1.0) + "a"`', lambda: Value(1.0) + "a", TypeError, ("real number", "str")),
    Case(
        "`Value(2.0) + Tensor(...)`", lambda: Value(2.0) + Tensor([1.0]), TypeError, ("real number", "Tensor")
    ),
    Case(
        "integer tensor with requires_grad",
        lambda: Tensor([1, 2], dtype=np.int64, requires_grad=True),
        TypeError,
        ("floating-point", "int64"),
    ),
    Case("optimizer given `[]`", lambda: nn.optim.SGD([], lr=0.1), ValueError, ("SGD", "no parameters")),
    Case(
        "optimizer given a model, not its parameters",
        lambda: nn.optim.Adam(nn.Linear(2, 2), lr=0.1),
        TypeError,
        ("model.parameters()", "got Linear"),
    ),
    Case(
        "optimizer given an ndarray as a parameter",
        lambda: nn.optim.SGD([np.ones(3)], lr=0.1),
        TypeError,
        ("parameter 0", "ndarray", "not a Tensor"),
    ),
    Case(
        "optimizer given only tensors without requires_grad",
        lambda: nn.optim.SGD([Tensor([1.0])], lr=0.1),
        ValueError,
        ("none of the 1 parameters requires grad", "requires_grad=True"),
    ),
    Case("optimizer with `lr=-1`", lambda: nn.optim.SGD([param(2)], lr=-1), ValueError, ("positive", "-1")),
    Case(
        "`nn.Linear(3, 2)` given 5 features",
        lambda: nn.Linear(3, 2)(Tensor(np.ones((4, 5)))),
        ShapeError,
        ("3 features", "(4, 5)"),
    ),
    Case(
        "`nn.MLP(3, ...)` given 2 features",
        lambda: nn.MLP(3, [4, 1])(Tensor(np.ones((4, 2)))),
        ShapeError,
        ("3 features", "(4, 2)"),
    ),
    Case("`nn.Linear(0, 2)`", lambda: nn.Linear(0, 2), ValueError, ("positive int", "0")),
    Case(
        "`nn.MLP` with an unknown activation",
        lambda: nn.MLP(2, [1], activation="swish"),
        ValueError,
        ("'swish'", "'relu'"),
    ),
    *[
        Case(
            f"`{loss.__name__}` on shapes (4, 1) and (4,)",
            lambda loss=loss: loss(param(4, 1).sigmoid(), np.ones(4)),
            ShapeError,
            (loss.__name__, "(4, 1)", "(4,)", "reshape(4, 1)"),
        )
        for loss in (nn.mse_loss, nn.binary_cross_entropy, nn.binary_cross_entropy_with_logits)
    ],
    Case(
        "`binary_cross_entropy` given logits (2.0)",
        lambda: nn.binary_cross_entropy(Tensor([2.0, 0.5]), [1.0, 0.0]),
        ValueError,
        ("probabilities in [0, 1]", "2.0", "with_logits"),
    ),
    Case(
        "`binary_cross_entropy` with a target of 2",
        lambda: nn.binary_cross_entropy(param(2).sigmoid(), [2.0, 0.0]),
        ValueError,
        ("targets in [0, 1]", "2.0"),
    ),
    Case(
        "`cross_entropy` with label 3 for 3 classes",
        lambda: nn.cross_entropy(param(4, 3), np.array([0, 1, 3, 2])),
        ValueError,
        ("[0, 2]", "3 classes", "got 3"),
    ),
    Case(
        "`cross_entropy` with label -1",
        lambda: nn.cross_entropy(param(4, 3), np.array([0, 1, -1, 2])),
        ValueError,
        ("[0, 2]", "got -1"),
    ),
    Case(
        "`cross_entropy` with label 0.5",
        lambda: nn.cross_entropy(param(4, 3), np.array([0.5, 1, 1, 2])),
        TypeError,
        ("integers", "float64"),
    ),
    Case(
        "`cross_entropy` with 3 labels for 4 rows",
        lambda: nn.cross_entropy(param(4, 3), np.array([0, 1, 2])),
        ShapeError,
        ("4 integer labels", "(4, 3)", "shape (3,)"),
    ),
    Case(
        "`cross_entropy` with 1-D logits (one sample) and a list of labels",
        lambda: nn.cross_entropy(param(3), np.array([1])),
        ShapeError,
        ("(n, classes)", "(3,)", "single int"),
    ),
    Case(
        "`load_state_dict` missing a key",
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(bias=None)),
        ValueError,
        ("missing keys", "'bias'"),
    ),
    Case(
        "`load_state_dict` with an extra key",
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(extra=np.ones(1))),
        ValueError,
        ("unexpected keys", "'extra'"),
    ),
    Case(
        "`load_state_dict` with a mis-shaped array",
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(weight=np.ones((3, 2)))),
        ValueError,
        ("'weight'", "(3, 2)", "expects (2, 2)"),
    ),
    Case(
        "`load_state_dict` with strings",
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(bias=np.array(["a", "b"]))),
        ValueError,
        ("'bias'", "<U1", "not numbers"),
    ),
    Case("`fit` with epochs=-1", lambda: fit(epochs=-1), ValueError, ("positive int", "-1")),
    Case("`fit` with 4 rows of X, 3 of y", lambda: fit(y=np.ones((3, 1))), ValueError, ("4 rows", "3")),
    Case("`fit` with batch_size=0", lambda: fit(batch_size=0), ValueError, ("batch_size", "0")),
    Case('`fit` with loss="mse"', lambda: fit(loss="mse"), TypeError, ("loss must be callable", "'mse'")),
    Case(
        "`fit` with the optimizer class",
        lambda: fit(optimizer=nn.optim.SGD),
        TypeError,
        ("step()", "class 'nn.optim.SGD'"),
    ),
    # -- nn: PyTorch habits that must not give a silent wrong answer --------------------
    Case(
        'optimizer with `lr="0.1"`',
        lambda: nn.optim.SGD([param(2)], lr="0.1"),
        TypeError,
        ("lr", "number", "str"),
    ),
    Case(
        "optimizer with `lr=Tensor(0.1)`",
        lambda: nn.optim.Adam([param(2)], lr=Tensor(0.1)),
        TypeError,
        ("lr", "number", "not a Tensor"),
    ),
    Case(
        "optimizer with `lr=True`",
        lambda: nn.optim.SGD([param(2)], lr=True),
        TypeError,
        ("lr", "number", "bool"),
    ),
    Case(
        "optimizer with `lr=nan`",
        lambda: nn.optim.SGD([param(2)], lr=float("nan")),
        ValueError,
        ("learning rate", "positive and finite", "nan"),
    ),
    Case(
        "optimizer with `lr=inf`",
        lambda: nn.optim.Adam([param(2)], lr=float("inf")),
        ValueError,
        ("positive and finite", "inf"),
    ),
    Case("Adam with `eps=-1`", lambda: nn.optim.Adam([param(2)], eps=-1), ValueError, ("eps", ">= 0", "-1")),
    Case(
        'Adam with `eps="1e-8"`', lambda: nn.optim.Adam([param(2)], eps="1e-8"), TypeError, ("eps", "number")
    ),
    Case(
        "SGD with `momentum=1.0`",
        lambda: nn.optim.SGD([param(2)], lr=0.1, momentum=1.0),
        ValueError,
        ("momentum", "[0, 1)", "1.0"),
    ),
    Case(
        'SGD with `momentum="0.9"`',
        lambda: nn.optim.SGD([param(2)], lr=0.1, momentum="0.9"),
        TypeError,
        ("momentum", "number", "str"),
    ),
    Case(
        "Adam with `betas=0.9`",
        lambda: nn.optim.Adam([param(2)], betas=0.9),
        TypeError,
        ("two numbers", "0.9"),
    ),
    Case(
        "Adam with `betas=(0.9,)`",
        lambda: nn.optim.Adam([param(2)], betas=(0.9,)),
        ValueError,
        ("two numbers", "(0.9,)"),
    ),
    Case(
        "Adam with `betas=(0.9, 1.0)`",
        lambda: nn.optim.Adam([param(2)], betas=(0.9, 1.0)),
        ValueError,
        ("betas[1]", "[0, 1)", "1.0"),
    ),
    Case(
        "optimizer given the same tensor twice",
        lambda: (lambda p: nn.optim.SGD([p, param(3), p], lr=0.1))(param(2)),
        ValueError,
        ("parameters 0 and 2", "same tensor"),
    ),
    Case(
        "optimizer given a computed tensor",
        lambda: nn.optim.SGD([param(2) * 2], lr=0.1),
        ValueError,
        ("parameter 0", "not a leaf", "model.parameters()"),
    ),
    Case(
        "optimizer given a parameter group dict",
        lambda: nn.optim.SGD([{"params": [param(2)]}], lr=0.1),
        TypeError,
        ("parameter 0 is a dict", "parameter groups"),
    ),
    Case(
        "optimizer given `named_parameters()`",
        lambda: nn.optim.Adam(nn.Linear(2, 2).named_parameters()),
        TypeError,
        ("tuple", "model.parameters()", "not model.named_parameters()"),
    ),
    Case(
        "`fit` on zero rows",
        lambda: fit(X=np.zeros((0, 2)), y=np.zeros((0, 1))),
        ValueError,
        ("no rows", "(0, 2)"),
    ),
    Case(
        "`fit` with an optimizer of another model",
        lambda: fit(optimizer=nn.optim.SGD(nn.MLP(2, [1]).parameters(), lr=0.1)),
        ValueError,
        ("none of the model's", "model.parameters()"),
    ),
    Case(
        "`fit` with `loss=nn.MSELoss`", lambda: fit(loss=nn.MSELoss), TypeError, ("instance", "MSELoss(...)")
    ),
    Case(
        "`cross_entropy` with integer one-hot labels",
        lambda: nn.cross_entropy(param(4, 3), np.eye(3, dtype=int)[[0, 1, 2, 0]]),
        TypeError,
        ("(4, 3)", "class indices", "(4,)", "floats", "argmax(1)", "astype(float)"),
    ),
    Case(
        "`binary_cross_entropy` on NaN predictions",
        lambda: nn.binary_cross_entropy(Tensor([0.5, np.nan]), [1.0, 0.0]),
        ValueError,
        ("predictions contain NaN", "learning rate", "detect_anomaly"),
    ),
    Case(
        "`binary_cross_entropy` on NaN targets",
        lambda: nn.binary_cross_entropy(Tensor([0.5, 0.5]), [1.0, np.nan]),
        ValueError,
        ("targets contain NaN", "missing values"),
    ),
    Case(
        "`binary_cross_entropy(y, pred)` (swapped)",
        lambda: nn.binary_cross_entropy(np.ones(2), param(2).sigmoid()),
        TypeError,
        ("model's output first", "swap"),
    ),
    Case(
        '`nn.MSELoss(reduction="avg")`',
        lambda: nn.MSELoss(reduction="avg"),
        ValueError,
        ("reduction", "'mean', 'sum' or 'none'", "'avg'"),
    ),
    Case(
        "`load_state_dict(None)`",
        lambda: nn.Linear(2, 2).load_state_dict(None),
        TypeError,
        ("dict of arrays", "model.state_dict()", "nn.load_state(path)", "NoneType"),
    ),
    Case(
        "`load_state_dict` given a file name",
        lambda: nn.Linear(2, 2).load_state_dict("model.npz"),
        TypeError,
        ("dict of arrays", "str", "nn.load_state(path)"),
    ),
    Case(
        "`load_state_dict` with PyTorch's weight layout",
        lambda: nn.Linear(2, 3).load_state_dict({"weight": np.ones((3, 2)), "bias": np.zeros(3)}),
        ValueError,
        ("(3, 2)", "expects (2, 3)", "transposed", ".T"),
    ),
    Case(
        "assigning a constant to a layer's weight",
        lambda: setattr(nn.Linear(2, 2), "weight", Tensor(np.ones((2, 2)))),
        TypeError,
        ("Linear.weight", "a parameter", ".data[...] = values"),
    ),
    Case("`nn.MLP(2, 4)`", lambda: nn.MLP(2, 4), TypeError, ("list of layer sizes", "MLP(2, [4, 1])", "4")),
    Case(
        '`nn.Conv2d(..., padding="same")`',
        lambda: nn.Conv2d(1, 2, 3, padding="same"),
        TypeError,
        ("'same'", "padding=k // 2"),
    ),
    # -- end of the nn block ----------------------------------------------------------------
    # -- the engine: PyTorch and NumPy habits ------------------------------------------------
    Case(
        "`p -= 0.1` on a parameter, outside no_grad",
        lambda: _isub(param(2), 0.1),
        RuntimeError,
        ("leaf tensor that requires grad", "with no_grad():", "p -= lr * p.grad"),
    ),
    Case(
        "`p[0] = 1.0` on a parameter, outside no_grad",
        lambda: param(2).__setitem__(0, 1.0),
        RuntimeError,
        ("leaf tensor that requires grad", "with no_grad():"),
    ),
    Case(
        "`y[0] = 0.0` on a computed tensor",
        lambda: (param(2) * 2).__setitem__(0, 0.0),
        RuntimeError,
        ("cannot be recorded", "Build the result with ops", "no_grad()"),
    ),
    Case(
        "`int_tensor += 0.5`",
        lambda: _isub(Tensor([1, 2], dtype=np.int64), -0.5),
        TypeError,
        ("float64", "int64", "cannot hold"),
    ),
    Case(
        "`t += ones((2, 3))` on shape (3,)",
        lambda: _isub(Tensor([1.0, 2.0, 3.0]), np.ones((2, 3))),
        ShapeError,
        ("cannot change x's shape (3,)", "(2, 3)"),
    ),
    Case(
        "`w @= m`",
        lambda: under_no_grad(lambda: param(2, 2).__imatmul__(np.eye(2))),
        TypeError,
        ("not supported", "x = x @ y"),
    ),
    Case(
        "`x[Tensor([0.7, 1.9])]` (a float index)",
        lambda: param(3)[Tensor([0.7, 1.9])],
        IndexError,
        ("integers or bools", "float64", "dtype=np.int64"),
    ),
    Case(
        "`int_tensor ** -1`",
        lambda: Tensor([1, 2], dtype=np.int64) ** -1,
        TypeError,
        ("negative integer power", "x ** -1.0"),
    ),
    Case(
        "`x.permute(0, 0, 1)`",
        lambda: Tensor(np.zeros((2, 3, 4))).permute(0, 0, 1),
        ShapeError,
        ("each of the 3 axes exactly once", "(0, 0, 1)"),
    ),
    Case(
        '`f"{t:.4f}"` on a tensor of shape (2,)',
        lambda: format(param(2), ".4f"),
        TypeError,
        ("one-element tensor", "(2,)"),
    ),
    Case(
        "`np.sum(t, out=array)`",
        lambda: np.sum(param(2), out=np.zeros(())),
        TypeError,
        ("axis and keepdims only", "out="),
    ),
    Case('`t.data = "abc"`', lambda: setattr(param(2), "data", "abc"), TypeError, ("numeric data", "str")),
    Case(
        "`np.dot(p, p)` on a parameter",
        lambda: np.dot(param(2), param(2)),
        TypeError,
        ("requires grad", "outside the graph", "t.numpy()"),
    ),
    Case(
        "backward after `x += 1` on an input the graph used",
        _stale_graph,
        BackwardError,
        ("op '*'", "input 1", "changed in place", "forward pass again"),
    ),
    Case(
        "backward of a loss computed before `opt.step()`",
        _stale_after_step,
        BackwardError,
        ("changed in place", "forward pass again"),
    ),
    Case(
        "`requires_grad = True` set on an int tensor, then backward",
        _int_requires_grad,
        TypeError,
        ("int64", "cannot hold a gradient", "floating-point"),
    ),
    Case(
        "`Value(2.0, requires_grad=False).exp().backward()`",
        lambda: Value(2.0, requires_grad=False).exp().backward(),
        BackwardError,
        ("does not require grad",),
    ),
    Case("`draw_graph(3)`", lambda: draw_graph(3), TypeError, ("Value or a Tensor", "int")),
    Case('`backward_steps("x")`', lambda: list(backward_steps("x")), TypeError, ("Value or a Tensor", "str")),
    Case("`explain([1.0])`", lambda: explain([1.0]), TypeError, ("Value or a Tensor", "list")),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("case", CASES, ids=[case.what for case in CASES])
def test_bad_input_gets_a_clear_error(case: Case):
    with pytest.raises(case.error) as info:
        case.call()
    assert type(info.value) is case.error  # exactly the documented type, not a stray subclass
    message = str(info.value)
    for words in case.says:
        assert words in message, f"{words!r} not in: {message}"


def test_library_errors_subclass_the_built_in_a_user_would_catch():
    assert issubclass(ShapeError, ValueError) and issubclass(BackwardError, RuntimeError)


def test_catalogue_has_no_duplicate_descriptions():
    whats = [case.what for case in CASES]
    assert len(whats) == len(set(whats))


def table() -> str:
    """The catalogue as a Markdown table: input, exception type, message now."""
    rows = ["| bad input | error | message |", "|---|---|---|"]
    for case in CASES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                case.call()
            outcome, message = "no error!", ""
        except Exception as exc:  # the table shows whatever happens
            outcome, message = type(exc).__name__, str(exc).replace("|", "\\|")
        rows.append(f"| {case.what} | {outcome} | {message} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
