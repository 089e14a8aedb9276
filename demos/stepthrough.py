"""Step through backpropagation in the terminal, one node at a time.

Which tutorial this follows, the numbers it reproduces and where the tutorial
goes wrong: docs/tutorials.md.

Run ``python -m demos.stepthrough``. By default it walks the backward pass of
the gender tutorial's hand derivation: a 2-2-1 sigmoid network with every
weight 1 and every bias 0, one person (Alice, x = [-2, -1], target 1) and the
loss L = (1 - ypred)**2, where

    h1 = sigmoid(w1 x1 + w2 x2 + b1), h2 = sigmoid(w3 x1 + w4 x2 + b2),
    ypred = sigmoid(w5 h1 + w6 h2 + b3).

Each step is one node of the graph, the loss L first: the gradient dL/d(node),
complete by the time the node is reached, and for each of its inputs the local
derivative and the share dL/d(node) x local it adds to that input's gradient
(the chain rule, with its numbers). At the end comes a summary of the
parameters' gradients: dL/dw1 = 0.02147, exactly what L.backward() gives.

Keys (when stdin and stdout are a terminal):
  n, Enter, space or right arrow   next step (on the closing summary: quit)
  b or left arrow                  previous step
  q                                quit

With --all, or when stdin or stdout is not a terminal, every step is printed
at once (plain text, no colours, no screen clearing). Colours follow NO_COLOR.

Any expression over named numbers works too; it is parsed safely (never
evaluated as Python), allowing numbers, names given with --set, + - * / **,
unary minus, and exp, log, tanh, sigmoid, relu written as x.f() or f(x):

  python -m demos.stepthrough --expr "(a*b + b**2).sigmoid()" --set a=2 --set b=-3
  python -m demos.stepthrough --expr "tanh(x*w + c)" --set x=0.5 --set w=-2 --set c=1 --all
"""

from __future__ import annotations

import argparse
import ast
import keyword
import math
import os
import select
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from demos.neuron import alice_loss
from tinygrad_lite import Value
from tinygrad_lite.views.steps import ATOM, Step, backward_steps, expression, forward_order, kind, node_names

try:  # single key presses need a POSIX terminal; elsewhere the demo falls back to input()
    import termios
    import tty
except ImportError:  # pragma: no cover - Windows
    termios = None  # type: ignore[assignment]
    tty = None  # type: ignore[assignment]

FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu")
FUNCTION_LIST = ", ".join(FUNCTIONS)
ALLOWED = (
    "numbers, names given with --set, + - * / **, unary -, and exp/log/tanh/sigmoid/relu as x.f() or f(x)"
)
BINARY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: lambda x, y: x / y,
    ast.Pow: lambda x, y: x**y,
}
OPERATOR_NAMES = {
    ast.MatMult: "@",
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.BitXor: "^ (use ** for powers)",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Not: "not",
    ast.Invert: "~",
}
NEXT, BACK, QUIT = "next", "back", "quit"
KEYS = {"n": NEXT, " ": NEXT, "\r": NEXT, "\n": NEXT, "b": BACK, "q": QUIT, "\x04": QUIT, "\x1b": QUIT}
ARROWS = {"C": NEXT, "D": BACK}  # the last letter of ESC [ C (right) and ESC [ D (left)
KEY_HELP = "n/Enter/→ next  b/← back  q quit"  # space also steps on; kept short to fit 80 columns
SUMMARY_KEY_HELP = "b/← back  n/Enter/q quit"  # the summary is the last screen
REVERSE, BOLD, DIM, RESET = "\x1b[7m", "\x1b[1m", "\x1b[2m", "\x1b[0m"
CLEAR = "\x1b[H\x1b[2J\x1b[3J"
# The tutorial's rounded factors for dL/dw1 (its hand derivation).
TUTORIAL_FACTORS = (-0.9526, 0.249, -0.0904)


class ExpressionError(ValueError):
    """An --expr or --set that the demo refuses, with the reason."""


@dataclass
class Problem:
    """What to step through: a title, setup lines for the header, and a builder
    that makes a fresh graph each call (the loss and its named nodes)."""

    title: str
    setup: list[str]
    build: Callable[[], tuple[Value, dict[str, Value]]]
    parameters: list[str]  # the names whose gradients the summary lists
    is_gender: bool = False


