"""nn modules with PyTorch's semantics (issue 18): `Embedding`, `BatchNorm1d`,
`LayerNorm` against PyTorch in float64 (outputs, gradients of the input,
weight and bias, running statistics over several training steps, then
evaluation); `ModuleList` / `ModuleDict` named as PyTorch names them;
`children`, `modules`, `named_modules`, `apply`, `float` / `double`; buffers;
strict and non-strict `load_state_dict`."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import nn
from tinygrad_lite import Tensor

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)

RTOL, ATOL = 1e-10, 1e-12


def close(actual, expected, what: str) -> None:
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    actual = np.asarray(actual.data if isinstance(actual, Tensor) else actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def backward_both(ours: Tensor, theirs, seed: int) -> None:
    """Reduce both outputs with the same random weighting and run backward."""
    w = np.random.default_rng(seed).standard_normal(ours.shape)
    (ours * Tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


def copy_params(ours: nn.Module, theirs) -> None:
    """Give the torch module our module's parameters and buffers (same names and shapes)."""
    with torch.no_grad():
        for name, value in ours.state_dict().items():
            theirs.state_dict()[name].copy_(torch.tensor(value))


# -- Embedding ---------------------------------------------------------------------
def test_embedding_matches_torch_with_repeated_indices():
    ours = nn.Embedding(6, 3, rng=0)
    theirs = torch.nn.Embedding(6, 3, dtype=torch.float64)
    copy_params(ours, theirs)
    idx = np.array([[0, 2, 2, 5], [2, 0, 1, 2]])
    out, ref = ours(idx), theirs(torch.tensor(idx))
    close(out, ref, "embedding output")
    assert out.shape == (2, 4, 3)
    backward_both(out, ref, 1)
    close(ours.weight.grad, theirs.weight.grad, "embedding weight gradient (row 2 used four times)")
    assert np.all(ours.weight.grad[[3, 4]] == 0)


