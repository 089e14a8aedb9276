"""The path to PyTorch: `nn.to_torch` and `nn.from_torch`.

Every supported layer, alone and inside models: outputs equal in float64
(float32 within tolerance), parameter gradients equal for the same loss
(Linear's transposed), state-dict keys one to one, training modes, frozen
parameters and dtypes carried over, unsupported modules refused with a clear
error, and PyTorch kept optional (importing nn does not import it; a missing
torch gives the install hint). Round trips: a model trained here with
`nn.fit`, moved to PyTorch, trained there with torch.optim, moved back; for an
MLP and a small CNN.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import nn
from nn.torch_bridge import torch_keys
from tinygrad_lite import Tensor

try:
    import torch
except ImportError:  # the tests that need it are skipped; the missing-torch path is still tested
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed: the bridge tests need it (CI installs torch==2.13.0)"
)

RTOL = 1e-10
ATOL = 1e-12


def images(shape: tuple[int, ...], seed: int = 0, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def forward_both(ours, theirs, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    got = ours(Tensor(x)).numpy()
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    return got, want


def is_linear_weight(tmodel, key: str) -> bool:
    """Whether the torch parameter `key` is a torch.nn.Linear's weight (stored transposed here)."""
    owner, _, leaf = key.rpartition(".")
    return leaf == "weight" and isinstance(tmodel.get_submodule(owner), torch.nn.Linear)


def assert_same_parameters(ours: nn.Module, tmodel) -> None:
    """Our state dict (parameters and buffers) and the torch module's
    correspond one to one through `torch_keys`, in the same order, and hold
    the same values (Linear weights transposed)."""
    keys = torch_keys(ours)
    theirs = tmodel.state_dict()
    mine = ours.state_dict()
    assert list(keys) == list(mine)
    assert [keys[k] for k in mine] == list(theirs), (keys, list(theirs))
    for name, value in mine.items():
        t = theirs[keys[name]].numpy()
        t = t.T if is_linear_weight(tmodel, keys[name]) else t
        np.testing.assert_array_equal(value, t, err_msg=name)


def randomized(model: nn.Module, seed: int = 0) -> nn.Module:
    """`model` with every parameter set to random values (norm layers start at ones and zeros)."""
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    return model


# -- the models the per-layer tests run: (build, input shape) ---------------------
CASES = {
    "linear": (lambda: nn.Linear(3, 4, rng=0), (5, 3)),
    "linear_square_no_bias": (lambda: nn.Linear(4, 4, bias=False, rng=0), (5, 4)),
    **{
        f"layer_{act}": (lambda act=act: nn.Layer(3, 4, act, rng=1), (5, 3))
        for act in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", None)
    },
    "mlp": (lambda: nn.MLP(3, [6, 5, 2], activation="tanh", out_activation="sigmoid", rng=2), (7, 3)),
    "mlp_no_out_activation": (lambda: nn.MLP(3, [4, 2], "relu", None, rng=2), (7, 3)),
    "sequential_activations": (
        lambda: nn.Sequential(
            nn.Linear(3, 5, rng=3),
            nn.LeakyReLU(0.2),
            nn.Linear(5, 5, rng=4),
            nn.ELU(0.7),
            nn.Linear(5, 4, rng=5),
            nn.GELU("tanh"),
            nn.Linear(4, 4, rng=6),
            nn.GELU(),
            nn.SiLU(),
            nn.Sigmoid(),
            nn.Tanh(),
            nn.ReLU(),
        ),
        (6, 3),
    ),
    "nested_sequential": (
        lambda: nn.Sequential(
            nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh()), nn.Layer(3, 1, "sigmoid", rng=1)
        ),
        (4, 2),
    ),
    "conv_plain": (lambda: nn.Conv2d(2, 3, 3, rng=0), (2, 2, 7, 7)),
    "conv_stride_padding": (
        lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 2), rng=0),
        (2, 2, 9, 8),
    ),
    "conv_dilation_groups_no_bias": (
        lambda: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2, bias=False, rng=0),
        (2, 4, 8, 8),
    ),
    "conv_depthwise": (lambda: nn.Conv2d(3, 3, 3, groups=3, rng=0), (2, 3, 6, 6)),
    "maxpool": (lambda: nn.MaxPool2d(2), (2, 3, 6, 6)),
    "maxpool_stride_padding": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    "avgpool": (lambda: nn.AvgPool2d((2, 3), stride=1, padding=1), (2, 3, 6, 7)),
    "avgpool_no_pad_count": (
        lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        (2, 1, 7, 7),
    ),
    "flatten": (lambda: nn.Flatten(), (2, 3, 4, 5)),
    "dropout_eval": (lambda: nn.Dropout(0.3).eval(), (4, 5)),
    "layernorm": (lambda: randomized(nn.LayerNorm(4)), (3, 5, 4)),
    "layernorm_two_axes_no_bias": (lambda: randomized(nn.LayerNorm((2, 3), eps=1e-3, bias=False)), (4, 2, 3)),
    "layernorm_no_affine": (lambda: nn.LayerNorm(5, elementwise_affine=False), (3, 5)),
    "batchnorm_eval": (lambda: randomized(nn.BatchNorm1d(4)).eval(), (6, 4)),
    "batchnorm_no_running_stats": (
        lambda: randomized(nn.BatchNorm1d(3, track_running_stats=False)),
        (6, 3, 2),
    ),
    "mlp_with_norms": (
        lambda: randomized(
            nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 4), nn.LayerNorm(4)), 3
        ),
        (8, 3),
    ),
    "cnn": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, rng=0),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 4, 3, groups=2, dilation=1, rng=1),
            nn.GELU(),
            nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(4, 3, rng=2),
        ).eval(),
        (3, 1, 8, 8),
    ),
}