# -- the problems -------------------------------------------------------------
def gender_problem() -> Problem:
    return Problem(
        title="the gender tutorial's hand derivation",
        setup=[
            "every weight 1, every bias 0; Alice x = [x1, x2] = [-2, -1], target 1",
            "h1 = sigmoid(w1 x1 + w2 x2 + b1), h2 = sigmoid(w3 x1 + w4 x2 + b2)",
            "ypred = sigmoid(w5 h1 + w6 h2 + b3), L = (1 - ypred)**2",
        ],
        build=alice_loss,
        parameters=[f"w{i}" for i in range(1, 7)] + [f"b{i}" for i in range(1, 4)],
        is_gender=True,
    )


def parse_set(text: str) -> tuple[str, float]:
    """``NAME=NUMBER`` from --set, checked: a Python identifier and a finite number."""
    name, sep, number = text.partition("=")
    name, number = name.strip(), number.strip()
    if not sep:
        raise ExpressionError(f"--set expects NAME=NUMBER, got {text!r}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(
            f"--set {text!r}: {name!r} is not a valid name (letters, digits and _, not starting with a digit)"
        )
    try:
        value = float(number)
    except ValueError:
        raise ExpressionError(f"--set {text!r}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise ExpressionError(f"--set {text!r}: the value must be a finite number")
    return name, value


def parse_sets(items: Sequence[str]) -> dict[str, float]:
    """Every --set, in order; each name at most once."""
    values: dict[str, float] = {}
    for item in items:
        name, value = parse_set(item)
        if name in values:
            raise ExpressionError(f"--set: {name} is set twice")
        values[name] = value
    return values


def build_expression(expr: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The graph of `expr` over named Values, built by walking its syntax tree
    against a whitelist (no eval). Returns the root and the named leaves used."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"--expr: invalid syntax in {expr!r}: {e.msg}") from None
    except ValueError as e:  # e.g. a NUL byte
        raise ExpressionError(f"--expr: {e}") from None
    leaves: dict[str, Value] = {}
    missing: list[str] = []
    try:
        root = _evaluate(tree.body, values, leaves, missing)
    except RecursionError:
        raise ExpressionError("--expr: the expression is nested too deeply") from None
    if missing:
        names = ", ".join(missing)
        example = " ".join(f"--set {name}=NUMBER" for name in missing)
        raise ExpressionError(f"--expr uses names that were not set: {names}; give each a value: {example}")
    if not isinstance(root, Value):
        raise ExpressionError("--expr has no named values to differentiate; use at least one --set name")
    return root, leaves


def _evaluate(node: ast.AST, values: dict[str, float], leaves: dict[str, Value], missing: list[str]) -> Any:
    """A float (numbers only) or a Value for an allowed node; ExpressionError otherwise."""

    def walk(node: ast.AST) -> Any:
        return _evaluate(node, values, leaves, missing)

    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        try:
            return float(node.value)
        except OverflowError:
            raise ExpressionError(f"--expr: the number {node.value} is too large") from None
    if isinstance(node, ast.Name):
        if node.id not in values:
            if node.id not in missing:
                missing.append(node.id)
            return Value(0.0)  # a placeholder, to find every missing name in one pass
        if node.id not in leaves:
            leaves[node.id] = Value(values[node.id], label=node.id)
        return leaves[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPS:
        left, right = walk(node.left), walk(node.right)
        op = BINARY_OPS[type(node.op)]
        if isinstance(left, Value) or isinstance(right, Value):
            return op(left, right)  # a number exponent stays a number: x**2 has the one parent x
        return op(Value(left), Value(right)).data  # numbers fold with Value's IEEE arithmetic (1/0 = inf)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = walk(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        return _call(node, walk)
    raise ExpressionError(f"--expr: {_what(node)} is not allowed; allowed are {ALLOWED}")


def _call(node: ast.Call, walk: Callable[[ast.AST], Any]) -> Value:
    """``sigmoid(x)`` or ``x.sigmoid()`` for the whitelisted functions."""
    func = node.func
    if isinstance(func, ast.Name):
        if func.id not in FUNCTIONS:
            raise ExpressionError(
                f"--expr: calling {func.id}() is not allowed; the functions are {FUNCTION_LIST}"
            )
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"--expr: {func.id}() takes exactly one argument, as in {func.id}(x)")
        return getattr(_as_value(walk(node.args[0])), func.id)()
    if isinstance(func, ast.Attribute):
        if func.attr not in FUNCTIONS:
            raise ExpressionError(
                f"--expr: the method .{func.attr}() is not allowed; the methods are "
                + ", ".join(f".{f}()" for f in FUNCTIONS)
            )
        if node.args or node.keywords:
            raise ExpressionError(f"--expr: .{func.attr}() takes no arguments, as in x.{func.attr}()")
        return getattr(_as_value(walk(func.value)), func.attr)()
    raise ExpressionError(
        f"--expr: calling {ast.unparse(func)} is not allowed; the functions are {FUNCTION_LIST}"
    )


def _as_value(x: Any) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _what(node: ast.AST) -> str:
    """A refused piece of syntax, in words."""
    if isinstance(node, ast.Attribute):
        return f"attribute access .{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"subscripting ({ast.unparse(node)})"
    if isinstance(node, ast.Lambda):
        return "lambda"
    if isinstance(node, ast.Constant):
        kind = "string" if isinstance(node.value, (str, bytes)) else "constant"
        return f"the {kind} {node.value!r}"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)}"
    kinds = {
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Compare: "a comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.NamedExpr: "the := operator",
        ast.JoinedStr: "an f-string",
    }
    return kinds.get(type(node), f"{type(node).__name__} syntax")


