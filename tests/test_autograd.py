"""The shared core: topological order, accumulation semantics, no_grad,
detect_anomaly and deep graphs, for Value and Tensor alike."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from concurrency import run_concurrently

from tinygrad_lite import (
    AnomalyError,
    BackwardError,
    Tensor,
    Value,
    detect_anomaly,
    gc_paused,
    is_grad_enabled,
    no_grad,
)
from tinygrad_lite.autograd import topological_order


def scalar(x: float):
    return Value(x)


def tensor(x: float):
    return Tensor([x], requires_grad=True)


def grad_of(node) -> float:
    return float(np.sum(node.grad))


ENGINES = pytest.mark.parametrize("leaf", [scalar, tensor], ids=["Value", "Tensor"])


@ENGINES
def test_node_reused_k_times_gets_sum_of_contributions(leaf):
    a = leaf(3.0)
    b = a + a  # db/da = 2
    c = b + b  # dc/db = 2
    d = c * c + c  # dd/dc = 2c + 1 = 25 at c = 12
    d.backward()
    assert grad_of(b) == 2 * 25
    assert grad_of(a) == 4 * 25


@ENGINES
def test_second_backward_doubles_leaves_but_not_intermediates(leaf):
    a = leaf(3.0)
    b = a * a
    c = b + b
    c.backward()
    assert (grad_of(a), grad_of(b)) == (12.0, 2.0)
    c.backward()
    assert grad_of(a) == 24.0  # leaves accumulate, as in PyTorch
    assert grad_of(b) == 2.0  # intermediates are this pass's only


@ENGINES
def test_backward_from_an_intermediate_resets_it(leaf):
    a = leaf(2.0)
    b = a * 3
    c = b * b
    c.backward()
    b.backward()  # b is the root now: its grad is 1, not 1 + 12
    assert grad_of(b) == 1.0
    assert grad_of(a) == 2 * 3 * 6 + 3


def test_topological_order_lists_each_node_once_after_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[-1] is e


def test_topological_order_skips_tensors_that_need_no_grad():
    x = Tensor([1.0, 2.0])  # data: no gradient flows here
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    assert topological_order(y) == [w, y.parents[0], y]
    y.backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])


def test_million_node_value_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001
    y.backward()
    assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-9)


def test_long_tensor_chain():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


# -- no_grad ---------------------------------------------------------------------
def test_no_grad_context_records_nothing_and_restores():
    w = Tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (w * 2).sum()
        with no_grad():
            pass
        assert not is_grad_enabled()  # nested exit keeps the outer setting
    assert is_grad_enabled()
    assert (y.requires_grad, y.op, y.parents) == (False, "", ())
    with pytest.raises(BackwardError, match="does not require grad"):
        y.backward()


def test_no_grad_as_decorator():
    @no_grad()
    def predict(w):
        return w * 3

    w = Tensor([1.0], requires_grad=True)
    assert not predict(w).requires_grad
    assert (w * 3).requires_grad
    assert predict(Value(1.0)).parents == ()


def test_no_grad_restores_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()


def test_no_grad_is_per_thread():
    seen = []
    with no_grad():
        worker = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


# -- detect_anomaly ----------------------------------------------------------------
def test_anomaly_in_forward_names_op_and_shapes():
    x = Tensor([[0.0, 1.0]], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"'log'.*\(1, 2\)"):
        x.log()
    assert np.isneginf(x.log().data[0, 0])  # outside the context: IEEE result


def test_anomaly_in_backward_names_op():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = x.sqrt().sum()  # forward is finite, d sqrt/dx at 0 is inf
        with pytest.raises(AnomalyError, match=r"'sqrt'.*backward"):
            y.backward()


def test_anomaly_for_values():
    with detect_anomaly(), pytest.raises(AnomalyError, match="'log'"):
        Value(-1.0).log()
    with detect_anomaly():
        y = Value(2.0).log()  # finite: no error
    assert y.data == pytest.approx(np.log(2.0))


def test_anomaly_is_an_arithmetic_error_users_can_catch():
    assert issubclass(AnomalyError, FloatingPointError)


# -- the garbage collector ----------------------------------------------------
@pytest.fixture
def gc_setting():
    """Restore the collector's setting whatever a test does to it."""
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_pauses_and_restores_the_callers_setting(gc_setting, enabled):
    (gc.enable if enabled else gc.disable)()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(KeyError), gc_paused():
        raise KeyError("inside")
    assert gc.isenabled() is enabled


def test_gc_paused_as_decorator(gc_setting):
    gc.enable()

    @gc_paused()
    def inside() -> bool:
        return gc.isenabled()

    assert inside() is False
    assert gc.isenabled()


@ENGINES
@pytest.mark.parametrize("enabled", [True, False])
def test_backward_leaves_the_collector_as_it_found_it(gc_setting, leaf, enabled):
    (gc.enable if enabled else gc.disable)()
    x = leaf(0.5)
    scalar_root(x * x).backward()
    assert gc.isenabled() is enabled
    with detect_anomaly():  # the checked pass as well
        scalar_root(x * 3).backward()
    assert gc.isenabled() is enabled


