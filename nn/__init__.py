"""nn: neural-network building blocks on top of `tinygrad_lite.Tensor`.

Modules and layers (`Linear`, `Neuron`, `Layer`, `MLP`, `Sequential`,
activations, `Dropout`, and the image layers `Conv2d`, `MaxPool2d`,
`AvgPool2d`, `Flatten`), losses (functions and Module forms), optimizers (`nn.optim`),
the training loop (`fit`, and `train_steps`: the same loop one step at a
time), and the data sets (`nn.datasets`). The training playground, which
draws a small MLP learning 2-D data live, is the subpackage `nn.playground`.
"""

from . import datasets, optim
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .layers import MLP, Dropout, Layer, Linear, Neuron
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
    one_hot,
)
from .module import ELU, GELU, LeakyReLU, Module, ReLU, Sequential, Sigmoid, SiLU, Tanh
from .serialization import load_state
from .training import TrainStep, evaluate, fit, train_steps

__all__ = [
    "ELU",
    "GELU",
    "MLP",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Layer",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "NLLLoss",
    "Neuron",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "TrainStep",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "datasets",
    "evaluate",
    "fit",
    "load_state",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "optim",
    "train_steps",
]
