"""nn.fit, nn.evaluate and nn.datasets: the history (loss per epoch, accuracy
for classification losses), equality with hand-written training loops for
full-batch and per-sample training, shuffling, the batch-weighted epoch
loss, the progress bar, argument errors and the tutorials' data sets."""

from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.training
from tinygrad_lite import Tensor, is_grad_enabled


def xor_model(seed: int = 0, out_activation: str | None = "sigmoid") -> nn.MLP:
    return nn.MLP(2, [4, 1], activation="tanh", out_activation=out_activation, rng=seed)


def manual_training(model, X, y, loss, optimizer, epochs, batches):
    """The training loop written out: `batches` lists the row indices of
    each step of an epoch. Returns the loss and the batch size of every step."""
    steps = []
    for _ in range(epochs):
        for idx in batches:
            step_loss = loss(model(Tensor(X[idx])), y[idx])
            optimizer.zero_grad()
            step_loss.backward()
            optimizer.step()
            steps.append((step_loss.item(), len(idx)))
    return steps


def assert_same_parameters(a: nn.Module, b: nn.Module) -> None:
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


# -- history ---------------------------------------------------------------------------
def test_history_has_one_float_loss_per_epoch_and_the_loss_falls_on_xor():
    X, y = nn.datasets.xor()
    model = xor_model()
    history = nn.fit(
        model, X, y, nn.mse_loss, nn.optim.SGD(model.parameters(), lr=0.5), epochs=300, progress=False
    )
    losses = history["loss"]
    assert len(losses) == 300
    assert all(type(v) is float for v in losses)
    assert losses[-1] < 0.5 * losses[0]
    # full-batch gradient descent with a small step: the loss (almost) never rises
    rises = np.sum(np.diff(losses) > 0)
    assert rises <= 0.05 * len(losses), f"the loss rose in {rises} of {len(losses)} epochs"


def test_adam_learns_xor():
    X, y = nn.datasets.xor()
    model = xor_model(seed=1)
    history = nn.fit(
        model, X, y, nn.binary_cross_entropy, nn.optim.Adam(model.parameters(), lr=0.05), 500, progress=False
    )
    assert history["loss"][-1] < 0.05
    assert history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(nn.evaluate(model, X) > 0.5, y > 0.5)


def classification_setups():
    X, y = nn.datasets.gender()
    X = X / 10
    labels = y[:, 0].astype(int)
    one_hot = np.eye(2)[labels]
    return {
        "bce": (xor_model(), X, y, nn.binary_cross_entropy),
        "BCELoss": (xor_model(), X, y, nn.BCELoss()),
        "bce with logits": (xor_model(out_activation=None), X, y, nn.binary_cross_entropy_with_logits),
        "BCEWithLogitsLoss": (xor_model(out_activation=None), X, y, nn.BCEWithLogitsLoss()),
        "cross entropy labels": (nn.MLP(2, [4, 2], "tanh", None, rng=0), X, labels, nn.cross_entropy),
        "cross entropy one-hot": (nn.MLP(2, [4, 2], "tanh", None, rng=0), X, one_hot, nn.cross_entropy),
        "CrossEntropyLoss": (nn.MLP(2, [4, 2], "tanh", None, rng=0), X, labels, nn.CrossEntropyLoss()),
    }


@pytest.mark.parametrize("setup", list(classification_setups()))
def test_classification_losses_record_the_accuracy_before_each_step(setup):
    model, X, y, loss = classification_setups()[setup]
    twin = nn.MLP(2, [4, model.layers[-1].nout], "tanh", model.layers[-1].activation, rng=0)
    twin.load_state_dict(model.state_dict())
    history = nn.fit(
        model, X, y, loss, nn.optim.SGD(model.parameters(), lr=0.3), 20, shuffle=False, progress=False
    )
    assert set(history) == {"loss", "accuracy"}
    assert len(history["accuracy"]) == 20
    assert all(type(a) is float and 0.0 <= a <= 1.0 for a in history["accuracy"])

    # the accuracy of the predictions each full-batch step was computed from
    opt = nn.optim.SGD(twin.parameters(), lr=0.3)
    expected = []
    for _ in range(20):
        pred = twin(Tensor(X))
        if pred.shape[-1] == 1:
            threshold = 0.5 if twin.layers[-1].activation == "sigmoid" else 0.0
            expected.append(np.mean((pred.data > threshold) == (y > 0.5)))
        else:
            labels = y.argmax(axis=1) if y.ndim == 2 else y
            expected.append(np.mean(pred.data.argmax(axis=1) == labels))
        opt.zero_grad()
        loss(pred, y).backward()
        opt.step()
    assert history["accuracy"] == expected
    assert len(set(expected)) > 1, "test setup: the accuracy should change during training"


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.MSELoss()], ids=["mse_loss", "MSELoss"])
def test_mse_has_no_accuracy(loss):
    X, y = nn.datasets.xor()
    model = xor_model()
    history = nn.fit(model, X, y, loss, nn.optim.SGD(model.parameters(), lr=0.1), 3, progress=False)
    assert list(history) == ["loss"]


