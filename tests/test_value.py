"""Value: every op's forward and gradient, checked against central finite
differences, plus random expression graphs with shared subexpressions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from programs import draw_steps

from tinygrad_lite import Value, no_grad

EPS = 1e-6


def numeric_grads(fn, xs: list[float]) -> list[float]:
    """Central differences of fn's forward value (no backward involved)."""
    grads = []
    for i in range(len(xs)):
        plus = [Value(x + EPS * (j == i)) for j, x in enumerate(xs)]
        minus = [Value(x - EPS * (j == i)) for j, x in enumerate(xs)]
        grads.append((fn(*plus).data - fn(*minus).data) / (2 * EPS))
    return grads


def analytic_grads(fn, xs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


# (name, fn, inputs, expected forward value computed with plain floats)
OPS = [
    ("add", lambda a, b: a + b, [1.5, -0.7], 0.8),
    ("add number right", lambda a: a + 2, [1.5], 3.5),
    ("add number left", lambda a: 2 + a, [1.5], 3.5),
    ("sub", lambda a, b: a - b, [1.5, -0.7], 2.2),
    ("sub number right", lambda a: a - 2, [1.5], -0.5),
    ("sub number left", lambda a: 2 - a, [1.5], 0.5),
    ("mul", lambda a, b: a * b, [1.5, -0.7], -1.05),
    ("mul number left", lambda a: 3 * a, [1.5], 4.5),
    ("mul self", lambda a: a * a, [1.5], 2.25),
    ("div", lambda a, b: a / b, [1.5, -0.7], 1.5 / -0.7),
    ("div number right", lambda a: a / 4, [1.5], 0.375),
    ("div number left", lambda a: 3 / a, [1.5], 2.0),
    ("pow int", lambda a: a**3, [1.5], 3.375),
    ("pow float", lambda a: a**0.5, [1.5], math.sqrt(1.5)),
    ("pow negative", lambda a: a**-2, [1.5], 1 / 2.25),
    ("pow value exponent", lambda a, b: a**b, [1.5, -0.7], 1.5**-0.7),
    ("rpow", lambda a: 2**a, [1.5], 2**1.5),
    ("neg", lambda a: -a, [1.5], -1.5),
    ("exp", lambda a: a.exp(), [0.3], math.exp(0.3)),
    ("log", lambda a: a.log(), [0.3], math.log(0.3)),
    ("tanh", lambda a: a.tanh(), [0.3], math.tanh(0.3)),
    ("sigmoid positive", lambda a: a.sigmoid(), [0.3], 1 / (1 + math.exp(-0.3))),
    ("sigmoid negative", lambda a: a.sigmoid(), [-2.3], 1 / (1 + math.exp(2.3))),
    ("relu positive", lambda a: a.relu(), [0.3], 0.3),
    ("relu negative", lambda a: a.relu(), [-0.3], 0.0),
    ("composite", lambda a, b: (a * b + b**2).sigmoid(), [2.0, -3.0], 1 / (1 + math.exp(-3.0))),
]


@pytest.mark.parametrize(("fn", "xs", "expected"), [op[1:] for op in OPS], ids=[op[0] for op in OPS])
def test_op_forward_and_gradient(fn, xs, expected):
    out, grads = analytic_grads(fn, xs)
    assert out == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grads, numeric_grads(fn, xs), rtol=1e-6, atol=1e-8)


def test_relu_gradient_is_step():
    _, (g_pos,) = analytic_grads(lambda a: a.relu(), [2.0])
    _, (g_neg,) = analytic_grads(lambda a: a.relu(), [-2.0])
    assert (g_pos, g_neg) == (1.0, 0.0)


def test_classic_sigmoid_example_gradients():
    # d/da sigmoid(ab + b^2) = s(1-s) * b, d/db = s(1-s) * (a + 2b) at a=2, b=-3
    s = 1 / (1 + math.exp(-3.0))
    _, (ga, gb) = analytic_grads(lambda a, b: (a * b + b**2).sigmoid(), [2.0, -3.0])
    assert ga == pytest.approx(s * (1 - s) * -3.0, rel=1e-12)
    assert gb == pytest.approx(s * (1 - s) * (2.0 - 6.0), rel=1e-12)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("x", [-1000.0, 1000.0])
def test_extreme_inputs_are_finite(x):
    for method, limit in [("sigmoid", float(x > 0)), ("tanh", math.copysign(1.0, x))]:
        a = Value(x)
        out = getattr(a, method)()
        out.backward()
        assert out.data == limit
        assert a.grad == 0.0


def test_ieee_results_instead_of_exceptions():
    assert Value(1000.0).exp().data == math.inf
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)
    assert (Value(1.0) / 0).data == math.inf
    assert (Value(-1.0) / 0).data == -math.inf
    assert (Value(0.0) ** -1).data == math.inf
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)


