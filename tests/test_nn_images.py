"""The image layers (`Conv2d`, `MaxPool2d`, `Flatten`), `Dropout` with the
train/eval modes of `Module`, and the digits data set with its split."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_lite import ShapeError, Tensor, gradcheck

try:
    import sklearn
except ImportError:  # the digits tests skip, saying why
    sklearn = None

needs_sklearn = pytest.mark.skipif(
    sklearn is None, reason="scikit-learn is not installed: the digits need it (pip install -e '.[digits]')"
)


# -- Conv2d, MaxPool2d, Flatten --------------------------------------------------------
def test_conv2d_layer_shapes_and_parameters():
    layer = nn.Conv2d(3, 8, (3, 2), stride=(2, 1), padding=1, rng=0)
    assert layer.weight.shape == (8, 3, 3, 2) and layer.bias.shape == (8,)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    out = layer(Tensor(np.ones((5, 3, 9, 7))))
    assert out.shape == (5, 8, (9 + 2 - 3) // 2 + 1, (7 + 2 - 2) + 1)
    assert repr(layer) == "Conv2d(3, 8, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))"


def test_conv2d_layer_is_its_op_with_its_own_parameters():
    layer = nn.Conv2d(2, 4, 3, padding=1, rng=1)
    layer.bias.data[:] = np.arange(4.0)
    x = Tensor(np.random.default_rng(2).standard_normal((3, 2, 5, 5)))
    expected = x.conv2d(layer.weight, layer.bias, stride=1, padding=1)
    np.testing.assert_array_equal(layer(x).data, expected.data)


def test_conv2d_glorot_init_bounds_follow_channels_and_kernel():
    layer = nn.Conv2d(4, 16, 3, rng=0)
    bound = np.sqrt(6 / (4 * 9 + 16 * 9))
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound
    assert not layer.bias.data.any()
    assert nn.Conv2d(4, 16, 3, bias=False).bias is None


def test_conv2d_gradients_through_the_layer():
    layer = nn.Conv2d(2, 3, 2, stride=2, rng=0)
    x = Tensor(np.random.default_rng(1).standard_normal((2, 2, 4, 4)), requires_grad=True)
    assert gradcheck(lambda x, w, b: (layer(x) ** 2).sum(), x, layer.weight, layer.bias)


@pytest.mark.parametrize("shape", [(4, 5, 5), (4, 3, 5, 5), (2, 1, 4, 5, 5)])
def test_conv2d_refuses_inputs_of_the_wrong_shape(shape):
    with pytest.raises(ShapeError) as info:
        nn.Conv2d(2, 3, 3)(np.ones(shape))
    assert "(n, 2, height, width)" in str(info.value) and str(shape) in str(info.value)


@pytest.mark.parametrize(
    ("bad", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError), ((1, 2, 3), TypeError)]
)
def test_conv2d_refuses_bad_sizes(bad, error):
    with pytest.raises(error, match="kernel_size"):
        nn.Conv2d(1, 1, bad)


@pytest.mark.parametrize(("padding", "hint"), [("same", "padding=k // 2"), ("valid", "padding=0")])
def test_conv2d_padding_by_name_says_which_number_to_give(padding, hint):
    # PyTorch's padding="same" / "valid": the numbers that mean the same here
    with pytest.raises(TypeError, match=rf"not '{padding}'.*{hint}"):
        nn.Conv2d(1, 1, 3, padding=padding)
    out = nn.Conv2d(1, 1, 3, padding=1)(Tensor(np.ones((1, 1, 5, 5))))
    assert out.shape == (1, 1, 5, 5)  # "same"


def test_max_pool_and_flatten_layers():
    x = Tensor(np.arange(2 * 3 * 4 * 4, dtype=float).reshape(2, 3, 4, 4))
    pooled = nn.MaxPool2d(2)(x)
    assert pooled.shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(pooled.data[0, 0], [[5, 7], [13, 15]])
    assert nn.Flatten()(pooled).shape == (2, 12)
    assert nn.MaxPool2d(3, stride=1)(x).shape == (2, 3, 2, 2)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2))"


def test_flatten_keeps_an_empty_batch():
    assert nn.Flatten()(Tensor(np.ones((0, 3, 2)))).shape == (0, 6)


# -- Dropout and train/eval ---------------------------------------------------------------
def test_dropout_zeroes_a_fraction_p_and_keeps_the_mean_while_training():
    drop = nn.Dropout(0.25, rng=0)
    x = Tensor(np.ones(100_000), requires_grad=True)
    out = drop(x)
    kept = out.data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_array_equal(out.data[kept], 1 / 0.75)
    assert abs(out.data.mean() - 1) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the same mask and scale


def test_dropout_is_the_identity_in_eval_mode_and_at_p_0():
    x = Tensor(np.random.default_rng(0).standard_normal(50), requires_grad=True)
    assert nn.Dropout(0.5).eval()(x) is x
    assert nn.Dropout(0.0)(x) is x


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", True])
def test_dropout_refuses_a_p_outside_0_to_1(p):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        nn.Dropout(p)


def test_dropout_accepts_numpy_probabilities():
    assert nn.Dropout(np.float32(0.25)).p == 0.25


def test_dropout_keeps_float32():
    out = nn.Dropout(0.5, rng=0)(Tensor(np.ones(8), dtype=np.float32))
    assert out.dtype == np.float32


def test_train_and_eval_reach_every_sub_module():
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))
    assert model.training and model[1].training
    assert model.eval() is model
    assert not model.training and not model[1].training and not model[2][1].training
    model.train()
    assert model.training and model[2][1].training


def test_evaluate_runs_in_eval_mode_and_restores_the_mode():
    model = nn.Sequential(nn.Linear(3, 3, rng=0), nn.Dropout(0.9, rng=0))
    X = np.ones((4, 3))
    np.testing.assert_array_equal(nn.evaluate(model, X), nn.evaluate(model, X))  # no dropout
    assert model.training
    model.eval()
    nn.evaluate(model, X)
    assert not model.training


def test_fit_trains_in_training_mode():
    model = nn.Sequential(nn.Linear(2, 1, rng=0), nn.Sigmoid()).eval()
    X, y = nn.datasets.xor()
    nn.fit(model, X, y, nn.mse_loss, nn.optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert model.training


# -- digits and the split ----------------------------------------------------------------
@needs_sklearn
def test_digits_are_1797_images_in_0_1_with_integer_labels():
    images, labels = nn.datasets.digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    assert images.min() == 0 and images.max() == 1
    assert labels.shape == (1797,) and labels.dtype.kind == "i"
    assert set(labels.tolist()) == set(range(10))


def test_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"scikit-learn.*pip install -e '\.\[digits\]'"):
        nn.datasets.digits()


def test_train_test_split_is_deterministic_and_disjoint():
    X, y = np.arange(100).reshape(50, 2), np.arange(50)
    X_train, X_test, y_train, y_test = nn.datasets.train_test_split(X, y, test_size=0.2, rng=3)
    assert len(X_train) == 40 and len(X_test) == 10
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0] // 2, y_test)
    assert sorted([*y_train, *y_test]) == list(range(50))
    again = nn.datasets.train_test_split(X, y, test_size=0.2, rng=3)
    np.testing.assert_array_equal(again[3], y_test)
    other = nn.datasets.train_test_split(X, y, test_size=0.2, rng=4)
    assert not np.array_equal(other[3], y_test)


@pytest.mark.parametrize(
    ("X", "y", "test_size", "words"),
    [
        (np.ones((5, 2)), np.ones(4), 0.2, "one row per sample"),
        (np.ones((5, 2)), np.ones(5), 0.0, "strictly between 0 and 1"),
        (np.ones((5, 2)), np.ones(5), 1.0, "strictly between 0 and 1"),
        (np.ones((5, 2)), np.ones(5), 0.01, "leaves no rows"),
    ],
)
def test_train_test_split_refuses_bad_input(X, y, test_size, words):
    with pytest.raises(ValueError, match=words):
        nn.datasets.train_test_split(X, y, test_size=test_size)
