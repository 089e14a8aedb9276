"""nn.fit beyond the basics: validation data (loss and accuracy per epoch,
computed without a graph in evaluation mode, never trained on, the training
unchanged), a list of callbacks, and the progress display in a Jupyter
notebook (tqdm's bar, or one printed line per epoch without tqdm)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import nn
import nn.training
from tinygrad_lite import Tensor, is_grad_enabled


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    return rng.normal(size=(n, 2)) + 2.0 * np.eye(3, 2)[labels], labels


def classifier(seed: int = 0, dropout: float = 0.0) -> nn.Module:
    return nn.Sequential(
        nn.Linear(2, 8, rng=seed), nn.Tanh(), nn.Dropout(dropout, rng=seed), nn.Linear(8, 3, rng=seed + 1)
    )


def train(validation_data=None, callback=None, dropout=0.0, progress=False, epochs=4):
    X, y = blobs(60, 0)
    model = classifier(dropout=dropout)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    history = nn.fit(
        model, X, y, nn.cross_entropy, opt, epochs, batch_size=16, rng=0, progress=progress,
        callback=callback, validation_data=validation_data,
    )  # fmt: skip
    return model, history


def test_validation_loss_and_accuracy_per_epoch_equal_evaluate_after_each_epoch():
    X_val, y_val = blobs(25, 1)
    seen = []

    def record(epoch, history):
        pred = nn.evaluate(model_ref[0], X_val)
        seen.append((nn.cross_entropy(Tensor(pred), y_val).item(), float(np.mean(pred.argmax(1) == y_val))))

    model_ref = []
    X, y = blobs(60, 0)
    model_ref.append(classifier(dropout=0.3))
    opt = nn.optim.Adam(model_ref[0].parameters(), lr=0.05)
    history = nn.fit(
        model_ref[0], X, y, nn.cross_entropy, opt, 4, batch_size=16, rng=0, progress=False,
        callback=record, validation_data=(X_val, y_val),
    )  # fmt: skip
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history["val_loss"] == [loss for loss, _ in seen]
    assert history["val_accuracy"] == [acc for _, acc in seen]
    assert all(isinstance(v, float) for v in history["val_loss"] + history["val_accuracy"])
    assert model_ref[0].training  # back in training mode


def test_validation_changes_nothing_in_the_training_even_with_dropout():
    X_val, y_val = blobs(25, 1)
    plain_model, plain = train(dropout=0.3)
    model, history = train(validation_data=(X_val, y_val), dropout=0.3)
    assert history["loss"] == plain["loss"] and history["accuracy"] == plain["accuracy"]
    for p, q in zip(model.parameters(), plain_model.parameters()):
        assert np.array_equal(p.data, q.data)


def test_validation_records_no_graph_and_uses_evaluation_mode():
    calls = []

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(1, 1, rng=0)

        def forward(self, x):
            calls.append((len(x), self.training, is_grad_enabled()))
            return self.inner(x)

    X, y = np.arange(6.0).reshape(6, 1), np.arange(6.0).reshape(6, 1)
    model = Spy()
    history = nn.fit(
        model, X, y, nn.mse_loss, nn.optim.SGD(model.parameters(), lr=0.01), 2, progress=False,
        validation_data=(X[:2], y[:2]),
    )  # fmt: skip
    assert calls == [(6, True, True), (2, False, False)] * 2
    assert list(history) == ["loss", "val_loss"]  # mse: no accuracy


def test_bad_validation_data_is_refused():
    X_val, y_val = blobs(5, 1)
    with pytest.raises(TypeError, match="pair"):
        train(validation_data=X_val)
    with pytest.raises(ValueError, match="5 rows in X_val and 4"):
        train(validation_data=(X_val, y_val[:4]))


def test_a_list_of_callbacks_are_all_called_and_any_true_stops():
    calls = []

    def first(epoch, history):
        calls.append(("first", epoch))
        return epoch == 2

    def second(epoch, history):
        calls.append(("second", epoch))

    _, history = train(callback=[first, second])
    assert calls == [("first", 1), ("second", 1), ("first", 2), ("second", 2)]
    assert len(history["loss"]) == 2
    with pytest.raises(TypeError, match=r"callback\[1\]"):
        train(callback=[first, "not callable"])


def test_progress_shows_validation_metrics(capsys, monkeypatch):
    monkeypatch.setattr(nn.training, "_is_terminal", lambda: True)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X_val, y_val = blobs(25, 1)
    _, history = train(validation_data=(X_val, y_val), progress=True)
    err = capsys.readouterr().err
    assert f"val_loss {history['val_loss'][-1]:.4f}" in err and "val_accuracy" in err


class _FakeKernel:
    """Stands in for IPython inside a Jupyter kernel."""

    class ZMQInteractiveShell:
        pass

    def get_ipython(self):
        return self.ZMQInteractiveShell()


def test_notebook_detection(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert not nn.training._in_notebook()
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    monkeypatch.setitem(sys.modules, "IPython", _FakeKernel())
    assert nn.training._in_notebook()

    class Terminal:
        def get_ipython(self):
            return type("TerminalInteractiveShell", (), {})()

    monkeypatch.setitem(sys.modules, "IPython", Terminal())
    assert not nn.training._in_notebook()


def test_in_a_notebook_without_tqdm_one_line_per_epoch_is_printed(capsys, monkeypatch):
    monkeypatch.setattr(nn.training, "_in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    _, history = train(progress=True, epochs=3)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert f"loss {history['loss'][-1]:.4f}" in lines[-1]


def test_in_a_notebook_with_tqdm_its_auto_bar_is_used(monkeypatch):
    pytest.importorskip("tqdm", reason="tqdm is not installed: the bar needs it")
    made = []

    class Bar:
        def __init__(self, **kwargs):
            made.append(kwargs)
            self.n = 0

        def set_postfix_str(self, text, refresh=False):
            self.text = text

        def update(self, n):
            self.n += n

        def close(self):
            made.append(self.n)

    module = type(sys)("tqdm.auto")
    module.tqdm = Bar
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    monkeypatch.setattr(nn.training, "_in_notebook", lambda: True)
    train(progress=True, epochs=3)
    assert made == [{"total": 3, "unit": "epoch", "leave": True}, 3]


def test_progress_false_stays_silent_in_a_notebook(capsys, monkeypatch):
    monkeypatch.setattr(nn.training, "_in_notebook", lambda: True)
    monkeypatch.setattr(nn.training, "_is_terminal", lambda: True)
    train(progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
