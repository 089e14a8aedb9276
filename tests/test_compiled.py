"""`compile_step`: a compiled training step equals the eager one, and refuses what it cannot replay.

Calls 1 and 2 of a compiled step trace `fn` eagerly, later calls replay a tape:
for a `Value` graph its nodes grouped by level and run as the Tensor ops'
NumPy forward and backward (`value_tape`), for a `Tensor` graph the traced
nodes re-run (`tensor_tape`). Every equality test here makes at least two
replays happen (``step.replays``) and compares them with a fresh eager graph
built from the same numbers and differentiated with ``loss.backward()``.

Exactness. A Tensor replay runs the eager ops and the eager backward: equal
bit for bit. A Value replay computes each op with NumPy where eager uses
Python floats: + - * neg abs relu give the same IEEE results either way and
the replay adds the gradient contributions in eager's order, so programs of
those ops are compared bit for bit; NumPy's exp/log/tanh/pow may differ from
`math`'s by an ulp, and the replay's division and log derivative round once
differently (g/y against (1/y)*g), so other programs are compared to a
relative 1e-12 plus 1e-12 times the largest magnitude of the same quantity
in the eager graph (values for the loss; gradients and gradient
contributions for the grads), which is where cancellation can leave an ulp
of the large terms in a small result.
"""

from __future__ import annotations

import inspect
import math
import random

import numpy as np
import pytest
import test_fuzz_programs as fuzz
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from programs import draw_steps

import nn
from benchmarks import scalar
from tinygrad_lite import (
    AnomalyError,
    CompiledStep,
    CompileError,
    Tensor,
    Value,
    autograd,
    detect_anomaly,
    no_grad,
)
from tinygrad_lite.compiled import compile_step as auto_compile_step
from tinygrad_lite.compiled import trace
from tinygrad_lite.compiled.tensor_tape import TensorTape
from tinygrad_lite.compiled.value_tape import ValueTape
from tinygrad_lite.views.tape import describe


def compile_step(fn=None, **kwargs):
    """`compile_step` replaying every graph, even a tiny one that its default
    (``replay="auto"``) would run eagerly: these tests check the replay itself."""
    return auto_compile_step(fn, replay="always", **kwargs)


RTOL = 1e-12  # relative tolerance of a Value replay against eager (see the module docstring)
FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])


def run_calls(step: CompiledStep, calls: int, make_args) -> list:
    """`calls` calls of `step` with ``make_args(k)``; the results."""
    return [step(*make_args(k)) for k in range(calls)]


# -- random Value programs ------------------------------------------------------------
# Ops read earlier nodes by index (programs.draw_steps), so nodes are reused. The safe
# forms keep a random program finite; the numbers met in ops are constants of the tape.
V_UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: (x * x + 0.1).log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": abs,
    "**2": lambda x: x**2,
    "**3": lambda x: x**3,
    "**-1": lambda x: (x * x + 0.5) ** -1,
    "**0.5": lambda x: (x * x + 0.1) ** 0.5,
    "**1/3": lambda x: (x * x + 0.1) ** (1 / 3),  # an exponent "%g" would round
    "**1/3 raw": lambda x: x.sigmoid() ** (1 / 3),
    "numbers": lambda x: 2.5 - 1.5 * x / 4 + 0.25,  # numbers on either side of + - * /
    "rdiv": lambda x: 1.5 / (x * x + 1),
    "rpow": lambda x: 2**x,  # a number base, a Value exponent
}
V_BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / (y * y + 1),
    "**": lambda x, y: (x * x + 0.5) ** y,
}
# The ops NumPy and Python compute alike (no rounding of their own beyond IEEE + - *).
EXACT_UNARY = {
    "neg": V_UNARY["neg"],
    "abs": V_UNARY["abs"],
    "relu": V_UNARY["relu"],
    "numbers": lambda x: 2.5 - 1.5 * x + 0.25,
}
EXACT_BINARY = {name: V_BINARY[name] for name in ("+", "-", "*")}

N_EXTRA = 3  # leaves after the parameters: a number argument, a Value argument, a data leaf


@st.composite
def value_programs(draw, unary: dict, binary: dict, max_steps: int = 12):
    """(initial parameters, calls, steps): each call is (number argument, Value
    argument, data leaf's value, zero the grads before it)."""
    n_params = draw(st.integers(1, 3))
    floats = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
    params = draw(st.lists(floats, min_size=n_params, max_size=n_params))
    calls = draw(st.lists(st.tuples(floats, floats, floats, st.booleans()), min_size=4, max_size=5))
    steps = draw_steps(draw, n_params + N_EXTRA, max_steps, unary, binary)
    return params, calls, steps


def value_program(steps, leaves, unary: dict, binary: dict) -> Value:
    """The program on `leaves`; the loss weights every node with its own number."""
    nodes = list(leaves)
    for name, i, j in steps:
        nodes.append(unary[name](nodes[i]) if j is None else binary[name](nodes[i], nodes[j]))
    loss = nodes[0] * 0.75
    for k, node in enumerate(nodes[1:], 1):
        loss = loss + node * ((k * 7 % 5 - 2) * 0.375 + 0.125)
    return loss


def graph_scales(root: Value) -> tuple[float, float]:
    """The largest |value| and the largest |gradient or gradient contribution| of
    `root`'s eager graph (after its backward)."""
    nodes = autograd.topological_order(root, include_constants=True)
    values = max(abs(n.data) for n in nodes)
    grads = max(abs(n.grad) for n in nodes)
    for n in nodes:
        for local in n._local or ():
            grads = max(grads, abs(local * n.grad))
    return values, grads


def all_finite(root: Value, limit: float = 1e8) -> bool:
    values, grads = graph_scales(root)
    return values < limit and grads < limit  # (False for NaN too)


def close(actual: float, expected: float, scale: float) -> bool:
    return abs(actual - expected) <= RTOL * abs(expected) + RTOL * scale


