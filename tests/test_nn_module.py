"""nn.Module: parameter discovery (order, names, no duplicates), zero_grad,
state_dict / load_state_dict, save / nn.load_state (.npz only, never pickle,
clear errors for damaged files), Sequential, the activation modules and repr;
frozen parameters (still parameters, saved and loaded, left alone by
training), parameters not silently rebound to constants, keyword arguments to
forward, and modules that pickle and deepcopy."""

from __future__ import annotations

import copy
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

import nn
from tinygrad_lite import Tensor


class Tiny(nn.Module):
    """A hand-written module: a parameter, a constant tensor (not a parameter),
    a sub-module and a nested list of sub-modules, set in that order."""

    def __init__(self) -> None:
        self.scale = Tensor([2.0], requires_grad=True)
        self.offset = Tensor([1.0])  # a constant: not a parameter
        self.head = nn.Linear(2, 3, rng=0)
        self.blocks = [[nn.Linear(3, 3, rng=1), nn.Linear(3, 3, bias=False, rng=2)], nn.Linear(3, 1, rng=3)]

    def forward(self, x):
        h = self.head(x) * self.scale + self.offset
        for layer in [*self.blocks[0], self.blocks[1]]:
            h = layer(h)
        return h


def grad_everything(model: nn.Module, nin: int) -> None:
    x = np.random.default_rng(0).standard_normal((5, nin))
    (model(Tensor(x)) ** 2).sum().backward()


def perturb(model: nn.Module) -> None:
    for p in model.parameters():
        p.data += 1.0


# -- parameters and names --------------------------------------------------------
def test_named_parameters_walk_attributes_in_order_with_dotted_names():
    names = [name for name, _ in Tiny().named_parameters()]
    assert names == [
        "scale",
        "head.weight",
        "head.bias",
        "blocks.0.0.weight",
        "blocks.0.0.bias",
        "blocks.0.1.weight",
        "blocks.1.weight",
        "blocks.1.bias",
    ]


def test_parameters_are_the_named_tensors_themselves_in_a_stable_order():
    model = Tiny()
    params = model.parameters()
    assert all(isinstance(p, Tensor) and p.requires_grad for p in params)
    assert [id(p) for p in params] == [id(t) for _, t in model.named_parameters()]
    assert [id(p) for p in params] == [id(p) for p in model.parameters()]
    assert params[0] is model.scale and params[1] is model.head.weight
    assert params[-1] is model.blocks[1].bias
    assert not any(p is model.offset for p in params)