@needs_torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_to_torch_outputs_parameters_and_gradients_equal(case):
    build, shape = CASES[case]
    model = build()
    tmodel = nn.to_torch(model)
    assert isinstance(tmodel, torch.nn.Module)
    assert_same_parameters(model, tmodel)
    x = images(shape)
    got, want = forward_both(model, tmodel, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)

    # the same loss in both: a random weighting of the outputs, so every output counts
    w = images(got.shape, seed=1)
    xs, txs = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
    (model(xs) * Tensor(w)).sum().backward()
    (tmodel(txs) * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(
        xs.grad, txs.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg="gradient of the input"
    )
    keys = torch_keys(model)
    tparams = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        g = tparams[keys[name]].grad.numpy()
        g = g.T if is_linear_weight(tmodel, keys[name]) else g
        np.testing.assert_allclose(p.grad, g, rtol=RTOL, atol=ATOL, err_msg=f"gradient of {name}")


@needs_torch
@pytest.mark.parametrize("case", sorted(CASES))
def test_from_torch_of_to_torch_computes_the_same(case):
    build, shape = CASES[case]
    model = build()
    back = nn.from_torch(nn.to_torch(model))
    x = images(shape)
    np.testing.assert_allclose(back(Tensor(x)).numpy(), model(Tensor(x)).numpy(), rtol=RTOL, atol=ATOL)
    assert back.training == model.training
    assert len(back.parameters()) == len(model.parameters())


@needs_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.BatchNorm1d(4),
        lambda: nn.BatchNorm1d(4, eps=1e-3, momentum=0.3),
        lambda: nn.BatchNorm1d(4, momentum=None),
        lambda: nn.BatchNorm1d(4, affine=False),
    ],
    ids=["default", "eps_momentum", "cumulative_average", "no_affine"],
)
@pytest.mark.parametrize("three_d", [False, True], ids=["NC", "NCL"])
def test_batchnorm_running_statistics_train_and_eval_the_same(make, three_d):
    """Trained a few batches here, moved, trained a few more batches on both
    sides: running statistics, num_batches_tracked, training outputs and
    gradients, and then evaluation outputs, all equal."""
    bn = randomized(make(), 1)
    shape = (6, 4, 3) if three_d else (6, 4)
    for i in range(3):
        bn(Tensor(images(shape, seed=10 + i)))
    tbn = nn.to_torch(bn)
    assert tbn.training and tbn.eps == bn.eps and tbn.momentum == bn.momentum
    assert_same_parameters(bn, tbn)
    for i in range(3):
        x = images(shape, seed=20 + i) * 3 + 1
        xs, txs = Tensor(x, requires_grad=True), torch.from_numpy(x).requires_grad_()
        out, tout = bn(xs), tbn(txs)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
        w = images(shape, seed=30 + i)
        (out * Tensor(w)).sum().backward()
        (tout * torch.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(xs.grad, txs.grad.numpy(), rtol=1e-9, atol=1e-11)
    tparams = dict(tbn.named_parameters())
    for name, p in bn.named_parameters():
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), rtol=1e-9, atol=1e-11)
    for name, buf in bn.named_buffers():
        np.testing.assert_allclose(buf.data, getattr(tbn, name).numpy(), rtol=RTOL, atol=ATOL, err_msg=name)
    bn.eval()
    tbn.eval()
    got, want = forward_both(bn, tbn, images(shape, seed=40))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    back = nn.from_torch(tbn)
    assert not back.training and back.momentum == bn.momentum and back.affine == bn.affine
    assert int(back.num_batches_tracked.data) == 6
    got, want = forward_both(back, tbn, images(shape, seed=41))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


