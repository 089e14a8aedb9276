"""Step through backpropagation: the chain rule one node at a time.

`backward_steps(root)` runs the very loop that ``root.backward()`` runs
(`autograd.backward_pass`) and stops at every node, root first, to show:

- the node and dL/d(node), complete by the time the node is reached;
- for each parent, the local derivative d(node)/d(parent) in words and, for
  a scalar `Value`, as a number, and the contribution
  dL/d(node) x d(node)/d(parent) that it adds to the parent's gradient.

The terminal and browser step-through views are built on it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd
from ..autograd import Group
from ..tensor import Tensor
from ..value import Value

# The local derivative of each op for each of its inputs, in words: x and y
# stand for the inputs' names, z for the output's. A rule that mentions g (the
# gradient arriving at the output) is a vector-Jacobian product for tensors,
# shown as what it adds: "dL/dx += ...".
FORMULAS: dict[str, tuple[str, ...]] = {
    "+": ("1", "1"),
    "-": ("1", "-1"),
    "*": ("{y}", "{x}"),
    "/": ("1/{y}", "-{x}/{y}²"),
    "**": ("{y}·{x}^({y}-1)", "{z}·ln({x})"),
    "neg": ("-1",),
    "exp": ("exp({x}) = {z}",),
    "log": ("1/{x}",),
    "sqrt": ("1/(2·{z})",),
    "abs": ("sign({x})",),
    "tanh": ("1 - {z}²",),
    "sigmoid": ("{z}·(1 - {z})",),
    "relu": ("1 if {x} > 0 else 0",),
    "clip": ("1 where {x} is within the bounds, else 0",),
    "softplus": ("sigmoid({x})",),
    "log_sigmoid": ("sigmoid(-{x})",),
    "bce": ("({x} - {y}) / ({x}·(1 - {x}))", "ln(1 - {x}) - ln({x})"),
    "mse": ("2·({x} - {y})/n", "-2·({x} - {y})/n"),
    "cross_entropy": (
        "(softmax({x})·sum({y}) - {y})/n for probability rows {y}, (softmax({x}) - onehot({y}))/n for labels",
        "-log_softmax({x})/n for probability rows (integer labels get none)",
    ),
    "@": ("g @ {y}ᵀ", "{x}ᵀ @ g"),
    "softmax": ("{z}·(g - sum(g·{z}))",),
    "log_softmax": ("g - softmax({x})·sum(g)",),
    "sum": ("1 for every element summed",),
    "mean": ("1/n for each of the n elements averaged",),
    "max": ("1/k at the k largest elements, 0 elsewhere",),
    "min": ("1/k at the k smallest elements, 0 elsewhere",),
    "reshape": ("g reshaped back to the shape of {x}",),
    "transpose": ("g with the axes of {x} put back",),
    "getitem": ("g at the elements {x}[index] took, 0 elsewhere",),
    "conv2d": (
        "g correlated with the flipped kernel {y}: each window's share added back to its pixels",
        "sum over every window of g · that window of {x}",
        "sum of g over the batch and the pixels",
    ),
    "max_pool2d": ("g at the first maximum of each window, 0 elsewhere",),
    # issue 17: joining, shape, selection (cat and stack take any number of inputs: one rule for each)
    "cat": ("the slice of g where this input lies along the joined axis",),
    "stack": ("g at this input's position along the new axis",),
    "expand": ("g summed over the axes {x} was expanded along",),
    "flip": ("g flipped back along the same axes",),
    "repeat": ("g summed over the copies of {x}",),
    "pad": ("g with the padding cut off",),
    "tril": ("1 on and below the diagonal, 0 above",),
    "triu": ("1 on and above the diagonal, 0 below",),
    "where": ("1 where the condition holds, else 0", "1 where the condition fails, else 0"),
    "maximum": (
        "1 where {x} > {y}, 1/2 where they tie, else 0",
        "1 where {y} > {x}, 1/2 where they tie, else 0",
    ),
    "minimum": (
        "1 where {x} < {y}, 1/2 where they tie, else 0",
        "1 where {y} < {x}, 1/2 where they tie, else 0",
    ),
    "masked_fill": ("0 where the mask holds, else 1",),
    "gather": ("g added at the elements of {x} that were picked (twice if picked twice)",),
    # issue 17: reductions and images
    "var": ("2·({x} - mean)/(n - correction)",),
    "std": ("({x} - mean)/((n - correction)·{z}), 0 where {z} = 0",),
    "prod": ("the product of the other elements of the slice ({z}/{x} where {x} ≠ 0)",),
    "logsumexp": ("exp({x} - {z}) = softmax({x})",),
    "cumsum": ("g summed from the end (a reversed cumsum)",),
    "avg_pool2d": ("1/(kH·kW) from each window the element lies in",),
    # issue 17: elementwise, rounding (step functions: 0), activations, casts, losses
    "sin": ("cos({x})",),
    "cos": ("-sin({x})",),
    "tan": ("1 + {z}²",),
    "log1p": ("1/(1 + {x})",),
    "expm1": ("{z} + 1",),
    "log2": ("1/({x}·ln 2)",),
    "exp2": ("{z}·ln 2",),
    "rsqrt": ("-{z}³/2",),
    "square": ("2·{x}",),
    "reciprocal": ("-{z}²",),
    "sign": ("0",),
    "floor": ("0",),
    "ceil": ("0",),
    "trunc": ("0",),
    "round": ("0",),
    "erf": ("2/√π·exp(-{x}²)",),
    "//": ("0", "0"),
    "%": ("1", "-floor({x}/{y})"),
    "leaky_relu": ("1 if {x} > 0 else negative_slope",),
    "elu": ("1 if {x} > 0 else alpha·exp({x})",),
    "gelu": ("Φ({x}) + {x}·φ({x}), Φ and φ the normal CDF and density (or its tanh form's derivative)",),
    "silu": ("sigmoid({x})·(1 + {x}·(1 - sigmoid({x})))",),
    "softsign": ("1/(1 + |{x}|)²",),
    "relu6": ("1 if 0 < {x} < 6 else 0",),
    "hardtanh": ("1 if min_val < {x} < max_val else 0",),
    "astype": ("g, cast back to the dtype of {x}",),
    "nll_loss": (
        "-g/n at the element each label in {y} picks, 0 elsewhere (n: the labels not ignored for "
        "reduction='mean', else 1)",
        "none: labels get no gradient",
    ),
}
# x**n with a number n keeps only x as a parent.
ONE_INPUT_POW = ("{n}·{x}^({n}-1)",)
# How tightly each infix op binds, for names such as "a*b + b**2".
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "neg": 3, "**": 4}
PRECEDENCE.update({"//": 2, "%": 2})  # issue 17
ATOM = 5  # labels, numbers and calls such as sigmoid(x) never need parentheses
SHORT_NAME = 20  # an expression name longer than this becomes z1, h2, ... (the expression on hover)
#: Ops whose results are named h1, h2, ... (hidden activations) rather than z1, z2, ...
ACTIVATION_OPS = {"tanh", "sigmoid", "relu", "softmax", "log_softmax", "softplus", "log_sigmoid"}
ACTIVATION_OPS |= {"leaky_relu", "elu", "gelu", "silu", "softsign", "relu6", "hardtanh"}  # issue 17


@dataclass(frozen=True)
class Edge:
    """What one step adds to one parent's gradient."""

    parent: Any
    parent_name: str
    formula: str  # the local derivative in words, e.g. "d(a*b)/da = b"
    local: float | None  # its value for a Value node; None for a Tensor (a Jacobian, never formed)
    contribution: Any  # added to parent.grad: local * grad (Value), the vector-Jacobian product (Tensor)


