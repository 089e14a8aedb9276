"""nn layers: Linear, Neuron, Layer and MLP. Shapes and the x @ W + b
convention against NumPy, the tutorials' printed numbers, activations,
shape errors, reproducible initialisation (Xavier and He checked
statistically), float32, and MLP gradients against finite differences and
PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_lite import ShapeError, Tensor, gradcheck

ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    None: lambda z: z,
}


def numpy_mlp(x: np.ndarray, mlp: nn.MLP, hidden: str | None, out: str | None) -> np.ndarray:
    """The MLP's forward pass written out in NumPy from its parameter values."""
    for i, layer in enumerate(mlp.layers):
        act = ACTIVATIONS[out if i == len(mlp.layers) - 1 else hidden]
        x = act(x @ layer.weight.data + layer.bias.data)
    return x


# -- Linear ----------------------------------------------------------------------
def test_linear_parameter_shapes():
    layer = nn.Linear(3, 5, rng=0)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (5,)
    assert layer.weight.requires_grad and layer.bias.requires_grad
    assert layer.parameters() == [layer.weight, layer.bias]
    assert not np.any(layer.bias.data)  # biases start at zero


def test_linear_computes_x_at_weight_plus_bias():
    layer = nn.Linear(3, 4, rng=0)
    layer.bias.data[...] = [0.5, -1.0, 2.0, 0.25]
    x = np.random.default_rng(1).standard_normal((6, 3))
    out = layer(Tensor(x))
    assert out.shape == (6, 4)
    np.testing.assert_allclose(out.data, x @ layer.weight.data + layer.bias.data, rtol=1e-14, atol=1e-15)


def test_linear_on_a_single_sample_and_on_stacked_batches():
    layer = nn.Linear(3, 2, rng=0)
    layer.bias.data[...] = [1.0, -1.0]
    x = np.array([0.5, -2.0, 3.0])
    out = layer(Tensor(x))
    assert out.shape == (2,)
    np.testing.assert_allclose(out.data, x @ layer.weight.data + layer.bias.data, rtol=1e-14)
    xs = np.random.default_rng(1).standard_normal((2, 5, 3))
    np.testing.assert_allclose(layer(Tensor(xs)).data, xs @ layer.weight.data + layer.bias.data, rtol=1e-14)
    # plain arrays and lists are accepted as inputs
    np.testing.assert_allclose(layer(x).data, out.data, rtol=0)
    np.testing.assert_allclose(layer(list(x)).data, out.data, rtol=0)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, rng=0)
    assert layer.bias is None
    assert layer.parameters() == [layer.weight]
    x = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.weight.data, rtol=1e-14)


@pytest.mark.parametrize(
    ("make", "bad_shape", "nin"),
    [
        (lambda: nn.Linear(3, 2), (4, 2), 3),
        (lambda: nn.Linear(3, 2), (2,), 3),
        (lambda: nn.Layer(4, 2, activation="tanh"), (5, 3), 4),
        (lambda: nn.Neuron(2), (3,), 2),
        (lambda: nn.MLP(2, [3, 1]), (4, 3), 2),
    ],
    ids=["Linear batch", "Linear 1-D", "Layer", "Neuron", "MLP"],
)
def test_wrong_number_of_features_is_a_shape_error_saying_expected_and_got(make, bad_shape, nin):
    with pytest.raises(ShapeError) as info:
        make()(Tensor(np.ones(bad_shape)))
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(nin) in message and str(bad_shape) in message


def test_scalar_input_is_a_shape_error():
    with pytest.raises(ShapeError):
        nn.Linear(1, 1)(Tensor(2.0))


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_layer_sizes_must_be_positive_ints(bad):
    with pytest.raises(ValueError):
        nn.Linear(bad, 2)
    with pytest.raises(ValueError):
        nn.Linear(2, bad)


# -- Neuron -------------------------------------------------------------------------
def test_neuron_parameters_and_batch_output():
    neuron = nn.Neuron(3, rng=0)
    assert neuron.weight.shape == (3,) and neuron.bias.shape == ()
    assert neuron.parameters() == [neuron.weight, neuron.bias]
    neuron.bias.data[...] = -0.5
    x = np.random.default_rng(1).standard_normal((5, 3))
    out = neuron(Tensor(x))
    assert out.shape == (5,)
    np.testing.assert_allclose(out.data, ACTIVATIONS["sigmoid"](x @ neuron.weight.data - 0.5), rtol=1e-14)