def expression_problem(expr: str, values: dict[str, float]) -> Problem:
    """A Problem for --expr; the root is labelled L (unless L is a --set name)."""

    def build() -> tuple[Value, dict[str, Value]]:
        root, leaves = build_expression(expr, values)
        if root.parents and "L" not in values:
            root.label = "L"
        return root, leaves

    _, leaves = build()  # refuse a bad expression before anything is printed
    unused = [name for name in values if name not in leaves]
    setting = ", ".join(f"{name} = {value:g}" for name, value in values.items() if name in leaves)
    setup = [f"L = {expr.strip()}" if "L" not in values else f"{expr.strip()}  (L stands for its value)"]
    setup.append(f"with {setting}")
    if unused:
        setup.append(f"(set but not used: {', '.join(unused)})")
    return Problem(
        title=f"L = {expr.strip()}",
        setup=setup,
        build=build,
        parameters=[name for name in values if name in leaves],
    )


# -- the walk through ---------------------------------------------------------
@dataclass
class Walkthrough:
    """A graph with every backward step taken and kept, to move back and forth."""

    problem: Problem
    root: Value
    nodes: dict[str, Value]
    order: list[Value]  # forward order, inputs first
    names: dict[int, str]
    steps: list[Step]  # backward order, root first
    position: dict[int, int]  # node id -> index of its step

    @classmethod
    def run(cls, problem: Problem) -> Walkthrough:
        root, nodes = problem.build()
        order = forward_order(root)
        steps = list(backward_steps(root))
        position = {id(step.node): step.index for step in steps}
        return cls(problem, root, nodes, order, node_names(order), steps, position)

    def grads_after(self, k: int) -> dict[int, float]:
        """dL/d(node) as it stands after step k (0-based): complete for the nodes
        already stepped, partial sums for those that have received shares."""
        grads: dict[int, float] = {id(self.steps[0].node): self.steps[0].grad}
        for step in self.steps[: k + 1]:
            grads[id(step.node)] = step.grad
            for edge in step.edges:
                if self.position[id(edge.parent)] > k:
                    grads[id(edge.parent)] = grads.get(id(edge.parent), 0.0) + edge.contribution
        return grads


def fmt(x: float) -> str:
    """4 significant digits, like `Step.describe`: -3.0, 0.02147."""
    text = f"{x:.4g}"
    return text if any(c in text for c in ".eninf") else text + ".0"


def node_table(walk: Walkthrough, k: int | None, color: bool) -> list[str]:
    """One row per node in forward order: name, op, data and dL/d(node) as it
    stands after step k (None: before the backward pass). '>' marks the
    current node, '+' the nodes it sends a share to."""
    current = walk.steps[k] if k is not None else None
    receivers = {id(e.parent) for e in current.edges} if current else set()
    grads = walk.grads_after(k) if k is not None else {}
    width = max(len("node"), *(len(name) for name in walk.names.values()))
    grad_head = f"  {'dL/d(node)':>10}" if k is not None else ""  # the forward pass has no gradients yet
    lines = [f"  {'#':>3}  {'node':<{width}}  {'op':<8} {'data':>10}{grad_head}"]
    for i, node in enumerate(walk.order, 1):
        key = id(node)
        if key not in grads:
            grad = ""
        elif k is not None and walk.position[key] <= k:
            grad = f"{fmt(grads[key]):>10}"
        else:
            grad = f"{fmt(grads[key]):>10} so far"
        mark = ">" if current is not None and node is current.node else "+" if key in receivers else " "
        op = node.op or leaf_kind(node)
        row = f"{mark} {i:>3}  {walk.names[key]:<{width}}  {op:<8} {fmt(node.data):>10}"
        if k is not None:
            row += f"  {grad:<17}"
        if color and mark == ">":
            row = REVERSE + row + RESET
        elif color and mark == "+":
            row = BOLD + row + RESET
        lines.append(row.rstrip() if not color else row)
    return lines


