"""W7 conv2d, float32: on a batch x of 64 images 1x8x8, 64 filters w 3x3 and a
bias b (stride 1, no padding), one step is

    z = conv2d(x, w) + b  (64, 64, 6, 6),  L = sum(z * G),

and the backward pass to all three inputs, with dL/dz = G a fixed random
array. By hand (im2col): X = the 3x3 patches of each image as the columns of
a (9, 36) matrix, z = W X + b with W the filters as a (64, 9) matrix; then
dW = sum_n G_n X_n^T, dX = W^T G_n (added back to the pixels each patch came
from: col2im), db = the sums of G over batch and pixels. The reference is
written here with ``as_strided``, apart from tinygrad_lite's own code. The
sizes are small: an engine's bookkeeping per step shows next to the NumPy work."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from benchmarks.common import HAND, TORCH, Result, Train, measure, on_blas_threads, pick, torch_beside_blas
from tinygrad_lite import Tensor

TGL = "tinygrad_lite Tensor.conv2d"

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def data(batch: int, filters: int, seed: int = 0) -> Arrays:
    """float32 images x (batch, 1, 8, 8), filters w (filters, 1, 3, 3), bias b
    (filters,) and the upstream gradient G (batch, filters, 6, 6)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 1, 8, 8)).astype(np.float32)
    w = (rng.standard_normal((filters, 1, 3, 3)) / 3).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    G = rng.standard_normal((batch, filters, 6, 6)).astype(np.float32)
    return x, w, b, G


def im2col(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """The kh x kw patches of images x (n, c, h, w), stride 1, as the columns
    of one (c*kh*kw, ho*wo) matrix per image: shape (n, c*kh*kw, ho*wo)."""
    n, c, h, w = x.shape
    ho, wo = h - kh + 1, w - kw + 1
    sn, sc, sh, sw = x.strides  # patch (i, j) row r column s is x[.., i + r, j + s]
    patches = as_strided(x, (n, c, kh, kw, ho, wo), (sn, sc, sh, sw, sh, sw), writeable=False)
    return patches.reshape(n, c * kh * kw, ho * wo)


def by_hand(x: np.ndarray, w: np.ndarray, b: np.ndarray, G: np.ndarray) -> Arrays:
    """L = sum(conv2d(x, w, b) * G) and dL/dx, dL/dw, dL/db by im2col (stride 1, no padding)."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    ho, wo = h - kh + 1, wd - kw + 1
    cols = im2col(x, kh, kw)
    w2 = w.reshape(f, c * kh * kw)
    z = (w2 @ cols).reshape(n, f, ho, wo) + b[:, None, None]
    loss = (z * G).sum()
    g = G.reshape(n, f, ho * wo)
    dw = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    dcols = (w2.T @ g).reshape(n, c, kh, kw, ho, wo)
    dx = np.zeros_like(x)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i : i + ho, j : j + wo] += dcols[:, :, i, j]
    db = g.sum(axis=0).sum(axis=1)
    return loss, dx, dw, db


def checksum(loss: float, *grads: np.ndarray) -> float:
    """One number to compare: the loss plus the sums of the gradients' magnitudes."""
    return float(loss) + sum(float(np.abs(g).sum(dtype=np.float64)) for g in grads)


def implementations(steps: int, batch: int, filters: int) -> tuple[dict[str, Train], list[str]]:
    """Callables doing `steps` forward + backward steps; each returns `checksum` of its last."""
    x_np, w_np, b_np, G_np = data(batch, filters)

    def tgl() -> float:
        x, w, b = (Tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
        G = Tensor(G_np)
        for _ in range(steps):
            x.grad = w.grad = b.grad = None
            loss = (x.conv2d(w, b) * G).sum()
            loss.backward()
        return checksum(loss.item(), x.grad, w.grad, b.grad)

    def hand() -> float:
        for _ in range(steps):
            result = by_hand(x_np, w_np, b_np, G_np)
        return checksum(*result)

    impls: dict[str, Train] = {TGL: tgl, HAND: hand}
    notes = []
    torch = torch_beside_blas(notes)
    if torch is not None:

        def pytorch() -> float:
            x, w, b = (torch.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
            G = torch.from_numpy(G_np)
            for _ in range(steps):
                x.grad = w.grad = b.grad = None
                loss = (torch.nn.functional.conv2d(x, w, b) * G).sum()
                loss.backward()
            return checksum(loss.item(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy())

        impls[TORCH] = on_blas_threads(torch, pytorch)
    return impls, notes


def run(mode: str) -> list[Result]:
    """W7: time per conv2d forward + backward step, and its targets."""
    steps = pick(mode, 200, 50, 2)
    batch, filters = pick(mode, (64, 64), (64, 64), (4, 8))
    impls, notes = implementations(steps, batch, filters)
    result = measure(
        "W7",
        f"W7 conv2d {batch} images 1x8x8, {filters} filters 3x3, stride 1, no padding, float32: "
        f"forward + backward, {steps} steps",
        impls,
        steps=steps,
        repeats=pick(mode, 11, 5, 1),
        rtol=1e-4,
        notes=notes,
    )
    result.target_at_most("W7: at most 1.5x hand NumPy per step", TGL, HAND, 1.5)
    result.target_at_most("W7: at most 3x PyTorch per step", TGL, TORCH, 3)
    return [result]
