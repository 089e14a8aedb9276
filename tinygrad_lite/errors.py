"""Exceptions raised by tinygrad_lite. Each subclasses the built-in a careful
user would already catch, so ``except ValueError`` keeps working."""


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation (names the op and shapes)."""


class BackwardError(RuntimeError):
    """`backward()` called where no gradient can be computed, or with a bad seed."""


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with central finite differences."""


class AnomalyError(FloatingPointError):
    """Under `detect_anomaly()`, an op produced NaN or inf."""


class CompileError(RuntimeError):
    """`compile_step` cannot replay a step safely: its graph changed between
    calls, or it decides something from a node's value (says what and where)."""