# -- equality with hand-written loops -------------------------------------------------------
def test_full_batch_equals_a_hand_loop_exactly():
    X, y = nn.datasets.gender()
    X = X / 10
    a, b = xor_model(3), xor_model(3)
    history = nn.fit(
        a,
        X,
        y,
        nn.binary_cross_entropy,
        nn.optim.Adam(a.parameters(), lr=0.05),
        30,
        shuffle=False,
        progress=False,
    )
    steps = manual_training(
        b, X, y, nn.binary_cross_entropy, nn.optim.Adam(b.parameters(), lr=0.05), 30, [np.arange(4)]
    )
    assert_same_parameters(a, b)
    assert history["loss"] == [loss for loss, _ in steps]


def test_full_batch_with_shuffle_only_reorders_rows():
    X, y = nn.datasets.xor()
    a, b = xor_model(3), xor_model(3)
    nn.fit(
        a, X, y, nn.mse_loss, nn.optim.SGD(a.parameters(), lr=0.5), 40, shuffle=True, rng=0, progress=False
    )
    manual_training(b, X, y, nn.mse_loss, nn.optim.SGD(b.parameters(), lr=0.5), 40, [np.arange(4)])
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-10, atol=1e-12)


def test_batch_size_1_without_shuffle_equals_a_per_sample_loop_exactly():
    X, y = nn.datasets.xor()
    a, b = xor_model(4), xor_model(4)
    opt_a = nn.optim.SGD(a.parameters(), lr=0.3, momentum=0.5)
    opt_b = nn.optim.SGD(b.parameters(), lr=0.3, momentum=0.5)
    history = nn.fit(a, X, y, nn.mse_loss, opt_a, 10, batch_size=1, shuffle=False, progress=False)
    steps = manual_training(b, X, y, nn.mse_loss, opt_b, 10, [np.array([i]) for i in range(4)])
    assert_same_parameters(a, b)
    per_epoch = np.array([loss for loss, _ in steps]).reshape(10, 4).mean(axis=1)
    np.testing.assert_allclose(history["loss"], per_epoch, rtol=1e-14)
    # and it is not the same as full-batch training
    c = xor_model(4)
    nn.fit(c, X, y, nn.mse_loss, nn.optim.SGD(c.parameters(), lr=0.3, momentum=0.5), 10, progress=False)
    assert not np.allclose(a.layers[0].weight.data, c.layers[0].weight.data)


@pytest.mark.parametrize("batch_size", [3, 4, 5])
def test_epoch_loss_is_the_batch_size_weighted_mean_of_step_losses(batch_size):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((7, 2)), rng.standard_normal((7, 1)) * 3
    a, b = xor_model(5, out_activation=None), xor_model(5, out_activation=None)
    history = nn.fit(
        a,
        X,
        y,
        nn.mse_loss,
        nn.optim.SGD(a.parameters(), lr=0.05),
        3,
        batch_size,
        shuffle=False,
        progress=False,
    )
    batches = [np.arange(7)[s : s + batch_size] for s in range(0, 7, batch_size)]
    steps = manual_training(b, X, y, nn.mse_loss, nn.optim.SGD(b.parameters(), lr=0.05), 3, batches)
    assert_same_parameters(a, b)
    per_epoch = len(batches)
    for epoch in range(3):
        losses, sizes = zip(*steps[epoch * per_epoch : (epoch + 1) * per_epoch])
        assert sum(sizes) == 7 and len(set(sizes)) == 2  # the last batch is smaller
        weighted = np.average(losses, weights=sizes)
        np.testing.assert_allclose(history["loss"][epoch], weighted, rtol=1e-13)
        assert abs(np.mean(losses) - weighted) > 1e-6, "test setup: the plain mean must differ"


