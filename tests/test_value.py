"""Value: every op's forward and gradient, checked against central finite
differences, plus random expression graphs with shared subexpressions; data
leaves (requires_grad=False), Python conversions and comparisons, and the
in-place operators, checked against PyTorch where it has an answer."""

from __future__ import annotations

import contextlib
import math
import operator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from programs import draw_steps

from tinygrad_lite import BackwardError, Value, backward_steps, detect_anomaly, no_grad
from tinygrad_lite.views.steps import forward_order, kind

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
    ("abs positive", lambda a: abs(a), [0.3], 0.3),
    ("abs negative", lambda a: abs(a), [-0.3], 0.3),
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
    assert (a.data, a.grad, a.label, a.op, a.parents, a.requires_grad) == (2.0, 0.0, "a", "", (), True)
    assert type(a.data) is float
    x = Value(3.0, "x", requires_grad=False)
    assert (x.label, x.requires_grad) == ("x", False)


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
    assert not y.requires_grad


# -- requires_grad: data leaves and numbers get no gradient --------------------
def test_a_result_requires_grad_when_any_parent_does():
    a, x = Value(1.5), Value(-0.7, requires_grad=False)
    assert (a * x).requires_grad and (x - a).requires_grad and (2 + a).requires_grad
    assert not (x * x).requires_grad and not (x * 2).requires_grad and not x.tanh().requires_grad
    assert not (x**a).parents[0].requires_grad and (x**a).requires_grad


def test_a_number_met_in_an_op_is_a_constant_leaf_without_grad():
    a = Value(1.5)
    for y in (a * 2, 2 * a, a + np.float64(2), 2 - a, 2**a, a / 4):
        (const,) = (p for p in y.parents if p is not a)
        assert (const.op, const.requires_grad) == ("", False)
        y.backward()
        assert const.grad == 0.0


def test_a_data_leaf_gets_no_gradient_and_the_parameter_the_same_as_torch():
    torch = pytest.importorskip("torch")
    a, x = Value(1.5, label="a"), Value(-0.7, label="x", requires_grad=False)
    y = (a * x + x**2 + (x * 3.0).exp()).tanh() * a
    y.backward()
    a_t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    x_t = torch.tensor(-0.7, dtype=torch.float64, requires_grad=False)
    y_t = (a_t * x_t + x_t**2 + (x_t * 3.0).exp()).tanh() * a_t
    y_t.backward()
    assert y.data == pytest.approx(y_t.item(), rel=1e-14)
    assert a.grad == pytest.approx(a_t.grad.item(), rel=1e-14)
    assert x_t.grad is None and x.grad == 0.0


@pytest.mark.parametrize("anomaly", [False, True], ids=["backward", "under detect_anomaly"])
def test_no_gradient_is_ever_written_into_data(anomaly):
    """Neither backward's `_propagate` nor `_chain` (used under detect_anomaly
    and by the step-through) writes into a data leaf, on either side of an op."""
    a, x = Value(0.3), Value(1.2, requires_grad=False)
    y = (x * a + a / x + x**a - x.sigmoid() * a).relu() + abs(x) * a + (x * x).log() * a
    for _ in range(2):
        with detect_anomaly() if anomaly else contextlib.nullcontext():
            y.backward()
    assert x.grad == 0.0
    steps = list(backward_steps(y))
    assert x not in [step.node for step in steps]
    assert all(edge.parent is not x for step in steps for edge in step.edges)
    numeric = (y_of(a.data + EPS, x.data) - y_of(a.data - EPS, x.data)) / (2 * EPS)
    assert a.grad == pytest.approx(3 * numeric, rel=1e-6)  # three passes accumulated


def y_of(a: float, x: float) -> float:
    """The graph of `test_no_gradient_is_ever_written_into_data` in floats."""
    return max(x * a + a / x + x**a - a / (1 + math.exp(-x)), 0.0) + abs(x) * a + math.log(x * x) * a


@pytest.mark.parametrize(
    "make",
    [lambda: Value(2.0, requires_grad=False), lambda: Value(2.0, requires_grad=False).exp() * 3],
    ids=["data leaf", "computed from data and numbers"],
)
def test_backward_on_a_value_that_does_not_require_grad_is_refused(make):
    with pytest.raises(BackwardError, match="does not require grad"):
        make().backward()
    with pytest.raises(BackwardError, match="does not require grad"):
        next(backward_steps(make()))


def test_a_data_leaf_is_drawn_as_an_input_and_a_leaf_with_grad_as_a_parameter():
    w, x = Value(0.5), Value(2.0, label="x", requires_grad=False)
    y = w * x + 1
    assert [kind(n) for n in forward_order(y)] == ["parameter", "constant", "result", "constant", "result"]