@dataclass(frozen=True)
class Step:
    """One node of the backward pass: dL/d(node) and what it sends to each parent."""

    index: int  # 0 for the root
    node: Any
    name: str
    grad: Any  # dL/d(node), complete when the step is reached (a copy for a Tensor)
    edges: tuple[Edge, ...]  # one per parent that receives a gradient; none for a leaf
    # what the node's users sent to make its grad, in the order they were added: (user's name, contribution)
    sources: tuple[tuple[str, Any], ...] = ()

    def describe(self) -> list[str]:
        """The step as lines of text: the chain rule with its numbers; for a
        node used more than once, first the sum its gradient is."""
        grad = _fmt(self.grad)
        total = self.sum_of_uses()
        if not self.edges:
            return [f"{self.name} is a leaf: dL/d{_d(self.name)} = {grad}", *total]
        # a Tensor's rules are vector-Jacobian products of g, the gradient arriving here
        g = "g = " if any(re.search(r"\bg\b", e.formula) for e in self.edges) else ""
        lines = [f"at {self.name} ({self.node.op}): {g}dL/d{_d(self.name)} = {grad}", *total]
        for e in self.edges:
            if e.local is None:
                lines.append(f"  {e.formula}   (adds {_fmt(e.contribution)})")
            else:
                value = "" if _ends_withformat_number(e.formula, e.local) else f" = {_fmt(e.local)}"
                lines.append(
                    f"  {e.formula}{value}, so dL/d{_d(e.parent_name)} += "
                    f"{grad} x {_fmt(e.local)} = {_fmt(e.contribution)}"
                )
        return lines

    def sum_of_uses(self) -> list[str]:
        """For a node used more than once, the line saying what its gradient
        adds up: "dL/dx1 = -0.01073 + -0.01073 = -0.02147, from its 2 uses (by
        w1*x1, w3*x1)"; nothing for a node used once."""
        if len(self.sources) < 2:
            return []
        terms = " + ".join(_fmt(c) for _, c in self.sources)
        count = Counter(user for user, _ in self.sources)
        users = ", ".join(user if k == 1 else f"{user} x{k}" for user, k in count.items())
        return [
            f"  dL/d{_d(self.name)} = {terms} = {_fmt(self.grad)}, "
            f"from its {len(self.sources)} uses (by {users})"
        ]


