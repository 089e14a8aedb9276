"""Image layers: `Conv2d`, `MaxPool2d`, `AvgPool2d` and `Flatten`, on NCHW batches
(images ``(n, channels, height, width)``), as in PyTorch.

``Sequential(Conv2d(1, 64, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(64 * 3 * 3, 10))``
is the tutorials' Keras CNN (Conv2D(64, 3x3, relu), MaxPooling2D(2x2),
Flatten, Dense(10)) for 8x8 images, with the softmax left to
`cross_entropy`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite import ShapeError, Tensor
from tinygrad_lite.conv import as_pair, check_pool_padding, positive_int

from .layers import check_size, init_array
from .module import Module, as_tensor


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every deep-learning library):
    ``out[n, o] = bias[o] + sum over c, i, j of weight[o, c, i, j] * x[n, c, i + ., j + .]``.

    weight is ``(out_channels, in_channels // groups, kh, kw)``, bias
    ``(out_channels,)``; `dilation` and `groups` are PyTorch's (see
    `Tensor.conv2d`). The default init is Glorot uniform (Keras's default for
    Conv2D) with fan_in = in_channels // groups * kh * kw and
    fan_out = out_channels * kh * kw (the weight's own axes, as PyTorch counts them);
    ``init="he"`` suits a ReLU after it. Biases start at zero."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        bias: bool = True,
        *,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        init: str = "xavier",
        rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        self.in_channels = check_size("in_channels", in_channels)
        self.out_channels = check_size("out_channels", out_channels)
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = as_pair(stride, "stride", 1)
        if isinstance(padding, str):
            raise TypeError(
                f"Conv2d takes padding as an int or a pair of ints, not {padding!r}: for 'same' "
                f"with stride 1 and an odd kernel k, use padding=k // 2; for 'valid', padding=0"
            )
        self.padding = as_pair(padding, "padding", 0)
        self.dilation = as_pair(dilation, "dilation", 1)
        self.groups = positive_int(groups, "groups")
        for name, channels in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if channels % self.groups:
                raise ValueError(
                    f"{name} must be divisible by groups (as PyTorch), given {channels} and groups={groups}"
                )
        area = self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        w = init_array(shape, shape[1] * area, self.out_channels * area, init, np.random.default_rng(rng))
        self.weight = Tensor(w, True, dtype, "weight")
        self.bias = Tensor(np.zeros(self.out_channels), True, dtype, "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ShapeError(
                f"Conv2d expects images of shape (n, {self.in_channels}, height, width), "
                f"got an input of shape {x.shape}"
            )
        return x.conv2d(self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        extra = f", stride={self.stride}" if self.stride != (1, 1) else ""
        extra += f", padding={self.padding}" if any(self.padding) else ""
        extra += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        extra += f", groups={self.groups}" if self.groups != 1 else ""
        extra += ", bias=False" if self.bias is None else ""
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}{extra}"


class MaxPool2d(Module):
    """The max of each ``kernel_size`` window, moving by `stride` (default:
    the kernel size, so windows do not overlap), with `padding` of -inf (at
    most half the window). The gradient goes to the first maximum of each
    window, as in PyTorch."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", 1)
        self.padding = as_pair(padding, "padding", 0)
        check_pool_padding(self.kernel_size, self.padding)

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).max_pool2d(self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        extra = f", padding={self.padding}" if any(self.padding) else ""
        return f"kernel_size={self.kernel_size}, stride={self.stride}{extra}"


class AvgPool2d(Module):
    """The mean of each ``kernel_size`` window, moving by `stride` (default: the
    kernel size), with zero `padding` (at most half the window) counted in the
    mean unless ``count_include_pad=False``, as torch.nn.AvgPool2d."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        count_include_pad: bool = True,
    ) -> None:
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", 1)
        self.padding = as_pair(padding, "padding", 0)
        check_pool_padding(self.kernel_size, self.padding)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return as_tensor(x).avg_pool2d(self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        extra = f", padding={self.padding}" if any(self.padding) else ""
        extra += "" if self.count_include_pad else ", count_include_pad=False"
        return f"kernel_size={self.kernel_size}, stride={self.stride}{extra}"


class Flatten(Module):
    """Each sample as one row: ``(n, ...)`` becomes ``(n, product of the rest)``."""

    def forward(self, x: Tensor) -> Tensor:
        x = as_tensor(x)
        if x.ndim < 1:
            raise ShapeError(f"Flatten expects a batch (n, ...), got a 0-d input {x.shape}")
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))
