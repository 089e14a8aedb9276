"""Issue 17, creation, joining and splitting, shape: every op against PyTorch
2.13 in float64 (values, and gradients of a random weighting of the output),
against central finite differences (`gradcheck`), with negative axes, 0-d and
zero-size inputs, float32 kept float32, and a clear error for each bad argument.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_lite import ShapeError, Tensor, backward_steps, draw_graph, explain, gradcheck, no_grad

try:
    import torch
except ImportError:  # the oldest-NumPy CI run: the checks of our own run, the comparisons skip
    torch = None
needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)

TOL = {np.float64: {"rtol": 1e-12, "atol": 1e-14}, np.float32: {"rtol": 1e-5, "atol": 1e-6}}


def compare(fn, torch_fn, shapes, dtype=np.float64, seed=0):
    """`fn` on Tensors and `torch_fn` on torch tensors of the same random data
    (of `shapes`, all requiring grad): the same values, dtype kept, and the same
    gradients of ``(out * W).sum()`` for a random W; then, in float64, the
    gradients against central finite differences (without PyTorch, only those
    and the dtypes are checked)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ours)
    assert out.dtype == dtype
    w = rng.standard_normal(out.shape).astype(dtype)
    (out * Tensor(w)).sum().backward()
    for k, x in enumerate(ours):
        assert x.grad is not None and x.grad.dtype == dtype and x.grad.shape == x.shape, f"input {k}"
    if torch is not None:
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        ref = torch_fn(*theirs)
        assert str(ref.dtype) == f"torch.{np.dtype(dtype).name}"
        assert out.shape == tuple(ref.shape)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOL[dtype])
        (ref * torch.tensor(w)).sum().backward()
        for k, (x, t) in enumerate(zip(ours, theirs)):
            expected = np.zeros(x.shape, dtype) if t.grad is None else t.grad.numpy()
            np.testing.assert_allclose(x.grad, expected, **TOL[dtype], err_msg=f"gradient of input {k}")
    if dtype == np.float64:
        assert gradcheck(lambda *xs: (fn(*xs) * Tensor(w)).sum(), *ours)


def cases_for_both_dtypes(cases):
    return [
        pytest.param(fn, torch_fn, shapes, dtype, id=f"{name}-{dtype.__name__}")
        for name, fn, torch_fn, shapes in cases
        for dtype in (np.float64, np.float32)
    ]


# -- joining and splitting ------------------------------------------------------------
def _weighted(pieces, lib_cat, axis):
    """The pieces joined again, piece i scaled by i + 1: every piece's gradient differs."""
    return lib_cat([p * (i + 1) for i, p in enumerate(pieces)], axis)