def backward_steps(root: Any, grad: Any = None) -> Iterator[Step]:
    """Run ``root.backward(grad)`` one node at a time, yielding a `Step` per
    node in backward order (root first, leaves included).

    Iterating to the end leaves exactly the gradients `backward()` would
    (leaves accumulate across passes in the same way); stopping early leaves
    the pass unfinished."""
    names = names_with_precedence(autograd.topological_order(root, include_constants=True))
    pass_ = autograd.backward_pass(root, root._seed(grad))
    received: dict[int, list[tuple[str, Any]]] = {}
    for index, (node, pairs) in enumerate(pass_):
        edges = _edges(node, pairs, names)
        name = names[id(node)][0]
        for edge in edges:
            received.setdefault(id(edge.parent), []).append((name, edge.contribution))
        yield Step(index, node, name, _copy(node.grad), edges, tuple(received.pop(id(node), ())))


class PathsToRoot:
    """The paths of a scalar graph (a `Value` graph, `order` with the root last)
    from any node up to the root, each with the product of the local
    derivatives along it: the chain rule one path at a time. Their sum is
    dL/d(node) (a node used twice by one op, x*x, has two paths through it).
    Built once per graph: ``paths(node)`` lists at most `limit` of them and
    says how many there are in all."""

    def __init__(self, order: list) -> None:
        self.root = order[-1]
        self.users: dict[int, list[tuple[Any, int]]] = {}
        for user in order:
            for k, parent in enumerate(user.parents):
                self.users.setdefault(id(parent), []).append((user, k))
        self.count: dict[int, int] = {id(self.root): 1}  # counted from the root down
        for n in reversed(order[:-1]):
            self.count[id(n)] = sum(
                self.count.get(id(u), 0) for u, _ in self.users.get(id(n), ()) if u.requires_grad
            )

    def __call__(self, node: Any, limit: int = 12) -> tuple[list[tuple[list, float]], int]:
        found: list[tuple[list, float]] = []
        stack = [(node, [node], 1.0)]
        while stack and len(found) < limit:
            n, path, product = stack.pop()
            if n is self.root:
                found.append((path, product))
                continue
            for user, k in reversed(self.users.get(id(n), [])):
                if user.requires_grad:
                    stack.append((user, [*path, user], product * user._local[k]))
        return found, self.count.get(id(node), 0)


def kind(node: Any) -> str:
    """The part a node plays, for the graph views: "result" (computed by an op),
    "parameter" (a leaf that requires grad) or "constant" (any other leaf:
    data, and numbers met in an op)."""
    if node.parents:
        return "result"
    return "parameter" if node.requires_grad else "constant"