@needs_torch
def test_embedding_both_ways():
    emb = nn.Embedding(7, 3, rng=0)
    temb = nn.to_torch(emb)
    assert isinstance(temb, torch.nn.Embedding) and temb.weight.dtype == torch.float64
    assert_same_parameters(emb, temb)
    idx = np.array([[0, 3, 3], [6, 1, 3]])
    out, tout = emb(idx), temb(torch.from_numpy(idx))
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    w = images(out.shape, seed=1)
    (out * Tensor(w)).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad, temb.weight.grad.numpy(), rtol=RTOL, atol=ATOL)
    tmodel = torch.nn.Sequential(torch.nn.Embedding(5, 2), torch.nn.Flatten(), torch.nn.Linear(6, 1))
    back = nn.from_torch(tmodel)
    assert isinstance(back[0], nn.Embedding) and back[0].weight.dtype == np.float32
    with pytest.raises(TypeError, match="Embedding with padding_idx"):
        nn.from_torch(torch.nn.Embedding(5, 2, padding_idx=0))


@needs_torch
def test_key_mapping_is_the_documented_one():
    mlp = nn.MLP(2, [3, 3, 1], activation="relu", out_activation=None, rng=0)
    assert torch_keys(mlp) == {
        "layers.0.weight": "0.weight",
        "layers.0.bias": "0.bias",
        "layers.1.weight": "2.weight",
        "layers.1.bias": "2.bias",
        "layers.2.weight": "4.weight",
        "layers.2.bias": "4.bias",
    }
    assert list(nn.to_torch(mlp).state_dict()) == list(torch_keys(mlp).values())
    assert torch_keys(nn.Layer(2, 3, "tanh")) == {"weight": "0.weight", "bias": "0.bias"}
    seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Layer(2, 1))
    assert torch_keys(seq) == {
        "layers.0.weight": "0.weight",
        "layers.0.bias": "0.bias",
        "layers.2.weight": "2.0.weight",
        "layers.2.bias": "2.0.bias",
    }
    # and the reverse: a torch Sequential numbered directly, ours under "layers"
    back = nn.from_torch(nn.to_torch(mlp))
    assert isinstance(back, nn.Sequential)
    assert [type(m).__name__ for m in back] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert list(back.state_dict()) == [f"layers.{i}.{k}" for i in (0, 2, 4) for k in ("weight", "bias")]


@needs_torch
def test_from_torch_of_a_torch_built_model():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, kernel_size=(3, 3), stride=1, padding=2, dilation=2, groups=2),
        torch.nn.LeakyReLU(0.1),
        torch.nn.MaxPool2d(3, stride=2, padding=1),
        torch.nn.AvgPool2d(2, count_include_pad=False),
        torch.nn.Flatten(),
        torch.nn.Identity(),
        torch.nn.Dropout(0.25),
        torch.nn.Linear(16, 8),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Linear(8, 3, bias=False),
        torch.nn.ELU(alpha=0.5),
    ).double()
    tmodel.eval()
    model = nn.from_torch(tmodel)
    assert isinstance(model, nn.Sequential)
    assert not model.training and not model[6].training and model[6].p == 0.25
    assert model[0].dilation == (2, 2) and model[0].groups == 2 and model[0].padding == (2, 2)
    assert model[1].negative_slope == 0.1 and model[8].approximate == "tanh" and model[10].alpha == 0.5
    assert model[9].bias is None
    assert model[0].weight.dtype == np.float64
    got, want = forward_both(model, tmodel, images((3, 2, 8, 8)))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    assert_same_parameters(model, nn.to_torch(model))
    np.testing.assert_array_equal(model[7].weight.data, tmodel[7].weight.detach().numpy().T)


@needs_torch
def test_float32_stays_float32():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, rng=0, dtype=np.float32), nn.Flatten(), nn.Layer(8, 2, "relu", rng=1)
    )
    model[2].weight.data = model[2].weight.data.astype(np.float32)
    model[2].bias.data = model[2].bias.data.astype(np.float32)
    tmodel = nn.to_torch(model)
    assert {p.dtype for p in tmodel.parameters()} == {torch.float32}
    x = images((4, 1, 4, 4), dtype=np.float32)
    got = model(Tensor(x, dtype=np.float32)).numpy()
    with torch.no_grad():
        want = tmodel(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    back = nn.from_torch(tmodel)
    assert {p.dtype for p in back.parameters()} == {np.dtype(np.float32)}
    with pytest.raises(TypeError, match=r"float16.*module\.double\(\) or module\.float\(\)"):
        nn.from_torch(torch.nn.Linear(2, 2).half())


@needs_torch
def test_training_modes_and_frozen_parameters_carry_over():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Dropout(0.4), nn.Linear(4, 1, rng=1))
    model[2].weight.requires_grad = False
    tmodel = nn.to_torch(model)
    assert tmodel.training and tmodel[1].training and tmodel[1].p == 0.4
    assert not tmodel[2].weight.requires_grad and tmodel[2].bias.requires_grad
    back = nn.from_torch(tmodel)
    assert not back[2].weight.requires_grad and "layers.2.weight" in dict(back.named_parameters())
    model.eval()
    tmodel = nn.to_torch(model)
    assert not any(m.training for m in tmodel.modules())
    tmodel.train()
    assert all(m.training for m in nn.from_torch(tmodel).layers)