JOINING = [
    ("cat_axis0", lambda *xs: Tensor.cat(xs), lambda *xs: torch.cat(xs), [(2, 3), (1, 3), (4, 3)]),
    ("cat_negative_axis", lambda *xs: Tensor.cat(xs, -1), lambda *xs: torch.cat(xs, -1), [(2, 1), (2, 3)]),
    (
        "cat_dim_keyword",
        lambda *xs: Tensor.cat(xs, dim=1),
        lambda *xs: torch.cat(xs, dim=1),
        [(2, 2), (2, 1)],
    ),
    ("cat_zero_size", lambda *xs: Tensor.cat(xs, 0), lambda *xs: torch.cat(xs, 0), [(0, 3), (2, 3), (0, 3)]),
    ("cat_all_empty", lambda *xs: Tensor.cat(xs, 1), lambda *xs: torch.cat(xs, 1), [(2, 0), (2, 0)]),
    ("cat_one", lambda x: Tensor.cat([x]), lambda x: torch.cat([x]), [(3,)]),
    ("cat_many_1d", lambda *xs: Tensor.cat(xs), lambda *xs: torch.cat(xs), [(1,), (2,), (3,), (1,), (2,)]),
    (
        "cat_reused",
        lambda x, y: Tensor.cat([x, y, x], 1),
        lambda x, y: torch.cat([x, y, x], 1),
        [(2, 2), (2, 1)],
    ),
    ("stack_axis0", lambda *xs: Tensor.stack(xs), lambda *xs: torch.stack(xs), [(2, 3)] * 3),
    ("stack_last_new_axis", lambda *xs: Tensor.stack(xs, 2), lambda *xs: torch.stack(xs, 2), [(2, 3)] * 2),
    ("stack_negative_axis", lambda *xs: Tensor.stack(xs, -2), lambda *xs: torch.stack(xs, -2), [(2, 3)] * 2),
    ("stack_0d", lambda *xs: Tensor.stack(xs), lambda *xs: torch.stack(xs), [(), (), ()]),
    ("stack_zero_size", lambda *xs: Tensor.stack(xs, 1), lambda *xs: torch.stack(xs, 1), [(0, 2)] * 2),
    (
        "stack_dim_keyword",
        lambda *xs: Tensor.stack(xs, dim=-1),
        lambda *xs: torch.stack(xs, dim=-1),
        [(3,)] * 2,
    ),
    (
        "split_size",
        lambda x: _weighted(x.split(2, 1), Tensor.cat, 1),
        lambda x: _weighted(x.split(2, 1), torch.cat, 1),
        [(2, 5)],
    ),
    (
        "split_sizes_negative_axis",
        lambda x: _weighted(x.split([1, 0, 3], -1), Tensor.cat, -1),
        lambda x: _weighted(x.split([1, 0, 3], -1), torch.cat, -1),
        [(2, 4)],
    ),
    (
        "split_dim_keyword",
        lambda x: _weighted(x.split(1, dim=0), Tensor.cat, 0),
        lambda x: _weighted(x.split(1, dim=0), torch.cat, 0),
        [(3, 2)],
    ),
    (
        "split_zero_size",
        lambda x: _weighted(x.split(2), Tensor.cat, 0),
        lambda x: _weighted(x.split(2), torch.cat, 0),
        [(0, 3)],
    ),
    (
        "chunk",
        lambda x: _weighted(x.chunk(4, -1), Tensor.cat, -1),
        lambda x: _weighted(x.chunk(4, -1), torch.cat, -1),
        [(2, 6)],
    ),
    (
        "chunk_uneven",
        lambda x: _weighted(x.chunk(3), Tensor.cat, 0),
        lambda x: _weighted(x.chunk(3), torch.cat, 0),
        [(7,)],
    ),
    (
        "chunk_zero_size",
        lambda x: _weighted(x.chunk(2, dim=1), Tensor.cat, 1),
        lambda x: _weighted(x.chunk(2, dim=1), torch.cat, 1),
        [(3, 0)],
    ),
]


@pytest.mark.parametrize("fn, torch_fn, shapes, dtype", cases_for_both_dtypes(JOINING))
def test_joining_and_splitting_match_torch(fn, torch_fn, shapes, dtype):
    compare(fn, torch_fn, shapes, dtype)


@needs_torch
@pytest.mark.parametrize(
    "args, n",
    [((2, 0), 3), (([2, 3],), 2), (([1, 1], -1), 2), ((5,), 1), ((1,), 5), (([0, 5, 0],), 3)],
)
def test_split_gives_the_pieces_torch_gives(args, n):
    x = np.arange(10.0).reshape(5, 2)
    ours, theirs = Tensor(x).split(*args), torch.tensor(x).split(*args)
    assert isinstance(ours, tuple) and len(ours) == len(theirs) == n
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.data, b.numpy())


@needs_torch
@pytest.mark.parametrize("length, n", [(6, 4), (5, 3), (5, 5), (2, 7), (0, 3), (1, 1)])
def test_chunk_gives_as_many_pieces_as_torch(length, n):
    ours, theirs = Tensor(np.arange(length, dtype=float)).chunk(n), torch.arange(length).chunk(n)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]


def test_cat_and_stack_promote_dtypes_and_take_constants():
    a = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    out = Tensor.cat([a, b, np.array([4.0])])
    assert out.dtype == np.float64 and out.parents[2].requires_grad is False
    out.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    assert a.grad.dtype == np.float32
    np.testing.assert_array_equal(a.grad, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad, [3.0])
    s = Tensor.stack([a, a])
    assert s.dtype == np.float32 and s.shape == (2, 2)
    ints = Tensor.cat([Tensor([1, 2], dtype=np.int64), Tensor([3], dtype=np.int64)])
    assert ints.dtype == np.int64 and not ints.requires_grad