def node_groups(order: list) -> dict[int, Group | None]:
    """Each node's `Group` (keyed by id), for the views: the group it was made
    in, or the innermost ``nn.Module`` call that made it; for a parameter or a
    number made outside every group (a neuron's weights made before its
    ``with group(...)``), the group of its users when they all lie in one, so
    that collapsing the group hides it too. None outside every group."""
    groups: dict[int, Group | None] = dict.fromkeys(map(id, order))
    for node, call in _module_calls(order):  # innermost last, so it wins
        for member in order:
            if call[1] < member._seq <= node._seq:
                groups[id(member)] = call[2]
    for node in order:  # a `with group(...)` inside a call is the innermost of all
        if node.group is not None:
            groups[id(node)] = node.group
    users: dict[int, set] = {}
    for node in order:
        for parent in node.parents:
            users.setdefault(id(parent), set()).add(groups[id(node)])
    for node in order:
        shared = users.get(id(node), set())
        if not node.parents and groups[id(node)] is None and len(shared) == 1 and _goes_with_users(node):
            groups[id(node)] = next(iter(shared))
    return groups


def _goes_with_users(leaf: Any) -> bool:
    """Whether a leaf made outside a group belongs with its users' group: a
    parameter (a neuron's weights) or a number met in an op does; data (an
    input, a target) stays outside, where the group's inputs come from."""
    if leaf.requires_grad:
        return True
    return not leaf.label and (isinstance(leaf, Value) or leaf.data.ndim == 0)


def parameter_names(order: list) -> dict[int, str]:
    """The names, by id, of the ``nn`` parameters in `order`: their place in
    the model of the outermost module call that holds them ("layers.0.weight"),
    never a bare "weight" ("Linear.weight" when a lone layer is the model). A
    label you gave (anything but the parameter's own attribute name) is kept."""
    names: dict[int, str] = {}
    for _, (module, _, _) in _module_calls(order):  # outermost first: its names are the longest
        place = vars(module).get("_name")
        for path, p in module.named_parameters():
            if id(p) in names or p.label not in ("", path.rsplit(".", 1)[-1]):
                continue
            prefix = place or ("" if "." in path else type(module).__name__)
            names[id(p)] = f"{prefix}.{path}" if prefix else path
    return names


def _module_calls(order: list) -> list[tuple[Any, tuple[Any, int, Group]]]:
    """The ``nn.Module`` calls in `order`, outermost first: each call's result
    node with ``(module, start, group)``, the group named after the module (its
    place in the model, else its class) inside the group of the call around it.
    A call's nodes are those made after `start` up to its result (``_call``,
    set by ``Module.__call__``)."""
    calls = []
    for node in order:
        call = getattr(node, "_call", None)
        while call is not None:  # calls that ended on this node, outermost first
            calls.append((node, call[:2]))
            call = call[2]
    calls.sort(key=lambda nc: nc[1][1] - nc[0]._seq)  # stable: on one node, the outer stays first
    made: list[tuple[Any, tuple[Any, int, Group]]] = []
    for node, (module, start) in calls:  # widest first: a call's parent is made before it
        around = next((c for n, c in reversed(made) if c[1] <= start and node._seq <= n._seq), None)
        kind = type(module).__name__
        name = vars(module).get("_name", kind)
        made.append((node, (module, start, Group(name, around[2] if around else None, kind))))
    return made


def group_title(group: Group) -> str:
    """What a view writes for a group: its name, with what made it when that
    says more ("layers.0 (Layer)")."""
    return f"{group.name} ({group.kind})" if group.kind and group.kind != group.name else group.name


def outer_groups(order: list) -> list[tuple[Group, list, Any]]:
    """The groups a view draws as one box each: the outermost groups of `order`
    (root last); but when every group lies in one (a model's call), that one's
    subgroups (its layers), and so on down while there is a single group.

    In forward order of their first node, each with its nodes (`node_groups`,
    in forward order) and its output, the last of them that a node outside the
    group uses, or the root (else its last node): what a view shows when it
    draws the group as one box. The nodes of an outer group that lie in none of
    its subgroups are drawn as themselves."""
    member = node_groups(order)
    found = _groups_within(order, member, None)
    while len(found) == 1:
        inner = _groups_within(order, member, found[0][0])
        if not inner:
            break
        found = inner
    return found