def check_value_program(program, unary, binary, exact: bool) -> None:
    """Compiled calls of the program against eager twins, call after call. The
    parameters change between calls (an update), the data leaf too, the grads are
    zeroed only before some calls (the others accumulate); the Value argument is
    a new object each call and gets its gradient."""
    start, calls, steps = program
    params = [Value(p, label=f"p{k}") for k, p in enumerate(start)]
    data_leaf = Value(0.0, requires_grad=False)
    twins = [Value(p) for p in start]  # eager
    twin_data = Value(0.0, requires_grad=False)

    def fn(x, v):
        return value_program(steps, [*params, x, v, data_leaf], unary, binary)

    step = compile_step(fn)
    for k, (x, v, d, zero) in enumerate(calls):
        if zero:
            for p in (*params, *twins):
                p.grad = 0.0
        if not exact:  # the same numbers in both, so that ulps do not compound from call to call
            for p, twin in zip(params, twins):
                twin.data, twin.grad = p.data, p.grad
        data_leaf.data = twin_data.data = d
        argument, twin_argument = Value(v), Value(v)
        loss = step(x, argument)
        eager = value_program(
            steps, [*twins, Value(x, requires_grad=False), twin_argument, twin_data], unary, binary
        )
        eager.backward()
        assume(all_finite(eager) and all(math.isfinite(p.grad) for p in twins))
        assert isinstance(loss, Value) and not loss.requires_grad and not loss.parents
        assert step.traces == min(k + 1, 2) and step.replays == max(k - 1, 0)
        got = [loss.data, argument.grad, *(p.grad for p in params)]
        want = [eager.data, twin_argument.grad, *(p.grad for p in twins)]
        if exact:
            assert got == want, f"call {k + 1}"
        else:
            values, grads = graph_scales(eager)
            grads += max(abs(p.grad) for p in twins)  # the grads accumulated before the call
            assert close(got[0], want[0], values), f"call {k + 1}: loss {got[0]!r} != {want[0]!r}"
            for a, b in zip(got[1:], want[1:]):
                assert close(a, b, grads), f"call {k + 1}: grads {got[1:]} != {want[1:]}"
        for p, twin in zip(params, twins):  # an update the replay must read
            p.data -= 0.25 * math.tanh(p.grad) + 0.01
            twin.data -= 0.25 * math.tanh(twin.grad) + 0.01
    assert step.replays >= 2


@settings(FUZZ, max_examples=400)
@given(value_programs(V_UNARY, V_BINARY))
def test_random_value_programs_replay_as_eager(program):
    check_value_program(program, V_UNARY, V_BINARY, exact=False)


@settings(FUZZ, max_examples=300)
@given(value_programs(EXACT_UNARY, EXACT_BINARY, max_steps=16))
def test_random_value_programs_of_exact_ops_replay_bit_for_bit(program):
    """+ - * neg abs relu and numbers: the same floats in NumPy as in Python, and
    the gradient sums in eager's order; the twins train on their own."""
    check_value_program(program, EXACT_UNARY, EXACT_BINARY, exact=True)


def test_every_op_of_the_random_value_programs_is_drawn():
    """The generators above meet every Value op (and a number exponent of each kind)."""
    made = set()
    a, b = Value(0.3), Value(-0.7)
    for fn in V_UNARY.values():
        made |= {n.op for n in autograd.topological_order(fn(a), include_constants=True)}
    for fn in V_BINARY.values():
        made |= {n.op for n in autograd.topological_order(fn(a, b), include_constants=True)}
    assert set(trace.VALUE_OPS) <= made
    assert {"**2", "**3", "**-1", "**0.5", f"**{1 / 3!r}"} <= made


# -- every Value op has a replay ----------------------------------------------------------
def value_ops_by_introspection() -> dict[str, tuple[str, tuple]]:
    """Every op name a method of `Value` makes, found by calling each method
    Value defines with a Value, a number, or nothing: {op: (method, args)}."""
    found: dict[str, tuple[str, tuple]] = {}
    for name, attr in vars(Value).items():
        if not callable(attr) or name in ("__init__", "__new__", "backward") or name.startswith("__i"):
            continue
        for args in ((), (Value(0.7),), (2.0,), (0.5,)):
            x = Value(1.3)
            try:
                out = getattr(x, name)(*args)
            except Exception:  # a method that takes other arguments
                continue
            if isinstance(out, Value) and out.op:
                found.setdefault(out.op, (name, args))
    return found


def test_every_value_op_is_replayed_by_a_tensor_op():
    """A Value op added without a replay (trace.VALUE_OPS) is caught here."""
    found = value_ops_by_introspection()
    assert set(trace.VALUE_OPS) | {"**2"} <= set(found)  # (found by calling, not from that table)
    assert {"+", "-", "*", "/", "**", "neg", "exp", "log", "tanh", "sigmoid", "relu", "abs"} <= set(found)
    for op in found:
        assert op in trace.VALUE_OPS or op.startswith("**"), op
        assert trace.tensor_op(op).name == ("**" if op.startswith("**") else op)


@pytest.mark.parametrize("op", sorted(value_ops_by_introspection()))
def test_every_value_op_compiles_and_replays_as_eager(op):
    """Each op (made by the method that makes it) in a step: not refused (the
    method is trusted to read data), replayed, equal to eager with fresh parameters."""
    method, args = value_ops_by_introspection()[op]
    w = Value(0.9)

    def plain(x):
        h = w * x
        return getattr(h, method)(*[h * 0.5 + 0.2 if isinstance(a, Value) else a for a in args]) * 1.5

    step = compile_step(plain)
    for k in range(4):
        x = 0.8 + 0.3 * k
        w.grad = 0.0
        loss = step(x)
        twin = Value(w.data)
        h = twin * Value(x, requires_grad=False)
        eager = getattr(h, method)(*[h * 0.5 + 0.2 if isinstance(a, Value) else a for a in args]) * 1.5
        eager.backward()
        assert loss.data == pytest.approx(eager.data, rel=RTOL, abs=1e-300)
        assert w.grad == pytest.approx(twin.grad, rel=1e-11, abs=1e-300)
        w.data += 0.1
    assert step.replays == 2


