"""W8 the tutorials' CNN, one training step, float32: on a batch x of 32
images 1x8x8 (the digits' size) with integer labels,

    a = relu(conv2d(x, W) + b)  (32, 64, 6, 6),   p = max_pool2d(a, 2)  (32, 64, 3, 3),
    z = flatten(p) V + c  (32, 10),   L = mean_rows(-log softmax(z)[label]),

then one Adam step (lr 0.003, PyTorch's update) on W, b, V, c. By hand: the
convolution as W7's `im2col` (z1 = W X + b), the pooling as an argmax over each
2x2 window (the gradient goes to each window's first maximum), dL/dz =
(softmax(z) - onehot) / 32, and the chain rule back through each of them.
The data are random images labelled by a random linear teacher, cycling over
four batches; the weights are He-normal (conv) and Glorot-uniform (linear)."""

from __future__ import annotations

import numpy as np

import nn
from benchmarks.common import HAND, TORCH, Result, Train, measure, on_blas_threads, pick, torch_beside_blas
from benchmarks.w7_conv import im2col
from tinygrad_lite import Tensor

TGL = "tinygrad_lite Tensor + nn"
LR, BETAS, EPS = 0.003, (0.9, 0.999), 1e-8
BATCHES = 4

Params = list[np.ndarray]


def data(batch: int, filters: int, seed: int = 0) -> tuple[Params, list[tuple[np.ndarray, np.ndarray]]]:
    """Initial float32 W (filters, 1, 3, 3), b, V (filters*9, 10), c, and
    `BATCHES` batches of images (batch, 1, 8, 8) with integer labels."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((filters, 1, 3, 3)) * np.sqrt(2 / 9)
    bound = np.sqrt(6 / (filters * 9 + 10))
    V = rng.uniform(-bound, bound, (filters * 9, 10))
    params = [a.astype(np.float32) for a in (W, np.zeros(filters), V, np.zeros(10))]
    x = rng.random((BATCHES * batch, 1, 8, 8)).astype(np.float32)
    labels = (x.reshape(len(x), -1) @ rng.standard_normal((64, 10))).argmax(axis=1)
    batches = [(x[i * batch : (i + 1) * batch], labels[i * batch : (i + 1) * batch]) for i in range(BATCHES)]
    return params, batches


def hand_grads(params: Params, x: np.ndarray, labels: np.ndarray) -> tuple[float, Params]:
    """The loss and dL/dW, dL/db, dL/dV, dL/dc, written out with NumPy."""
    W, b, V, c = params
    n, f = len(x), len(W)
    cols = im2col(x, 3, 3)  # (n, 9, 36)
    z1 = (W.reshape(f, 9) @ cols).reshape(n, f, 6, 6) + b[:, None, None]
    a = np.maximum(z1, 0)
    windows = a.reshape(n, f, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, f, 3, 3, 4)
    first_max = windows.argmax(axis=-1)[..., None]
    pooled = np.take_along_axis(windows, first_max, axis=-1).reshape(n, f * 9)
    z = pooled @ V + c
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    sums = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(-(shifted[rows, labels] - np.log(sums[:, 0])).mean())
    dz = e / sums
    dz[rows, labels] -= 1
    dz /= n
    dwindows = np.zeros_like(windows)
    np.put_along_axis(dwindows, first_max, (dz @ V.T).reshape(n, f, 3, 3, 1), axis=-1)
    da = dwindows.reshape(n, f, 3, 3, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, f, 6, 6)
    g = (da * (z1 > 0)).reshape(n, f, 36)
    dW = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape)
    return loss, [dW, g.sum(axis=0).sum(axis=1), pooled.T @ dz, dz.sum(axis=0)]


def hand_adam(params: Params, grads: Params, m: Params, v: Params, t: int) -> None:
    """PyTorch's Adam update, in place (the formula in `nn.optim.Adam`)."""
    (b1, b2), lr = BETAS, np.float32(LR / (1 - BETAS[0] ** t))
    for p, g, mi, vi in zip(params, grads, m, v):
        mi *= b1
        mi += (1 - b1) * g
        vi *= b2
        vi += (1 - b2) * g * g
        p -= lr * (mi / (np.sqrt(vi) / np.float32(np.sqrt(1 - b2**t)) + np.float32(EPS)))


def cnn(params: Params) -> nn.Sequential:
    """The tutorial's CNN in nn, float32, starting from `params`."""
    filters = len(params[0])
    model = nn.Sequential(
        nn.Conv2d(1, filters, 3, dtype=np.float32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(filters * 9, 10, dtype=np.float32),
    )
    for p, value in zip(model.parameters(), params):
        p.data[...] = value
    return model


def implementations(steps: int, batch: int, filters: int) -> tuple[dict[str, Train], list[str]]:
    """Each callable trains from the same weights for `steps` steps and returns the last loss."""
    params0, batches = data(batch, filters)

    def tgl() -> float:
        model = cnn(params0)
        opt = nn.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
        for step in range(steps):
            x, labels = batches[step % BATCHES]
            opt.zero_grad()
            loss = nn.cross_entropy(model(Tensor(x)), labels)
            loss.backward()
            opt.step()
        return loss.item()

    def by_hand() -> float:
        params = [p.copy() for p in params0]
        m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        for step in range(steps):
            loss, grads = hand_grads(params, *batches[step % BATCHES])
            hand_adam(params, grads, m, v, step + 1)
        return loss

    impls: dict[str, Train] = {TGL: tgl, HAND: by_hand}
    notes = []
    torch = torch_beside_blas(notes)
    if torch is not None:
        tbatches = [(torch.from_numpy(x), torch.from_numpy(labels)) for x, labels in batches]

        def pytorch() -> float:
            W, b, V, c = (torch.tensor(p, requires_grad=True) for p in params0)
            opt = torch.optim.Adam([W, b, V, c], lr=LR, betas=BETAS, eps=EPS)
            F = torch.nn.functional
            for step in range(steps):
                x, labels = tbatches[step % BATCHES]
                opt.zero_grad()
                pooled = F.max_pool2d(F.relu(F.conv2d(x, W, b)), 2)
                loss = F.cross_entropy(pooled.flatten(1) @ V + c, labels)
                loss.backward()
                opt.step()
            return loss.item()

        impls[TORCH] = on_blas_threads(torch, pytorch)
    return impls, notes


def run(mode: str) -> list[Result]:
    """W8: time per training step of the CNN, and its targets."""
    steps = pick(mode, 30, 10, 2)
    batch, filters = pick(mode, (32, 64), (32, 64), (4, 8))
    impls, notes = implementations(steps, batch, filters)
    result = measure(
        "W8",
        f"W8 CNN conv(1->{filters}, 3x3) relu, max-pool 2x2, linear({filters * 9}->10), cross-entropy, "
        f"Adam lr {LR}, batch {batch} of 1x8x8, float32, {steps} steps",
        impls,
        steps=steps,
        repeats=pick(mode, 11, 5, 1),
        rtol=1e-4,
        notes=notes,
    )
    result.target_at_most("W8: at most 1.5x hand NumPy per step", TGL, HAND, 1.5)
    result.target_at_most("W8: at most 3x PyTorch per step", TGL, TORCH, 3)
    return [result]