def test_the_tutorial_neuron():
    # weights [0, 1], bias 4, input [2, 3]: sigmoid(0*2 + 1*3 + 4) = sigmoid(7)
    neuron = nn.Neuron(2)
    neuron.weight.data[...] = [0.0, 1.0]
    neuron.bias.data[...] = 4.0
    out = neuron(Tensor([2.0, 3.0]))
    assert out.shape == ()
    assert out.item() == 0.9990889488055994


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_neuron_with_each_activation(activation):
    neuron = nn.Neuron(2, activation=activation, rng=3)
    neuron.bias.data[...] = 0.1
    x = np.array([[0.3, -1.2], [2.0, 0.5], [-1.0, -1.0]])
    expected = ACTIVATIONS[activation](x @ neuron.weight.data + 0.1)
    np.testing.assert_allclose(neuron(Tensor(x)).data, expected, rtol=1e-14)


# -- Layer ---------------------------------------------------------------------------
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_layer_with_each_activation_matches_numpy(activation):
    layer = nn.Layer(3, 4, activation=activation, rng=0)
    layer.bias.data[...] = [0.1, -0.2, 0.3, -0.4]
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (4,)
    x = np.random.default_rng(1).standard_normal((7, 3))
    expected = ACTIVATIONS[activation](x @ layer.weight.data + layer.bias.data)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-14, atol=1e-300)


def test_layer_default_activation_is_sigmoid():
    layer = nn.Layer(2, 2, rng=0)
    x = np.array([[1.0, -2.0]])
    np.testing.assert_allclose(layer(Tensor(x)).data, ACTIVATIONS["sigmoid"](x @ layer.weight.data))


@pytest.mark.parametrize(
    "make",
    [
        lambda a: nn.Layer(2, 2, activation=a),
        lambda a: nn.Neuron(2, activation=a),
        lambda a: nn.MLP(2, [2, 1], activation=a),
        lambda a: nn.MLP(2, [2, 1], out_activation=a),
    ],
    ids=["Layer", "Neuron", "MLP hidden", "MLP out"],
)
@pytest.mark.parametrize("bad", ["softmax", "Sigmoid", "", 3])
def test_unknown_activation_name_lists_the_valid_ones(make, bad):
    with pytest.raises(ValueError) as info:
        make(bad)
    message = str(info.value)
    assert repr(bad) in message
    for name in ("'sigmoid'", "'tanh'", "'relu'", "None"):
        assert name in message


# -- MLP -----------------------------------------------------------------------------
def test_mlp_layer_sizes_and_activations():
    mlp = nn.MLP(3, [5, 4, 2], activation="tanh", out_activation=None, rng=0)
    assert len(mlp.layers) == 3
    assert [layer.weight.shape for layer in mlp.layers] == [(3, 5), (5, 4), (4, 2)]
    assert [layer.bias.shape for layer in mlp.layers] == [(5,), (4,), (2,)]
    assert len(mlp.parameters()) == 6
    for layer in mlp.layers:
        layer.bias.data[...] = np.linspace(-0.5, 0.5, layer.bias.size)
    x = np.random.default_rng(1).standard_normal((8, 3))
    out = mlp(Tensor(x))
    assert out.shape == (8, 2)
    np.testing.assert_allclose(out.data, numpy_mlp(x, mlp, "tanh", None), rtol=1e-13)


@pytest.mark.parametrize(
    ("hidden", "out"), [("sigmoid", "sigmoid"), ("relu", None), ("tanh", "sigmoid"), (None, "tanh")]
)
def test_mlp_hidden_and_output_activations(hidden, out):
    mlp = nn.MLP(2, [6, 3], activation=hidden, out_activation=out, rng=4)
    for layer in mlp.layers:
        layer.bias.data[...] = 0.2
    x = np.random.default_rng(5).standard_normal((10, 2)) * 2
    np.testing.assert_allclose(mlp(Tensor(x)).data, numpy_mlp(x, mlp, hidden, out), rtol=1e-13, atol=1e-300)


def test_mlp_defaults_are_sigmoid_everywhere():
    mlp = nn.MLP(2, [3, 1], rng=0)
    x = np.array([[0.5, -1.5], [2.0, 1.0]])
    np.testing.assert_allclose(mlp(Tensor(x)).data, numpy_mlp(x, mlp, "sigmoid", "sigmoid"), rtol=1e-14)