def test_embedding_init_is_standard_normal_and_seeded():
    a, b = nn.Embedding(400, 50, rng=3), nn.Embedding(400, 50, rng=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert a.weight.shape == (400, 50) and a.weight.requires_grad
    assert abs(a.weight.data.mean()) < 0.02 and abs(a.weight.data.std() - 1) < 0.02


def test_embedding_takes_indices_of_any_shape_and_whole_floats():
    emb = nn.Embedding(5, 2, rng=0)
    assert emb(3).shape == (2,)
    assert emb(np.zeros((2, 3, 4), dtype=np.int32)).shape == (2, 3, 4, 2)
    np.testing.assert_array_equal(emb(Tensor([1.0, 4.0])).data, emb(np.array([1, 4])).data)


@pytest.mark.parametrize(
    ("indices", "error", "words"),
    [
        (np.array([0.5, 1.0]), TypeError, ["integer", "0.5"]),
        (np.array([np.nan]), TypeError, ["integer"]),
        (np.array([True, False]), TypeError, ["bool"]),
        (np.array([1, 5]), IndexError, ["[0, 5)", "5"]),
        (np.array([-1]), IndexError, ["[0, 5)", "-1"]),
    ],
    ids=["fraction", "nan", "bool", "too large", "negative"],
)
def test_embedding_refuses_bad_indices(indices, error, words):
    with pytest.raises(error) as info:
        nn.Embedding(5, 2, rng=0)(indices)
    for word in words:
        assert word in str(info.value)


# -- BatchNorm1d -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(8, 3), (5, 3, 4)], ids=["(N, C)", "(N, C, L)"])
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batchnorm_training_steps_then_eval_match_torch(shape, momentum):
    rng = np.random.default_rng(0)
    ours = nn.BatchNorm1d(3, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():  # not the initial ones and zeros, so their gradients are checked in general
        theirs.weight.copy_(torch.tensor(rng.uniform(0.5, 2, 3)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
    ours.load_state_dict(theirs.state_dict())
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        tx = torch.tensor(x, requires_grad=True)
        ox = Tensor(x, requires_grad=True)
        out, ref = ours(ox), theirs(tx)
        close(out, ref, f"step {step}: output")
        backward_both(out, ref, step)
        close(ox.grad, tx.grad, f"step {step}: input gradient")
        close(ours.weight.grad, theirs.weight.grad, f"step {step}: weight gradient")
        close(ours.bias.grad, theirs.bias.grad, f"step {step}: bias gradient")
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            close(getattr(ours, name), getattr(theirs, name), f"step {step}: {name}")
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    close(ours(x), theirs(torch.tensor(x)), "eval output (running statistics)")
    close(ours.running_mean, theirs.running_mean, "eval leaves running_mean alone")


@pytest.mark.parametrize("kwargs", [{"affine": False}, {"track_running_stats": False}, {"eps": 0.5}])
def test_batchnorm_options_match_torch(kwargs):
    x = np.random.default_rng(1).standard_normal((6, 4))
    ours, theirs = nn.BatchNorm1d(4, **kwargs), torch.nn.BatchNorm1d(4, dtype=torch.float64, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(ours.parameters()) == len(list(theirs.parameters()))
    for mode in (True, False):
        ours.train(mode)
        theirs.train(mode)
        ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = ours(ox), theirs(tx)
        close(out, ref, f"output, training={mode}")
        backward_both(out, ref, 2)
        close(ox.grad, tx.grad, f"input gradient, training={mode}")


def test_batchnorm_buffers_are_state_not_parameters():
    bn = nn.BatchNorm1d(3)
    assert bn.parameters() == [bn.weight, bn.bias]
    assert [name for name, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert list(bn.state_dict()) == list(torch.nn.BatchNorm1d(3).state_dict())
    np.testing.assert_array_equal(bn.running_var.data, np.ones(3))
    assert bn.num_batches_tracked.dtype == np.int64


def test_batchnorm_refuses_one_value_per_channel_when_training_and_bad_shapes():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(np.ones((1, 3)))
    bn.eval()
    assert bn(np.ones((1, 3))).shape == (1, 3)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        bn(np.ones((4, 2)))


def test_batchnorm_in_a_model_trains_and_evaluates():
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1, rng=1))
    X, y = nn.datasets.xor()
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    nn.fit(model, X, y, loss=nn.binary_cross_entropy_with_logits, optimizer=opt, epochs=100, progress=False)
    assert model.layers[1].num_batches_tracked.item() == 100
    model.eval()
    assert ((model(Tensor(X)).data > 0) == (y > 0.5)).all()


# -- LayerNorm ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("normalized_shape", "x_shape", "kwargs"),
    [
        (4, (3, 4), {}),
        ((3, 4), (2, 3, 4), {}),
        (5, (2, 5), {"elementwise_affine": False}),
        (4, (3, 4), {"bias": False}),
    ],
)
def test_layernorm_matches_torch(normalized_shape, x_shape, kwargs):
    rng = np.random.default_rng(0)
    ours = nn.LayerNorm(normalized_shape, **kwargs)
    theirs = torch.nn.LayerNorm(normalized_shape, dtype=torch.float64, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal(x_shape) * 3 + 1
    ox, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(ox), theirs(tx)
    close(out, ref, "output")
    backward_both(out, ref, 3)
    close(ox.grad, tx.grad, "input gradient")
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        close(p.grad, tp.grad, f"{name} gradient")


def test_layernorm_refuses_a_wrong_shape():
    with pytest.raises(ValueError, match="last axes"):
        nn.LayerNorm((3, 4))(np.ones((2, 4, 3)))


# -- ModuleList / ModuleDict ---------------------------------------------------------------
class Ours(nn.Module):
    def __init__(self) -> None:
        self.layers = nn.ModuleList([nn.Linear(2, 3, rng=0), nn.Linear(3, 3, rng=1)])
        self.blocks = nn.ModuleDict({"head": nn.Linear(3, 1, rng=2), "norm": nn.BatchNorm1d(3)})

    def forward(self, x):
        for layer in self.layers:
            x = layer(x).tanh()
        return self.blocks["head"](self.blocks["norm"](x))


class Theirs(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.Linear(3, 3)])
        self.blocks = torch.nn.ModuleDict({"head": torch.nn.Linear(3, 1), "norm": torch.nn.BatchNorm1d(3)})


def test_containers_name_like_torch():
    ours, theirs = Ours(), Theirs()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()][1:] == [type(m).__name__ for m in theirs.modules()][1:]
    assert [n for n, _ in ours.named_children()] == ["layers", "blocks"]
    assert len(ours.parameters()) == 8


def test_containers_train_save_load_and_copy(tmp_path):
    model = Ours()
    x = np.random.default_rng(0).standard_normal((5, 2))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    (model(x) ** 2).mean().backward()
    opt.step()
    assert model.blocks["norm"].num_batches_tracked.item() == 1
    model.eval()
    assert not model.layers[1].training and not model.blocks["norm"].training
    model.save(tmp_path / "m.npz")
    other = Ours()
    other.load_state_dict(nn.load_state(tmp_path / "m.npz"))
    other.eval()
    np.testing.assert_array_equal(other(x).data, model(x).data)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(clone(x).data, model(x).data)
        assert list(clone.state_dict()) == list(model.state_dict())
    assert "(layers): ModuleList(\n    (0): Linear(2, 3)" in repr(model)


def test_module_list_behaves_as_a_list():
    a, b, c = nn.Linear(1, 1), nn.Linear(1, 1), nn.Tanh()
    ml = nn.ModuleList([a])
    assert ml.append(b) is ml
    ml.extend([c])
    assert len(ml) == 3 and list(ml) == [a, b, c] and ml[-1] is c
    assert isinstance(ml[1:], nn.ModuleList) and list(ml[1:]) == [b, c]
    ml.insert(0, c)
    assert list(ml) == [c, a, b, c]
    del ml[0]
    ml[2] = nn.ReLU()
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    with pytest.raises(IndexError):
        ml[3]
    with pytest.raises(TypeError, match=r"nn\.Module"):
        ml.append(lambda x: x)
    with pytest.raises(NotImplementedError):
        ml(1.0)


def test_module_dict_behaves_as_a_dict():
    a, b = nn.Linear(1, 1), nn.Linear(1, 2)
    md = nn.ModuleDict([("a", a)])
    md["b"] = b
    assert (
        list(md) == md.keys() == ["a", "b"] and md.values() == [a, b] and md.items() == [("a", a), ("b", b)]
    )
    assert "a" in md and len(md) == 2
    md.update({"a": b})
    assert md["a"] is b
    assert md.pop("b") is b and len(md) == 1
    del md["a"]
    assert len(md) == 0
    with pytest.raises(KeyError):
        md["x.y"] = a
    md["keys"] = a  # a key named like a method does not hide it
    assert md.keys() == ["keys"]


# -- children, modules, apply, float / double ---------------------------------------------
def test_children_modules_and_apply():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    shared = nn.Linear(2, 2)
    model.extra = shared
    model.again = shared
    assert list(model.children())[-1] is shared and len(list(model.children())) == 3
    assert [n for n, _ in model.named_modules()] == ["", "layers.0", "layers.1", "extra"]
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Tanh", "Linear", "Sequential"]


def test_float_and_double_cast_in_place_keeping_the_tensors():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.BatchNorm1d(3))
    params, buffers = model.parameters(), model.buffers()
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    (model(np.ones((4, 2)) * [[1], [2], [3], [4]]) ** 2).sum().backward()
    assert model.float() is model
    assert model.parameters() == params and model.buffers() == buffers
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in params)
    assert model.layers[1].running_mean.dtype == np.float32
    assert model.layers[1].num_batches_tracked.dtype == np.int64
    before = params[0].data.copy()
    opt.step()
    assert not np.array_equal(params[0].data, before)  # the optimizer still updates the model's tensors
    assert model.double().parameters()[0].dtype == np.float64
    assert model.layers[1].running_var.dtype == np.float64