def test_leaf_attributes():
    a = Value(2, label="a")
    assert (a.data, a.grad, a.label, a.op, a.parents) == (2.0, 0.0, "a", "", ())
    assert type(a.data) is float


def test_op_records_name_and_parents_in_order():
    a, b = Value(2.0), Value(3.0)
    y = a * b
    assert y.op == "*" and y.parents == (a, b)
    assert (b - a).parents == (b, a)
    assert a.sigmoid().op == "sigmoid"
    assert (-a).op == "neg"


@pytest.mark.parametrize("bad", [None, "abc", [1.0], 1 + 2j])
def test_non_numeric_data_is_refused(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_operand_that_is_not_a_number_is_refused():
    with pytest.raises(TypeError):
        Value(1.0) + "x"
    with pytest.raises(TypeError):
        "x" * Value(1.0)


def test_numpy_scalars_work_on_either_side():
    a = Value(2.0)
    y = np.float64(3.0) * a + a * np.float32(0.5)
    assert isinstance(y, Value)
    y.backward()
    assert a.grad == 3.5


def test_no_grad_records_nothing():
    a = Value(2.0)
    with no_grad():
        y = a * a + 1
    assert y.data == 5.0 and y.op == "" and y.parents == ()


# -- random expression graphs with shared subexpressions -----------------------
# Each op in the program reads earlier nodes by index, so nodes get reused.
BINARY = {
    "+": (lambda x, y: x + y, lambda x, y: x + y),
    "-": (lambda x, y: x - y, lambda x, y: x - y),
    "*": (lambda x, y: x * y, lambda x, y: x * y),
    "/": (lambda x, y: x / (y * y + 1), lambda x, y: x / (y * y + 1)),
    "**": (lambda x, y: (x * x + 0.5) ** y, lambda x, y: (x * x + 0.5) ** y),
}
UNARY = {
    "exp": (lambda x: x.exp(), math.exp),
    "log": (lambda x: (x * x + 0.1).log(), lambda x: math.log(x * x + 0.1)),
    "tanh": (lambda x: x.tanh(), math.tanh),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "relu": (lambda x: x.relu(), lambda x: max(x, 0.0)),
    "neg": (lambda x: -x, lambda x: -x),
    "pow3": (lambda x: x**3, lambda x: x**3),
}


@st.composite
def programs(draw):
    n_leaves = draw(st.integers(1, 3))
    leaves = draw(st.lists(st.floats(-2, 2), min_size=n_leaves, max_size=n_leaves))
    steps = draw_steps(draw, n_leaves, 12, UNARY, BINARY)
    return leaves, steps


def run(program, leaves, on_values: bool):
    """Evaluate the program on Values (engine) or floats (reference); the output
    sums every node, so every node (and its reuse) reaches the result."""
    _, steps = program
    nodes = list(leaves)
    for name, i, j in steps:
        if j is None:
            fn = UNARY[name][0 if on_values else 1]
            nodes.append(fn(nodes[i]))
        else:
            fn = BINARY[name][0 if on_values else 1]
            nodes.append(fn(nodes[i], nodes[j]))
    total = nodes[0]
    for node in nodes[1:]:
        total = total + node
    return total


@settings(max_examples=150, deadline=None)
@given(programs())
def test_random_graphs_match_finite_differences(program):
    xs = program[0]
    try:
        ref = run(program, xs, on_values=False)
    except (OverflowError, ValueError, ZeroDivisionError):
        ref = math.inf
    assume(math.isfinite(ref) and abs(ref) < 1e6)
    # Stay away from relu's kink, where finite differences are meaningless.
    leaves = [Value(x) for x in xs]
    out = run(program, leaves, on_values=True)
    kinks = [n for n in _all_nodes(out) if n.op == "relu" and abs(n.parents[0].data) < 1e-3]
    assume(not kinks)
    # Finite differences lose about |node| * 1e-16 / EPS to rounding at every node: where a
    # huge intermediate cancels out (exp(20) - exp(20)), they measure only that noise.
    assume(max(abs(n.data) for n in _all_nodes(out)) < 1e6)
    assert out.data == pytest.approx(ref, rel=1e-12, abs=1e-12)
    out.backward()
    numeric = []
    for i in range(len(xs)):
        hi = run(program, [x + EPS * (j == i) for j, x in enumerate(xs)], on_values=False)
        lo = run(program, [x - EPS * (j == i) for j, x in enumerate(xs)], on_values=False)
        numeric.append((hi - lo) / (2 * EPS))
    scale = max(1.0, *map(abs, numeric))
    np.testing.assert_allclose([v.grad for v in leaves], numeric, rtol=1e-4, atol=1e-5 * scale)


def _all_nodes(root):
    seen, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.parents)
    return seen.values()
