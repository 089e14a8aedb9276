"""nn.optim: SGD (with and without momentum) and Adam follow PyTorch's
trajectories step for step on a small MLP (also with a frozen parameter), and
hand-written NumPy updates; parameters without a gradient, or frozen, are left
alone, updates are in place, and bad arguments (not numbers, out of range, a
parameter twice, a computed tensor) are refused when the optimizer is built."""

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
    with pytest.raises(TypeError, match="parameter 1 is a ndarray, not a Tensor"):
        make([Tensor([1.0], requires_grad=True), np.ones(2)])
    with pytest.raises(ValueError, match=r"none of the 2 parameters requires grad.*requires_grad=True"):
        make([Tensor([1.0]), Tensor([2.0])])  # frozen ones are fine, but not only frozen ones


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), -float("inf")])
def test_learning_rate_must_be_positive(lr):
    p = [Tensor([1.0], requires_grad=True)]
    with pytest.raises(ValueError, match="learning rate"):
        nn.optim.SGD(p, lr=lr)
    with pytest.raises(ValueError, match="learning rate"):
        nn.optim.Adam(p, lr=lr)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match="momentum"):
        nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=momentum)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.999), (0.9,), (0.9, 0.99, 0.9)])
def test_bad_betas(betas):
    with pytest.raises(ValueError, match="betas"):
        nn.optim.Adam([Tensor([1.0], requires_grad=True)], betas=betas)


@pytest.mark.parametrize("betas", [(0.9, float("nan")), [0.9, 2.0]])
def test_betas_out_of_range_name_the_beta(betas):
    with pytest.raises(ValueError, match=r"betas\[1\] must lie in \[0, 1\)"):
        nn.optim.Adam([Tensor([1.0], requires_grad=True)], betas=betas)


# -- argument types: numbers only, checked up front -----------------------------------------
P = Tensor([1.0], requires_grad=True)

NOT_NUMBERS = {
    "string": "0.1",
    "Tensor": Tensor(0.1),
    "bool": True,
    "None": None,
    "list": [0.1],
    "array": np.array([0.1]),
}


@pytest.mark.parametrize("bad", list(NOT_NUMBERS))
@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda v: nn.optim.SGD([P], lr=v), "learning rate lr"),
        (lambda v: nn.optim.Adam([P], lr=v), "learning rate lr"),
        (lambda v: nn.optim.SGD([P], lr=0.1, momentum=v), "momentum"),
        (lambda v: nn.optim.Adam([P], eps=v), "eps"),
        (lambda v: nn.optim.Adam([P], betas=(v, 0.999)), "betas[0]"),
    ],
    ids=["SGD lr", "Adam lr", "momentum", "eps", "beta1"],
)
def test_arguments_that_are_not_numbers_are_a_type_error(make, what, bad):
    value = NOT_NUMBERS[bad]
    with pytest.raises(TypeError) as info:
        make(value)
    message = str(info.value)
    assert f"{what} must be a number" in message and type(value).__name__ in message, message
    if bad == "Tensor":
        assert "not a Tensor" in message


def test_lr_tensor_is_refused_like_a_string_not_accepted_and_broadcast():
    with pytest.raises(
        TypeError, match=r"SGD: learning rate lr must be a number \(a plain number, not a Tensor\)"
    ):
        nn.optim.SGD([P], lr=Tensor(0.1))
    with pytest.raises(TypeError, match=r"got str '0\.1'"):
        nn.optim.SGD([P], lr="0.1")


@pytest.mark.parametrize("eps", [-1, -1e-12, float("nan"), float("inf")])
def test_eps_must_be_finite_and_not_negative(eps):
    with pytest.raises(ValueError, match=r"eps must be a finite number >= 0"):
        nn.optim.Adam([P], eps=eps)


@pytest.mark.parametrize("betas", [0.9, "0.9, 0.999", None])
def test_betas_that_are_not_a_pair_are_a_type_error(betas):
    with pytest.raises(TypeError, match=r"betas must be two numbers in \[0, 1\)"):
        nn.optim.Adam([P], betas=betas)


def test_numpy_scalars_and_ints_are_numbers():
    a = nn.optim.Adam([P], lr=np.float64(0.1), betas=(np.float32(0.5), np.float64(0.9)), eps=np.float64(0))
    assert (a.lr, a.betas, a.eps) == (0.1, (0.5, 0.9), 0.0)
    assert all(type(v) is float for v in (a.lr, *a.betas, a.eps))
    s = nn.optim.SGD([P], lr=1, momentum=np.float64(0.5))
    assert (s.lr, s.momentum) == (1.0, 0.5)
    assert nn.optim.Adam([P], betas=np.array([0.8, 0.9]), eps=0).betas == (0.8, 0.9)