# -- buffers and load_state_dict ----------------------------------------------------------
class WithBuffers(nn.Module):
    def __init__(self) -> None:
        self.w = Tensor([1.0, 2.0], requires_grad=True)
        self.register_buffer("count", Tensor([0.0, 0.0]))
        self.register_buffer("scratch", Tensor([9.0]), persistent=False)
        self.register_buffer("empty", None)


def test_buffers_are_saved_but_not_parameters():
    m = WithBuffers()
    assert m.parameters() == [m.w]
    assert [n for n, _ in m.named_buffers()] == ["count", "scratch"]
    assert list(m.state_dict()) == ["w", "count"]
    m.count = Tensor([3.0, 4.0])  # assigning again keeps it a buffer
    assert list(m.state_dict()) == ["w", "count"]
    other = WithBuffers()
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(other.count.data, [3.0, 4.0])
    del m.count
    assert list(m.state_dict()) == ["w"]
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("x", np.zeros(2))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("w", Tensor([1.0]))


def test_load_state_dict_strict_and_not_strict():
    m = WithBuffers()
    state = {"w": np.array([5.0, 6.0]), "bogus": np.zeros(1)}
    with pytest.raises(ValueError) as info:
        m.load_state_dict(state)
    assert "missing keys ['count']" in str(info.value) and "unexpected keys ['bogus']" in str(info.value)
    np.testing.assert_array_equal(m.w.data, [1.0, 2.0])  # nothing changed
    result = m.load_state_dict(state, strict=False)
    assert isinstance(result, nn.IncompatibleKeys)
    assert result == (["count"], ["bogus"]) and result.missing_keys == ["count"]
    np.testing.assert_array_equal(m.w.data, [5.0, 6.0])
    assert m.load_state_dict(m.state_dict()) == ([], [])
    with pytest.raises(ValueError, match=r"'w' has shape \(3,\)"):
        m.load_state_dict({"w": np.zeros(3)}, strict=False)


def test_load_state_dict_takes_torch_state_dicts():
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float64)
    theirs(torch.randn(4, 3, dtype=torch.float64))
    ours.load_state_dict(theirs.state_dict())
    close(ours.running_var, theirs.running_var, "running_var loaded from torch")
    assert ours.num_batches_tracked.item() == 1