def test_cat_is_one_node_with_a_parent_per_tensor_and_none_under_no_grad():
    xs = [Tensor(np.ones(2), requires_grad=True) for _ in range(4)]
    out = Tensor.cat(xs)
    assert out.op == "cat" and out.parents == tuple(xs)
    with no_grad():
        assert Tensor.cat(xs).parents == () and not Tensor.cat(xs).requires_grad


def test_split_pieces_are_slices_that_share_one_gradient():
    x = Tensor(np.arange(6.0), requires_grad=True)
    a, b = x.split(3)
    (a * 2 + b * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [2, 2, 2, 3, 3, 3])


# -- shape ---------------------------------------------------------------------------
SHAPE = [
    ("view", lambda x: x.view(3, -1), lambda x: x.view(3, -1), [(2, 3)]),
    ("view_tuple", lambda x: x.view((6,)), lambda x: x.view((6,)), [(2, 3)]),
    ("view_zero_size", lambda x: x.view(2, -1), lambda x: x.view(2, -1), [(2, 0, 4)]),
    ("view_0d", lambda x: x.view(1, 1), lambda x: x.view(1, 1), [()]),
    ("squeeze_all", lambda x: x.squeeze(), lambda x: x.squeeze(), [(1, 3, 1, 2)]),
    ("squeeze_axis", lambda x: x.squeeze(-2), lambda x: x.squeeze(-2), [(1, 3, 1, 2)]),
    ("squeeze_tuple", lambda x: x.squeeze((0, 2)), lambda x: x.squeeze((0, 2)), [(1, 3, 1, 2)]),
    ("squeeze_not_one_stays", lambda x: x.squeeze(1), lambda x: x.squeeze(1), [(1, 3)]),
    ("squeeze_dim_keyword", lambda x: x.squeeze(dim=0), lambda x: x.squeeze(dim=0), [(1, 3)]),
    ("squeeze_0d", lambda x: x.squeeze(0), lambda x: x.squeeze(0), [()]),
    ("squeeze_zero_size", lambda x: x.squeeze(), lambda x: x.squeeze(), [(1, 0, 1)]),
    ("unsqueeze", lambda x: x.unsqueeze(1), lambda x: x.unsqueeze(1), [(2, 3)]),
    ("unsqueeze_end", lambda x: x.unsqueeze(2), lambda x: x.unsqueeze(2), [(2, 3)]),
    ("unsqueeze_negative", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), [(2, 3)]),
    ("unsqueeze_first_negative", lambda x: x.unsqueeze(-3), lambda x: x.unsqueeze(-3), [(2, 3)]),
    ("unsqueeze_0d", lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0), [()]),
    ("unsqueeze_zero_size", lambda x: x.unsqueeze(dim=0), lambda x: x.unsqueeze(dim=0), [(0,)]),
    ("expand", lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4), [(3, 1)]),
    ("expand_keep", lambda x: x.expand(-1, 4), lambda x: x.expand(-1, 4), [(3, 1)]),
    ("expand_tuple_same", lambda x: x.expand((3, 2)), lambda x: x.expand((3, 2)), [(3, 2)]),
    ("expand_0d", lambda x: x.expand(2, 3), lambda x: x.expand(2, 3), [()]),
    ("expand_to_zero", lambda x: x.expand(3, 0), lambda x: x.expand(3, 0), [(3, 1)]),
    ("expand_zero_size", lambda x: x.expand(2, 0, 3), lambda x: x.expand(2, 0, 3), [(0, 1)]),
    ("flip", lambda x: x.flip(0), lambda x: x.flip(0), [(3, 2)]),
    ("flip_negative", lambda x: x.flip(-1), lambda x: x.flip(-1), [(3, 2)]),
    ("flip_two", lambda x: x.flip(0, 2), lambda x: x.flip(0, 2), [(2, 3, 2)]),
    ("flip_tuple", lambda x: x.flip((1, -1)), lambda x: x.flip((1, -1)), [(2, 3, 2)]),
    ("flip_0d", lambda x: x.flip(0), lambda x: x.flip(0), [()]),
    ("flip_zero_size", lambda x: x.flip(1), lambda x: x.flip(1), [(2, 0)]),
    ("repeat", lambda x: x.repeat(2, 3), lambda x: x.repeat(2, 3), [(2, 3)]),
    ("repeat_new_axes", lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), [(2, 2)]),
    ("repeat_tuple", lambda x: x.repeat((1, 2)), lambda x: x.repeat((1, 2)), [(3,)]),
    ("repeat_0d", lambda x: x.repeat(3), lambda x: x.repeat(3), [()]),
    ("repeat_0d_nothing", lambda x: x.repeat(()), lambda x: x.repeat(()), [()]),
    ("repeat_zero_times", lambda x: x.repeat(0, 2), lambda x: x.repeat(0, 2), [(2, 3)]),
    ("repeat_zero_size", lambda x: x.repeat(2, 2), lambda x: x.repeat(2, 2), [(0, 3)]),
    ("pad_int", lambda x: x.pad(1), lambda x: torch.nn.functional.pad(x, (1, 1, 1, 1)), [(2, 3)]),
    ("pad_pair", lambda x: x.pad((0, 2)), lambda x: torch.nn.functional.pad(x, (0, 2, 0, 2)), [(2, 3)]),
    (
        "pad_per_axis_value",
        lambda x: x.pad(((1, 0), (0, 0), (2, 1)), value=-1.5),
        lambda x: torch.nn.functional.pad(x, (2, 1, 0, 0, 1, 0), value=-1.5),
        [(2, 1, 3)],
    ),
    ("pad_0d", lambda x: x.pad(3), lambda x: x * 1, [()]),
    (
        "pad_zero_size",
        lambda x: x.pad(((1, 1), (0, 2))),
        lambda x: torch.nn.functional.pad(x, (0, 2, 1, 1)),
        [(0, 2)],
    ),
    ("tril", lambda x: x.tril(), lambda x: x.tril(), [(3, 4)]),
    ("tril_k", lambda x: x.tril(1), lambda x: x.tril(1), [(3, 4)]),
    ("tril_batched_negative_k", lambda x: x.tril(-1), lambda x: x.tril(-1), [(2, 4, 3)]),
    ("tril_zero_size", lambda x: x.tril(), lambda x: x.tril(), [(0, 3)]),
    ("triu", lambda x: x.triu(), lambda x: x.triu(), [(4, 3)]),
    ("triu_k", lambda x: x.triu(2), lambda x: x.triu(2), [(3, 4)]),
    ("triu_batched_negative_k", lambda x: x.triu(-1), lambda x: x.triu(-1), [(2, 3, 3)]),
    ("triu_zero_size", lambda x: x.triu(1), lambda x: x.triu(1), [(2, 0, 0)]),
    ("flatten", lambda x: x.flatten(), lambda x: x.flatten(), [(2, 3, 4)]),
    ("flatten_start", lambda x: x.flatten(1), lambda x: x.flatten(1), [(2, 3, 4)]),
    ("flatten_range", lambda x: x.flatten(0, 1), lambda x: x.flatten(0, 1), [(2, 3, 4)]),
    ("flatten_negative", lambda x: x.flatten(-2, -1), lambda x: x.flatten(-2, -1), [(2, 3, 4)]),
    ("flatten_one_axis", lambda x: x.flatten(1, 1), lambda x: x.flatten(1, 1), [(2, 3, 4)]),
    ("flatten_0d", lambda x: x.flatten(0, -1), lambda x: x.flatten(0, -1), [()]),
    ("flatten_zero_size", lambda x: x.flatten(1), lambda x: x.flatten(1), [(2, 0, 3)]),
]