# -- random Tensor programs (tests/test_fuzz_programs.py) -------------------------------
# A comparison (x > y) is a boolean tensor computed in Python, outside the graph: the
# programs using one (where, masked_fill) are refused, and say where.
@settings(FUZZ, max_examples=200)
@given(fuzz.programs(), st.booleans(), st.lists(st.booleans(), min_size=4, max_size=4))
def test_random_tensor_programs_replay_bit_for_bit(program, argument_requires_grad, zero):
    """Leaf 0 is the step's argument (an array, or a new Tensor that requires grad,
    each call), the others parameters updated in place between calls."""
    arrays, steps = program
    if len(arrays) == 1:
        argument_requires_grad = True  # else nothing requires grad
    params = [Tensor(a, requires_grad=True) for a in arrays[1:]]
    twins = [Tensor(a, requires_grad=True) for a in arrays[1:]]
    step = compile_step(lambda x: fuzz.run(steps, x, *params))
    for k in range(4):
        x = np.asarray(arrays[0] * (1 + 0.125 * k) - 0.0625 * k)  # (a 0-d array stays an array)
        if zero[k]:
            for p in (*params, *twins):
                p.grad = None
        if argument_requires_grad:
            argument, twin_argument = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        else:
            argument, twin_argument = x, Tensor(x)
        loss = step(argument)
        eager = fuzz.run(steps, twin_argument, *twins)
        eager.backward()
        assert isinstance(loss, Tensor) and not loss.requires_grad and not loss.parents
        np.testing.assert_array_equal(loss.data, eager.data)
        assert loss.dtype == eager.dtype
        pairs = list(zip(params, twins))
        if argument_requires_grad:
            pairs.append((argument, twin_argument))
        for p, twin in pairs:
            assert twin.grad is not None and p.grad is not None, f"call {k + 1}"
            assert p.grad.dtype == twin.grad.dtype and p.grad.shape == twin.grad.shape
            np.testing.assert_array_equal(p.grad, twin.grad, err_msg=f"call {k + 1}")
        for p in (*params, *twins):
            p.data -= 0.01 * p.grad  # in place: the replay reads the same array
    assert (step.traces, step.replays) == (2, 2)


# -- nn models, trained compiled and eagerly ----------------------------------------------
def train_mlp(activation: str, loss: str, optimizer: str, compiled: bool, steps: int = 6):
    """An nn.MLP trained `steps` steps; its parameters and losses."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 3))
    targets = {
        "mse": rng.normal(size=(12, 2)),
        "bce": (rng.random((12, 1)) > 0.5).astype(np.float64),
        "cross_entropy": rng.integers(0, 4, 12),
    }
    outs = {"mse": 2, "bce": 1, "cross_entropy": 4}[loss]
    model = nn.MLP(
        3, [6, 5, outs], activation=activation, out_activation="sigmoid" if loss == "bce" else None, rng=1
    )
    params = model.parameters()
    opt = nn.optim.SGD(params, lr=0.1, momentum=0.9) if optimizer == "sgd" else nn.optim.Adam(params, lr=0.05)
    loss_fn = {"mse": nn.mse_loss, "bce": nn.binary_cross_entropy, "cross_entropy": nn.cross_entropy}[loss]

    def fn(x, y):
        return loss_fn(model(x), y)

    step = compile_step(fn)
    losses = []
    for k in range(steps):
        x, y = X[k % 2 :: 2], targets[loss][k % 2 :: 2]  # two batches, as an epoch would
        opt.zero_grad()
        if compiled:
            out = step(x, y)
        else:
            out = fn(Tensor(x), Tensor(y, dtype=y.dtype))
            out.backward()
        opt.step()
        losses.append(out.data.copy())
    return [p.data.copy() for p in params], losses, step


@pytest.mark.parametrize(
    "activation, loss, optimizer",
    [
        ("tanh", "mse", "sgd"),
        ("relu", "bce", "adam"),
        ("sigmoid", "cross_entropy", "sgd"),
        ("gelu", "cross_entropy", "adam"),
        ("leaky_relu", "mse", "adam"),
    ],
)
def test_nn_mlp_trained_compiled_equals_eager(activation, loss, optimizer):
    eager, eager_losses, _ = train_mlp(activation, loss, optimizer, compiled=False)
    compiled, compiled_losses, step = train_mlp(activation, loss, optimizer, compiled=True)
    assert step.replays == 4  # two batches of one shape: traced twice, then replayed
    np.testing.assert_array_equal(compiled_losses, eager_losses)
    for a, b in zip(compiled, eager):
        np.testing.assert_array_equal(a, b)
    after_one = train_mlp(activation, loss, optimizer, False, 1)[0]
    assert not all(np.array_equal(a, b) for a, b in zip(compiled, after_one))  # it did train


def test_a_conv_net_trained_compiled_equals_eager():
    def train(compiled: bool):
        rng = np.random.default_rng(5)
        model = nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1, rng=rng),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(3 * 3 * 3, 4, rng=rng),
        )
        opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
        data = np.random.default_rng(6)
        step = compile_step(lambda x, y: nn.cross_entropy(model(x), y))
        for _ in range(5):
            x, y = data.normal(size=(4, 1, 6, 6)), data.integers(0, 4, 4)
            opt.zero_grad()
            if compiled:
                step(x, y)
            else:
                nn.cross_entropy(model(Tensor(x)), Tensor(y, dtype=y.dtype)).backward()
            opt.step()
        return [p.data.copy() for p in model.parameters()], step

    eager, _ = train(False)
    compiled, step = train(True)
    assert step.replays == 3
    for a, b in zip(compiled, eager):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "bad",
    [
        -1,
        4,
    ],
)
def test_labels_out_of_range_are_refused_on_a_replay_as_eagerly(bad):
    logits = Tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    step = compile_step(lambda y: nn.cross_entropy(logits, y))
    run_calls(step, 3, lambda k: (np.array([0, 3, 1]),))
    assert step.replays == 1
    with pytest.raises(ValueError, match="labels must lie in"):
        nn.cross_entropy(logits, Tensor(np.array([0, bad, 1])))
    with pytest.raises(ValueError, match="labels must lie in"):
        step(np.array([0, bad, 1]))


def test_dropout_inside_a_step_is_refused_on_its_second_call():
    """Its random mask is made inside the step: a replay would keep the first one."""
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Dropout(0.5, rng=1))
    step = compile_step(lambda x: model(x).sum())
    x = np.ones((2, 3))
    step(x)
    with pytest.raises(CompileError, match="different value this time"):
        step(x)
    model.eval()  # no mask: the same graph each call
    eval_step = compile_step(lambda x: model(x).sum())
    run_calls(eval_step, 3, lambda k: (x,))
    assert eval_step.replays == 1


# -- micrograd's MLP of Values ----------------------------------------------------------------
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_micrograd_mlp_of_values_trained_compiled_equals_eager(act):
    """benchmarks/scalar.py's network (sum(w*x, b) neurons) on 10 points: with ReLU
    only + * relu, bit for bit; with tanh, NumPy's tanh may differ by an ulp."""
    rng = np.random.default_rng(0)
    weights = [(rng.uniform(-1, 1, (2, 8)), rng.uniform(-1, 1, 8)), (rng.uniform(-1, 1, (8, 1)), np.zeros(1))]
    X, y = rng.normal(size=(10, 2)), rng.choice([-1.0, 1.0], 10)
    acts = [getattr(Value, act), None]

    def make_loss(net):
        def loss(xs, ys):
            scores = [scalar.forward(net, row, acts)[0] for row in xs]
            errors = [(s - t) * (s - t) for s, t in zip(scores, ys)]
            return scalar.total(errors) * (1 / len(errors)), scores

        return loss

    compiled_net, eager_net = scalar.value_net(weights), scalar.value_net(weights)
    step = compile_step(make_loss(compiled_net))
    eager_loss = make_loss(eager_net)
    for k in range(5):
        xs, ys = (X + 0.1 * k).tolist(), y.tolist()
        loss, scores = step(xs, ys)
        ref, ref_scores = eager_loss([[Value(a, requires_grad=False) for a in row] for row in xs], ys)
        ref.backward()
        got = [loss.data, *(s.data for s in scores), *(p.grad for p in scalar.parameters(compiled_net))]
        want = [ref.data, *(s.data for s in ref_scores), *(p.grad for p in scalar.parameters(eager_net))]
        if act == "relu":
            assert got == want
        else:
            np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
        scalar.sgd(scalar.parameters(compiled_net), 0.1)
        scalar.sgd(scalar.parameters(eager_net), 0.1)
    assert (step.traces, step.replays) == (2, 3)