@needs_torch
def test_unsupported_modules_are_refused_clearly():
    with pytest.raises(TypeError, match=r"to_torch cannot convert Neuron; supported: Linear, Layer, MLP"):
        nn.to_torch(nn.Neuron(2))
    with pytest.raises(TypeError, match=r"cannot convert function at 'layers\.1'"):
        nn.to_torch(nn.Sequential(nn.Linear(2, 2), Tensor.tanh))

    class MyLinear(nn.Linear):
        pass

    with pytest.raises(TypeError, match=r"MyLinear at 'layers\.0\.layers\.0'.*not subclasses"):
        nn.to_torch(nn.Sequential(nn.Sequential(MyLinear(2, 2))))
    with pytest.raises(
        TypeError, match=r"torch\.nn\.modules\.rnn\.LSTM at '1'; supported: torch\.nn's Linear"
    ):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.LSTM(2, 2)))
    with pytest.raises(TypeError, match="MaxPool2d with dilation, ceil_mode"):
        nn.from_torch(torch.nn.MaxPool2d(2, ceil_mode=True))
    with pytest.raises(TypeError, match="Conv2d with padding_mode='reflect'"):
        nn.from_torch(torch.nn.Conv2d(1, 1, 3, padding_mode="reflect"))
    with pytest.raises(TypeError, match="Flatten with start_dim=0"):
        nn.from_torch(torch.nn.Flatten(0))
    with pytest.raises(TypeError, match=r"from_torch takes a torch\.nn\.Module, got MLP"):
        nn.from_torch(nn.MLP(2, [1]))


def test_importing_nn_does_not_import_torch():
    code = "import sys, nn; import nn.torch_bridge; assert 'torch' not in sys.modules, 'nn imported torch'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_missing_torch_gives_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` meets when it is not installed
    with pytest.raises(ImportError, match=r"nn\.to_torch needs PyTorch.*pip install torch"):
        nn.to_torch(nn.Linear(2, 2))
    with pytest.raises(ImportError, match=r"nn\.from_torch needs PyTorch.*pip install torch"):
        nn.from_torch(object())


# -- round trips -------------------------------------------------------------------
def round_trip(model: nn.Module, X: np.ndarray, y: np.ndarray, loss, torch_loss) -> None:
    """Train here, move to torch (outputs equal), train there, move back
    (outputs equal torch's); the weights changed at each stage."""
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    history = nn.fit(model, X, y, loss=loss, optimizer=opt, epochs=5, batch_size=8, progress=False, rng=0)
    assert history["loss"][-1] < history["loss"][0]
    model.eval()
    before = model(Tensor(X)).numpy()

    tmodel = nn.to_torch(model)
    got, want = forward_both(model, tmodel, X)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)

    tmodel.train()
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.01)
    tx, ty = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(5):
        topt.zero_grad()
        torch_loss(tmodel(tx), ty).backward()
        topt.step()
    tmodel.eval()

    back = nn.from_torch(tmodel)
    got, want = forward_both(back, tmodel, X)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    assert not np.allclose(got, before), "torch's training steps changed nothing"
    assert_same_parameters(back, tmodel)


@needs_torch
def test_round_trip_mlp():
    X = images((32, 3))
    y = (X[:, :1] * X[:, 1:2] > 0).astype(np.float64)
    model = nn.MLP(3, [8, 8, 1], activation="tanh", out_activation="sigmoid", rng=0)
    round_trip(model, X, y, nn.binary_cross_entropy, torch.nn.functional.binary_cross_entropy)


@needs_torch
def test_round_trip_cnn():
    X = images((24, 1, 8, 8))
    y = (X[:, 0, :4].sum(axis=(1, 2)) > 0).astype(np.int64) + (X[:, 0, 4:].sum(axis=(1, 2)) > 0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, init="he", rng=0),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3, rng=1),
    )
    round_trip(model, X, y, nn.cross_entropy, torch.nn.functional.cross_entropy)