def scalar_root(node):
    """A Value as it is, a Tensor summed: something backward() can start from."""
    return node.sum() if isinstance(node, Tensor) else node


def _live(cls: type) -> int:
    return sum(type(o) is cls for o in gc.get_objects())


@ENGINES
def test_graphs_hold_no_reference_cycles(gc_setting, leaf):
    """Pausing the collector is safe: a graph is freed by reference counting
    alone as soon as nothing refers to it, after backward too."""
    cls = type(leaf(0.0))
    gc.collect()
    before = _live(cls)
    gc.disable()
    x = leaf(0.5)
    y = x
    for _ in range(200):
        y = (y * 1.0001 + 0.001).tanh()
    root = scalar_root(y)
    root.backward()
    assert _live(cls) > before + 600
    del x, y, root
    assert _live(cls) == before


@ENGINES
def test_backward_from_several_threads_through_shared_nodes_gives_exact_sums(leaf):
    """Four threads each run 500 backward passes through one shared intermediate
    node (and one shared leaf): every pass adds exactly 3 to the leaf, so the
    leaf ends at 4 * 500 * 3 = 6000, neither a contribution lost nor added
    twice (passes write the grads of shared nodes, so they must not interleave)."""
    w = leaf(1.0)
    shared = w * 3.0 + 0.0  # an intermediate every thread's graph runs through
    roots = [shared * 1.0 + shared * 0.0 for _ in range(4)]
    errors: list[BaseException] = []

    def worker(root) -> None:
        try:
            for _ in range(500):
                root.backward()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    run_concurrently(worker, [(r,) for r in roots])
    assert not errors
    assert grad_of(w) == 6000.0


def test_backward_refuses_data_changed_in_place_after_an_op_used_it():
    """As PyTorch's version counters do: the gradient would silently come from
    the new values. A graph built after the change is fine."""
    x = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()
    x += 1
    with pytest.raises(BackwardError, match=r"op '\*': its input 1 \(shape \(2,\)\) was changed in place"):
        y.backward()
    x[0] = 5.0
    h = w.exp()
    with no_grad():
        h *= 2
    with pytest.raises(BackwardError, match="op 'exp': its own result was changed in place"):
        h.sum().backward()
    assert w.grad is None  # refused before any gradient was written
    (w * x).sum().backward()  # built after the changes
    np.testing.assert_array_equal(w.grad, [5.0, 3.0])
    with no_grad():
        w -= 0.5 * w.grad  # the training-loop update, then a new graph
    (w * x).sum().backward()
    np.testing.assert_array_equal(w.grad, [10.0, 6.0])


def test_backward_refuses_a_value_changed_in_place_after_an_op_used_it():
    a, x = Value(2.0), Value(3.0, requires_grad=False)
    y = a * x
    with no_grad():
        x += 1.0
    with pytest.raises(BackwardError, match=r"op '\*': its input 1 \(shape scalar\) was changed in place"):
        y.backward()
    (a * x).backward()
    assert a.grad == 4.0


@ENGINES
def test_group_tags_the_nodes_made_inside_and_groups_nest(leaf):
    from tinygrad_lite import Group, group

    a = leaf(1.5)
    with group("neuron 1") as outer:
        b = a * 2.0
        with group("inner") as inner:
            c = b.tanh()
            d = leaf(3.0)  # a leaf made inside belongs to it too
    e = c + 1.0
    assert isinstance(outer, Group) and inner.parent is outer and outer.parent is None
    assert b.group is outer and c.group is inner and d.group is inner
    assert a.group is None and e.group is None
    assert inner.path == ("neuron 1", "inner") and repr(inner) == "Group('neuron 1/inner')"
    e.backward()  # grouping changes nothing in the math
    assert grad_of(a) == pytest.approx(2 * (1 - np.tanh(3.0) ** 2))


def test_group_works_as_a_decorator_across_calls_and_threads_and_with_other_switches():
    from tinygrad_lite import group

    @group("double")
    def double(t):
        return t * 2

    x = Tensor([1.0], requires_grad=True)
    first, second = double(x), double(x)
    assert first.group.name == second.group.name == "double" and first.group is not second.group
    seen = []
    with group("main thread"):
        worker = threading.Thread(target=lambda: seen.append((x * 3).group))
        worker.start()
        worker.join()
        with detect_anomaly():
            assert (x * 4).group.name == "main thread"
        with no_grad():
            assert (x * 5).group is None  # not recorded: a leaf, in no group
        assert (x * 6).group.name == "main thread"
    assert seen == [None]  # groups are per thread, as no_grad is
    assert (x * 7).group is None
    with pytest.raises(TypeError, match="non-empty str"):
        group("")