# -- what traces again -----------------------------------------------------------------------
def test_a_new_batch_size_traces_again_and_both_shapes_replay():
    model = nn.MLP(3, [4, 1], activation="tanh", rng=0)
    twin = nn.MLP(3, [4, 1], activation="tanh", rng=0)
    step = compile_step(lambda x, y: nn.mse_loss(model(x), y))
    rng = np.random.default_rng(1)
    expected = []
    for n in (8, 8, 8, 5, 5, 5, 8, 5):
        x, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 1))
        model.zero_grad()
        twin.zero_grad()
        loss = step(x, y)
        ref = nn.mse_loss(twin(Tensor(x)), Tensor(y))
        ref.backward()
        np.testing.assert_array_equal(loss.data, ref.data)
        for p, q in zip(model.parameters(), twin.parameters()):
            np.testing.assert_array_equal(p.grad, q.grad)
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad
        expected.append((step.traces, step.replays))
    assert expected == [(1, 0), (2, 0), (2, 1), (3, 1), (4, 1), (4, 2), (4, 3), (4, 4)]
    assert len(step.tapes) == 2


def test_a_new_list_length_or_number_of_arguments_traces_again():
    w = Value(0.5)
    step = compile_step(lambda *xs: scalar.total([w * x for x in xs]) if len(xs) > 1 else w * xs[0])
    lists = compile_step(lambda xs: scalar.total([w * x for x in xs]).tanh())
    for args in ([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]):
        w.grad = 0.0
        assert step(*args).data == pytest.approx(0.5 * sum(args))
        assert w.grad == sum(args)
        w.grad = 0.0
        assert lists(args).data == pytest.approx(math.tanh(0.5 * sum(args)))
        assert w.grad == pytest.approx((1 - math.tanh(0.5 * sum(args)) ** 2) * sum(args))
    assert (step.traces, step.replays) == (4, 2)
    assert (lists.traces, lists.replays) == (4, 2)


@pytest.mark.parametrize("settings_pair", [("sum", "mean"), (True, False), (None, "x")])
def test_a_new_fixed_setting_traces_again_and_each_replays_its_own_graph(settings_pair):
    w = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)

    def fn(x, setting):
        h = w * x
        if setting in ("sum", True, None):  # Python on a fixed setting: part of the key
            return h.sum()
        return (h * h).mean()

    step = compile_step(fn)
    for k in range(8):
        setting = settings_pair[k % 2]
        x = np.arange(3.0) + k
        w.grad = None
        loss = step(x, setting)
        twin = Tensor(w.data.copy(), requires_grad=True)
        h = twin * Tensor(x)
        ref = h.sum() if setting in ("sum", True, None) else (h * h).mean()
        ref.backward()
        np.testing.assert_array_equal(loss.data, ref.data)
        np.testing.assert_array_equal(w.grad, twin.grad)
    assert (step.traces, step.replays) == (4, 4)


def test_a_parameter_with_a_new_shape_dtype_or_requires_grad_traces_again():
    w = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.zeros(1), requires_grad=True)
    step = compile_step(lambda x: ((w * x).sum() + b.sum()) ** 2)

    def check(x):
        for p in (w, b):
            p.grad = None
        loss = step(x)
        tw, tb = (
            Tensor(w.data.copy(), requires_grad=w.requires_grad),
            Tensor(b.data.copy(), requires_grad=True),
        )
        ref = ((tw * Tensor(x, dtype=x.dtype)).sum() + tb.sum()) ** 2
        ref.backward()
        np.testing.assert_allclose(loss.data, ref.data, rtol=1e-6)
        np.testing.assert_allclose(b.grad, tb.grad, rtol=1e-6)
        if w.requires_grad:
            assert w.grad.dtype == w.dtype
            np.testing.assert_allclose(w.grad, tw.grad, rtol=1e-6)
        else:
            assert w.grad is None

    for _ in range(3):
        check(np.arange(3.0))
    assert (step.traces, step.replays) == (2, 1)
    w.data = np.full(4, 0.5)  # a new shape (the argument's too: the first trace again)
    for _ in range(3):
        check(np.arange(4.0))
    assert (step.traces, step.replays) == (4, 2)
    w.data = w.data.astype(np.float32)  # a new dtype, the same argument
    for _ in range(3):
        check(np.arange(4.0))
    assert (step.traces, step.replays) == (6, 3)
    w.requires_grad = False
    for _ in range(3):
        check(np.arange(4.0))
    assert (step.traces, step.replays) == (8, 4)


