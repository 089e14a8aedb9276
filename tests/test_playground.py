"""nn.playground's Python side (no browser): one training loop for the playground
and `nn.fit` (the same weights number for number), `train_steps`, the `Settings`
and their URL and JSON forms, the JSON of `Session.setup` and `Session.frame`
(decoded and checked against the engine's own numbers), `explain_point`
leaving the run untouched, the 2-D data sets and `record`."""

from __future__ import annotations

import base64
import copy
import html
import json
import math
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nn
from nn.playground import Recording, Session, Settings, SettingsError, record
from nn.playground.session import GRID, NEURON_GRID, grid_points, round4
from tinygrad_lite import Tensor, no_grad

LOSS = {"bce": nn.binary_cross_entropy, "mse": nn.mse_loss}


def data_for(s: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The data a session on `s` must train on, drawn here from nn.datasets directly."""
    n, noise, seed = s.points, s.noise, s.seed
    if s.dataset == "xor":
        return nn.datasets.xor()
    if s.dataset == "gender":
        return nn.datasets.gender()
    if s.dataset == "xor-cloud":
        return nn.datasets.xor_points(n, noise, rng=seed)
    if s.dataset == "circle":
        return nn.datasets.circle(n, rng=seed, noise=noise)
    return {"moons": nn.datasets.moons, "spiral": nn.datasets.spiral}[s.dataset](n, noise, rng=seed)


def model_for(s: Settings) -> nn.MLP:
    return nn.MLP(2, [*s.hidden, 1], activation=s.activation, out_activation="sigmoid", rng=s.seed)


def optimizer_for(s: Settings, model: nn.Module) -> nn.optim.Optimizer:
    if s.optimizer == "adam":
        return nn.optim.Adam(model.parameters(), lr=s.lr)
    return nn.optim.SGD(model.parameters(), lr=s.lr, momentum=0.9 if s.optimizer == "momentum" else 0.0)


def decode(cells: str, side: int) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(cells), dtype=np.uint8)
    assert raw.size == side * side
    return raw.reshape(side, side)


def parameters(model: nn.Module) -> list[np.ndarray]:
    return [p.data.copy() for p in model.parameters()]


# -- (a) one engine: a session's steps are fit's steps --------------------------------------
ONE_ENGINE = [
    Settings(dataset="xor-cloud", points=20, hidden=(4,), optimizer="sgd", lr=0.5, batch_size=1),
    Settings(dataset="moons", points=50, optimizer="momentum", lr=0.1, batch_size=10, seed=3),
    Settings(dataset="spiral", points=40, hidden=(8, 8, 8), optimizer="adam", batch_size=40, seed=7),
    Settings(dataset="circle", points=30, activation="relu", loss="mse", batch_size=7, noise=0.05),
    Settings(dataset="xor"),  # batch_size 10 on 4 rows: every step takes all four, as fit does
    Settings(dataset="gender", hidden=(), activation="sigmoid", optimizer="sgd", lr=0.01, batch_size=1),
]


@pytest.mark.parametrize("s", ONE_ENGINE, ids=lambda s: f"{s.dataset}-{s.optimizer}-b{s.batch_size}")
def test_a_session_reaches_fits_weights_number_for_number(s):
    epochs = 3
    session = Session(s)
    X, y = data_for(s)
    np.testing.assert_array_equal(session.X, X)
    np.testing.assert_array_equal(session.y, y)
    assert session.batches_per_epoch == math.ceil(len(X) / min(s.batch_size, len(X)))
    session.step(epochs * session.batches_per_epoch)

    model = model_for(s)
    nn.fit(
        model,
        X,
        y,
        LOSS[s.loss],
        optimizer_for(s, model),
        epochs=epochs,
        batch_size=s.batch_size,
        rng=s.seed,
        progress=False,
    )
    for mine, theirs in zip(session.model.parameters(), model.parameters(), strict=True):
        assert np.array_equal(mine.data, theirs.data)
    frame = session.frame()
    with no_grad():
        prob = model(Tensor(X))
        assert frame["loss"] == LOSS[s.loss](prob, y).item()
    assert frame["accuracy"] == np.mean((prob.data > 0.5) == (y > 0.5))
    assert frame["epoch"] == epochs
    assert frame["step"] == epochs * session.batches_per_epoch


def test_a_session_of_your_own_model_reaches_fits_weights():
    X, y = nn.datasets.moons(60, 0.2, rng=1)

    def build():
        model = nn.MLP(2, [5, 1], activation="relu", out_activation="sigmoid", rng=4)
        return model, nn.optim.Adam(model.parameters(), lr=0.02)

    model, opt = build()
    session = Session.from_model(model, X, y, loss=nn.BCELoss(), optimizer=opt, batch_size=8, seed=2)
    session.step(4 * session.batches_per_epoch)
    twin, twin_opt = build()
    nn.fit(twin, X, y, nn.BCELoss(), twin_opt, epochs=4, batch_size=8, rng=2, progress=False)
    for mine, theirs in zip(model.parameters(), twin.parameters(), strict=True):
        assert np.array_equal(mine.data, theirs.data)
    described = session.setup()["settings"]
    assert described == {
        "dataset": "custom",
        "points": 60,
        "noise": None,
        "hidden": [5],
        "activation": "relu",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.02,
        "batch_size": 8,
        "seed": 2,
    }
    assert session.settings is None


@pytest.mark.parametrize(
    "model, error",
    [
        (nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()), "nn.MLP"),
        (nn.MLP(3, [4, 1], out_activation="sigmoid"), "2 inputs"),
        (nn.MLP(2, [4, 2], out_activation="sigmoid"), "1 output"),
        (nn.MLP(2, [4, 1], out_activation="tanh"), "sigmoid"),
    ],
)
def test_from_model_refuses_a_model_it_cannot_draw(model, error):
    X, y = nn.datasets.xor()
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=error):
        Session.from_model(model, X, y, loss=nn.mse_loss, optimizer=opt)


@pytest.mark.parametrize(
    "X, y, error",
    [
        (np.zeros((4, 3)), np.zeros((4, 1)), "shape \\(n, 2\\)"),
        (np.zeros((4, 2)), np.zeros(4), "shape \\(n, 1\\)"),
        (np.zeros((4, 2)), np.full((4, 1), 2.0), "labels 0 and 1"),
        (np.full((4, 2), np.nan), np.zeros((4, 1)), "finite"),
    ],
)
def test_from_model_refuses_data_it_cannot_draw(X, y, error):
    model = nn.MLP(2, [1], out_activation="sigmoid")
    with pytest.raises(ValueError, match=error):
        Session.from_model(model, X, y, loss=nn.mse_loss, optimizer=nn.optim.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"batch_size": 2.0}, {"seed": -1}, {"seed": "0"}])
def test_from_model_refuses_a_bad_batch_size_or_seed(kwargs):
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [1], out_activation="sigmoid")
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Session.from_model(model, X, y, loss=nn.mse_loss, optimizer=opt, **kwargs)


@pytest.mark.parametrize("n", [0, 1001, True, 1.0, "3"])
def test_step_takes_1_to_1000_steps(n):
    with pytest.raises(ValueError, match="from 1 to 1000"):
        Session(Settings()).step(n)


# -- (b) train_steps, and fit unchanged by running on it ------------------------------------
def hand_written_fit(model, X, y, loss, optimizer, epochs, batch, seed, accuracy):
    """nn.fit as it was written before train_steps: the same RNG draws, the same sums."""
    rng = np.random.default_rng(seed)
    n = len(X)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        total = correct = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            pred = model(Tensor(X[idx]))
            step_loss = loss(pred, y[idx])
            optimizer.zero_grad()
            step_loss.backward()
            optimizer.step()
            total += step_loss.item() * len(idx)
            correct += accuracy(pred.data, y[idx]) * len(idx)
        history["loss"].append(total / n)
        history["accuracy"].append(correct / n)
    return history


@pytest.mark.parametrize("batch", [1, 7, 30])
def test_fits_history_is_the_hand_written_loops(batch):
    X, y = nn.datasets.circle(30, rng=5)
    accuracy = nn.training.ACCURACY[nn.binary_cross_entropy]
    histories, models = [], []
    for train in ("fit", "hand"):
        model = nn.MLP(2, [6, 1], activation="tanh", out_activation="sigmoid", rng=1)
        opt = nn.optim.Adam(model.parameters(), lr=0.05)
        if train == "fit":
            history = nn.fit(
                model, X, y, nn.binary_cross_entropy, opt, 5, batch_size=batch, rng=9, progress=False
            )
        else:
            history = hand_written_fit(model, X, y, nn.binary_cross_entropy, opt, 5, batch, 9, accuracy)
        histories.append(history)
        models.append(model)
    assert histories[0] == histories[1]
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert np.array_equal(a.data, b.data)


def test_fit_stops_when_its_callback_says_so_after_whole_epochs():
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [3, 1], rng=0)
    seen = []
    history = nn.fit(
        model,
        X,
        y,
        nn.mse_loss,
        nn.optim.SGD(model.parameters(), lr=0.1),
        epochs=10,
        batch_size=3,
        progress=False,
        callback=lambda epoch, h: seen.append(epoch) or epoch == 4,
    )
    assert seen == [1, 2, 3, 4]
    assert len(history["loss"]) == 4


def test_train_steps_yields_one_record_per_step_with_the_steps_numbers():
    X, y = nn.datasets.moons(10, rng=0)
    model = nn.MLP(2, [4, 1], activation="tanh", out_activation="sigmoid", rng=0)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    twin = copy.deepcopy(model)
    twin_opt = nn.optim.SGD(twin.parameters(), lr=0.1)
    rng = np.random.default_rng(4)
    steps = nn.train_steps(model, X, y, nn.binary_cross_entropy, opt, batch_size=4, rng=4)
    for expected_step in range(1, 3 * 3 + 1):  # 3 epochs of batches 4, 4, 2
        epoch, k = divmod(expected_step - 1, 3)
        if k == 0:
            order = rng.permutation(10)
        idx = order[4 * k : 4 * k + 4]
        pred = twin(Tensor(X[idx]))
        loss = nn.binary_cross_entropy(pred, y[idx])
        twin_opt.zero_grad()
        loss.backward()
        twin_opt.step()
        record = next(steps)
        assert isinstance(record, nn.TrainStep)
        assert (record.epoch, record.step, record.end_of_epoch) == (epoch + 1, expected_step, k == 2)
        assert np.array_equal(record.batch, idx)
        assert np.array_equal(record.pred, pred.data)
        assert record.loss == loss.item() and type(record.loss) is float
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        assert np.array_equal(a.data, b.data)


def test_train_steps_without_shuffle_visits_the_rows_in_order_forever():
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [1], rng=0)
    steps = nn.train_steps(model, X, y, nn.mse_loss, nn.optim.SGD(model.parameters(), lr=0.1), 3, False)
    batches = [next(steps).batch.tolist() for _ in range(6)]
    assert batches == [[0, 1, 2], [3], [0, 1, 2], [3], [0, 1, 2], [3]]


def test_train_steps_puts_a_module_in_training_mode():
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [1], rng=0).eval()
    nn.train_steps(model, X, y, nn.mse_loss, nn.optim.SGD(model.parameters(), lr=0.1))
    assert model.training


@pytest.mark.parametrize(
    "change, error",
    [
        ({"batch_size": 0}, "train_steps: batch_size must be a positive int or None"),
        ({"y": np.zeros((3, 1))}, "train_steps: X has 4 rows but y has 3"),
        ({"loss": nn.MSELoss}, "train_steps: loss must be an instance"),
        ({"optimizer": "sgd"}, "train_steps: optimizer must be an object with step"),
    ],
)
def test_train_steps_checks_its_arguments_when_called_not_at_the_first_step(change, error):
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [1], rng=0)
    args = {"model": model, "X": X, "y": y, "loss": nn.mse_loss}
    args["optimizer"] = nn.optim.SGD(model.parameters(), lr=0.1)
    args.update(change)
    with pytest.raises((TypeError, ValueError), match=error):
        nn.train_steps(**args)  # no next(): the iterator is never started


# -- (c) Settings ---------------------------------------------------------------------------
@st.composite
def valid_settings(draw):
    points = draw(st.integers(10, 1000))
    return Settings(
        dataset=draw(st.sampled_from(["xor", "xor-cloud", "gender", "circle", "moons", "spiral"])),
        points=points,
        noise=draw(st.floats(0, 0.5)),
        hidden=tuple(draw(st.lists(st.integers(1, 32), max_size=6))),
        activation=draw(st.sampled_from(["tanh", "relu", "sigmoid"])),
        loss=draw(st.sampled_from(["bce", "mse"])),
        optimizer=draw(st.sampled_from(["sgd", "momentum", "adam"])),
        lr=draw(st.floats(0, 10, exclude_min=True)),
        batch_size=draw(st.integers(1, points)),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


@settings(max_examples=200, deadline=None)
@given(valid_settings())
def test_settings_round_trip_through_a_url_and_json(s):
    assert Settings.from_query(s.to_query()) == s
    assert Settings.from_query(parse_qs(urlencode(s.to_query()), keep_blank_values=True)) == s
    assert Settings.from_json(json.loads(json.dumps(s.to_json()))) == s
    assert all(isinstance(v, str) for v in s.to_query().values())


def test_settings_defaults_and_their_query_and_json():
    s = Settings()
    assert s.to_json() == {
        "dataset": "xor",
        "points": 200,
        "noise": 0.1,
        "hidden": [8, 8],
        "activation": "tanh",
        "loss": "bce",
        "optimizer": "adam",
        "lr": 0.03,
        "batch_size": 10,
        "seed": 0,
    }
    assert s.to_query()["hidden"] == "8,8" and s.to_query()["lr"] == "0.03"
    assert Settings.from_query({"hidden": ""}).hidden == ()
    assert Settings.from_query({"hidden": " 4, 2 ", "lr": "1e-2"}) == Settings(hidden=(4, 2), lr=0.01)
    assert Settings(hidden=[3], lr=1) == Settings(hidden=(3,), lr=1.0)  # canonical types
    assert Settings.from_json({}) == Settings.from_query({}) == s


BAD_QUERY = [
    ("dataset", "mnist"),
    ("dataset", "XOR"),
    ("points", "9"),
    ("points", "1001"),
    ("points", "20.5"),
    ("points", "many"),
    ("noise", "-0.1"),
    ("noise", "0.6"),
    ("noise", "nan"),
    ("noise", ""),
    ("hidden", "8,,8"),
    ("hidden", "8,33"),
    ("hidden", "0"),
    ("hidden", "1,1,1,1,1,1,1"),
    ("hidden", "8;8"),
    ("activation", "softmax"),
    ("loss", "cross_entropy"),
    ("optimizer", "rmsprop"),
    ("lr", "abc"),
    ("lr", "0"),
    ("lr", "-1"),
    ("lr", "10.5"),
    ("lr", "inf"),
    ("lr", "1e999"),
    ("lr", "__import__('os').system('echo hacked')"),
    ("batch_size", "0"),
    ("batch_size", "201"),  # more than the 200 points: an error, never a silent clamp
    ("batch_size", "ten"),
    ("seed", "-1"),
    ("seed", str(2**31)),
    ("seed", "9" * 5000),
]


@pytest.mark.parametrize("field, text", BAD_QUERY)
def test_every_bad_query_value_names_its_field(field, text):
    with pytest.raises(SettingsError) as caught:
        Settings.from_query({field: text})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field} must be")


BAD_JSON = [
    ("dataset", 3),
    ("points", 200.0),
    ("points", True),
    ("points", "200"),
    ("noise", None),
    ("noise", float("nan")),
    ("hidden", "8,8"),
    ("hidden", [8, 8.0]),
    ("hidden", [True]),
    ("hidden", {"a": 1}),
    ("activation", None),
    ("loss", ["bce"]),
    ("optimizer", "Adam"),
    ("lr", "0.1"),
    ("lr", False),
    ("lr", 0),
    ("batch_size", 2.5),
    ("seed", 1.5),
]


@pytest.mark.parametrize("field, value", BAD_JSON)
def test_every_bad_json_or_python_value_names_its_field(field, value):
    for make in (lambda: Settings.from_json({field: value}), lambda: Settings(**{field: value})):
        with pytest.raises(SettingsError) as caught:
            make()
        assert caught.value.field == field


FIELDS = [
    "dataset",
    "points",
    "noise",
    "hidden",
    "activation",
    "loss",
    "optimizer",
    "lr",
    "batch_size",
    "seed",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIELDS), st.text(max_size=12))
@example("points", "0\x1f")  # str.strip removes \x1f, int() refuses it
@example("lr", "1\x1c")
def test_any_text_for_any_field_gives_settings_or_a_settings_error_naming_it(field, text):
    try:
        s = Settings.from_query({field: text})
    except SettingsError as error:
        assert error.field == field
    else:
        assert Settings.from_query(s.to_query()) == s


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(FIELDS),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
        max_leaves=5,
    ),
)
def test_any_json_value_for_any_field_gives_settings_or_a_settings_error_naming_it(field, value):
    try:
        Settings.from_json({field: value})
    except SettingsError as error:
        assert error.field == field


def test_the_messages_say_what_is_expected_and_what_was_given():
    with pytest.raises(SettingsError, match=r"^lr must be a number > 0 and ≤ 10, got 'abc'$"):
        Settings.from_query({"lr": "abc"})
    with pytest.raises(SettingsError, match=r"batch_size must be a whole number from 1 to 50 \(the number"):
        Settings(points=50, batch_size=60)


@pytest.mark.parametrize(
    "query, field",
    [({"learning_rate": "0.1"}, "learning_rate"), ({"lr": ["0.1", "0.2"]}, "lr"), ({"lr": []}, "lr")],
)
def test_an_unknown_or_repeated_key_is_refused(query, field):
    with pytest.raises(SettingsError) as caught:
        Settings.from_query(query)
    assert caught.value.field == field
    if field == "learning_rate":
        with pytest.raises(SettingsError):
            Settings.from_json({"learning_rate": 0.1})


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().lr = 1.0  # type: ignore[misc]


# -- (d) setup and frame --------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained() -> Session:
    session = Session(Settings(dataset="moons", points=60, hidden=(5, 3), activation="relu", seed=2))
    session.step(25)
    return session


def test_setup_describes_the_run(trained):
    setup = trained.setup()
    assert setup["sizes"] == [2, 5, 3, 1]
    assert setup["activation"] == "relu"
    assert setup["settings"] == trained.settings.to_json()
    assert (setup["grid"], setup["neuron_grid"]) == (GRID, NEURON_GRID) == (48, 20)
    assert len(setup["points"]) == 60
    for (x1, x2, label), x, target in zip(setup["points"], trained.X, trained.y[:, 0]):
        for got, exact in ((x1, x[0]), (x2, x[1])):  # 4 significant digits, the nearest to 1/2 unit
            assert got == float(f"{got:.4g}") and abs(got - exact) <= 5.0001e-4 * abs(exact)
        assert label == target and type(label) is int
    xmin, xmax, ymin, ymax = setup["extent"]
    assert xmax - xmin == pytest.approx(ymax - ymin, rel=1e-3)  # square
    lo, hi = trained.X.min(axis=0), trained.X.max(axis=0)
    margin = 0.1 * max(hi - lo)
    assert xmin < lo[0] and xmax > hi[0] and ymin < lo[1] and ymax > hi[1]
    assert min(lo[0] - xmin, xmax - hi[0], lo[1] - ymin, ymax - hi[1]) >= margin * 0.99
    json.dumps(setup, allow_nan=False)


def test_grid_points_run_row_by_row_from_the_top_left_cell_centre():
    pts = grid_points([0.0, 4.0, -2.0, 2.0], 4)
    assert pts.shape == (16, 2)
    assert pts[0].tolist() == [0.5, 1.5]  # top left: x near xmin, y near ymax
    assert pts[3].tolist() == [3.5, 1.5]  # then to the right
    assert pts[4].tolist() == [0.5, 0.5]  # then one row down


def test_the_boundary_is_the_models_probability_at_the_grid_points(trained):
    frame = trained.frame()
    cells = decode(frame["boundary"], GRID)
    with no_grad():
        prob = trained.model(Tensor(grid_points(trained.setup()["extent"], GRID))).data
    assert np.array_equal(cells.ravel(), np.round(prob[:, 0] * 255).astype(np.uint8))
    assert cells.min() < 64 and cells.max() > 192  # both classes show


def test_each_neuron_is_its_activation_over_the_plane_with_its_range(trained):
    frame = trained.frame()
    sizes = trained.setup()["sizes"]
    assert [len(layer) for layer in frame["neurons"]] == sizes[1:]
    h = Tensor(grid_points(trained.setup()["extent"], NEURON_GRID))
    with no_grad():
        for k, layer in enumerate(trained.model.layers):
            h = layer(h)
            for j, neuron in enumerate(frame["neurons"][k]):
                a = h.data[:, j]
                if layer.activation == "relu":
                    assert neuron["lo"] == 0.0 and neuron["hi"] == float(f"{a.max():.4g}")
                else:  # the sigmoid output
                    assert (neuron["lo"], neuron["hi"]) == (0.0, 1.0)
                span = (neuron["hi"] - neuron["lo"]) or 1.0
                expected = np.round(np.clip((a - neuron["lo"]) / span, 0, 1) * 255).astype(np.uint8)
                assert np.array_equal(decode(neuron["cells"], NEURON_GRID).ravel(), expected)


def test_a_tanh_neuron_spans_minus_one_to_one():
    session = Session(Settings(hidden=(3,), activation="tanh"))
    neurons = session.frame()["neurons"]
    assert [(n["lo"], n["hi"]) for n in neurons[0]] == [(-1.0, 1.0)] * 3
    with no_grad():
        a = session.model.layers[0](Tensor(grid_points(session.setup()["extent"], NEURON_GRID))).data
    expected = np.round((a[:, 1] + 1) / 2 * 255).astype(np.uint8)
    assert np.array_equal(decode(neurons[0][1]["cells"], NEURON_GRID).ravel(), expected)


def test_a_frame_holds_weights_and_the_last_steps_gradients(trained):
    fresh = Session(trained.settings)
    before = fresh.frame()
    assert before["step"] == 0 and before["epoch"] == 0 and before["batch_loss"] is None
    for layer, entry in zip(fresh.model.layers, before["layers"]):
        assert entry["weight"] == round4(layer.weight.data)
        assert np.array(entry["weight"]).shape == (layer.nin, layer.nout)
        assert entry["weight_grad"] == np.zeros((layer.nin, layer.nout)).tolist()
        assert entry["bias_grad"] == [0.0] * layer.nout
    fresh.step(1)
    after = fresh.frame()
    assert after["batch_loss"] == fresh.last.loss and after["step"] == 1
    assert after["epoch"] == 1 / fresh.batches_per_epoch
    for layer, entry in zip(fresh.model.layers, after["layers"]):
        assert entry["weight"] == round4(layer.weight.data)
        assert entry["bias"] == round4(layer.bias.data)
        assert entry["weight_grad"] == round4(layer.weight.grad)
        assert entry["bias_grad"] == round4(layer.bias.grad)
        assert entry["weight_grad"] != np.zeros((layer.nin, layer.nout)).tolist()
    json.dumps(after, allow_nan=False)


def test_a_frame_changes_nothing(trained):
    weights = parameters(trained.model)
    grads = [p.grad.copy() for p in trained.model.parameters()]
    trained.frame()
    assert trained.model.training
    for p, w, g in zip(trained.model.parameters(), weights, grads):
        assert np.array_equal(p.data, w) and np.array_equal(p.grad, g)


def test_round4_keeps_4_significant_digits_and_sends_non_finite_numbers_as_null():
    assert round4([123456.0, 0.000123456, -1.23456, 0.0, 1e-300]) == [
        123500.0,
        0.0001235,
        -1.235,
        0.0,
        1e-300,
    ]
    assert round4([[1.0, float("nan")], [float("inf"), 2.0]]) == [[1.0, None], [None, 2.0]]


def test_a_diverged_run_still_gives_valid_json():
    session = Session(Settings(dataset="circle", points=20, batch_size=5))
    session.model.layers[0].weight.data[0, 0] = np.nan
    frame = session.frame()
    json.dumps(frame, allow_nan=False)
    assert frame["loss"] is None and frame["layers"][0]["weight"][0][0] is None
    assert len(base64.b64decode(frame["boundary"])) == GRID * GRID


# -- (e) explain_point ----------------------------------------------------------------------
def state_of(session: Session) -> list[np.ndarray]:
    opt = session.optimizer
    extra = [*opt.m, *opt.v, np.array(opt.t)] if isinstance(opt, nn.optim.Adam) else []
    if isinstance(opt, nn.optim.SGD):
        extra = [v for v in opt.velocity if v is not None]
    grads = [p.grad for p in session.model.parameters()]
    return [a.copy() for a in [*parameters(session.model), *grads, *extra]]


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "sgd"])
def test_explain_point_leaves_the_run_exactly_as_it_was(optimizer):
    s = Settings(dataset="xor-cloud", points=40, optimizer=optimizer, lr=0.05, batch_size=8)
    session, twin = Session(s), Session(s)
    session.step(7)
    twin.step(7)
    before = state_of(session)
    session.explain_point(5)
    after = state_of(session)
    assert len(before) == len(after)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    session.step(6)  # and the run goes on exactly as one never explained
    twin.step(6)
    assert all(np.array_equal(a, b) for a, b in zip(state_of(session), state_of(twin)))


def test_explain_point_with_plain_sgd_shows_one_step_on_the_point_and_its_effect():
    session = Session(Settings(dataset="moons", points=30, optimizer="sgd", lr=0.05, batch_size=10))
    session.step(3)
    out = session.explain_point(4)
    x, label = session.X[4], session.y[4, 0]
    assert out["point"] == 4 and out["x"] == round4(x) and out["label"] == label
    for v in x:
        assert f"{v:.3g}" in out["html"]
    with no_grad():
        direct = nn.binary_cross_entropy(session.model(Tensor(session.X[4:5])), session.y[4:5]).item()
    assert out["loss_before"] == direct
    assert out["loss_after"] < out["loss_before"]
    assert "One SGD step" in out["note"] and "batch of 10" in out["note"]
    assert "update" in out["html"]  # the explorer's update phase
    json.dumps(out, allow_nan=False)


def test_explain_point_without_plain_sgd_says_the_update_is_not_shown():
    session = Session(Settings(dataset="xor", optimizer="adam"))
    out = session.explain_point(1)
    assert out["loss_after"] is None
    assert out["note"].startswith("The run uses Adam") and "without the update" in out["note"]
    assert out["html"].startswith("<!DOCTYPE html>") or "<html" in out["html"][:200]


@pytest.mark.parametrize("i", [-1, 4, 1.0, True])
def test_explain_point_refuses_an_index_outside_the_data(i):
    with pytest.raises(ValueError, match="from 0 to 3"):
        Session(Settings(dataset="xor")).explain_point(i)


# -- (f) data sets --------------------------------------------------------------------------
GENERATED = [nn.datasets.xor_points, nn.datasets.moons, nn.datasets.spiral]


@pytest.mark.parametrize("make", [*GENERATED, lambda n, noise, rng: nn.datasets.circle(n, rng, noise)])
def test_the_2d_data_sets_are_float_points_with_0_1_labels_drawn_from_the_seed(make):
    X, y = make(101, 0.2, rng=3)
    assert X.shape == (101, 2) and y.shape == (101, 1)
    assert X.dtype == y.dtype == np.float64
    assert set(np.unique(y)) == {0.0, 1.0}
    again, other = make(101, 0.2, rng=3), make(101, 0.2, rng=4)
    assert np.array_equal(again[0], X) and np.array_equal(again[1], y)
    assert not np.array_equal(other[0], X)
    generator = make(101, 0.2, rng=np.random.default_rng(3))
    assert np.array_equal(generator[0], X)


@pytest.mark.parametrize("make", [nn.datasets.moons, nn.datasets.spiral])
def test_moons_and_spiral_are_balanced(make):
    for n in (10, 11, 200):
        _, y = make(n, 0.3, rng=0)
        assert y.sum() in (n // 2, n - n // 2)


def test_moons_without_noise_lie_on_their_two_half_circles():
    X, y = nn.datasets.moons(50, 0.0, rng=0)
    upper, lower = X[y[:, 0] == 0], X[y[:, 0] == 1]
    assert np.allclose(np.hypot(*upper.T), 1.0) and (upper[:, 1] >= -1e-12).all()
    assert (
        np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0) and (lower[:, 1] <= 0.5 + 1e-12).all()
    )


def test_spiral_without_noise_is_two_arms_half_a_turn_apart():
    X, y = nn.datasets.spiral(40, 0.0, rng=0)
    r = np.hypot(*X.T)
    for label in (0.0, 1.0):
        arm = X[y[:, 0] == label]
        radii = np.sort(np.hypot(*arm.T))
        assert np.allclose(radii, np.arange(20) / 20)
    t = np.arctan2(X[:, 0], X[:, 1])  # the points are (r sin t, r cos t)
    expected = 1.75 * 2 * np.pi * r + np.where(y[:, 0] == 1, 0.0, np.pi)
    assert np.allclose(np.angle(np.exp(1j * (t - expected)))[r > 0], 0.0, atol=1e-9)


def test_xor_points_sit_around_the_corners_and_are_labelled_by_quadrant():
    X, y = nn.datasets.xor_points(200, 0.0, rng=0)
    corners, counts = np.unique(X, axis=0, return_counts=True)
    assert corners.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and counts.tolist() == [50] * 4
    X, y = nn.datasets.xor_points(400, 0.3, rng=1)
    assert np.array_equal(y[:, 0], ((X[:, 0] > 0.5) != (X[:, 1] > 0.5)).astype(float))
    assert 0.4 < y.mean() < 0.6


def test_circle_without_noise_draws_exactly_as_before_and_noise_moves_points_not_labels():
    X, y = nn.datasets.circle(50, rng=2)
    old = np.random.default_rng(2).random((50, 2))
    assert np.array_equal(X, old)
    assert np.array_equal(y[:, 0], (((old - 0.5) ** 2).sum(axis=1) < 1 / (2 * np.pi)).astype(float))
    noisy, noisy_y = nn.datasets.circle(50, rng=2, noise=0.1)
    assert np.array_equal(noisy_y, y) and not np.array_equal(noisy, X)


def test_the_tutorials_xor_and_gender_are_unchanged():
    assert nn.datasets.xor()[0].tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert nn.datasets.gender()[0].tolist() == [[-2, -1], [25, 6], [17, 4], [-15, -6]]


@pytest.mark.parametrize("make", [*GENERATED, nn.datasets.circle])
@pytest.mark.parametrize(
    "n, noise, error", [(0, 0.1, "n must"), (2.0, 0.1, "n must"), (5, -0.1, "noise must")]
)
def test_the_2d_data_sets_refuse_a_bad_count_or_noise(make, n, noise, error):
    with pytest.raises(ValueError, match=f"{make.__name__}: {error}"):
        make(n, noise=noise)


# -- (g) record -----------------------------------------------------------------------------
def test_record_keeps_the_first_every_kth_and_the_last_frame():
    recording = record(Settings(dataset="xor-cloud", points=40), steps=10, every=3)
    assert isinstance(recording, Recording)
    assert [f["step"] for f in recording.frames] == [0, 3, 6, 9, 10]
    assert recording.to_json() == {"setup": recording.setup, "frames": recording.frames}
    text = json.dumps(recording.to_json(), allow_nan=False)
    assert json.loads(text)["setup"]["settings"]["dataset"] == "xor-cloud"


def test_record_frames_are_the_sessions_frames():
    s = Settings(dataset="moons", points=30, optimizer="momentum")
    recording = record(s, steps=4)
    session = Session(s)
    expected = [session.frame()]
    for _ in range(4):
        session.step()
        expected.append(session.frame())
    assert recording.frames == expected
    assert recording.setup == session.setup()


def test_record_goes_on_from_a_sessions_current_step():
    session = Session(Settings(dataset="xor"))
    session.step(5)
    assert [f["step"] for f in record(session, steps=2).frames] == [5, 6, 7]


@pytest.mark.parametrize("steps, every", [(0, 1), (5001, 1), (10, 0), (1.5, 1), (10, True)])
def test_record_refuses_bad_counts(steps, every):
    with pytest.raises(ValueError, match="record: "):
        record(Settings(), steps=steps, every=every)


def test_a_recording_saves_the_replay_page_and_shows_inline(tmp_path):
    from nn.playground.page import page_html

    recording = record(Settings(dataset="xor"), steps=2)
    path = recording.save(tmp_path / "new" / "dir" / "run.html")
    assert path == tmp_path / "new" / "dir" / "run.html"
    assert path.read_text(encoding="utf-8") == page_html("replay", recording.to_json())
    inline = recording._repr_html_()
    assert inline.startswith("<iframe srcdoc=")
    assert html.escape(page_html("replay", recording.to_json()), quote=True) in inline


def test_the_packages_example_records_your_own_model(tmp_path, monkeypatch):
    import nn.playground

    example = nn.playground.__doc__.split("::", 1)[1]
    code = "\n".join(line[4:] for line in example.splitlines())
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "nn.playground example", "exec"), {})
    assert (tmp_path / "out" / "my_model.html").is_file()