@pytest.mark.parametrize("fn, torch_fn, shapes, dtype", cases_for_both_dtypes(SHAPE))
def test_shape_ops_match_torch(fn, torch_fn, shapes, dtype):
    compare(fn, torch_fn, shapes, dtype)


def test_expand_is_a_read_only_view_and_its_gradient_sums_the_copies():
    x = Tensor([[1.0], [2.0]], requires_grad=True)
    y = x.expand(3, 2, 4)
    assert not y.data.flags.writeable and np.shares_memory(y.data, x.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[12.0], [12.0]])
    with no_grad(), pytest.raises(ValueError, match="read-only"):
        y += 1


def test_pad_dtype_is_the_value_meeting_the_tensor():
    assert Tensor([1.0], dtype=np.float32).pad(1, value=0.5).dtype == np.float32
    ints = Tensor([1, 2], dtype=np.int32)
    assert ints.pad(1).dtype == np.float64  # the default value 0.0 is a float: never cut down
    assert ints.pad(1, value=7).dtype == np.int32
    np.testing.assert_array_equal(ints.pad((1, 0), value=-1).data, [-1, 1, 2])
    assert Tensor([True]).pad(1, value=False).dtype == bool


def test_numpy_pad_widths_as_numpy_reads_them():
    x = np.arange(6.0).reshape(2, 3)
    for widths in [2, (1, 2), ((1, 2),), [[0, 1], [2, 0]], np.array([[1, 1], [0, 0]])]:
        np.testing.assert_array_equal(
            Tensor(x).pad(widths, value=9).data, np.pad(x, widths, constant_values=9)
        )


