"""nn.optim beyond the basics: weight decay on SGD and Adam, AdamW, Nesterov
momentum and dampening follow torch.optim's trajectories over 100 steps in
float64 (parameters within 1e-12, relative, at every step); optimizer and
schedule state survive a save and load exactly; clip_grad_norm_ and the
StepLR / CosineAnnealingLR schedules give PyTorch's values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from nn.optim.lr_scheduler import CosineAnnealingLR, StepLR
from tinygrad_lite import Tensor

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: the reference tests need it (CI installs torch==2.13.0)"
)

STEPS = 100
RTOL = 1e-12

# name -> (ours, PyTorch's), each a function of the parameter list
OPTIMIZERS = {
    "SGD weight decay": (
        lambda ps: nn.optim.SGD(ps, lr=0.05, weight_decay=0.1),
        lambda ps: torch.optim.SGD(ps, lr=0.05, weight_decay=0.1),
    ),
    "SGD momentum weight decay": (
        lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
    ),
    "SGD nesterov": (
        lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    ),
    "SGD nesterov weight decay": (
        lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05),
    ),
    "SGD dampening": (
        lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3),
    ),
    "Adam weight decay": (
        lambda ps: nn.optim.Adam(ps, lr=0.01, weight_decay=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    ),
    "AdamW defaults": (
        lambda ps: nn.optim.AdamW(ps),
        lambda ps: torch.optim.AdamW(ps),
    ),
    "AdamW": (
        lambda ps: nn.optim.AdamW(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3),
        lambda ps: torch.optim.AdamW(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3),
    ),
}


def assert_close(ours: list[Tensor], theirs: list, what: str) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs)):
        b = b.detach().numpy()
        np.testing.assert_allclose(a.data, b, rtol=RTOL, atol=RTOL * np.abs(b).max(), err_msg=f"{what}, p{i}")


def start(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 1))]


# a fixed regression problem for the small MLP: tanh(X W1 + b1) W2 ~ y
_rng = np.random.default_rng(42)
X, Y = _rng.normal(size=(16, 3)), _rng.normal(size=(16, 1))


def our_loss(ps: list[Tensor]) -> Tensor:
    return (((Tensor(X) @ ps[0] + ps[1]).tanh() @ ps[2] - Tensor(Y)) ** 2).mean()


def torch_loss(ps: list) -> object:
    return (((torch.from_numpy(X) @ ps[0] + ps[1]).tanh() @ ps[2] - torch.from_numpy(Y)) ** 2).mean()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_trajectory_on_a_small_mlp_matches_pytorch_for_100_steps(name):
    make_ours, make_theirs = OPTIMIZERS[name]
    ours = [Tensor(a.copy(), requires_grad=True) for a in start()]
    theirs = [torch.tensor(a, requires_grad=True) for a in start()]
    opt, ref = make_ours(ours), make_theirs(theirs)
    for step in range(STEPS):
        opt.zero_grad()
        our_loss(ours).backward()
        opt.step()
        ref.zero_grad()
        torch_loss(theirs).backward()
        ref.step()
        assert_close(ours, theirs, f"{name}, step {step + 1}")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_trajectory_on_a_quadratic_with_the_same_gradient_function_matches_pytorch(name):
    """The gradient of 0.5 |A p - b|^2 computed by NumPy on both sides: only the
    optimizers' arithmetic differs."""
    rng = np.random.default_rng(1)
    A, b = rng.normal(size=(6, 5)), rng.normal(size=6)
    make_ours, make_theirs = OPTIMIZERS[name]
    p0 = rng.normal(size=5)
    ours, theirs = [Tensor(p0.copy(), requires_grad=True)], [torch.tensor(p0, requires_grad=True)]
    opt, ref = make_ours(ours), make_theirs(theirs)
    for step in range(STEPS):
        ours[0].grad = A.T @ (A @ ours[0].data - b)
        theirs[0].grad = torch.from_numpy(A.T @ (A @ theirs[0].detach().numpy() - b))
        opt.step()
        ref.step()
        assert_close(ours, theirs, f"{name}, step {step + 1}")


