"""`Embedding`: a lookup table of learnt vectors, one row per index."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite import Tensor

from .layers import check_size
from .module import Module


class Embedding(Module):
    """``weight[indices]``: a table ``weight`` of shape ``(num_embeddings,
    embedding_dim)``, drawn from N(0, 1) as PyTorch does (``rng=`` a seed or a
    Generator), looked up by integer indices of any shape, giving
    ``(*indices.shape, embedding_dim)`` (``torch.nn.Embedding``).

    The lookup is indexing, so the gradient of a row used several times is
    the sum of its uses, and rows not used get zero. Indices may be integers,
    or floats holding whole numbers (this library's tensors are float64 by
    default; PyTorch takes integer tensors only); anything else, and an index
    outside ``[0, num_embeddings)`` (negative ones too, as in PyTorch), is
    refused with an error naming it."""

    def __init__(
        self, num_embeddings: int, embedding_dim: int, *, rng: Any = None, dtype: Any = np.float64
    ) -> None:
        self.num_embeddings = check_size("num_embeddings", num_embeddings)
        self.embedding_dim = check_size("embedding_dim", embedding_dim)
        w = np.random.default_rng(rng).standard_normal((self.num_embeddings, self.embedding_dim))
        self.weight = Tensor(w, True, dtype, "weight")

    def forward(self, indices: Any) -> Tensor:
        return self.weight[self._indices(indices)]

    def _indices(self, indices: Any) -> np.ndarray:
        """`indices` as an int64 array, checked."""
        arr = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if arr.dtype.kind == "f":
            whole = np.isfinite(arr) & (arr == np.round(arr))
            if not whole.all():
                bad = arr[~whole].ravel()[:5].tolist()
                raise TypeError(
                    f"Embedding takes integer indices, got floats that are not whole numbers: {bad}"
                )
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "iu":
            raise TypeError(f"Embedding takes integer indices, got an array of {arr.dtype}")
        outside = (arr < 0) | (arr >= self.num_embeddings)
        if outside.any():
            bad = arr[outside].ravel()[:5].tolist()
            raise IndexError(
                f"Embedding({self.num_embeddings}, {self.embedding_dim}) takes indices in "
                f"[0, {self.num_embeddings}), got {bad}"
            )
        return arr.astype(np.int64, copy=False)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