def test_flatten_without_arguments_is_still_reshape_minus_one():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    assert x.flatten().op == "reshape" and x.flatten().shape == (6,)
    assert Tensor(np.ones(())).flatten().shape == (1,)


# -- step-through, graph and explorer of ops with many parents ---------------------------
def test_cat_and_stack_step_through_with_one_rule_per_input(tmp_path):
    a = Tensor([1.0, 2.0], requires_grad=True, label="a")
    b = Tensor([3.0], requires_grad=True, label="b")
    c = Tensor([4.0, 5.0], requires_grad=True, label="c")
    loss = (Tensor.cat([a, b, c]) * Tensor.stack([a, c]).sum()).sum()
    steps = {step.node.op: step for step in backward_steps(loss)}
    cat = steps["cat"].describe()
    assert len(steps["cat"].edges) == 3
    assert all("the slice of g where this input lies" in line for line in cat[1:])
    assert "summed over" not in "\n".join(cat)
    assert "g at this input's position along the new axis" in steps["stack"].describe()[1]
    stepped = {t.label: t.grad.copy() for t in (a, b, c)}
    for t in (a, b, c):
        t.grad = None
    loss.backward()
    for t in (a, b, c):
        np.testing.assert_array_equal(stepped[t.label], t.grad)
    assert "cat" in draw_graph(loss).source
    assert "stack" in explain(loss).save(tmp_path / "page.html").read_text()


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda x: x.expand(2, 3), "expand"),
        (lambda x: x.flip(0), "flip"),
        (lambda x: x.repeat(2), "repeat"),
        (lambda x: x.pad(1), "pad"),
        (lambda x: x.reshape(1, 3).tril(), "tril"),
        (lambda x: x.reshape(1, 3).triu(), "triu"),
    ],
)
def test_each_shape_op_has_its_own_step(make, op):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True, label="x")
    steps = list(backward_steps(make(x).sum()))
    (step,) = [s for s in steps if s.node.op == op]
    assert step.describe()[1].strip()
    assert "summed over axis" not in step.describe()[1]


# -- creation ------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize(
    "args",
    [
        (5,),
        (0,),
        (2, 9),
        (2, 9, 3),
        (9, 2, -3),
        (-3, 3),
        (5, 5),
        (0.5, 3),
        (0, 1, 0.1),
        (1, 2.5, 0.5),
        (3, -1.2, -0.7),
    ],
)
def test_arange_matches_torch(args):
    ours = Tensor.arange(*args)
    integral = all(isinstance(a, int) for a in args)
    theirs = torch.arange(*args) if integral else torch.arange(*args, dtype=torch.float64)
    assert ours.dtype == (np.int64 if integral else np.float64)
    assert ours.shape == tuple(theirs.shape)
    # element i is start + i*step; PyTorch's vectorized kernel adds the step to groups of
    # 4 or 8 elements, so its values may differ in the last bits
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=0, atol=1e-15 * 8)
    if not integral and ours.size:
        assert ours.data[0] == args[0] and np.all(ours.data[1:] - ours.data[:-1] != 0)