def test_backward_on_a_value_computed_under_no_grad_still_says_so():
    a = Value(2.0)
    with no_grad():
        y = a * 3
    with pytest.raises(BackwardError, match="no_grad"):
        y.backward()


# -- abs --------------------------------------------------------------------------
def test_abs_is_an_op_whose_gradient_is_the_sign_as_in_torch():
    torch = pytest.importorskip("torch")
    xs = [-2.5, -1e-300, -0.0, 0.0, 1e-300, 3.0]
    leaves = [Value(x) for x in xs]
    outs = [abs(v) for v in leaves]
    assert [y.op for y in outs] == ["abs"] * len(xs) and all(y.parents == (v,) for y, v in zip(outs, leaves))
    for y in outs:
        y.backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    t.abs().sum().backward()
    assert [y.data for y in outs] == t.abs().tolist()
    assert [v.grad for v in leaves] == t.grad.tolist() == [-1.0, -1.0, 0.0, 0.0, 1.0, 1.0]


# -- Python conversions and comparisons use data --------------------------------
def test_int_truncates_and_round_rounds_as_for_a_float():
    for x in [2.7, -2.7, 0.5, 1.5, 2.5, -0.5, 1e17 + 0.5, 3.14159]:
        v = Value(x)
        assert int(v) == int(x) and type(int(v)) is int
        assert round(v) == round(x) and type(round(v)) is int
        assert round(v, 2) == round(x, 2) and type(round(v, 2)) is float
    assert round(Value(1234.5), -2) == 1200.0
    with pytest.raises(ValueError):
        int(Value(math.nan))
    with pytest.raises(OverflowError):
        int(Value(math.inf))


def test_format_with_a_spec_formats_data_and_without_one_gives_the_repr():
    v = Value(math.pi, label="pi")
    assert format(v, ".4f") == f"{v:.4f}" == "3.1416"
    assert f"{v:>9.2e}" == " 3.14e+00" and f"{Value(-0.25):%}" == "-25.000000%"
    assert format(v) == f"{v}" == str(v) == repr(v) == "Value(data=3.141592653589793, grad=0.0, label='pi')"
    with pytest.raises(ValueError):
        format(v, "d")  # as for a float


def test_comparisons_compare_data_and_return_bools():
    a, b = Value(1.0), Value(2.0)
    with_values = [a < b, a <= b, a > b, a >= b]
    with_numbers = [a < 1.5, a <= 1, a > 1, a >= np.float32(1.5), b > np.int64(1)]
    number_on_the_left = [operator.gt(2, a), operator.ge(1, a), operator.lt(np.float64(3.0), b)]
    assert with_values == [True, True, False, False]
    assert with_numbers == [True, True, False, False, True]
    assert number_on_the_left == [True, True, False]
    assert all(type(r) is bool for r in with_values + with_numbers + number_on_the_left)
    assert not (Value(math.nan) < 1) and not (Value(math.nan) >= 1)


def test_sorted_max_and_min_return_the_values_themselves():
    vs = [Value(x) for x in (0.5, -2.0, 3.0, 1.0)]
    assert [v.data for v in sorted(vs)] == [-2.0, 0.5, 1.0, 3.0]
    assert all(any(s is v for v in vs) for s in sorted(vs))
    biggest = max(vs)
    assert biggest is vs[2] and min(vs) is vs[1]
    (biggest * 2).backward()  # the gradient reaches the maximum alone, as torch.max
    assert [v.grad for v in vs] == [0.0, 0.0, 2.0, 0.0]


def test_equality_stays_identity_and_values_stay_hashable():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and (a == 1.0) is False
    assert len({a, b, a}) == 2 and {a: "a"}[a] == "a"


@pytest.mark.parametrize("other", ["1", None, [1.0], 1 + 2j])
def test_ordering_against_a_non_number_raises_pythons_type_error(other):
    for compare in (lambda v: v < other, lambda v: v <= other, lambda v: other > v, lambda v: v >= other):
        with pytest.raises(TypeError, match="not supported"):
            compare(Value(1.0))


# -- in-place operators: in place under no_grad, a new node otherwise -----------
def _iadd(v, w):
    v += w
    return v


def _isub(v, w):
    v -= w
    return v


def _imul(v, w):
    v *= w
    return v


def _idiv(v, w):
    v /= w
    return v


def _ipow(v, w):
    v **= w
    return v


# symbol: (the statement ``v <symbol>= w`` as a function returning v, the op on floats)
IN_PLACE = {
    "+": (_iadd, lambda x, y: x + y),
    "-": (_isub, lambda x, y: x - y),
    "*": (_imul, lambda x, y: x * y),
    "/": (_idiv, lambda x, y: x / y),
    "**": (_ipow, lambda x, y: x**y),
}


