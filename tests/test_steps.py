"""backward_steps: the chain rule one node at a time, the same numbers as backward()."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from test_value import programs, run

import nn
from tinygrad_lite import BackwardError, Tensor, Value, backward_steps, conv, ops
from tinygrad_lite.views.steps import FORMULAS, forward_order, node_names


def classic():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    return a, b, (a * b + b**2).sigmoid()


def leaves_of(root):
    return [n for n in forward_order(root) if not n.parents]


def test_one_step_per_node_root_first_each_node_after_all_its_users():
    *_, y = classic()
    steps = list(backward_steps(y))
    nodes = [s.node for s in steps]
    assert nodes[0] is y
    assert len(nodes) == len({id(n) for n in nodes}) == len(forward_order(y))
    position = {id(n): k for k, n in enumerate(nodes)}
    for node in nodes:
        for parent in node.parents:
            assert position[id(parent)] > position[id(node)]
    assert [s.index for s in steps] == list(range(len(steps)))


def test_the_classic_example_step_by_step():
    a, b, y = classic()
    steps = {s.name: s for s in backward_steps(y)}
    # the forward order reads left to right, the first input first; backward is its mirror
    assert list(node_names(forward_order(y)).values()) == [
        "a",
        "b",
        "a*b",
        "b**2",
        "a*b + b**2",
        "sigmoid(a*b + b**2)",
    ]
    assert list(steps) == ["sigmoid(a*b + b**2)", "a*b + b**2", "b**2", "a*b", "b", "a"]
    s = 1 / (1 + math.exp(-3.0))
    (to_a, to_b) = steps["a*b"].edges
    assert to_a.parent is a and to_a.formula == "d(a*b)/da = b" and to_a.local == -3.0
    assert to_a.contribution == pytest.approx(s * (1 - s) * -3.0, rel=1e-15)
    assert "d(a*b)/da = b = -3.0, so dL/da += 0.04518 x -3.0 = -0.1355" in steps["a*b"].describe()[1]
    assert to_b.formula == "d(a*b)/db = a" and to_b.local == 2.0
    (pow_edge,) = steps["b**2"].edges
    assert pow_edge.formula == "d(b**2)/db = 2·b^(2-1)" and pow_edge.local == -6.0
    assert (
        steps["sigmoid(a*b + b**2)"]
        .edges[0]
        .formula.endswith("= sigmoid(a*b + b**2)·(1 - sigmoid(a*b + b**2))")
    )
    assert steps["a"].edges == () and steps["a"].describe() == ["a is a leaf: dL/da = -0.1355"]
    assert steps["b"].grad == b.grad == pytest.approx(s * (1 - s) * (2.0 - 6.0), rel=1e-12)


def test_a_value_contribution_is_local_derivative_times_incoming_grad():
    _, _, y = classic()
    for step in backward_steps(y):
        for edge in step.edges:
            assert edge.contribution == edge.local * step.grad


def test_iterating_to_the_end_gives_exactly_the_grads_of_backward():
    a1, b1, y1 = classic()
    a2, b2, y2 = classic()
    list(backward_steps(y1))
    y2.backward()
    assert (a1.grad, b1.grad) == (a2.grad, b2.grad)


def test_leaves_accumulate_across_passes_as_with_backward():
    a, _, y = classic()
    list(backward_steps(y))
    first = a.grad
    list(backward_steps(y))
    assert a.grad == 2 * first


def test_a_parent_used_twice_gets_two_edges():
    x = Value(3.0, label="x")
    (step, leaf) = backward_steps(x * x)
    assert [e.parent for e in step.edges] == [x, x]
    assert [e.formula for e in step.edges] == ["d(x*x)/dx = x", "d(x*x)/dx = x"]
    assert leaf.grad == x.grad == 6.0


@settings(max_examples=60, deadline=None)
@given(programs())
def test_contributions_sum_to_the_grads_backward_gives(program):
    """Random graphs with shared nodes: for every node, the contributions its
    users send add up to its grad from a separate backward()."""
    xs = program[0]
    out = run(program, [Value(x) for x in xs], on_values=True)
    if not math.isfinite(out.data):
        return
    received: dict[int, float] = {}
    steps = list(backward_steps(out))
    for step in steps:
        for edge in step.edges:
            received[id(edge.parent)] = received.get(id(edge.parent), 0.0) + edge.contribution
    reference = run(program, [Value(x) for x in xs], on_values=True)
    reference.backward()
    ref_grads = [n.grad for n in forward_order(reference) if n.requires_grad]
    assert len(ref_grads) == len(steps)  # one step per node a gradient reaches: not the numbers
    by_node = {id(s.node): s for s in steps}
    for node, ref in zip([n for n in forward_order(out) if n.requires_grad], ref_grads):
        got = by_node[id(node)].grad
        assert got == pytest.approx(ref, rel=1e-12, abs=1e-12, nan_ok=True)
        if node is not out:
            assert received[id(node)] == pytest.approx(got, rel=1e-12, abs=1e-12, nan_ok=True)


def test_tensor_steps_sum_to_the_grads_of_backward():
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [3, 1], rng=0)
    loss = nn.binary_cross_entropy(model(Tensor(X)), y)
    received: dict[int, np.ndarray] = {}
    for step in backward_steps(loss):
        assert all(e.local is None for e in step.edges)  # a Jacobian is never formed
        for edge in step.edges:
            assert edge.contribution.shape == edge.parent.shape
            received[id(edge.parent)] = received.get(id(edge.parent), 0) + edge.contribution
    grads = {id(p): p.grad.copy() for p in model.parameters()}
    model.zero_grad()
    nn.binary_cross_entropy(model(Tensor(X)), y).backward()
    for p in model.parameters():
        np.testing.assert_array_equal(grads[id(p)], p.grad)
        np.testing.assert_allclose(received[id(p)], p.grad, rtol=1e-14)


def test_tensor_formulas_read_as_vector_jacobian_products():
    x = Tensor([[1.0, 2.0]], label="x")
    W = Tensor([[1.0], [2.0]], requires_grad=True, label="W")
    (matmul_step, leaf) = backward_steps(x @ W)
    (edge,) = matmul_step.edges  # x needs no gradient
    assert edge.parent is W and edge.formula == "dL/dW += xᵀ(2×1) @ g(1×1) → 2×1"
    np.testing.assert_array_equal(edge.contribution, [[1.0], [2.0]])
    assert leaf.describe() == ["W is a leaf: dL/dW = [[1.], [2.]]"]


def test_a_tensor_step_keeps_its_grad_as_it_was_then():
    W = Tensor([1.0, 2.0], requires_grad=True, label="W")
    steps = list(backward_steps((W * 3).sum()))
    list(backward_steps((W * 3).sum()))  # accumulates into W.grad in place
    np.testing.assert_array_equal(steps[-1].grad, [3.0, 3.0])


def test_seed_rules_are_those_of_backward():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(BackwardError, match="needs grad="):
        list(backward_steps(y))
    steps = list(backward_steps(y, grad=[1.0, -1.0]))
    np.testing.assert_array_equal(steps[0].grad, [1.0, -1.0])


def test_names_are_labels_else_short_expressions_else_short_names():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    deep = a
    for _ in range(6):
        deep = (deep + b).tanh()
    names = node_names(forward_order(-(a - b * (a + b)) / a**0.5 * 3))
    assert set(names.values()) >= {"a + b", "b*(a + b)", "a - b*(a + b)", "-(a - b*(a + b))", "a**0.5", "3"}
    long_names = list(node_names(forward_order(deep)).values())
    assert long_names[:4] == ["a", "b", "a + b", "tanh(a + b)"]
    assert long_names[4:7] == ["tanh(a + b) + b", "h1", "h1 + b"]  # names build on short names
    assert long_names[-1] == "h3" and all(len(name) <= 20 for name in long_names)
    # unlabelled parameters and data get p1, x1, ...; never a name a label already uses
    p, q = Value(0.5), Value(0.25)
    h1 = Value(3.0, label="h1", requires_grad=False)
    y = (p * h1 + q * Value(2.0, requires_grad=False) + p * q).tanh() * 4.0
    names = node_names(forward_order(y))
    assert [names[id(p)], names[id(q)]] == ["p1", "p2"] and {"2", "4"} <= set(names.values())
    # tanh(p1*h1 + p2*2 + p1*p2) is long: an activation's short name, and h1 is a label already
    assert names[id(y.parents[0])] == "h2"
    assert list(names.values()).count("h1") == 1


OP_CLASSES = [
    cls
    for module in (ops, conv)
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if hasattr(cls, "backward")
]


@pytest.mark.parametrize("op", OP_CLASSES, ids=[cls.name for cls in OP_CLASSES])
def test_every_tensor_op_has_a_formula_per_input(op):
    arity = len(inspect.signature(op.forward).parameters) - 1  # minus ctx
    params = {"clip": 2, "softmax": 1, "log_softmax": 1, "sum": 2, "mean": 2, "max": 2, "min": 2}
    params.update(reshape=1, transpose=1, getitem=1, conv2d=2, max_pool2d=2)
    params.update(var=3, std=3, prod=2, logsumexp=2, cumsum=1)  # issue 17: reductions
    params.update(conv2d=4, max_pool2d=3, avg_pool2d=4)  # issue 17: dilation, groups, padding
    params.update(cat=1, stack=1, expand=1, flip=1, repeat=1, pad=2, tril=1, triu=1)  # issue 17: movement
    params.update(where=1, masked_fill=2, gather=2)  # issue 17: selection
    params.update(round=1, leaky_relu=1, elu=1, gelu=1, hardtanh=2, astype=1, nll_loss=2)  # issue 17: E
    params.update(cross_entropy=1)  # issue 20: ignore_index
    assert len(FORMULAS[op.name]) == arity - params.get(op.name, 0)


def test_a_small_cnn_steps_through_with_every_gradient_of_backward():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 1, 4, 4)))
    w = Tensor(rng.standard_normal((3, 1, 3, 3)), requires_grad=True, label="w")
    b = Tensor(rng.standard_normal(3), requires_grad=True, label="b")
    loss = x.conv2d(w, b, padding=1).relu().max_pool2d(2).sum()
    steps = list(backward_steps(loss))
    stepped = {"w": w.grad.copy(), "b": b.grad.copy()}
    assert {"conv2d", "max_pool2d"} <= {step.node.op for step in steps}
    w.grad = b.grad = None
    loss.backward()
    np.testing.assert_array_equal(stepped["w"], w.grad)
    np.testing.assert_array_equal(stepped["b"], b.grad)


def test_every_value_op_has_a_formula():
    x, y = Value(0.5), Value(1.5)
    results = [x + y, x - y, x * y, x / y, x**y, -x, x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu()]
    for r in results:
        list(backward_steps(r))  # a missing formula would raise KeyError
    assert {r.op for r in results} <= set(FORMULAS)


def test_a_gradient_from_several_uses_is_shown_as_the_sum_it_is():
    """L = a*a + a at a = 3: dL/da = 1 (from +) + 3 + 3 (from a*a, twice) = 7;
    the step of a lists those contributions, in the order they were added,
    and they add up to the grad backward() gives."""
    a = Value(3.0, label="a")
    loss = a * a + a
    loss.label = "L"
    steps = {step.name: step for step in backward_steps(loss)}
    leaf = steps["a"]
    assert [(user, c) for user, c in leaf.sources] == [("L", 1.0), ("a*a", 3.0), ("a*a", 3.0)]
    assert sum(c for _, c in leaf.sources) == leaf.grad == a.grad == 7.0
    assert "  dL/da = 1.0 + 3.0 + 3.0 = 7.0, from its 3 uses (by L, a*a x2)" in leaf.describe()
    assert steps["a*a"].sum_of_uses() == []  # used once: nothing to add up
    x = Tensor([1.0, -2.0], requires_grad=True, label="x")
    steps = {step.name: step for step in backward_steps((x * x + x).sum())}
    contributions = [c for _, c in steps["x"].sources]
    np.testing.assert_array_equal(sum(contributions), steps["x"].grad)
    assert len(contributions) == 3


def test_tensor_steps_define_g_show_matmul_shapes_and_say_where_a_gradient_is_summed():
    X = Tensor(np.ones((4, 2)), label="X")
    W = Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    loss = (X @ W + b).tanh().mean()
    loss.label = "L"
    steps = {step.name: step for step in backward_steps(loss)}
    matmul = steps["X@W"].describe()
    assert matmul[0].startswith("at X@W (@): g = dL/d(X@W) = ")  # g is defined where it is used
    assert matmul[1].startswith("  dL/dW += Xᵀ(2×4) @ g(4×3) → 2×3")
    bias = steps["X@W + b"].describe()[2]
    assert "d(X@W + b)/db = 1, summed over axis 0 (the batch), where it was broadcast to 4×3" in bias
    X2 = Tensor(np.ones((4, 2)), requires_grad=True, label="X")
    steps = {step.name: step for step in backward_steps((X2 @ W).sum())}
    assert "dL/dX += g(4×3) @ Wᵀ(3×2) → 4×2" in steps["X@W"].describe()[1]