def test_a_value_parameter_whose_requires_grad_changes_traces_again():
    a, b = Value(0.5), Value(2.0)
    step = compile_step(lambda x: (a * x + b).tanh())
    for k in range(6):
        if k == 3:
            b.requires_grad = False
        a.grad = b.grad = 0.0
        step(1.5)
        t = math.tanh(0.5 * 1.5 + 2.0)
        assert a.grad == pytest.approx((1 - t * t) * 1.5, rel=RTOL)
        assert b.grad == (0.0 if k >= 3 else pytest.approx(1 - t * t, rel=RTOL))
    assert (step.traces, step.replays) == (4, 2)


def test_max_shapes_forgets_the_oldest_and_reset_forgets_all():
    w = Value(2.0)
    step = compile_step(max_shapes=1)(lambda xs: scalar.total([w * x for x in xs]))
    for args in ([1.0], [1.0], [1.0], [1.0, 1.0], [1.0]):
        w.grad = 0.0
        assert step(args).data == 2.0 * len(args)
        assert w.grad == len(args)
    assert (step.traces, step.replays) == (4, 1)
    step.reset()
    step([1.0])
    assert step.traces == 5 and step.tape().endswith("not compiled yet (it compiles on its second call)")


# -- what is refused -----------------------------------------------------------------------
def source_line(fn, snippet: str) -> int:
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if snippet in line)


def v_if():
    w = Value(0.5)

    def fn(x):
        h = w * x
        if h > 0:
            h = h * 2
        return h

    return fn, (1.5,), "if h > 0:"


def v_data():
    w = Value(0.5)

    def fn(x):
        scale = (w * x).data
        return w * scale

    return fn, (1.5,), "scale = (w * x).data"


def v_float():
    w = Value(0.5)

    def fn(x):
        h = w * x
        return h * float(h)

    return fn, (1.5,), "return h * float(h)"


def v_print():
    w = Value(0.5)

    def fn(x):
        h = w * x
        print(h)
        return h

    return fn, (1.5,), "print(h)"


def v_format():
    w = Value(0.5)

    def fn(x):
        h = w * x
        h.label = f"{h:.3f}"
        return h

    return fn, (1.5,), 'h.label = f"{h:.3f}"'


def t_item():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        h = (w * x).sum()
        return h * h.item()

    return fn, (np.ones(2),), "return h * h.item()"


def t_print():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        h = (w * x).sum()
        print(h)
        return h

    return fn, (np.ones(2),), "print(h)"


def t_if():
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)

    def fn(x):
        h = (w * x).sum()
        if h:
            return h * 2
        return h

    return fn, (np.ones(2),), "if h:"


def t_detach():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        h = w * x
        return (h * h.detach()).sum()

    return fn, (np.ones(2),), "return (h * h.detach()).sum()"


def t_rewrap():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        h = w * x
        return (h * Tensor(h.data)).sum()

    return fn, (np.ones(2),), "return (h * Tensor(h.data)).sum()"


def t_numpy():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        h = w * x
        return (h * h.numpy()).sum()

    return fn, (np.ones(2),), "return (h * h.numpy()).sum()"


def t_backward():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        h = (w * x).sum()
        h.backward()
        return h

    return fn, (np.ones(2),), "h.backward()"


def v_write():
    w = Value(0.5)

    def fn(x):
        w.data = 3.0
        return w * x

    return fn, (1.5,), "w.data = 3.0"


def t_write():
    w = Tensor(np.ones(2), requires_grad=True)

    def fn(x):
        w.data = np.zeros(2)
        return (w * x).sum()

    return fn, (np.ones(2),), "w.data = np.zeros(2)"


