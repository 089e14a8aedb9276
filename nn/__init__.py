"""nn: neural-network building blocks on top of `tinygrad_lite.Tensor`.

Modules and layers (`Linear`, `Neuron`, `Layer`, `MLP`, `Sequential`,
activations, `Dropout`, `Embedding`, `BatchNorm1d`, `LayerNorm`, the
containers `ModuleList` and `ModuleDict`, and the image layers `Conv2d`, `MaxPool2d`,
`AvgPool2d`, `Flatten`), losses (functions and Module forms), optimizers and learning-rate schedules
(`nn.optim`, `nn.optim.lr_scheduler`), gradient clipping (`nn.utils`),
the training loop (`fit`, and `train_steps`: the same loop one step at a
time), the data sets (`nn.datasets`), and the path to PyTorch (`to_torch`,
`from_torch`: a model moves there, for a GPU or several machines, and back).
The training playground, which draws a small MLP learning 2-D data live, is
the subpackage `nn.playground`.
"""

from . import datasets, optim, utils
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .embedding import Embedding
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
from .module import (
    ELU,
    GELU,
    IncompatibleKeys,
    LeakyReLU,
    Module,
    ModuleDict,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Tanh,
)
from .norm import BatchNorm1d, LayerNorm
from .serialization import load_state
from .torch_bridge import from_torch, to_torch
from .training import TrainStep, evaluate, fit, train_steps

__all__ = [
    "ELU",
    "GELU",
    "MLP",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "IncompatibleKeys",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
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
    "from_torch",
    "load_state",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "optim",
    "to_torch",
    "train_steps",
    "utils",
]