def test_batch_larger_than_the_data_is_one_full_batch():
    X, y = nn.datasets.xor()
    a, b = xor_model(6), xor_model(6)
    nn.fit(
        a,
        X,
        y,
        nn.mse_loss,
        nn.optim.SGD(a.parameters(), lr=0.5),
        5,
        batch_size=100,
        shuffle=False,
        progress=False,
    )
    nn.fit(b, X, y, nn.mse_loss, nn.optim.SGD(b.parameters(), lr=0.5), 5, shuffle=False, progress=False)
    assert_same_parameters(a, b)


# -- shuffling -------------------------------------------------------------------------------
def shuffled_run(rng, shuffle: bool = True) -> tuple[nn.MLP, dict]:
    X, y = nn.datasets.circle(n=40, rng=0)
    model = xor_model(7)
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    history = nn.fit(model, X, y, nn.mse_loss, opt, 4, batch_size=5, shuffle=shuffle, rng=rng, progress=False)
    return model, history


def test_shuffle_with_the_same_seed_is_reproducible():
    a, history_a = shuffled_run(11)
    b, history_b = shuffled_run(11)
    assert_same_parameters(a, b)
    assert history_a == history_b
    c, history_c = shuffled_run(np.random.default_rng(11))  # a Generator works too
    assert_same_parameters(a, c)
    assert history_a == history_c


def test_shuffle_with_another_seed_or_no_shuffle_differs():
    a, history_a = shuffled_run(11)
    b, history_b = shuffled_run(12)
    c, history_c = shuffled_run(11, shuffle=False)
    assert not np.array_equal(a.layers[0].weight.data, b.layers[0].weight.data)
    assert not np.array_equal(a.layers[0].weight.data, c.layers[0].weight.data)
    assert history_a["loss"] != history_b["loss"]
    assert history_a["loss"] != history_c["loss"]


def test_shuffle_visits_every_row_once_per_epoch():
    X = np.arange(10.0).reshape(10, 1)
    seen: list[float] = []

    def model(x):
        seen.extend(x.data[:, 0].tolist())
        return x * weight

    weight = Tensor([1.0], requires_grad=True)
    nn.fit(model, X, X, nn.mse_loss, nn.optim.SGD([weight], lr=1e-3), 3, batch_size=3, rng=0, progress=False)
    epochs = [seen[10 * e : 10 * (e + 1)] for e in range(3)]
    assert len(seen) == 30
    assert all(sorted(e) == list(range(10)) for e in epochs)
    assert epochs[0] != list(range(10)) and epochs[0] != epochs[1]  # shuffled, anew each epoch


# -- progress -----------------------------------------------------------------------------------
def xor_fit(progress: bool) -> dict:
    X, y = nn.datasets.xor()
    model = xor_model(8)
    return nn.fit(
        model,
        X,
        y,
        nn.binary_cross_entropy,
        nn.optim.SGD(model.parameters(), lr=0.5),
        5,
        rng=0,
        progress=progress,
    )


