"""nn.optim: SGD (with and without momentum) and Adam follow PyTorch's
trajectories step for step on a small MLP, and hand-written NumPy updates;
parameters without a gradient are left alone, updates are in place, and bad
arguments are refused."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tinygrad_lite import Tensor

STEPS = 25


# -- hand-written NumPy references ------------------------------------------------------
def test_sgd_step_is_p_minus_lr_g():
    p = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = nn.optim.SGD([p], lr=0.1)
    p.grad = np.array([0.5, 1.0, -2.0])
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.05, -2.0 - 0.1, 3.0 + 0.2], rtol=1e-15)


def test_sgd_momentum_steps_by_hand():
    lr, mu = 0.1, 0.9
    p = Tensor([1.0, -2.0], requires_grad=True)
    opt = nn.optim.SGD([p], lr=lr, momentum=mu)
    g1, g2, g3 = np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.0, 0.0])
    expected, v = np.array([1.0, -2.0]), None
    for g in (g1, g2, g3):
        p.grad = g.copy()
        opt.step()
        v = g if v is None else mu * v + g  # PyTorch: the buffer starts at the first gradient
        expected = expected - lr * v
        np.testing.assert_allclose(p.data, expected, rtol=1e-15)
    # the second step moved by lr * (0.9 * g1 + g2), not lr * g2
    assert not np.allclose(expected, np.array([1.0, -2.0]) - lr * (g1 + g2 + g3))


def test_sgd_momentum_updates_its_velocity_in_place_but_never_the_gradients():
    p = Tensor([1.0, -2.0], requires_grad=True)
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.5)
    for g in ([0.5, -1.0], [0.25, 2.0]):
        p.grad = np.array(g)
        opt.step()
        np.testing.assert_array_equal(p.grad, g)
        assert not np.shares_memory(opt.velocity[0], p.grad)
    np.testing.assert_array_equal(opt.velocity[0], [0.5 * 0.5 + 0.25, 0.5 * -1.0 + 2.0])


def test_adam_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-6
    p = Tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True)
    opt = nn.optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    expected = p.data.copy()
    m = v = np.zeros((2, 2))
    grads = [np.array([[0.1, -0.2], [3.0, 0.0]]), np.array([[-0.3, 0.4], [1.0, 1e-3]])]
    for t, g in enumerate(grads, start=1):
        p.grad = g.copy()
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(p.data, expected, rtol=1e-13, atol=1e-16)
    # the first Adam step moves every coordinate with a gradient by about lr
    q = Tensor([1.0, 1.0], requires_grad=True)
    first = nn.optim.Adam([q], lr=0.01)
    q.grad = np.array([1e-3, -50.0])
    first.step()
    np.testing.assert_allclose(q.data, [1.0 - 0.01, 1.0 + 0.01], rtol=1e-6)


# -- trajectories against PyTorch -----------------------------------------------------------
def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3))
    y = (X[:, :2] * X[:, 2:] > 0).astype(float)  # two binary targets
    return X, y


def torch_trajectory(torch, params0: list[np.ndarray], make_opt, X, y, batches) -> list[list[np.ndarray]]:
    """The same 3-5-2 tanh/sigmoid MLP and BCE loss written in PyTorch;
    returns the parameters after every step."""
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params0]
    w1, b1, w2, b2 = params
    opt = make_opt(params)
    out = []
    for idx in batches:
        xb, yb = torch.tensor(X[idx]), torch.tensor(y[idx])
        pred = torch.sigmoid(torch.tanh(xb @ w1 + b1) @ w2 + b2)
        loss = torch.nn.functional.binary_cross_entropy(pred, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def our_trajectory(model: nn.MLP, opt, X, y, batches) -> list[list[np.ndarray]]:
    out = []
    for idx in batches:
        loss = nn.binary_cross_entropy(model(Tensor(X[idx])), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append([p.data.copy() for p in model.parameters()])
    return out


OPTIMIZERS = {
    "SGD": (lambda ps: nn.optim.SGD(ps, lr=0.5), lambda t, ps: t.optim.SGD(ps, lr=0.5)),
    "SGD momentum 0.9": (
        lambda ps: nn.optim.SGD(ps, lr=0.2, momentum=0.9),
        lambda t, ps: t.optim.SGD(ps, lr=0.2, momentum=0.9),
    ),
    "Adam defaults": (lambda ps: nn.optim.Adam(ps), lambda t, ps: t.optim.Adam(ps)),
    "Adam lr 0.05": (lambda ps: nn.optim.Adam(ps, lr=0.05), lambda t, ps: t.optim.Adam(ps, lr=0.05)),
    "Adam betas and eps": (
        lambda ps: nn.optim.Adam(ps, lr=0.03, betas=(0.7, 0.9), eps=1e-3),
        lambda t, ps: t.optim.Adam(ps, lr=0.03, betas=(0.7, 0.9), eps=1e-3),
    ),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_trajectory_matches_pytorch(name):
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: needed for the reference optimizers"
    )
    ours, theirs = OPTIMIZERS[name]
    X, y = make_data()
    model = nn.MLP(3, [5, 2], activation="tanh", out_activation="sigmoid", rng=1)
    for layer in model.layers:  # non-zero biases so that every parameter is exercised from step 1
        layer.bias.data[...] = np.random.default_rng(2).uniform(-0.3, 0.3, layer.bias.shape)
    params0 = [p.data.copy() for p in model.parameters()]
    order = np.random.default_rng(3)
    batches = [order.choice(len(X), size=8, replace=False) for _ in range(STEPS)]  # a new batch each step

    got = our_trajectory(model, ours(model.parameters()), X, y, batches)
    expected = torch_trajectory(torch, params0, lambda ps: theirs(torch, ps), X, y, batches)
    for step, (a, b) in enumerate(zip(got, expected), start=1):
        for k, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(
                pa, pb, atol=1e-12, rtol=0, err_msg=f"{name}: step {step}, parameter {k}"
            )
    moved = max(np.abs(a - b).max() for a, b in zip(got[-1], params0))
    assert moved > 0.01, "the test would be vacuous if the parameters barely moved"


# -- behaviour -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [lambda ps: nn.optim.SGD(ps, lr=0.1), lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.5), nn.optim.Adam],
)
def test_parameters_without_a_gradient_are_skipped(make):
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    opt = make([a, b])
    a.grad = np.array([1.0, -1.0])
    opt.step()
    assert not np.array_equal(a.data, [1.0, 2.0])
    np.testing.assert_array_equal(b.data, [3.0, 4.0])
    assert b.grad is None
    opt.step()  # momentum and Adam's moments may move a again; b still has no gradient
    np.testing.assert_array_equal(b.data, [3.0, 4.0])


def test_adam_counts_steps_per_parameter_like_pytorch():
    # b gets its first gradient at the third step: its update is a first step
    # (bias corrections with t = 1), moving each coordinate by about lr
    a = Tensor([0.0], requires_grad=True)
    b = Tensor([0.0, 0.0], requires_grad=True)
    opt = nn.optim.Adam([a, b], lr=0.1)
    for _ in range(2):
        a.grad = np.array([1.0])
        opt.step()
    a.grad, b.grad = np.array([1.0]), np.array([2.0, -0.001])
    opt.step()
    np.testing.assert_allclose(b.data, [-0.1, 0.1], rtol=1e-4)


@pytest.mark.parametrize("make", [lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9), nn.optim.Adam])
def test_zero_grad_forgets_the_gradients(make):
    model = nn.MLP(2, [3, 1], rng=0)
    opt = make(model.parameters())
    model(Tensor([[1.0, 2.0]])).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None or not np.any(p.grad) for p in model.parameters())


def test_step_updates_the_models_tensors_in_place():
    model = nn.MLP(2, [3, 1], rng=0)
    params = model.parameters()
    for opt in (nn.optim.SGD(params, lr=0.5, momentum=0.9), nn.optim.Adam(params, lr=0.1)):
        before = [p.data.copy() for p in params]
        x = Tensor([[1.0, -1.0], [0.5, 2.0]])
        out_before = model(x).data.copy()
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        assert all(a is b for a, b in zip(model.parameters(), params))
        assert all(a is b for a, b in zip(opt.params, params))
        assert all(not np.array_equal(p.data, b) for p, b in zip(model.parameters(), before))
        assert not np.allclose(model(x).data, out_before)  # the model sees the update


def test_accepts_any_iterable_of_parameters():
    model = nn.MLP(2, [3, 1], rng=0)
    opt = nn.optim.SGD(iter(model.parameters()), lr=0.1)
    assert len(opt.params) == 4


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda ps: nn.optim.SGD(ps, lr=0.1), lambda ps: nn.optim.Adam(ps)])
def test_errors_for_bad_parameters(make):
    with pytest.raises(ValueError, match="no parameters"):
        make([])
    with pytest.raises(ValueError):
        make(iter([]))
    with pytest.raises(TypeError, match="ndarray"):
        make([Tensor([1.0], requires_grad=True), np.ones(2)])
    with pytest.raises(ValueError, match="requires_grad"):
        make([Tensor([1.0])])


@pytest.mark.parametrize("lr", [0, -0.1, float("nan")])
def test_learning_rate_must_be_positive(lr):
    p = [Tensor([1.0], requires_grad=True)]
    with pytest.raises(ValueError, match="learning rate"):
        nn.optim.SGD(p, lr=lr)
    with pytest.raises(ValueError, match="learning rate"):
        nn.optim.Adam(p, lr=lr)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match="momentum"):
        nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=momentum)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.999), (0.9,), (0.9, 0.99, 0.9)])
def test_bad_betas(betas):
    with pytest.raises(ValueError, match="betas"):
        nn.optim.Adam([Tensor([1.0], requires_grad=True)], betas=betas)