@needs_torch
@pytest.mark.parametrize(
    "args", [(0, 1, 5), (-2.5, 7, 11), (3, 3, 4), (1, 0, 7), (0, 1, 1), (0, 1, 0), (0, 10, 2)]
)
def test_linspace_matches_torch_with_both_ends_exact(args):
    ours = Tensor.linspace(*args)
    assert ours.dtype == np.float64
    theirs = torch.linspace(*args, dtype=torch.float64).numpy()
    np.testing.assert_allclose(ours.data, theirs, rtol=0, atol=1e-15 * 16)  # vectorized: see arange
    if ours.size:
        assert ours.data[0] == args[0]
        assert ours.data[-1] == (args[1] if args[2] > 1 else args[0])


def test_eye_full_and_like_constructors():
    np.testing.assert_array_equal(Tensor.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(Tensor.eye(2, 4).data, [[1, 0, 0, 0], [0, 1, 0, 0]])
    assert Tensor.eye(0).shape == (0, 0) and Tensor.eye(2, 0).shape == (2, 0)
    assert Tensor.full((2, 3), 1.5).dtype == np.float64
    assert Tensor.full((2,), 1).dtype == np.int64 and Tensor.full(2, True).dtype == bool
    assert Tensor.full((), 2.0).shape == () and Tensor.full((0, 2), 2.0).shape == (0, 2)
    f32 = Tensor.full([2], 0.1, dtype=np.float32, requires_grad=True)
    assert f32.dtype == np.float32 and f32.requires_grad and f32.data[0] == np.float32(0.1)
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    for made in (Tensor.zeros_like(x), Tensor.ones_like(x), Tensor.full_like(x, 7)):
        assert made.shape == (2, 3) and made.dtype == np.float32 and not made.requires_grad
    assert Tensor.zeros_like(x, dtype=np.float64).dtype == np.float64
    assert Tensor.ones_like(np.zeros(3, np.int32)).dtype == np.int32
    assert Tensor.zeros_like([True, False]).dtype == bool
    assert Tensor.full_like(Tensor([1, 2], dtype=np.int64), 2.5, dtype=np.float64).data.tolist() == [2.5, 2.5]
    z = Tensor.zeros_like(x, requires_grad=True, label="z")
    assert z.requires_grad and z.label == "z" and z.data.sum() == 0
    assert Tensor.arange(3, dtype=np.float32).dtype == np.float32
    t = Tensor.arange(0.0, 1.0, 0.25, requires_grad=True)
    assert t.requires_grad and t.dtype == np.float64


# -- building a tensor from a list of tensors ---------------------------------------------
def test_a_list_of_tensors_that_require_grad_points_to_stack():
    a = Tensor([1.0, 2.0], requires_grad=True)
    for data in ([a, a], [[a.sum()]], (Tensor([1.0]), a), [[1.0, 2.0], a]):
        with pytest.raises(TypeError, match=r"Tensor\.stack"):
            Tensor(data)
    b = Tensor([3.0, 4.0])
    np.testing.assert_array_equal(Tensor([b, b]).data, [[3, 4], [3, 4]])
    assert Tensor([b.sum(), 1.0]).shape == (2,)


# -- bad arguments ---------------------------------------------------------------------
X = Tensor(np.ones((2, 3)))
ERRORS = [
    (lambda: Tensor.cat([]), ValueError, "at least one tensor"),
    (lambda: Tensor.cat(X), TypeError, "list or tuple of tensors"),
    (lambda: Tensor.cat([Tensor(1.0), Tensor(2.0)]), ShapeError, "0-d tensors"),
    (lambda: Tensor.cat([X, Tensor(np.ones(3))]), ShapeError, "same number of dimensions"),
    (lambda: Tensor.cat([X, Tensor(np.ones((3, 3)))], 1), ShapeError, "every axis but 1"),
    (lambda: Tensor.cat([X, X], 2), ShapeError, "out of range"),
    (lambda: Tensor.cat([X, X], 1, dim=0), TypeError, "axis=1 and dim=0"),
    (lambda: Tensor.stack([]), ValueError, "at least one tensor"),
    (lambda: Tensor.stack([X, X.T]), ShapeError, "one shape"),
    (lambda: Tensor.stack([X, X], 3), ShapeError, "from -3 to 2"),
    (lambda: Tensor.stack([X], 1.0), TypeError, "an int"),
    (lambda: X.split(0), ValueError, "positive"),
    (lambda: X.split(-1), ValueError, "positive"),
    (lambda: X.split([1, 2]), ValueError, "add up to 3, but axis 0 has length 2"),
    (lambda: X.split([3, -1], 1), TypeError, "list of sizes"),
    (lambda: X.split(1.5), TypeError, "a size"),
    (lambda: Tensor(1.0).split(1), ShapeError, "at least 1 dimension"),
    (lambda: X.split(1, 2), ShapeError, "out of range"),
    (lambda: X.chunk(0), ValueError, "n >= 1"),
    (lambda: Tensor(1.0).chunk(1), ShapeError, "at least 1 dimension"),
    (lambda: X.view(3, 3), ShapeError, "reshape"),
    (lambda: X.view(np.float32), TypeError, "view takes a shape"),
    (lambda: X.squeeze(2), ShapeError, "out of range"),
    (lambda: X.unsqueeze(3), ShapeError, "from -3 to 2"),
    (lambda: X.unsqueeze(-4), ShapeError, "from -3 to 2"),
    (lambda: X.unsqueeze((0, 1)), TypeError, "an int"),
    (lambda: X.expand(3), ShapeError, "at least one size per axis"),
    (lambda: X.expand(4, 3), ShapeError, "only an axis of length 1"),
    (lambda: X.expand(-1, 2, 3), ShapeError, "new leading axis"),
    (lambda: X.expand(2, -2), ShapeError, "size -2"),
    (lambda: X.flip(), TypeError, "axes to reverse"),
    (lambda: X.flip(0, 0), ShapeError, "axis twice"),
    (lambda: X.flip(-3), ShapeError, "out of range"),
    (lambda: X.repeat(2), ShapeError, "a count per axis"),
    (lambda: X.repeat(2, -1), ValueError, "ints >= 0"),
    (lambda: X.repeat(2, 1.5), ValueError, "ints >= 0"),
    (lambda: X.pad(-1), ValueError, "ints >= 0"),
    (lambda: X.pad(1.5), ValueError, "ints >= 0"),
    (lambda: X.pad((1, 2, 3)), ShapeError, "one (before, after) pair"),
    (lambda: X.pad(1, value="a"), TypeError, "a number"),
    (lambda: X.pad(1, value=Tensor([1.0, 2.0])), ShapeError, "one number"),
    (lambda: X.pad(1, value=Tensor(1.0, requires_grad=True)), TypeError, "Tensor.where"),
    (lambda: Tensor(np.ones(3)).tril(), ShapeError, "at least 2 dimensions"),
    (lambda: X.triu(0.5), TypeError, "must be an int"),
    (lambda: X.flatten(1, 0), ShapeError, "start axis comes after"),
    (lambda: X.flatten(0, 2), ShapeError, "out of range"),
    (lambda: Tensor.arange(0, 5, 0), ValueError, "must not be 0"),
    (lambda: Tensor.arange(5, 0), ValueError, "points away from stop"),
    (lambda: Tensor.arange(0, 1, -0.5), ValueError, "points away from stop"),
    (lambda: Tensor.arange(float("inf")), ValueError, "finite"),
    (lambda: Tensor.arange("5"), TypeError, "must be a number"),
    (lambda: Tensor.arange(5, requires_grad=True), TypeError, "floating-point"),
    (lambda: Tensor.linspace(0, 1, -1), ValueError, "int >= 0"),
    (lambda: Tensor.linspace(0, 1, 2.0), ValueError, "int >= 0"),
    (lambda: Tensor.eye(-1), ValueError, "int >= 0"),
    (lambda: Tensor.eye(2, 1.5), ValueError, "int >= 0"),
    (lambda: Tensor.full((2, -1), 1.0), ValueError, "ints >= 0"),
    (lambda: Tensor.full((2,), "x"), TypeError, "must be a number"),
    (lambda: Tensor.full((2,), 2.5, dtype=np.int64), TypeError, "cannot hold the value 2.5"),
    (lambda: Tensor.full_like(Tensor([1, 2], dtype=np.int64), 2.5), TypeError, "cannot hold"),
    (lambda: Tensor.full_like(Tensor([1, 2], dtype=np.int8), 300), TypeError, "cannot hold"),
    (lambda: Tensor.zeros_like("ab"), TypeError, "numeric data"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[f"{e[1].__name__}:{e[2]}" for e in ERRORS])
def test_bad_arguments_get_a_clear_error(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call()