def short_names(walk: Walkthrough) -> list[tuple[str, str]]:
    """(name, formula) for each node named z1, h2, ... because its formula is
    long: the key to the table."""
    pairs = []
    for node in walk.order:
        if node.parents and not node.label:
            formula = expression(node.op, [(walk.names[id(p)], ATOM) for p in node.parents])[0]
            if formula != walk.names[id(node)]:
                pairs.append((walk.names[id(node)], formula))
    return pairs


def leaf_kind(node: Any) -> str:
    """What the op column says for a leaf: "param" for a parameter (a leaf
    that requires grad: training updates it), "input" for data, "const" for
    a number met in an op. Only a param gets a gradient."""
    if kind(node) == "parameter":
        return "param"
    return "input" if node.label else "const"


def header_lines(walk: Walkthrough) -> list[str]:
    """The setup and the forward pass, for --all."""
    lines = [f"Backpropagation, one step at a time: {walk.problem.title}"]
    lines += [f"  {line}" for line in walk.problem.setup]
    lines.append(f"\nForward pass: {len(walk.order)} nodes, each after its inputs")
    lines += node_table(walk, None, color=False)
    lines.append("  (param: a parameter, which training updates; input: data; const: a number)")
    lines += [f"  {name} = {formula}" for name, formula in short_names(walk)]
    lines.append(
        f"\nBackward pass: {len(walk.steps)} steps, L first, one per node that needs a gradient "
        "(inputs and constants get none)"
    )
    return lines


def step_lines(walk: Walkthrough, k: int) -> list[str]:
    step = walk.steps[k]
    lines = [f"step {k + 1} of {len(walk.steps)}: {step.name}"] + [f"  {line}" for line in step.describe()]
    return lines + [f"  {line}" for line in nan_warning(step.node)]


def nan_warning(node: Value) -> list[str]:
    """A warning for a node whose value is nan though none of its inputs is:
    where a nan starts, e.g. log(-1). Its gradient still comes out as a number,
    but it is the derivative of a function with no value there: meaningless."""
    if not node.parents or not math.isnan(node.data) or any(math.isnan(p.data) for p in node.parents):
        return []
    call = f"{node.op}({', '.join(f'{p.data:.4g}' for p in node.parents)})"
    why = "it has no real value"
    if node.op == "log":
        why = "the logarithm is defined only for positive numbers"
    return [
        f"{call} is not a number (nan): {why}; the gradients passed back from here are "
        "numbers, but meaningless"
    ]


def summary_lines(walk: Walkthrough) -> list[str]:
    """The parameters' gradients as the backward pass left them, checked
    against a fresh ``backward()``; for the gender problem, the tutorial's numbers."""
    fresh_root, fresh = walk.problem.build()
    fresh_root.backward()
    same = all(walk.nodes[name].grad == fresh[name].grad for name in walk.problem.parameters)
    check = "agree exactly" if same else "DIFFER"
    lines = [f"Summary: the gradients after all {len(walk.steps)} steps (a fresh L.backward(): {check})"]
    width = max(len(name) for name in walk.problem.parameters)
    for name in walk.problem.parameters:
        grad = walk.nodes[name].grad
        lines.append(f"  {'dL/d' + name:<{width + 4}} = {fmt(grad):<9}  (exact {grad!r})")
    if walk.problem.is_gender:
        n = walk.nodes
        factors = n["ypred"].grad, n["h1"].grad / n["ypred"].grad, n["w1"].grad / n["h1"].grad
        product = math.prod(TUTORIAL_FACTORS)
        lines += [
            "  The tutorial's chain: dL/dw1 = dL/dypred x dypred/dh1 x dh1/dw1",
            "    = "
            + " x ".join(f"({fmt(f)})" for f in factors)
            + f" = {fmt(n['w1'].grad)}, which rounds to {n['w1'].grad:.4f}",
            "  (The tutorial's 0.0214 comes from rounded factors: "
            + " x ".join(f"({f:g})" if f < 0 else f"{f:g}" for f in TUTORIAL_FACTORS)
            + f" = {product:.6f}.)",
        ]
    return lines


def print_all(walk: Walkthrough) -> None:
    """Every step at once, as plain text."""
    lines = header_lines(walk)
    for k in range(len(walk.steps)):
        lines += step_lines(walk, k)
    lines.append("")
    lines += summary_lines(walk)
    print("\n".join(lines))