def _groups_within(order: list, member: dict, within: Group | None) -> list[tuple[Group, list, Any]]:
    """`outer_groups` one level down: the groups whose parent is `within` (None: the top level)."""

    def child(group: Group | None) -> Group | None:  # the child of `within` that `group` lies in
        while group is not None and group.parent is not within:
            group = group.parent
        return group

    top = {id(node): child(member[id(node)]) for node in order}
    inside: dict[Group, list] = {}
    for node in order:
        if top[id(node)] is not None:
            inside.setdefault(top[id(node)], []).append(node)
    used_outside = {id(p) for n in order for p in n.parents if top[id(p)] is not top[id(n)]}
    root = order[-1]
    return [
        (group, nodes, ([n for n in nodes if id(n) in used_outside or n is root] or nodes[-1:])[-1])
        for group, nodes in inside.items()
    ]


def forward_order(root: Any) -> list:
    """Every node `root` depends on, constants included, each after its inputs."""
    return autograd.topological_order(root, include_constants=True)


def node_names(order: list) -> dict[int, str]:
    """A display name for each node of `order` (inputs first), keyed by id,
    the same in every view: its label (an ``nn`` parameter's place in the
    model); else a short expression of its inputs' names such as "a*b + c"
    or "sigmoid(h)"; else, when that is longer than `SHORT_NAME`, a short
    name in forward order: h1, h2, ... for an activation's result, z1, z2,
    ... for any other (`expression` still gives the formula, for a tooltip).
    A number met in an op is named by its value, an unlabelled parameter
    p1, p2, ..., other unlabelled data x1, x2, ... (never a label in use)."""
    return {key: name for key, (name, _) in names_with_precedence(order).items()}


def names_with_precedence(order: list) -> dict[int, tuple[str, int]]:
    """`node_names` with each name's precedence, to parenthesise only where needed."""
    names: dict[int, tuple[str, int]] = {}
    labels = parameter_names(order)
    taken = {node.label for node in order if node.label} | set(labels.values())
    counts: Counter[str] = Counter()

    def short(letter: str) -> str:  # the next unused name with this letter
        while True:
            counts[letter] += 1
            if f"{letter}{counts[letter]}" not in taken:
                return f"{letter}{counts[letter]}"

    for node in order:
        if id(node) in labels or node.label:
            entry = labels.get(id(node), node.label), ATOM
        elif not node.parents:
            number = isinstance(node, Value) or node.data.ndim == 0
            if number and not node.requires_grad:
                entry = f"{float(node.data):g}", ATOM
            else:
                entry = short("p" if node.requires_grad else "x"), ATOM
        else:
            entry = expression(node.op, [names[id(p)] for p in node.parents])
            if len(entry[0]) > SHORT_NAME:
                entry = short("h" if node.op in ACTIVATION_OPS else "z"), ATOM
        names[id(node)] = entry
    return names


def expression(op: str, args: list[tuple[str, int]]) -> tuple[str, int]:
    """The name of `op` applied to named inputs, e.g. ("a*b + c", 1)."""
    if op in PRECEDENCE and len(args) == 2:
        prec = PRECEDENCE[op]
        (left, lp), (right, rp) = args
        left = left if lp > prec or (lp == prec and op != "**") else f"({left})"
        right = right if rp > prec or (rp == prec and op in ("+", "*")) else f"({right})"
        sep = " " if op in ("+", "-") else ""
        return f"{left}{sep}{op}{sep}{right}", prec
    if op.startswith("**"):  # Value's x**n with a number n: "**2"
        (base, bp), power = args[0], op[2:]
        return (base if bp == ATOM else f"({base})") + f"**{power}", PRECEDENCE["**"]
    if op == "neg":
        (arg, ap) = args[0]
        return "-" + (arg if ap >= PRECEDENCE["neg"] else f"({arg})"), PRECEDENCE["neg"]
    return f"{op}({', '.join(name for name, _ in args)})", ATOM