def test_adamw_decay_leaves_a_frozen_or_gradientless_parameter_alone():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    opt = nn.optim.AdamW([a, b], lr=0.1, weight_decay=0.5)
    a.grad = np.array([0.1, 0.2])
    opt.step()
    assert b.data.tolist() == [3.0] and opt.t == [1, 0]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"nesterov": True}, ["Nesterov", "momentum > 0"]),
        ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ["Nesterov", "dampening 0"]),
        ({"weight_decay": -0.1}, ["weight_decay", ">= 0"]),
        ({"weight_decay": math.inf}, ["weight_decay", "finite"]),
        ({"dampening": 1.5}, ["dampening", "[0, 1]"]),
    ],
)
def test_sgd_bad_settings_are_refused(kwargs, words):
    with pytest.raises(ValueError) as info:
        nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1, **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_bad_types_are_refused():
    p = [Tensor([1.0], requires_grad=True)]
    with pytest.raises(TypeError, match="nesterov"):
        nn.optim.SGD(p, lr=0.1, momentum=0.9, nesterov="yes")
    with pytest.raises(TypeError, match="weight_decay"):
        nn.optim.AdamW(p, weight_decay="0.1")
    with pytest.raises(ValueError, match="weight_decay"):
        nn.optim.Adam(p, weight_decay=-1)


# -- state_dict / load_state_dict -------------------------------------------------------------------
RESUMABLE = {
    "SGD momentum": lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": lambda ps: nn.optim.Adam(ps, lr=0.01, weight_decay=0.01),
    "AdamW": lambda ps: nn.optim.AdamW(ps, lr=0.01),
}


def make_model() -> nn.Module:
    return nn.MLP(3, [4, 1], activation="tanh", out_activation=None, rng=0)


def train(model: nn.Module, opt: nn.optim.Optimizer, steps: int, sched=None) -> list[list[np.ndarray]]:
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        nn.mse_loss(model(Tensor(X)), Y).backward()
        opt.step()
        if sched is not None:
            sched.step()
        trajectory.append([p.data.copy() for p in model.parameters()])
    return trajectory


@pytest.mark.parametrize("name", RESUMABLE)
def test_saving_and_loading_mid_training_continues_the_same_trajectory_exactly(name):
    make = RESUMABLE[name]
    model = make_model()
    opt = make(model.parameters())
    sched = CosineAnnealingLR(opt, T_max=30)
    straight = train(model, opt, 100, sched)

    model = make_model()
    opt = make(model.parameters())
    sched = CosineAnnealingLR(opt, T_max=30)
    first = train(model, opt, 50, sched)
    saved = (model.state_dict(), opt.state_dict(), sched.state_dict())
    train(model, opt, 7)  # the old objects move on; the saved state must not
    model = nn.MLP(3, [4, 1], activation="tanh", out_activation=None, rng=99)
    opt = make(model.parameters())
    opt.lr = 0.5  # replaced by the saved rate
    sched = CosineAnnealingLR(opt, T_max=30)
    model.load_state_dict(saved[0])
    opt.load_state_dict(saved[1])
    sched.load_state_dict(saved[2])
    resumed = first + train(model, opt, 50, sched)
    for step, (a, b) in enumerate(zip(straight, resumed)):
        for x, y in zip(a, b):
            assert np.array_equal(x, y), f"step {step + 1}"


def test_state_dict_has_pytorchs_shape_and_copies_the_arrays():
    p, q = Tensor([1.0, 2.0], requires_grad=True), Tensor([[3.0]], requires_grad=True)
    opt = nn.optim.Adam([p, q], lr=0.1)
    p.grad = np.array([0.5, -0.5])
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"] == [
        {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "params": [0, 1]}
    ]
    assert list(state["state"]) == [0] and state["state"][0]["step"] == 1  # q never stepped
    state["state"][0]["exp_avg"][:] = 7.0
    assert not np.any(opt.m[0] == 7.0)
    torch_opt = torch.optim.Adam([torch.zeros(2, requires_grad=True), torch.zeros(1, 1, requires_grad=True)])
    torch_group = torch_opt.state_dict()["param_groups"][0]
    assert set(state["param_groups"][0]) <= set(torch_group)  # PyTorch's names
    sgd = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    sgd.step()
    assert set(sgd.state_dict()["state"][0]) == {"momentum_buffer"}
    assert set(sgd.state_dict()["param_groups"][0]) <= set(
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1).state_dict()["param_groups"][0]
    )