@pytest.mark.parametrize("op", list(IN_PLACE))
@pytest.mark.parametrize("operand", [0.5, Value(0.5)], ids=["number", "Value"])
def test_in_place_under_no_grad_changes_data_and_keeps_the_object(op, operand):
    statement, on_floats = IN_PLACE[op]
    expected = on_floats(1.5, 0.5)
    p = Value(1.5, label="p")
    held = [p]
    with no_grad():
        q = statement(p, operand)
    assert q is p is held[0]
    assert (p.data, p.op, p.parents, p.label, p.requires_grad) == (expected, "", (), "p", True)


def test_sgd_step_under_no_grad_updates_parameters_held_in_a_list():
    params = [Value(1.0), Value(-2.0)]
    loss = params[0] * params[1] + params[0] ** 2  # d/dp0 = p1 + 2 p0 = 0, d/dp1 = p0 = 1
    loss.backward()
    with no_grad():
        for p in params:
            p -= 0.1 * p.grad
    assert [p.data for p in params] == [1.0, -2.1]
    loss = params[0] * params[1] + params[0] ** 2
    assert loss.requires_grad and loss.parents[0].parents == (params[0], params[1])


def test_in_place_under_no_grad_follows_ieee_floats_as_the_ops_do():
    v = Value(1.0)
    held = v
    with no_grad():
        v /= 0
        assert v is held and v.data == math.inf
        v **= -1
        assert v is held and v.data == 0.0


def test_in_place_with_a_non_number_raises_type_error_in_either_mode():
    for context in (no_grad(), contextlib.nullcontext()):
        v = Value(1.0)
        with context, pytest.raises(TypeError):
            v += "x"
        assert v.data == 1.0


@pytest.mark.parametrize("op", list(IN_PLACE))
def test_in_place_outside_no_grad_builds_a_new_node(op):
    statement, on_floats = IN_PLACE[op]
    v, w = Value(1.5), Value(0.5)
    out = statement(v, w)
    assert out is not v and v.data == 1.5
    assert (out.op, out.parents, out.data) == (op, (v, w), on_floats(1.5, 0.5))


def test_running_sum_builds_the_graph_with_torchs_gradient():
    torch = pytest.importorskip("torch")
    xs = [0.5, -1.25, 2.0, 3.5]
    w = Value(0.75)
    total = Value(0.0, requires_grad=False)
    start = total
    for x in xs:
        total += (w * x).tanh()
    total.backward()
    w_t = torch.tensor(0.75, dtype=torch.float64, requires_grad=True)
    total_t = torch.tensor(0.0, dtype=torch.float64)
    for x in xs:
        total_t += (w_t * x).tanh()
    total_t.backward()
    assert start.data == 0.0 and start.grad == 0.0 and total.op == "+"
    assert total.data == pytest.approx(total_t.item(), rel=1e-14)
    assert w.grad == pytest.approx(w_t.grad.item(), rel=1e-14)

    def on_floats(w: float) -> float:
        return sum(math.tanh(w * x) for x in xs)

    assert w.grad == pytest.approx((on_floats(0.75 + EPS) - on_floats(0.75 - EPS)) / (2 * EPS), rel=1e-8)


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
    "abs": (abs, abs),
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
    # Stay away from the kinks of relu and abs, where finite differences are meaningless.
    leaves = [Value(x) for x in xs]
    out = run(program, leaves, on_values=True)
    kinks = [n for n in _all_nodes(out) if n.op in ("relu", "abs") and abs(n.parents[0].data) < 1e-3]
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


@settings(max_examples=100, deadline=None)
@given(programs(), st.lists(st.booleans(), min_size=3, max_size=3))
def test_random_graphs_with_data_leaves_give_them_no_gradient(program, is_data):
    """Freezing some leaves changes nothing for the others: their grads are the
    grads of the graph where every leaf requires grad; the frozen ones stay 0."""
    xs = program[0]
    free = [Value(x) for x in xs]
    mixed = [Value(x, requires_grad=not frozen) for x, frozen in zip(xs, is_data)]
    out_free, out_mixed = run(program, free, on_values=True), run(program, mixed, on_values=True)
    assert out_mixed.data == out_free.data or math.isnan(out_free.data)
    out_free.backward()
    if not out_mixed.requires_grad:
        assert all(frozen for frozen, _ in zip(is_data, xs))
        return
    out_mixed.backward()
    for a, b, frozen in zip(free, mixed, is_data):
        if frozen:
            assert b.grad == 0.0
        else:
            assert b.grad == a.grad or (math.isnan(a.grad) and math.isnan(b.grad))


def _all_nodes(root):
    seen, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.parents)
    return seen.values()