def test_the_tutorial_network():
    # 2 inputs, 2 hidden sigmoid neurons, 1 sigmoid output; every neuron has
    # weights [0, 1] and bias 0; input [2, 3]: h = sigmoid(3), o = sigmoid(h)
    mlp = nn.MLP(2, [2, 1])
    mlp.layers[0].weight.data[...] = [[0.0, 0.0], [1.0, 1.0]]  # column j = neuron j's weights
    mlp.layers[1].weight.data[...] = [[0.0], [1.0]]
    for layer in mlp.layers:
        layer.bias.data[...] = 0.0
    out = mlp(Tensor([2.0, 3.0]))
    assert out.shape == (1,)
    assert out.item() == 0.7216325609518421


def test_mlp_needs_at_least_one_layer():
    with pytest.raises(ValueError):
        nn.MLP(2, [])


@pytest.mark.parametrize("nouts", [4, 4.0, "4", None])
def test_mlp_layer_sizes_must_be_a_list(nouts):
    with pytest.raises(TypeError, match=r"list of layer sizes, e\.g\. MLP\(2, \[4, 1\]\)"):
        nn.MLP(2, nouts)


@pytest.mark.parametrize(
    "nouts", [(4, 1), range(4, 0, -3), np.array([4, 1])], ids=["tuple", "range", "array"]
)
def test_mlp_layer_sizes_in_any_sequence(nouts):
    assert [layer.weight.shape for layer in nn.MLP(2, nouts, rng=0).layers] == [(2, 4), (4, 1)]


# -- initialisation --------------------------------------------------------------------
def all_weights(module: nn.Module) -> list[np.ndarray]:
    return [p.data.copy() for p in module.parameters()]


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: nn.Linear(4, 3, rng=rng),
        lambda rng: nn.Layer(4, 3, activation="relu", rng=rng),
        lambda rng: nn.Neuron(4, rng=rng),
        lambda rng: nn.MLP(4, [5, 3, 1], rng=rng),
    ],
    ids=["Linear", "Layer", "Neuron", "MLP"],
)
def test_rng_makes_init_reproducible(make):
    same_int = all_weights(make(7)), all_weights(make(7))
    same_gen = all_weights(make(np.random.default_rng(7))), all_weights(make(np.random.default_rng(7)))
    other = all_weights(make(8))
    for a, b, c in zip(*same_int, same_gen[0]):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)  # an int seed means default_rng(seed)
    for a, b in zip(*same_gen):
        np.testing.assert_array_equal(a, b)
    weights = [w for w in all_weights(make(7)) if w.ndim > 0 and w.size > 1 and np.any(w)]
    others = [w for w in other if w.ndim > 0 and w.size > 1 and np.any(w)]
    assert weights and all(not np.array_equal(a, b) for a, b in zip(weights, others))


def test_a_generator_is_consumed_so_two_layers_from_one_generator_differ():
    rng = np.random.default_rng(0)
    first, second = nn.Linear(3, 3, rng=rng), nn.Linear(3, 3, rng=rng)
    assert not np.array_equal(first.weight.data, second.weight.data)


def test_without_rng_each_layer_is_different():
    assert not np.array_equal(nn.Linear(4, 4).weight.data, nn.Linear(4, 4).weight.data)


def test_layers_of_one_mlp_get_different_weights():
    mlp = nn.MLP(4, [4, 4, 4], rng=0)  # same shapes: a reseeded rng per layer would repeat weights
    weights = [layer.weight.data for layer in mlp.layers]
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            assert not np.allclose(weights[i], weights[j]), f"layers {i} and {j} have the same weights"


def assert_xavier(w: np.ndarray, nin: int, nout: int) -> None:
    """Glorot uniform: inside ±a with a = sqrt(6 / (nin + nout)), filling the
    interval (variance a**2 / 3, a flat histogram)."""
    a = np.sqrt(6.0 / (nin + nout))
    assert np.abs(w).max() <= a
    assert np.abs(w).max() > 0.99 * a
    assert abs(w.mean()) < 0.02 * a
    assert abs(w.var() / (a**2 / 3) - 1) < 0.05
    counts, _ = np.histogram(w, bins=10, range=(-a, a))
    assert counts.min() > 0.85 * w.size / 10  # uniform, not bell-shaped


def assert_he(w: np.ndarray, nin: int) -> None:
    """Kaiming normal: mean 0, std sqrt(2 / nin), Gaussian tails (about 4.6%
    of the draws beyond two standard deviations, none for a uniform)."""
    std = np.sqrt(2.0 / nin)
    assert abs(w.mean()) < 0.02 * std
    assert abs(w.std() / std - 1) < 0.03
    assert 0.04 < np.mean(np.abs(w) > 2 * std) < 0.052


NIN, NOUT = 400, 200  # 80,000 draws: the tolerances above are > 10 standard errors