def test_lr_set_later_is_checked_too():
    opt = nn.optim.SGD([P], lr=0.1)
    opt.lr = 0.01  # a schedule
    assert opt.lr == 0.01
    with pytest.raises(ValueError, match="positive"):
        opt.lr = 0.0
    with pytest.raises(TypeError, match="number"):
        opt.lr = "0.001"
    assert opt.lr == 0.01


# -- the parameter list ----------------------------------------------------------------------
def test_the_same_tensor_twice_is_refused_naming_both_places():
    model = nn.MLP(2, [3, 1], rng=0)
    params = model.parameters()
    for make in (lambda ps: nn.optim.SGD(ps, lr=0.1), nn.optim.Adam):
        with pytest.raises(ValueError, match=r"parameters 1 and 4 are the same tensor"):
            make([*params, params[1]])


def test_pytorch_refuses_duplicates_and_non_leaves_too():
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: needed for the reference optimizers"
    )
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError):
        torch.optim.SGD([w * 2], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate"):
        torch.optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="not a leaf"):
        nn.optim.SGD([Tensor([0.0, 0.0], requires_grad=True) * 2], lr=0.1)


def test_a_computed_tensor_is_refused_it_is_not_what_the_model_reads():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError) as info:
        nn.optim.Adam([w, w * 0.1], lr=0.1)
    message = str(info.value)
    assert "parameter 1" in message and "('*')" in message and "model.parameters()" in message


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (lambda m: [{"params": m.parameters(), "lr": 0.1}], ["parameter 0 is a dict", "parameter groups"]),
        (lambda m: list(m.named_parameters()), ["parameter 0 is a tuple", "not model.named_parameters()"]),
        (lambda m: [m], ["parameter 0 is a MLP", "not the modules"]),
        (lambda m: [m.parameters()], ["parameter 0 is a list", "[*a.parameters(), *b.parameters()]"]),
        (lambda m: m, ["takes a list of parameters", "got MLP"]),
        (lambda m: nn.Sequential(m), ["takes a list of parameters", "got Sequential"]),
        (lambda m: m.parameters, ["takes a list of parameters", "got method"]),
    ],
    ids=[
        "param group",
        "named_parameters",
        "module in the list",
        "nested list",
        "model",
        "Sequential",
        "method",
    ],
)
def test_what_is_not_a_list_of_tensors_gets_the_likely_fix(params, words):
    model = nn.MLP(2, [3, 1], rng=0)
    with pytest.raises(TypeError) as info:
        nn.optim.SGD(params(model), lr=0.1)
    for w in words:
        assert w in str(info.value), str(info.value)


# -- frozen parameters -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [lambda ps: nn.optim.SGD(ps, lr=0.1), lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9), nn.optim.Adam],
    ids=["SGD", "SGD momentum", "Adam"],
)
def test_a_frozen_parameter_with_a_stale_gradient_is_left_unchanged(make):
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    opt = make([a, b])
    a.grad, b.grad = np.array([1.0, -1.0]), np.array([1.0, -1.0])
    opt.step()  # both move
    b.requires_grad = False  # frozen after a step, its gradient still there
    frozen_at, a_before = b.data.copy(), a.data.copy()
    for _ in range(3):
        opt.step()
    np.testing.assert_array_equal(b.data, frozen_at)
    assert not np.array_equal(a.data, a_before)
    b.requires_grad = True  # thawed: it moves again
    opt.step()
    assert not np.array_equal(b.data, frozen_at)


FROZEN = {"first weight": 0, "a bias": 1, "last weight": 2}


@pytest.mark.parametrize("frozen", list(FROZEN))
@pytest.mark.parametrize("name", ["SGD", "SGD momentum 0.9", "Adam lr 0.05"])
def test_trajectory_with_a_frozen_parameter_matches_pytorch(name, frozen):
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: needed for the reference optimizers"
    )
    ours, theirs = OPTIMIZERS[name]
    k = FROZEN[frozen]
    X, y = make_data()
    model = nn.MLP(3, [5, 2], activation="tanh", out_activation="sigmoid", rng=1)
    for layer in model.layers:
        layer.bias.data[...] = np.random.default_rng(2).uniform(-0.3, 0.3, layer.bias.shape)
    params0 = [p.data.copy() for p in model.parameters()]
    model.parameters()[k].requires_grad = False
    order = np.random.default_rng(3)
    batches = [order.choice(len(X), size=8, replace=False) for _ in range(STEPS)]

    def torch_opt(ps):
        ps[k].requires_grad_(False)
        return theirs(torch, ps)

    got = our_trajectory(model, ours(model.parameters()), X, y, batches)
    expected = torch_trajectory(torch, params0, torch_opt, X, y, batches)
    for step, (a, b) in enumerate(zip(got, expected), start=1):
        for i, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(
                pa, pb, atol=1e-12, rtol=0, err_msg=f"{name}: step {step}, parameter {i}"
            )
    np.testing.assert_array_equal(got[-1][k], params0[k])
    assert all(np.abs(got[-1][i] - params0[i]).max() > 0.01 for i in range(len(params0)) if i != k)
