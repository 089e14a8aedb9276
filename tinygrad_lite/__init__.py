"""tinygrad_lite: a small, exact autograd engine for learning backpropagation.

`Value` (a scalar) and `Tensor` (a NumPy array) record a computation graph and
are differentiated by one shared core (`tinygrad_lite.autograd`).
"""

from .autograd import Group, detect_anomaly, gc_paused, group, is_grad_enabled, no_grad
from .compiled import CompiledStep, compile_step
from .errors import AnomalyError, BackwardError, CompileError, GradcheckError, ShapeError
from .gradcheck import gradcheck
from .tensor import Tensor
from .value import Value
from .views.explain import Explanation, explain
from .views.graph import draw_graph
from .views.steps import Step, backward_steps

__all__ = [
    "AnomalyError",
    "BackwardError",
    "CompileError",
    "CompiledStep",
    "Explanation",
    "GradcheckError",
    "Group",
    "ShapeError",
    "Step",
    "Tensor",
    "Value",
    "backward_steps",
    "compile_step",
    "detect_anomaly",
    "draw_graph",
    "explain",
    "gc_paused",
    "gradcheck",
    "group",
    "is_grad_enabled",
    "no_grad",
]
__version__ = "0.1.0"