def test_xavier_init():
    assert_xavier(nn.Linear(NIN, NOUT, init="xavier", rng=0).weight.data, NIN, NOUT)


def test_he_init():
    assert_he(nn.Linear(NIN, NOUT, init="he", rng=0).weight.data, NIN)


def test_normal_init_is_standard_normal():
    w = nn.Linear(NIN, NOUT, init="normal", rng=0).weight.data
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.03


def test_default_init_is_he_for_relu_and_xavier_otherwise():
    assert_xavier(nn.Linear(NIN, NOUT, rng=1).weight.data, NIN, NOUT)
    assert_he(nn.Layer(NIN, NOUT, activation="relu", rng=1).weight.data, NIN)
    for activation in ("sigmoid", "tanh", None):
        assert_xavier(nn.Layer(NIN, NOUT, activation=activation, rng=1).weight.data, NIN, NOUT)
    mlp = nn.MLP(NIN, [NOUT, 300], activation="relu", out_activation="sigmoid", rng=2)
    assert_he(mlp.layers[0].weight.data, NIN)
    assert_xavier(mlp.layers[1].weight.data, NOUT, 300)
    neuron = nn.Neuron(20_000, activation="relu", rng=3)
    assert abs(neuron.weight.data.std() / np.sqrt(2 / 20_000) - 1) < 0.03


def test_init_can_be_overridden_and_unknown_init_is_refused():
    assert_xavier(nn.Layer(NIN, NOUT, activation="relu", init="xavier", rng=0).weight.data, NIN, NOUT)
    with pytest.raises(ValueError, match="glorot"):
        nn.Linear(2, 2, init="glorot")


# -- float32 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Linear(3, 2, dtype=np.float32, rng=0),
        lambda: nn.Layer(3, 2, activation="tanh", dtype=np.float32, rng=0),
        lambda: nn.Neuron(3, dtype=np.float32, rng=0),
        lambda: nn.MLP(3, [4, 2], activation="relu", dtype=np.float32, rng=0),
    ],
    ids=["Linear", "Layer", "Neuron", "MLP"],
)
def test_float32_layers_keep_float32_outputs_and_grads(make):
    model = make()
    assert all(p.dtype == np.float32 for p in model.parameters())
    x = Tensor(np.random.default_rng(1).standard_normal((5, 3)), dtype=np.float32)
    out = model(x)
    assert out.dtype == np.float32
    (out * out).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.dtype == np.float32, name


# -- gradients of a whole network ------------------------------------------------------------
def mlp_loss(mlp: nn.MLP, x: np.ndarray, y: np.ndarray):
    """The MSE of `mlp` on (x, y) as a function of its parameters (which
    gradcheck perturbs in place, so the function reads them from the model)."""

    def loss(*params):
        return ((mlp(Tensor(x)) - Tensor(y)) ** 2).mean()

    return loss


@pytest.mark.parametrize(("hidden", "out"), [("tanh", "sigmoid"), ("sigmoid", None), ("relu", "tanh")])
def test_mlp_gradients_match_finite_differences(hidden, out):
    rng = np.random.default_rng(0)
    mlp = nn.MLP(3, [4, 3, 2], activation=hidden, out_activation=out, rng=1)
    for layer in mlp.layers:
        layer.bias.data[...] = rng.uniform(-0.5, 0.5, layer.bias.shape)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    assert gradcheck(mlp_loss(mlp, x, y), *mlp.parameters(), atol=1e-7, rtol=1e-5)


def test_mlp_gradients_match_pytorch():
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: needed for the reference gradients"
    )
    rng = np.random.default_rng(0)
    mlp = nn.MLP(3, [5, 4, 2], activation="tanh", out_activation="sigmoid", rng=1)
    for layer in mlp.layers:
        layer.bias.data[...] = rng.uniform(-0.5, 0.5, layer.bias.shape)
    x, y = rng.standard_normal((7, 3)), rng.uniform(size=(7, 2))
    mlp_loss(mlp, x, y)().backward()

    params = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in mlp.parameters()]
    (w1, b1), (w2, b2), (w3, b3) = params[0:2], params[2:4], params[4:6]
    h = torch.tanh(torch.tensor(x) @ w1 + b1)
    h = torch.tanh(h @ w2 + b2)
    out = torch.sigmoid(h @ w3 + b3)
    ((out - torch.tensor(y)) ** 2).mean().backward()
    np.testing.assert_allclose(mlp(Tensor(x)).data, out.detach().numpy(), rtol=1e-12)
    for (name, p), ref in zip(mlp.named_parameters(), params):
        np.testing.assert_allclose(p.grad, ref.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)