def test_progress_prints_nothing_when_stderr_is_not_a_terminal(capsys):
    history = xor_fit(progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert history == xor_fit(progress=False)


def test_progress_bar_on_a_terminal(capsys, monkeypatch):
    expected = xor_fit(progress=False)
    monkeypatch.setattr(nn.training, "_is_terminal", lambda: True)
    history = xor_fit(progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout stays clean for the user's own output
    assert captured.err.strip() != ""
    assert history == expected


def test_progress_bar_without_tqdm(capsys, monkeypatch):
    expected = xor_fit(progress=False)
    monkeypatch.setattr(nn.training, "_is_terminal", lambda: True)
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)  # import tqdm.auto fails
    history = xor_fit(progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and f"{expected['loss'][-1]:.4f}" in err
    assert history == expected


# -- argument errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"y": np.zeros((3, 1))}, ["4", "3"]),
        ({"epochs": 0}, ["epochs"]),
        ({"epochs": -2}, ["epochs"]),
        ({"epochs": 2.5}, ["epochs"]),
        ({"batch_size": 0}, ["batch_size"]),
        ({"batch_size": -1}, ["batch_size"]),
        ({"batch_size": 2.0}, ["batch_size", "float 2.0"]),
        ({"X": np.zeros((0, 2)), "y": np.zeros((0, 1))}, ["no rows", "(0, 2)"]),
    ],
    ids=[
        "row mismatch",
        "epochs 0",
        "epochs negative",
        "epochs float",
        "batch_size 0",
        "batch_size negative",
        "batch_size float",
        "no rows",
    ],
)
def test_argument_errors(kwargs, words):
    X, y = nn.datasets.xor()
    model = xor_model()
    before = model.state_dict()
    args = {"X": X, "y": y, "epochs": 3} | kwargs
    with pytest.raises(ValueError) as info:
        nn.fit(
            model,
            loss=nn.mse_loss,
            optimizer=nn.optim.SGD(model.parameters(), lr=0.1),
            progress=False,
            **args,
        )
    for word in words:
        assert word in str(info.value)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])  # nothing trained


def test_zero_rows_blame_the_data_not_batch_size():
    model = xor_model()
    for batch_size in (None, 2):
        with pytest.raises(ValueError) as info:
            nn.fit(
                model,
                np.zeros((0, 2)),
                np.zeros((0, 1)),
                nn.mse_loss,
                nn.optim.SGD(model.parameters(), 0.1),
                1,
                batch_size=batch_size,
                progress=False,
            )
        assert "the data has no rows" in str(info.value) and "batch_size" not in str(info.value)


def test_numpy_integers_are_ints_for_epochs_and_batch_size():
    X, y = nn.datasets.xor()
    model = xor_model()
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    history = nn.fit(model, X, y, nn.mse_loss, opt, np.int64(3), batch_size=np.int32(2), progress=False)
    assert len(history["loss"]) == 3


def test_an_optimizer_built_for_another_model_is_refused():
    # a notebook habit: the model cell run again after the optimizer cell
    X, y = nn.datasets.xor()
    old = xor_model(0)
    opt = nn.optim.SGD(old.parameters(), lr=0.1)
    model = xor_model(1)
    before = model.state_dict()
    with pytest.raises(
        ValueError, match=r"optimizer holds none of the model's 4 parameters.*model.parameters\(\)"
    ):
        nn.fit(model, X, y, nn.mse_loss, opt, 3, progress=False)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])
    # an optimizer over part of the model (fine-tuning the last layer) is fine
    nn.fit(model, X, y, nn.mse_loss, nn.optim.SGD(model.layers[1].parameters(), lr=0.1), 1, progress=False)


@pytest.mark.parametrize("what", ["model", "loss"])
def test_a_class_instead_of_an_instance_is_refused(what):
    X, y = nn.datasets.xor()
    model = xor_model()
    args = {"model": model, "loss": nn.mse_loss} | {what: nn.MLP if what == "model" else nn.MSELoss}
    with pytest.raises(
        TypeError, match=rf"fit: {what} must be an instance, e.g. \w+\(\.\.\.\), got the class"
    ):
        nn.fit(X=X, y=y, optimizer=nn.optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False, **args)


def test_fit_accepts_tensors_and_lists():
    X, y = nn.datasets.xor()
    a, b = xor_model(9), xor_model(9)
    opt_a, opt_b = nn.optim.SGD(a.parameters(), lr=0.5), nn.optim.SGD(b.parameters(), lr=0.5)
    h1 = nn.fit(a, Tensor(X), Tensor(y), nn.mse_loss, opt_a, 3, shuffle=False, progress=False)
    h2 = nn.fit(b, X.tolist(), y.tolist(), nn.mse_loss, opt_b, 3, shuffle=False, progress=False)
    assert h1 == h2
    assert_same_parameters(a, b)