# -- the interactive view -------------------------------------------------------
def screen(walk: Walkthrough, k: int, color: bool, size: os.terminal_size) -> str:
    """One screen: the node table (trimmed around the current node if the
    terminal is short), the current step's chain rule, and the key help.
    k == len(steps) is the closing summary."""
    n = len(walk.steps)
    width = max(size.columns - 1, 40)
    done = k >= n
    title = f"Backprop step-through: {walk.problem.title}"
    if done:
        below = summary_lines(walk)
        footer = f"summary after step {n} of {n}    {SUMMARY_KEY_HELP}"
    else:
        below = step_lines(walk, k)[1:]
        footer = f"step {k + 1} of {n}  {KEY_HELP}  (> this node, + gets a share)"
    below = [piece for line in below for piece in _wrap(line, width)]
    table = node_table(walk, min(k, n - 1) if not done else n - 1, color and not done)
    room = size.lines - len(below) - 4  # title, rule, rule, footer
    table = _trim(table, room, walk.order.index(walk.steps[min(k, n - 1)].node) + 1)
    bold = (lambda s: BOLD + s + RESET) if color else (lambda s: s)
    rule = "─" * min(width, 100)
    return "\n".join([bold(title[:width]), *table, rule, *below, rule, footer[:width]])


def _wrap(line: str, width: int) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [""]


def _trim(table: list[str], room: int, current: int) -> list[str]:
    """The header row and as many rows as fit, centred on row `current`."""
    rows = table[1:]
    if len(rows) <= room - 1 or room < 5:
        return table
    keep = room - 3  # header and two "more" lines
    start = max(0, min(current - 1 - keep // 2, len(rows) - keep))
    above, below = start, len(rows) - start - keep
    more_above = [f"  ... {above} more above"] if above else []
    more_below = [f"  ... {below} more below"] if below else []
    return [table[0], *more_above, *rows[start : start + keep], *more_below]


class KeyReader:
    """Single key presses from a terminal (cbreak mode, restored on exit), or
    lines from input() where that is not possible."""

    def __init__(self) -> None:
        self.fd = -1
        self.saved: Any = None

    def __enter__(self) -> KeyReader:
        if termios is not None:
            try:
                self.fd = sys.stdin.fileno()
                self.saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd, termios.TCSANOW)
            except (termios.error, OSError, ValueError):
                self.saved = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    def read(self, key_help: str = KEY_HELP) -> str:
        """NEXT, BACK, QUIT or "" for a key that means nothing."""
        if self.saved is None:
            try:
                answer = input(f"[{key_help}, then Enter] ").strip().lower()
            except EOFError:
                return QUIT
            return KEYS.get(answer[:1], "") if answer else NEXT
        key = os.read(self.fd, 1).decode(errors="replace")
        if not key:
            return QUIT
        if key == "\x1b" and select.select([self.fd], [], [], 0.05)[0]:
            sequence = os.read(self.fd, 16).decode(errors="replace")  # e.g. "[C" or "OC"
            return ARROWS.get(sequence[-1:], "") if sequence[:1] in "[O" else ""
        return KEYS.get(key.lower(), "")


def interactive(walk: Walkthrough, color: bool) -> None:
    """Show one step per screen; keys move forward and back; q quits."""
    k, last = 0, len(walk.steps)
    out = sys.stdout
    with KeyReader() as keys:
        try:
            while True:
                # No newline after the footer, so a screen as tall as the terminal does not scroll.
                out.write(CLEAR + screen(walk, k, color, shutil.get_terminal_size()))
                out.flush()
                action = keys.read(SUMMARY_KEY_HELP if k == last else KEY_HELP)
                if action == QUIT or (action == NEXT and k == last):
                    break
                if action == NEXT:
                    k += 1
                elif action == BACK:
                    k = max(k - 1, 0)
        except KeyboardInterrupt:
            pass
    out.write("\n")
    out.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.stepthrough",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--all", action="store_true", help="print every step at once, no key presses")
    parser.add_argument("--expr", help='an expression to step through, e.g. "(a*b + b**2).sigmoid()"')
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=NUMBER",
        help="a value for a name in --expr (repeat for each name)",
    )
    args = parser.parse_args(argv)
    try:
        if args.expr is not None:
            problem = expression_problem(args.expr, parse_sets(args.set))
        elif args.set:
            raise ExpressionError("--set gives values to the names of an --expr; there is no --expr")
        else:
            problem = gender_problem()
    except ExpressionError as e:
        parser.error(str(e))
    walk = Walkthrough.run(problem)
    if not args.all and sys.stdin.isatty() and sys.stdout.isatty():
        interactive(walk, color=not os.environ.get("NO_COLOR"))
        return
    if not args.all:
        print("(not a terminal, so every step is printed at once, as with --all)")
    print_all(walk)


if __name__ == "__main__":
    main()