def test_loading_a_state_that_does_not_fit_is_refused_and_changes_nothing():
    p = Tensor([1.0, 2.0], requires_grad=True)
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    good = opt.state_dict()
    other = nn.optim.SGD([Tensor([1.0, 2.0, 3.0], requires_grad=True)], lr=0.3, momentum=0.5)
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(good)
    assert other.lr == 0.3 and other.momentum == 0.5 and other.velocity == [None]
    with pytest.raises(ValueError, match="another optimizer"):
        nn.optim.Adam([p]).load_state_dict(good)
    with pytest.raises(ValueError, match="this optimizer has"):
        nn.optim.SGD([p, Tensor([1.0], requires_grad=True)], lr=0.1).load_state_dict(good)


# -- clip_grad_norm_ ----------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm):
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=4), None, rng.normal(size=(2, 2, 2))]
    ours, theirs = [], []
    for g in grads:
        a, b = (
            Tensor(np.ones((1,)), requires_grad=True),
            torch.ones(1, dtype=torch.float64, requires_grad=True),
        )
        if g is not None:
            a, b = Tensor(np.ones(g.shape), requires_grad=True), torch.ones(g.shape, dtype=torch.float64)
            a.grad, b.grad = g.copy(), torch.from_numpy(g.copy())
        ours.append(a)
        theirs.append(b)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None
        else:
            np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_takes_one_tensor_and_no_gradients():
    p = Tensor([3.0, 4.0], requires_grad=True)
    assert nn.utils.clip_grad_norm_(p, 1.0) == 0.0  # no gradient yet: nothing to clip, as PyTorch
    p.grad = np.array([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(p, 1.0) == 5.0
    np.testing.assert_allclose(p.grad, [3.0 / (5 + 1e-6), 4.0 / (5 + 1e-6)], rtol=1e-15)
    p.grad = np.array([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


# -- schedules ----------------------------------------------------------------------------------------
def schedules(make_ours, make_theirs, epochs: int) -> tuple[list[float], list[float]]:
    opt = nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    ref = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
    ours, theirs = make_ours(opt), make_theirs(ref)
    got, want = [ours.get_last_lr()[0]], [theirs.get_last_lr()[0]]
    for _ in range(epochs):
        ref.step()
        ours.step()
        theirs.step()
        got.append(ours.get_last_lr()[0])
        want.append(theirs.get_last_lr()[0])
        assert opt.lr == got[-1]
    return got, want


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.5), (3, 0.1), (7, 0.9)])
def test_step_lr_matches_pytorch_step_for_step(step_size, gamma):
    got, want = schedules(
        lambda o: StepLR(o, step_size, gamma),
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma),
        40,
    )
    assert got == want  # the same floats


@pytest.mark.parametrize(("t_max", "eta_min"), [(10, 0.0), (7, 0.001), (1, 0.0), (25, 0.05)])
def test_cosine_annealing_matches_pytorch_over_three_periods(t_max, eta_min):
    got, want = schedules(
        lambda o: CosineAnnealingLR(o, t_max, eta_min),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, t_max, eta_min),
        3 * t_max,
    )
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    closed = [
        eta_min + (0.1 - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(3 * t_max + 1)
    ]
    np.testing.assert_allclose(got, closed, rtol=1e-9, atol=1e-12)  # and it is the cosine


def test_a_schedule_may_take_the_rate_to_zero_but_the_user_may_not():
    opt = nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=2)
    sched.step()
    sched.step()
    assert opt.lr == 0.0 and sched.get_last_lr() == [0.0]
    with pytest.raises(ValueError, match="positive"):
        opt.lr = 0.0


def test_schedule_arguments_are_checked():
    opt = nn.optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, 0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, 2.5)
    with pytest.raises(TypeError, match="optimizer"):
        StepLR(torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.1), 2)
    assert nn.optim.lr_scheduler.StepLR is StepLR