def test_mlp_and_sequential_name_their_layers():
    mlp = nn.MLP(2, [4, 1], rng=0)
    assert [n for n, _ in mlp.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]
    seq = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    assert [n for n, _ in seq.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert seq.parameters() == [seq[0].weight, seq[0].bias, seq[2].weight, seq[2].bias]


def test_a_tensor_shared_by_two_layers_appears_once_under_its_first_name():
    first, second = nn.Linear(3, 3, rng=0), nn.Linear(3, 3, rng=1)
    second.weight = first.weight  # tied weights
    seq = nn.Sequential(first, second, first)  # and a layer used twice
    params = seq.parameters()
    assert len(params) == 3
    assert len({id(p) for p in params}) == 3
    assert [n for n, _ in seq.named_parameters()] == ["layers.0.weight", "layers.0.bias", "layers.1.bias"]
    assert list(seq.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.bias"]


def test_zero_grad_forgets_every_gradient():
    model = Tiny()
    grad_everything(model, 2)
    assert all(p.grad is not None and np.any(p.grad != 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None or not np.any(p.grad) for p in model.parameters())


# -- state_dict / load_state_dict ---------------------------------------------------
def test_state_dict_is_a_copy_by_name():
    model = nn.MLP(2, [3, 1], rng=0)
    state = model.state_dict()
    assert list(state) == [n for n, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        assert isinstance(state[name], np.ndarray)
        np.testing.assert_array_equal(state[name], p.data)
        assert state[name].dtype == p.dtype
    before = model.layers[0].weight.data.copy()
    state["layers.0.weight"][...] = 123.0
    np.testing.assert_array_equal(model.layers[0].weight.data, before)
    perturb(model)
    assert not np.any(state["layers.0.bias"])  # the snapshot does not follow the model


def test_load_state_dict_round_trip_in_place():
    source, target = nn.MLP(3, [4, 2], rng=0), nn.MLP(3, [4, 2], rng=1)
    tensors = target.parameters()
    target.load_state_dict(source.state_dict())
    assert target.parameters() == tensors and all(a is b for a, b in zip(target.parameters(), tensors))
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    x = np.random.default_rng(2).standard_normal((5, 3))
    np.testing.assert_array_equal(target(Tensor(x)).data, source(Tensor(x)).data)


@pytest.mark.parametrize(
    ("edit", "expected_words"),
    [
        (lambda s: s.pop("layers.1.bias"), ["missing", "layers.1.bias"]),
        (lambda s: s.update(extra=np.zeros(2)), ["unexpected", "extra"]),
        (lambda s: s.update({"layers.0.weight": np.zeros((3, 2))}), ["layers.0.weight", "(3, 2)", "(2, 3)"]),
        (lambda s: s.update({"layers.0.bias": np.zeros((1, 3))}), ["layers.0.bias", "(1, 3)", "(3,)"]),
    ],
    ids=["missing key", "unexpected key", "wrong weight shape", "bias that would broadcast"],
)
def test_load_state_dict_errors_name_the_problem_and_change_nothing(edit, expected_words):
    model = nn.MLP(2, [3, 1], rng=0)
    before = model.state_dict()
    state = {name: arr + 1.0 for name, arr in before.items()}
    edit(state)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    for word in expected_words:
        assert word in str(info.value)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name], err_msg=f"{name} changed by a failed load")


def test_load_state_dict_names_every_mismatch_at_once():
    model = nn.MLP(2, [3, 1], rng=0)
    state = model.state_dict()
    del state["layers.0.weight"]
    state["bogus"] = np.zeros(1)
    state["layers.1.weight"] = np.zeros(4)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "layers.0.weight" in message and "bogus" in message and "layers.1.weight" in message


# -- save / nn.load_state ------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("as_str", [False, True])
def test_save_and_load_state_round_trip_bit_exact(tmp_path, dtype, as_str):
    source = nn.MLP(3, [5, 2], activation="tanh", rng=0, dtype=dtype)
    path = tmp_path / "model.npz"
    source.save(str(path) if as_str else path)
    loaded = nn.load_state(str(path) if as_str else path)
    assert list(loaded) == list(source.state_dict())
    for name, p in source.named_parameters():
        assert isinstance(loaded[name], np.ndarray)
        assert loaded[name].dtype == dtype
        assert np.array_equal(loaded[name], p.data)
    target = nn.MLP(3, [5, 2], activation="tanh", rng=1, dtype=dtype)
    target.load_state_dict(loaded)
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        assert b.dtype == dtype
        assert np.array_equal(a.data, b.data), name


def test_save_writes_exactly_the_given_path(tmp_path):
    model = nn.Linear(2, 2, rng=0)
    path = tmp_path / "weights.state"  # no .npz suffix: numpy must not add one
    model.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["weights.state"]
    np.testing.assert_array_equal(nn.load_state(path)["weight"], model.weight.data)


class CreatesMarker:
    """Unpickling this object would create the file `path`: a stand-in for
    arbitrary code in a malicious model file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_pickle_would_really_run_code(tmp_path):
    # Guards the tests below: the payload does what they claim it does.
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(CreatesMarker(marker)))
    assert marker.exists()


def test_npz_holding_pickled_objects_is_refused_without_running_them(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.array([CreatesMarker(marker), 1.0], dtype=object))
    with pytest.raises(ValueError, match=r"evil\.npz.*pickle") as info:
        nn.load_state(path)
    assert "allow_pickle=True" not in str(info.value)  # no advice to switch the protection off
    assert not marker.exists(), "loading a state file executed code from it"


def test_plain_pickle_with_npz_name_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps({"weight": CreatesMarker(marker)}))
    with pytest.raises(ValueError, match=r"model\.npz.*pickle") as info:
        nn.load_state(path)
    assert "allow_pickle=True" not in str(info.value)
    assert not marker.exists(), "loading a state file executed code from it"


def test_npz_of_non_numeric_arrays_is_refused(tmp_path):
    path = tmp_path / "strings.npz"
    np.savez(path, weight=np.array(["a", "b"]))
    with pytest.raises(ValueError, match="weight"):
        nn.load_state(path)


def test_single_npy_array_is_not_a_saved_state(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(ValueError, match=r"array\.npz"):
        nn.load_state(path)


def _saved_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "good.npz"
    nn.MLP(2, [3, 1], rng=0).save(path)
    return path.read_bytes()


def _patch_zip_headers(raw: bytes, local_offset: int, central_offset: int, value: int, fmt: str) -> bytes:
    """Overwrite one field in every local file header and central directory entry."""
    out = bytearray(raw)
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        i = out.find(signature)
        while i != -1:
            struct.pack_into(fmt, out, i + offset, value)
            i = out.find(signature, i + 4)
    return bytes(out)


DAMAGE = {
    "empty": lambda raw: b"",
    "first 10 bytes": lambda raw: raw[:10],
    "first half": lambda raw: raw[: len(raw) // 2],
    "last byte missing": lambda raw: raw[:-1],
    "garbage": lambda raw: b"this is not a zip file at all" * 10,
    "zeroed crc": lambda raw: _patch_zip_headers(raw, 14, 16, 0, "<I"),
    "unknown compression method": lambda raw: _patch_zip_headers(raw, 8, 10, 99, "<H"),
    "encrypted flag set": lambda raw: _patch_zip_headers(raw, 6, 8, 1, "<H"),
    "unsupported zip version": lambda raw: _patch_zip_headers(raw, 4, 6, 99, "<H"),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_damaged_files_give_a_value_error_naming_the_file(tmp_path, damage):
    path = tmp_path / "damaged.npz"
    path.write_bytes(DAMAGE[damage](_saved_bytes(tmp_path)))
    with pytest.raises(ValueError, match=r"damaged\.npz"):
        nn.load_state(path)


def test_missing_file_gives_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load_state(tmp_path / "nowhere.npz")


# -- Sequential -------------------------------------------------------------------
class Record(nn.Module):
    """Appends its name to a shared log and applies an affine map, so both
    the call order and the composition are visible."""

    def __init__(self, name: str, log: list, scale: float, shift: float) -> None:
        self.name, self.log, self.scale, self.shift = name, log, scale, shift

    def forward(self, x):
        self.log.append(self.name)
        return x * self.scale + self.shift


def test_sequential_calls_modules_in_order_and_composes_them():
    log: list[str] = []
    seq = nn.Sequential(Record("a", log, 2.0, 1.0), Record("b", log, 3.0, -1.0), Record("c", log, -1.0, 0.5))
    out = seq(Tensor([1.0, -2.0]))
    assert log == ["a", "b", "c"]
    np.testing.assert_array_equal(out.data, -(3.0 * (2.0 * np.array([1.0, -2.0]) + 1.0) - 1.0) + 0.5)


def test_sequential_indexing_len_and_iteration():
    modules = [nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1)]
    seq = nn.Sequential(*modules)
    assert len(seq) == 3
    assert seq[0] is modules[0] and seq[1] is modules[1] and seq[-1] is modules[2]
    assert list(seq) == modules
    assert len(nn.Sequential()) == 0


def test_a_slice_of_a_sequential_is_a_sequential_of_the_same_modules():
    seq = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    body = seq[:-1]  # PyTorch's way to drop the head
    assert isinstance(body, nn.Sequential) and len(body) == 2
    assert body[0] is seq[0] and body[1] is seq[1]
    x = Tensor([[1.0, -2.0]])
    np.testing.assert_array_equal(body(x).data, np.tanh(seq[0](x).data))
    assert body.parameters() == [seq[0].weight, seq[0].bias]


def test_sequential_of_layers_matches_numpy():
    first, second = nn.Linear(2, 3, rng=0), nn.Linear(3, 2, rng=1)
    x = np.random.default_rng(2).standard_normal((4, 2))
    out = nn.Sequential(first, nn.Tanh(), second, nn.Sigmoid())(Tensor(x)).data
    h = np.tanh(x @ first.weight.data + first.bias.data)
    expected = 1 / (1 + np.exp(-(h @ second.weight.data + second.bias.data)))
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_sequential_refuses_non_callables():
    with pytest.raises(TypeError):
        nn.Sequential(nn.ReLU(), 3)


# -- activation modules ---------------------------------------------------------------
X = np.array([-30.0, -2.5, -0.1, 0.0, 0.1, 2.5, 30.0])


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (nn.Tanh(), np.tanh),
        (nn.ReLU(), lambda x: np.where(x > 0, x, 0.0)),
    ],
    ids=["sigmoid", "tanh", "relu"],
)
def test_activation_modules_match_numpy_values_and_gradients(module, reference):
    x = Tensor(X, requires_grad=True)
    out = module(x)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, reference(X), rtol=1e-14, atol=1e-300)
    out.sum().backward()
    h = 1e-6
    away_from_kink = X != 0.0  # relu has no derivative at 0
    numeric = (reference(X + h) - reference(X - h)) / (2 * h)
    np.testing.assert_allclose(x.grad[away_from_kink], numeric[away_from_kink], rtol=1e-6, atol=1e-10)
    assert module.parameters() == []


def test_activation_modules_accept_arrays_and_lists():
    np.testing.assert_array_equal(nn.ReLU()([-1.0, 2.0]).data, [0.0, 2.0])
    np.testing.assert_allclose(nn.Tanh()(np.array([0.5])).data, np.tanh([0.5]), rtol=1e-15)


def test_a_module_without_forward_says_so():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty"):
        Empty()(Tensor([1.0]))


# -- repr ---------------------------------------------------------------------------
def test_repr_is_readable():
    assert repr(nn.Linear(2, 3)) == "Linear(2, 3)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(2, 3, bias=False)"
    assert repr(nn.ReLU()) == "ReLU()"
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.MLP(3, [1], activation="tanh")))
    lines = text.splitlines()
    assert lines[0] == "Sequential("
    assert lines[-1] == ")"
    assert "Linear(2, 3)" in lines[1] and "ReLU()" in lines[2]
    assert "MLP(" in lines[3]
    assert any("Layer(3, 1" in line and "sigmoid" in line for line in lines[4:])
    assert all(line.startswith("  ") for line in lines[1:-1])  # children are indented


# -- frozen parameters --------------------------------------------------------------
def freeze(p: Tensor) -> Tensor:
    p.requires_grad = False
    return p


def test_a_frozen_parameter_stays_a_parameter_under_its_name():
    model = nn.MLP(2, [3, 1], rng=0)
    names = [n for n, _ in model.named_parameters()]
    params = model.parameters()
    freeze(model.layers[0].weight)
    assert [n for n, _ in model.named_parameters()] == names
    assert all(a is b for a, b in zip(model.parameters(), params))
    assert list(model.state_dict()) == names
    np.testing.assert_array_equal(model.state_dict()["layers.0.weight"], model.layers[0].weight.data)
    model.layers[0].weight.requires_grad = True  # unfrozen: still there, of course
    assert [n for n, _ in model.named_parameters()] == names


def test_frozen_parameters_in_hand_written_modules_and_lists():
    model = Tiny()
    names = [n for n, _ in model.named_parameters()]
    freeze(model.scale)
    freeze(model.blocks[0][1].weight)
    assert [n for n, _ in model.named_parameters()] == names
    assert not any(p is model.offset for p in model.parameters())  # a constant never was one

    class Listed(nn.Module):
        def __init__(self) -> None:
            self.ws = [Tensor([1.0], requires_grad=True), Tensor([2.0]), (Tensor([3.0], requires_grad=True),)]

    listed = Listed()
    freeze(listed.ws[0])
    freeze(listed.ws[2][0])
    assert [n for n, _ in listed.named_parameters()] == ["ws.0", "ws.2.0"]


def test_a_tensor_given_requires_grad_later_is_a_parameter_while_it_does():
    class Late(nn.Module):
        def __init__(self) -> None:
            self.w = Tensor([1.0])

    late = Late()
    assert late.parameters() == []
    late.w.requires_grad = True
    assert late.parameters() == [late.w]


def train_one_step(model: nn.Module, opt) -> None:
    opt.zero_grad()
    (model(Tensor(np.random.default_rng(0).standard_normal((5, 2)))) ** 2).sum().backward()
    opt.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: nn.optim.SGD(ps, lr=0.5),
        lambda ps: nn.optim.SGD(ps, lr=0.5, momentum=0.9),
        lambda ps: nn.optim.Adam(ps, lr=0.1),
    ],
    ids=["SGD", "SGD momentum", "Adam"],
)
def test_training_leaves_a_frozen_parameter_unchanged(make):
    model = nn.MLP(2, [3, 1], rng=0)
    frozen = model.layers[0].weight
    (model(Tensor(np.ones((1, 2)))) ** 2).sum().backward()  # a gradient from before the freeze
    freeze(frozen)
    before = model.state_dict()
    opt = make(model.parameters())  # model.parameters() with a frozen one is accepted
    assert any(p is frozen for p in opt.params)
    opt.step()  # the stale gradient must not move it
    train_one_step(model, opt)
    after = model.state_dict()
    np.testing.assert_array_equal(after["layers.0.weight"], before["layers.0.weight"])
    for name in ("layers.0.bias", "layers.1.weight", "layers.1.bias"):
        assert not np.array_equal(after[name], before[name]), name


def test_save_and_load_restore_frozen_weights(tmp_path):
    source = nn.MLP(2, [3, 1], rng=0)
    for p in source.parameters():
        p.data += 1.0  # "trained" weights, not the initial ones
    freeze(source.layers[0].weight)
    path = tmp_path / "frozen.npz"
    source.save(path)
    assert "layers.0.weight" in nn.load_state(path)
    for frozen_in_target in (False, True):
        target = nn.MLP(2, [3, 1], rng=1)
        if frozen_in_target:
            freeze(target.layers[0].weight)
        target.load_state_dict(nn.load_state(path))
        for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
            np.testing.assert_array_equal(b.data, a.data, err_msg=name)


# -- rebinding a parameter ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "given"),
    [
        (lambda: Tensor(np.zeros((2, 3))), "a Tensor that does not require grad"),
        (lambda: np.zeros((2, 3)), "an object of type ndarray"),
        (lambda: Tensor(np.zeros((2, 3)), requires_grad=True) * 2, "the result of an operation ('*')"),
    ],
    ids=["constant Tensor", "ndarray", "non-leaf"],
)
def test_assigning_a_constant_to_a_parameter_is_refused_with_the_fix(value, given):
    # it would silently stop training and saving that weight (PyTorch refuses it too)
    layer = nn.Linear(2, 3, rng=0)
    weight = layer.weight
    with pytest.raises(TypeError) as info:
        layer.weight = value()
    message = str(info.value)
    for words in (given, "Linear.weight", "a parameter", ".data[...] = values", "requires_grad=True"):
        assert words in message, message
    assert layer.weight is weight


def test_a_parameter_may_be_replaced_by_a_parameter_or_removed():
    layer = nn.Linear(2, 3, rng=0)
    new = Tensor(np.ones((2, 3)), requires_grad=True)
    layer.weight = new
    assert layer.parameters() == [new, layer.bias]
    layer.bias = None
    assert layer.parameters() == [new]
    assert layer(Tensor([[1.0, 2.0]])).shape == (1, 3)
    layer.bias = Tensor(np.zeros(3))  # no longer a parameter name: a constant is allowed
    assert layer.parameters() == [new]
    del layer.weight
    layer.weight = Tensor(np.ones((2, 3)))
    assert layer.parameters() == []


def test_the_record_of_parameters_stays_out_of_names_and_repr():
    layer = nn.Linear(2, 3, rng=0)
    freeze(layer.weight)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "Linear(2, 3)"
    shallow = copy.copy(layer)
    shallow.weight = Tensor(np.ones((2, 3)), requires_grad=True)
    shallow.bias = None
    assert layer.parameters()[1] is layer.bias  # the copy's changes leave the original's record alone


# -- __call__ -------------------------------------------------------------------------
def test_call_passes_keyword_arguments_to_forward():
    class Masked(nn.Module):
        def __init__(self) -> None:
            self.linear = nn.Linear(2, 2, rng=0)

        def forward(self, x, mask=None, *, scale=1.0):
            out = self.linear(x) * scale
            return out if mask is None else out * mask

    model = Masked()
    x, mask = Tensor([[1.0, 2.0]]), np.array([[1.0, 0.0]])
    full = model(x).data
    np.testing.assert_array_equal(model(x, mask=mask).data, full * mask)
    np.testing.assert_array_equal(model(x, mask, scale=2.0).data, 2 * full * mask)
    np.testing.assert_array_equal(model(x=x).data, full)


# -- load_state_dict arguments ----------------------------------------------------------
@pytest.mark.parametrize("bad", [None, [], "model.npz", np.ones(3), 3.0], ids=repr)
def test_load_state_dict_needs_a_dict_and_says_where_to_get_one(bad):
    with pytest.raises(TypeError) as info:
        nn.Linear(2, 2).load_state_dict(bad)
    message = str(info.value)
    assert (
        "dict of arrays" in message and "model.state_dict()" in message and "nn.load_state(path)" in message
    )
    assert type(bad).__name__ in message


def test_load_state_dict_accepts_an_npz_file_opened_by_numpy(tmp_path):
    source, target = nn.Linear(2, 3, rng=0), nn.Linear(2, 3, rng=1)
    source.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as state:
        target.load_state_dict(state)
    np.testing.assert_array_equal(target.weight.data, source.weight.data)


def test_load_state_dict_hints_at_pytorch_weight_layout():
    state = nn.Linear(2, 3, rng=0).state_dict()
    state["weight"] = state["weight"].T  # as PyTorch stores nn.Linear(2, 3).weight: (3, 2)
    with pytest.raises(ValueError, match=r"\(3, 2\).*expects \(2, 3\).*transposed.*\.T"):
        nn.Linear(2, 3).load_state_dict(state)


# -- pickle and deepcopy ---------------------------------------------------------------
LAYERS = {
    "Linear": (lambda: nn.Linear(3, 2, rng=0), (4, 3)),
    "Linear without bias": (lambda: nn.Linear(3, 2, bias=False, rng=0), (4, 3)),
    **{
        f"Layer {act}": (lambda act=act: nn.Layer(3, 2, activation=act, rng=0), (4, 3))
        for act in ("sigmoid", "tanh", "relu", None)
    },
    "Neuron": (lambda: nn.Neuron(3, rng=0), (4, 3)),
    "Neuron without activation": (lambda: nn.Neuron(3, activation=None, rng=0), (4, 3)),
    "MLP": (lambda: nn.MLP(3, [4, 2], rng=0), (4, 3)),
    "MLP linear output": (lambda: nn.MLP(3, [4, 2], activation="relu", out_activation=None, rng=0), (4, 3)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1)), (4, 3)),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, padding=1, rng=0), (2, 2, 5, 5)),
    "CNN": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 2, 3, rng=0),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.5, rng=1),
            nn.Linear(2 * 3 * 3, 2, rng=2),
            nn.Sigmoid(),
        ),
        (3, 1, 8, 8),
    ),
    "Dropout": (lambda: nn.Dropout(0.3, rng=0), (4, 3)),
    "Tiny": (Tiny, (4, 2)),
}
COPIES = {
    "pickle": lambda m: pickle.loads(pickle.dumps(m)),
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("state", ["fresh", "after backward", "eval mode", "frozen"])
def test_modules_pickle_and_deepcopy_to_an_independent_equal_model(kind, how, state):
    make, shape = LAYERS[kind]
    model = make()
    x = Tensor(np.random.default_rng(5).standard_normal(shape))
    if state == "after backward" and model.parameters():
        (model(x) ** 2).sum().backward()
    if state == "eval mode":
        model.eval()
    if state == "frozen" and model.parameters():
        freeze(model.parameters()[0])
    twin = COPIES[how](model)
    assert type(twin) is type(model) and repr(twin) == repr(model)
    assert twin.training == model.training
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in model.named_parameters()]
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert q is not p and q.requires_grad == p.requires_grad, name
        np.testing.assert_array_equal(q.data, p.data, err_msg=name)
        assert (q.grad is None) == (p.grad is None), name
        if p.grad is not None:
            np.testing.assert_array_equal(q.grad, p.grad, err_msg=name)
            assert not np.shares_memory(q.grad, p.grad)
    # the same outputs (Dropout's generator state is copied too, so the same masks)
    np.testing.assert_array_equal(twin(x).data, model(x).data)
    # independent: changing the copy's weights leaves the original alone
    before = model.state_dict()
    for q in twin.parameters():
        q.data += 1.0
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name], err_msg=name)
    if twin.parameters():
        assert not np.array_equal(twin(x).data, model(x).data)


def test_a_copy_trains_on_its_own():
    model = nn.MLP(2, [3, 1], rng=0)
    twin = copy.deepcopy(model)
    before = model.state_dict()
    train_one_step(twin, nn.optim.SGD(twin.parameters(), lr=0.5))
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name], err_msg=name)
    assert not np.array_equal(twin.layers[0].weight.data, before["layers.0.weight"])