REFUSED = {
    "Value if": (v_if, "Value.__gt__"),
    "Value .data": (v_data, r"reads the value of a Value \(\.data\)"),
    "Value float": (v_float, "Value.__float__"),
    "Value print": (v_print, "Value.__repr__"),
    "Value format": (v_format, "Value.__format__"),
    "Tensor item": (t_item, "Tensor.item"),
    "Tensor print": (t_print, "Tensor.__repr__"),
    "Tensor if": (t_if, "Tensor.__bool__"),
    "Tensor detach": (t_detach, r"reads the value of a Tensor \(\.data\)"),
    "Tensor(x.data)": (t_rewrap, r"reads the value of a Tensor \(\.data\)"),
    "Tensor numpy": (t_numpy, "Tensor.numpy"),
    "Tensor backward": (t_backward, r"calls backward\(\) itself"),
    "Value data changed": (v_write, "changes the data of a Value made before it"),
    "Tensor data changed": (t_write, "changes the data of a Tensor made before it"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_data_dependent_python_is_refused_naming_the_line(case, capsys):
    build, what = REFUSED[case]
    fn, args, snippet = build()
    step = compile_step(fn)
    with pytest.raises(CompileError, match=what) as info:
        step(*args)
    message = str(info.value)
    assert f"{fn.__name__} cannot be compiled" in message
    assert f"test_compiled.py:{source_line(fn, snippet)} ({snippet})" in message
    assert step.replays == 0
    with pytest.raises(CompileError):  # and again: nothing was kept
        step(*args)
    # the classes are restored: the same Python outside a step works as before
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"
    assert Tensor.__dict__["data"].fget is not None and Value.__dict__["__gt__"].__name__ == "__gt__"
    assert autograd.state.tracer is None and autograd.state.plain
    v = Value(2.0)
    assert (v > 1, float(v), v.data) == (True, 2.0, 2.0)


def test_calling_backward_on_a_value_inside_the_step_is_refused():
    w = Value(2.0)

    def fn(x):
        h = w * x
        h.backward()
        return h

    with pytest.raises(CompileError, match=r"calls backward\(\) itself"):
        compile_step(fn)(3.0)


@pytest.mark.parametrize("kind", ["Value", "Tensor"])
def test_a_random_constant_is_refused_on_the_second_call(kind):
    if kind == "Value":
        w = Value(0.5)
        step = compile_step(lambda x: w * x + random.random())
        args = (1.0,)
    else:
        w = Tensor(np.ones(3), requires_grad=True)
        step = compile_step(lambda x: (w * x * np.random.rand(3)).sum())
        args = (np.ones(3),)
    first = step(*args)
    assert isinstance(first, (Value, Tensor))
    with pytest.raises(CompileError, match=r"built a different graph on its second call: .*random numbers"):
        step(*args)
    assert (step.traces, step.replays) == (2, 0)


def test_a_graph_that_changes_shape_on_the_second_call_is_refused():
    w = Value(0.5)
    calls = []

    def fn(x):
        calls.append(x)
        h = w * x
        for _ in range(len(calls)):  # a loop whose length is Python state
            h = h.tanh()
        return h

    step = compile_step(fn)
    step(1.0)
    with pytest.raises(CompileError, match="built a different graph on its second call"):
        step(1.0)


@pytest.mark.parametrize(
    "result",
    [lambda loss: (loss, 0.5), lambda loss: 0.5, lambda loss: [], lambda loss: {"loss": loss}],
    ids=["tuple with a float", "float", "empty list", "dict"],
)
def test_returning_what_is_not_a_node_is_refused(result):
    w = Value(0.5)
    step = compile_step(lambda x: result(w * x))
    with pytest.raises(CompileError, match="must return its loss"):
        step(1.0)


def test_returning_an_accuracy_computed_in_python_is_refused():
    w = Value(0.5)

    def fn(xs, ys):
        scores = [w * x for x in xs]
        accuracy = sum((s.data > 0) == (y > 0) for s, y in zip(scores, ys)) / len(ys)
        return scalar.total(scores), accuracy

    with pytest.raises(CompileError, match=r"reads the value of a Value \(\.data\)"):
        compile_step(fn)([1.0, -1.0], [1.0, 1.0])


@pytest.mark.parametrize("kind", ["Value", "Tensor"])
def test_a_node_computed_outside_the_step_is_refused(kind):
    if kind == "Value":
        w = Value(0.5)
        outside = w * 3
        args = (1.0,)
    else:
        w = Tensor(np.ones(2), requires_grad=True)
        outside = w * 3
        args = (np.ones(2),)
    step = compile_step(lambda x: (outside * x).sum() if kind == "Tensor" else outside * x)
    with pytest.raises(CompileError, match=f"uses a {kind} computed before it was called"):
        step(*args)
    with pytest.raises(CompileError, match=f"was given a {kind} computed from others"):
        compile_step(lambda x: x * 2 if kind == "Value" else (x * 2).sum())(outside)


def test_a_compiled_step_inside_a_step_being_traced_is_refused():
    w = Value(0.5)
    inner = compile_step(lambda x: w * x)
    outer = compile_step(lambda x: inner(x) * 2)
    with pytest.raises(CompileError, match="inside another step being traced"):
        outer(1.0)


@pytest.mark.parametrize(
    "kind",
    [
        "Value",
        "Tensor",
    ],
)
def test_a_compiled_step_already_compiled_is_refused_inside_another(kind):
    if kind == "Value":
        w = Value(0.5)
        inner = compile_step(lambda x: w * x)
        make = lambda: Value(2.0, requires_grad=False)  # noqa: E731 - the key the outer step gives it
    else:
        w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
        inner = compile_step(lambda x: (w * x).sum())
        make = lambda: Tensor(np.ones(2))  # noqa: E731
    run_calls(inner, 3, lambda k: (make(),))
    assert inner.replays == 1
    outer = compile_step(lambda x: inner(x) * 2)
    with pytest.raises(CompileError):
        for _ in range(4):
            outer(2.0 if kind == "Value" else np.ones(2))


def test_a_step_that_raises_leaves_everything_as_it_was():
    w = Value(0.5)

    def fn(x):
        w * x  # a node made, then
        raise ValueError("inside the step")

    step = compile_step(fn)
    with pytest.raises(ValueError, match="inside the step"):
        step(1.0)
    assert autograd.state.tracer is None and autograd.state.plain is True
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"
    v = Value(1.0)
    assert (v * 2).data == 2.0 and v < 2
    del fn


# -- no_grad and detect_anomaly: eager, every call ------------------------------------------
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the last, unchecked call
def test_under_detect_anomaly_a_compiled_step_runs_eagerly_and_checks():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    step = compile_step(lambda x: (w * x).exp().sum().log())
    run_calls(step, 3, lambda k: (np.ones(2),))
    assert (step.traces, step.replays) == (2, 1)
    with detect_anomaly():
        for k in range(2):
            w.grad = None
            x = np.array([1.0, 2.0 + k])
            loss = step(x)
            twin = Tensor(w.data.copy(), requires_grad=True)
            ref = (twin * Tensor(x)).exp().sum().log()
            ref.backward()
            np.testing.assert_array_equal(loss.data, ref.data)
            np.testing.assert_array_equal(w.grad, twin.grad)
        with pytest.raises(AnomalyError, match="'log'"):
            step(np.array([-2000.0, 2000.0]))  # exp underflows to 0: log(0) = -inf
    assert (step.traces, step.replays) == (5, 1)
    assert step(np.array([-2000.0, 2000.0])).data == -np.inf  # replayed, unchecked, outside detect_anomaly
    assert step.replays == 2


@pytest.mark.parametrize("kind", ["Value", "Tensor"])
def test_under_no_grad_a_compiled_step_runs_eagerly(kind):
    if kind == "Value":
        w = Value(0.5)
        step = compile_step(lambda x: (w * x).tanh())
        args, expected = (2.0,), math.tanh(1.0)
    else:
        w = Tensor(np.array([0.5, 1.0]), requires_grad=True)
        step = compile_step(lambda x: (w * x).sum().tanh())
        args, expected = (np.array([2.0, 0.0]),), math.tanh(1.0)
    run_calls(step, 3, lambda k: args)
    w.grad = 0.0 if kind == "Value" else None
    with no_grad():
        result = step(*args)
    assert float(result.data) == pytest.approx(expected, rel=RTOL)
    assert w.grad == 0.0 if kind == "Value" else w.grad is None
    assert step.replays == 1


# -- outputs and tapes -------------------------------------------------------------------------
def test_tuple_and_list_outputs_come_back_as_detached_leaves_with_their_values():
    w1, w2 = Value(0.5), Value(-1.5)

    def fn(xs):
        scores = [(w1 * x + w2).tanh() for x in xs]
        loss = scalar.total([s * s for s in scores])
        return loss, scores, (w1, scores[0])

    step = compile_step(fn)
    for k in range(4):
        xs = [1.0 + k, -2.0, 0.5]
        loss, scores, (leaf, first) = step(xs)
        scores_eager = [math.tanh(w1.data * x + w2.data) for x in xs]
        assert loss.data == pytest.approx(sum(s * s for s in scores_eager), rel=RTOL)
        assert type(scores) is list and len(scores) == 3
        assert [s.data for s in scores] == pytest.approx(scores_eager, rel=RTOL)
        assert leaf.data == w1.data and first.data == scores[0].data
        for node in (loss, *scores, leaf, first):
            assert type(node) is Value and not node.requires_grad and not node.parents and node is not w1
        w1.data += 0.25
    assert step.replays == 2


def test_tensor_outputs_come_back_as_detached_leaves_that_later_calls_do_not_change():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = compile_step(lambda x: ((w * x).sum(), [w * x, (w * x).tanh()]))
    kept = []
    for k in range(4):
        x = np.array([1.0, -1.0]) * (k + 1)
        loss, (h, t) = step(x)
        kept.append((loss.data.copy(), h, h.data.copy()))
        for node in (loss, h, t):
            assert type(node) is Tensor and not node.requires_grad and not node.parents
        np.testing.assert_array_equal(h.data, w.data * x)
        np.testing.assert_array_equal(t.data, np.tanh(w.data * x))
    for _, h, copy in kept:  # a replay writes new arrays, not the ones handed out
        np.testing.assert_array_equal(h.data, copy)
    assert step.replays == 2


def test_tape_of_a_value_step_shows_its_levels_and_ops():
    a, b = Value(0.5), Value(-1.0)
    step = compile_step(lambda x: ((a * x + b).tanh() * a).exp() + b**2)
    assert "not compiled yet" in step.tape()
    run_calls(step, 2, lambda k: (1.5,))
    text = step.tape()
    assert isinstance(step.tapes[0], ValueTape)
    assert text == describe(step.tapes[0])
    counts = step.tapes[0].counts
    assert text.startswith(f"compiled Value step: {counts['nodes']} nodes replayed as ")
    assert (counts["leaves"], counts["inputs"]) == (2, 1)
    assert "levels" in text and "level" in text.splitlines()[2]
    for op in ("* ×", "+ ×", "tanh ×1", "exp ×1", "**2 ×1"):
        assert op in text, op
    assert "2 parameters and 1 inputs" in text and "backward" in text


def test_tape_of_a_tensor_step_lists_its_ops_and_shapes():
    model = nn.MLP(3, [4, 2], activation="tanh", rng=0)
    step = compile_step(lambda x, y: nn.mse_loss(model(x), y))
    x, y = np.ones((5, 3)), np.zeros((5, 2))
    run_calls(step, 2, lambda k: (x, y))
    tape = step.tapes[0]
    assert isinstance(tape, TensorTape)
    text = describe(tape)
    assert text == step.tape()
    assert text.startswith(f"compiled Tensor step: {len(tape.steps)} ops")
    for op in ("@", "tanh", "mse"):
        assert any(line.split()[0] == op for line in text.splitlines()[2:-1]), op
    assert "(5, 3) (3, 4) -> (5, 4)" in text


def test_a_long_tape_is_shortened():
    w = Value(0.5)

    def chain(x):
        h = w * x
        for _ in range(30):
            h = h.tanh() * 1.5
        return h

    step = compile_step(chain)
    run_calls(step, 2, lambda k: (1.0,))
    text = describe(step.tapes[0], max_lines=12)
    assert len(text.splitlines()) < 20
    full = describe(step.tapes[0], max_lines=100)
    assert "more levels" in text and "more levels" not in full


# -- arguments that receive gradients ----------------------------------------------------------
def test_value_arguments_that_require_grad_receive_their_gradients():
    w = Value(0.5)

    def fn(xs, scale):
        return scalar.total([(w * x * scale).tanh() for x in xs])

    step = compile_step(fn)
    for k in range(5):
        xs = [Value(0.1 * k + i, requires_grad=True) for i in range(3)]
        scale = Value(1.5, requires_grad=True)
        scale.grad = 7.0  # accumulated, as backward does
        w.grad = 0.0
        step(xs, scale)
        twins = [Value(x.data) for x in xs]
        twin_scale, twin_w = Value(1.5), Value(w.data)
        twin_scale.grad = 7.0
        ref = scalar.total([(twin_w * x * twin_scale).tanh() for x in twins])
        ref.backward()
        got = [*(x.grad for x in xs), scale.grad, w.grad]
        want = [*(x.grad for x in twins), twin_scale.grad, twin_w.grad]
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert all(g != 0.0 for g in got)
        w.data += 0.1
    assert step.replays == 3


def test_the_same_value_passed_each_call_accumulates_its_gradient():
    w = Value(0.5)
    step = compile_step(lambda w, x: w * w * x)
    for k in range(5):
        step(w, 2.0)
        assert w.grad == pytest.approx(2 * 0.5 * 2.0 * (k + 1), rel=RTOL)
    assert step.replays == 3


def test_tensor_arguments_that_require_grad_receive_their_gradients():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    step = compile_step(lambda x, y: ((w * x).tanh() * y).sum())
    for k in range(5):
        x = Tensor(np.array([1.0, 2.0]) + k, requires_grad=True)
        y = np.array([1.0, -3.0])
        w.grad = None
        step(x, y)
        tx, tw = Tensor(x.data.copy(), requires_grad=True), Tensor(w.data.copy(), requires_grad=True)
        ref = ((tw * tx).tanh() * Tensor(y)).sum()
        ref.backward()
        np.testing.assert_array_equal(x.grad, tx.grad)
        np.testing.assert_array_equal(w.grad, tw.grad)
        w.data -= 0.1 * w.grad
    assert step.replays == 3


def test_the_same_tensor_passed_each_call_gets_its_gradient():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = compile_step(lambda w, x: (w * w * x).sum())
    for _ in range(4):
        w.grad = None
        step(w, np.ones(2))
        np.testing.assert_array_equal(w.grad, 2 * w.data)
    assert step.replays == 2


# -- NaN: the replay of Value ops where eager's Python and NumPy disagree -------------------
def test_relu_of_nan_replays_as_eager():
    a = Value(-8.0)
    step = compile_step(lambda x: (a ** (1 / 3)).relu() + a * x)  # (-8) ** (1/3) is nan
    assert all(math.isnan(step(1.0).data) for _ in range(4))  # relu(nan) is nan, as in PyTorch
    assert math.isnan(((a ** (1 / 3)).relu() + a).data)


def test_abs_gradient_at_nan_replays_as_eager():
    b = Value(math.nan)
    step = compile_step(lambda x: abs(b) * x)
    for _ in range(4):
        b.grad = 0.0
        step(1.0)
        assert b.grad == 0.0


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # the replay (ops.Div) warns
def test_infinities_and_zero_divisions_replay_as_eager():
    """IEEE results where Python would raise: 1/0, log(0), exp overflow, 0 ** -1."""
    a, z = Value(1.0), Value(0.0)

    def fn(x):
        return [a / (z * x), (z * x).log(), (a * x * 1000).exp(), (z * x) ** -1, (a * x) ** 0.5][0] * 1.0, [
            (z * x).log(),
            (a * x * 1000).exp(),
            (z * x) ** -1,
        ]

    step = compile_step(fn)
    for _ in range(4):
        loss, others = step(1.0)
        assert loss.data == math.inf
        assert [o.data for o in others] == [-math.inf, math.inf, math.inf]
    assert step.replays == 2


@pytest.mark.parametrize(
    "kind",
    [
        "Value",
        "Tensor",
    ],
)
def test_a_step_whose_loss_is_a_parameter_itself_replays_as_eager(kind):
    w = Value(0.5) if kind == "Value" else Tensor(np.array(0.5), requires_grad=True)
    step = compile_step(lambda x: w)
    for k in range(4):
        if k % 2 == 0:
            w.grad = 0.0 if kind == "Value" else None
        loss = step(1.0 if kind == "Value" else np.ones(1))
        assert float(loss.data) == 0.5
        assert float(w.grad) == (1.0 if k % 2 == 0 else 2.0)  # d w / d w, accumulated
    assert step.replays == 2


# -- replay="auto": a graph too narrow to gain runs eagerly ------------------------------------
def test_by_default_a_chain_runs_eagerly_and_says_why():
    x = Value(0.5)

    def chain(x):
        y = x
        for _ in range(300):
            y = y * 1.0001 + 0.001
        return y

    step = auto_compile_step(chain)
    grads = []
    for _ in range(4):
        x.grad = 0.0
        step(x)
        grads.append(x.grad)
    x.grad = 0.0
    chain(x).backward()
    assert grads == [x.grad] * 4  # eager, so exactly eager's
    assert (step.traces, step.replays) == (4, 0)
    assert step.tape().startswith("Value step, not replayed") and 'replay="always"' in step.tape()
    forced = compile_step(chain)  # replay="always"
    for _ in range(3):
        x.grad = 0.0
        forced(x)
    assert forced.replays == 1 and x.grad == pytest.approx(grads[0], rel=1e-12)


def test_by_default_a_wide_graph_replays():
    weights = [(np.full((2, 4), 0.3), np.zeros(4)), (np.full((4, 1), -0.2), np.zeros(1))]
    net = scalar.value_net(weights)
    rows = np.random.default_rng(0).uniform(-1, 1, (16, 2)).tolist()
    step = auto_compile_step(
        lambda: scalar.total([scalar.forward(net, r, [Value.tanh, None])[0] ** 2 for r in rows])
    )
    for _ in range(3):
        step()
    assert step.replays == 1 and step.tape().startswith("compiled Value step")


def test_replay_must_be_auto_or_always():
    with pytest.raises(ValueError, match="replay must be"):
        auto_compile_step(lambda: Value(1.0), replay="never")


def test_a_compiled_method_gets_its_object_and_replays():
    class Model:
        def __init__(self, w):
            self.w = Value(w)

        @auto_compile_step
        def loss(self, xs):
            return scalar.total([(self.w * x).tanh() ** 2 for x in xs])

    a, b = Model(0.5), Model(-0.25)
    xs = [0.1 * k for k in range(40)]
    for _ in range(3):
        a.loss(xs)
        b.loss(xs)
    expected = scalar.total([(Value(0.5) * x).tanh() ** 2 for x in xs])
    assert a.loss(xs).data == pytest.approx(expected.data, rel=1e-12)
    assert (Model.loss.traces, Model.loss.replays) == (4, 3)  # two tapes, a's and b's, each traced twice


def test_masks_computed_in_the_step_are_computed_again_on_each_replay():
    """Comparisons, isnan, any and integer casts are ops outside the graph: a replay
    recomputes them (and the where / masked_fill parameters bound to them) from each
    call's data; here the masks change from call to call."""
    w = Tensor(np.array([0.5, -1.0, 2.0, 0.25]), requires_grad=True)

    def fn(x):
        h = x * w
        picked = Tensor.where(h > 0.1, h, h * 0.1)
        filled = picked.masked_fill(x <= -0.5, 0.0).masked_fill((h / x).isnan(), 1.0)
        count = (h > 0).astype(int).sum()
        return (filled * filled).sum() + count * 0 + (h > 2).any().astype(float), count

    step = compile_step(fn)
    rng = np.random.default_rng(1)
    with np.errstate(invalid="ignore"):  # (0 / 0 makes the NaN)
        for _ in range(6):
            x = rng.standard_normal(4)
            x[rng.integers(4)] = 0.0  # h / x: a NaN somewhere
            w.grad = None
            loss, count = step(x)
            got = w.grad.copy()
            w.grad = None
            eager, eager_count = fn(Tensor(x))
            eager.backward()
            np.testing.assert_array_equal(loss.data, eager.data)
            np.testing.assert_array_equal(got, w.grad)
            assert count.item() == eager_count.item()
    assert step.replays == 4
    assert "greater" in step.tape() and "isnan" in step.tape()