# -- evaluate ---------------------------------------------------------------------------------------
def test_evaluate_returns_a_numpy_array_and_records_no_graph():
    X, _ = nn.datasets.xor()
    model = xor_model()
    outputs, grad_enabled = [], []

    def spy(x):
        grad_enabled.append(is_grad_enabled())
        out = model(x)
        outputs.append(out)
        return out

    result = nn.evaluate(spy, X)
    assert isinstance(result, np.ndarray) and not isinstance(result, Tensor)
    np.testing.assert_array_equal(result, model(Tensor(X)).data)
    assert grad_enabled == [False]
    assert not outputs[0].requires_grad and outputs[0].parents == ()
    assert is_grad_enabled()  # restored afterwards
    assert all(p.grad is None for p in model.parameters())


# -- datasets ----------------------------------------------------------------------------------------
def test_xor_dataset():
    X, y = nn.datasets.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype.kind == "f" and y.dtype.kind == "f"


def test_gender_dataset():
    # Alice 133 lb 65 in, Bob 160 lb 72 in, Charlie 152 lb 70 in, Diana 120 lb 60 in;
    # features shifted by 135 lb and 66 in; 1 = female
    X, y = nn.datasets.gender()
    np.testing.assert_array_equal(X, [[-2, -1], [25, 6], [17, 4], [-15, -6]])
    np.testing.assert_array_equal(y, [[1], [0], [0], [1]])
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype.kind == "f" and y.dtype.kind == "f"


def test_datasets_are_fresh_copies():
    X, _ = nn.datasets.xor()
    X[...] = 9.0
    assert nn.datasets.xor()[0][0, 0] == 0.0


@pytest.mark.parametrize("make", [nn.datasets.circle, nn.datasets.random_labels])
def test_random_datasets_shapes_and_reproducibility(make):
    X, y = make(n=500, rng=0)
    assert X.shape == (500, 2) and y.shape == (500, 1)
    assert X.dtype.kind == "f" and y.dtype.kind == "f"
    assert X.min() >= 0.0 and X.max() < 1.0
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.4 < y.mean() < 0.6  # two balanced classes
    X2, y2 = make(n=500, rng=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n=500, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(X, X3)
    X4, _ = make(n=500, rng=1)
    assert not np.array_equal(X, X4)
    assert make(n=17, rng=0)[0].shape == (17, 2)


def test_circle_labels_are_the_circle_of_area_one_half():
    X, y = nn.datasets.circle(n=2000, rng=3)
    inside = np.hypot(X[:, 0] - 0.5, X[:, 1] - 0.5) < np.sqrt(0.5 / np.pi)
    np.testing.assert_array_equal(y[:, 0], inside.astype(float))


def test_callback_sees_every_epoch_and_the_history_so_far():
    X, y = nn.datasets.xor()
    model = xor_model()
    seen = []
    history = nn.fit(
        model,
        X,
        y,
        nn.binary_cross_entropy,
        nn.optim.SGD(model.parameters(), lr=0.5),
        epochs=5,
        progress=False,
        callback=lambda epoch, h: seen.append((epoch, list(h["loss"]))),
    )
    assert [epoch for epoch, _ in seen] == [1, 2, 3, 4, 5]
    assert [losses for _, losses in seen] == [history["loss"][:k] for k in range(1, 6)]


def test_callback_returning_true_stops_training_early():
    X, y = nn.datasets.xor()
    model = xor_model()
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(
        model,
        X,
        y,
        nn.binary_cross_entropy,
        opt,
        epochs=1000,
        progress=False,
        callback=lambda epoch, h: h["accuracy"][-1] == 1.0,
    )
    assert history["accuracy"][-1] == 1.0
    assert 1 < len(history["loss"]) < 1000
    assert history["accuracy"][:-1].count(1.0) == 0  # it stopped at the first perfect epoch


@pytest.mark.parametrize(
    ("call", "caller"),
    [
        (lambda m: nn.fit(m, 1.0, [[1.0]], nn.mse_loss, nn.optim.SGD(m.parameters(), lr=0.1), 1), "fit"),
        (lambda m: nn.evaluate(m, 1.0), "evaluate"),
    ],
)
def test_a_scalar_instead_of_rows_is_refused_naming_the_call(call, caller):
    with pytest.raises(ValueError, match=rf"^{caller}: X must have one row per sample, got a scalar"):
        call(xor_model())