def _edges(node: Any, pairs: list, names: dict[int, tuple[str, int]]) -> tuple[Edge, ...]:
    """Match each (parent, contribution) pair to the parent's position, to find
    its formula and local derivative. `_chain` keeps the parents' order and may
    skip some (those needing no gradient), and a parent may appear twice (x*x)."""
    if not pairs:
        return ()
    templates = ONE_INPUT_POW if node.op.startswith("**") and len(node.parents) == 1 else FORMULAS[node.op]
    inputs = {"x": node.parents[0], "z": node}
    if len(node.parents) > 1:
        inputs["y"] = node.parents[1]
    argnames = {key: _operand(*names[id(n)]) for key, n in inputs.items()}
    if node.op.startswith("**") and len(node.parents) == 1:
        argnames["n"] = node.op[2:]
    edges, i = [], 0
    for parent, contribution in pairs:
        while node.parents[i] is not parent:
            i += 1
        template = templates[min(i, len(templates) - 1)]  # cat and stack: one rule for every input
        rule = template.format(**argnames)
        z, x = _d(names[id(node)][0]), _d(names[id(parent)][0])
        is_vjp = re.search(r"\bg\b", template)
        if node.op == "@" and isinstance(node, Tensor) and node.ndim == parent.ndim == 2:
            rule = _matmul_shapes(rule, i, node)
        formula = f"dL/d{x} += {rule}" if is_vjp else f"d{z}/d{x} = {rule}"
        if isinstance(node, Tensor) and parent.shape != node.shape and node.op not in _SHAPE_OPS:
            formula += f", {_summed(parent.shape, node.shape)}"
        local = node._local[i] if isinstance(node, Value) else None
        edges.append(Edge(parent, names[id(parent)][0], formula, local, _copy(contribution)))
        i += 1
    return tuple(edges)


# Ops whose input and output shapes differ by design: their rule already says how.
_SHAPE_OPS = {
    "@",
    "sum",
    "mean",
    "max",
    "min",
    "reshape",
    "transpose",
    "getitem",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "cat",
    "stack",
    "expand",
    "repeat",
    "pad",
    "gather",
    "var",
    "std",
    "prod",
    "logsumexp",
    "cross_entropy",
    "mse",
    "bce",
    "nll_loss",
}


def _matmul_shapes(rule: str, i: int, node: Any) -> str:
    """A matrix product's rule with its shape arithmetic: for z = x @ y,
    dL/dx += g(n, m) @ yᵀ(m, k) → (n, k), and dL/dy likewise (the sizes
    joined by a multiplication sign)."""
    x, y = node.parents
    g = _dims(node.shape)
    if i == 0:
        left, right = rule.split(" @ ")
        return f"{left}({g}) @ {right}({_dims(y.shape[::-1])}) → {_dims(x.shape)}"
    left, right = rule.split(" @ ")
    return f"{left}({_dims(x.shape[::-1])}) @ {right}({g}) → {_dims(y.shape)}"


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _summed(small: tuple[int, ...], big: tuple[int, ...]) -> str:
    """Which axes broadcasting stretched an input of shape `small` over, so its
    gradient is summed over them: "summed over axis 0 (the batch), where it was
    broadcast to" the output's shape."""
    extra = len(big) - len(small)
    axes = [*range(extra), *(extra + k for k, n in enumerate(small) if n == 1 and big[extra + k] != 1)]
    where = f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))
    batch = " (the batch)" if axes == [0] and len(big) == 2 else ""
    return f"summed over {where}{batch}, where it was broadcast to {_dims(big)}"


def _operand(name: str, prec: int) -> str:
    """`name` inside a formula: in parentheses unless it stands alone."""
    return name if prec == ATOM else f"({name})"


def _d(name: str) -> str:
    """`name` as the operand of d: d(a*b)/da, dL/dw1, dL/d(sigmoid(h))."""
    return name if name.isidentifier() else f"({name})"


def _ends_withformat_number(formula: str, number: float) -> bool:
    """True when `formula` already ends in `number` ("d(a+b)/da = 1"), so it
    need not be repeated."""
    try:
        return float(formula.rsplit("= ", 1)[-1]) == number
    except ValueError:
        return False


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def _fmt(x: Any) -> str:
    """A number as 4 significant decimals; an array as its values when small, else its shape."""
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return format_number(x.item())
        if x.size <= 6:
            return np.array2string(x, precision=4, separator=", ").replace("\n", "")
        return f"array of shape {x.shape}"
    return format_number(x) if isinstance(x, float) else str(x)


def format_number(x: float) -> str:
    """4 significant decimals, keeping a float looking like one: -3.0, not -3."""
    text = f"{x:.4g}"
    return text if any(c in text for c in ".eninf") else text + ".0"
