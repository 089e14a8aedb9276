"""One sigmoid neuron, a 2-2-1 network and the tutorial's hand derivation, by autograd.

Which tutorial this follows, the numbers it reproduces and where the tutorial
goes wrong: docs/tutorials.md.

Run ``python -m demos.neuron``. Every number is computed twice, once with the
scalar `Value` engine written out by hand and once with the `nn` layers, and
the two must agree to the last bit:

  (a) a neuron with weights w = [0, 1] and bias b = 4 on x = [2, 3]:
      sigmoid(w . x + b) = sigmoid(7) = 0.9990889488055994;
  (b) the 2-2-1 network whose neurons all have weights [0, 1] and bias 0:
      h1 = h2 = sigmoid(0*2 + 1*3) = sigmoid(3) = 0.9526,
      o1 = sigmoid(0*h1 + 1*h2) = 0.7216325609518421;
  (c) the tutorial's derivative by hand: every weight 1, every bias 0, Alice
      x = [-2, -1] with target 1 and loss L = (1 - ypred)**2. The chain rule
          dL/dw1 = dL/dypred * dypred/dh1 * dh1/dw1
                 = -2(1 - ypred) * w5 f'(w5 h1 + w6 h2 + b3) * x1 f'(w1 x1 + w2 x2 + b1)
                 = (-0.9526) * 0.2494 * (-0.0904) = 0.02147
      comes out of one call to backward(); the demo prints each factor. (The
      tutorial writes 0.0214: it multiplies factors rounded to -0.9526, 0.249
      and -0.0904, whose product is 0.021443.)

Network naming (the tutorial's): h1 = f(w1 x1 + w2 x2 + b1),
h2 = f(w3 x1 + w4 x2 + b2), o1 = f(w5 h1 + w6 h2 + b3), f = sigmoid.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np

import nn
from tinygrad_lite import Tensor, Value

Number = float | Value


def neuron_value(x: Sequence[Number], w: Sequence[Number], b: Number) -> Value:
    """sigmoid(w . x + b) = 1 / (1 + exp(-(sum_i w_i x_i + b))), built from `Value`s."""
    total = Value(b) if not isinstance(b, Value) else b
    for wi, xi in zip(w, x):
        total = total + wi * xi
    return total.sigmoid()


def network_value(
    x: Sequence[Number], w: Sequence[Number], b: Sequence[Number]
) -> tuple[Value, Value, Value]:
    """(h1, h2, o1) of the tutorial's 2-2-1 sigmoid network, built from `Value`s:
    h1 = f(w1 x1 + w2 x2 + b1), h2 = f(w3 x1 + w4 x2 + b2), o1 = f(w5 h1 + w6 h2 + b3)."""
    h1 = neuron_value(x, w[0:2], b[0])
    h2 = neuron_value(x, w[2:4], b[1])
    return h1, h2, neuron_value([h1, h2], w[4:6], b[2])


def tutorial_network(
    weights: Sequence[float] | None = None, biases: Sequence[float] | None = None, rng: Any = None
) -> nn.MLP:
    """The tutorial's 2-2-1 sigmoid network as ``nn.MLP(2, [2, 1])``.

    With `weights` = [w1, ..., w6] and `biases` = [b1, b2, b3] (the tutorial's
    naming) they are loaded into the layers, whose weights are ``(nin, nout)``:
    hidden weight [[w1, w3], [w2, w4]], output weight [[w5], [w6]]. Without
    them the weights are drawn from N(0, 1) with `rng` (the tutorial's
    ``np.random.normal()``) and the biases start at 0."""
    model = nn.MLP(2, [2, 1], activation="sigmoid", out_activation="sigmoid", init="normal", rng=rng)
    if weights is not None or biases is not None:
        w1, w2, w3, w4, w5, w6 = weights if weights is not None else [0.0] * 6
        b1, b2, b3 = biases if biases is not None else [0.0] * 3
        model.load_state_dict(
            {
                "layers.0.weight": np.array([[w1, w3], [w2, w4]]),
                "layers.0.bias": np.array([b1, b2]),
                "layers.1.weight": np.array([[w5], [w6]]),
                "layers.1.bias": np.array([b3]),
            }
        )
    return model


def agreement(a: float, b: float) -> str:
    """Whether two results are the same float, bit for bit."""
    return "agree exactly" if a == b else f"DIFFER by {abs(a - b):.3g}"


def single_neuron() -> None:
    x, w, b = [2.0, 3.0], [0.0, 1.0], 4.0
    by_value = neuron_value(x, w, b).data
    neuron = nn.Neuron(2, activation="sigmoid")
    neuron.load_state_dict({"weight": np.array(w), "bias": np.array(b)})
    by_nn = neuron(Tensor(x)).item()
    print("(a) one neuron, w = [0, 1], b = 4, x = [2, 3]: sigmoid(w . x + b) = sigmoid(7)")
    print(f"    Value:     {by_value!r}")
    print(f"    nn.Neuron: {by_nn!r}   ({agreement(by_value, by_nn)})")


def small_network() -> None:
    x, w, b = [2.0, 3.0], [0.0, 1.0] * 3, [0.0] * 3
    h1, _, o1 = network_value(x, w, b)
    by_nn = tutorial_network(w, b)(Tensor(x)).item()
    print("\n(b) 2-2-1 network, every neuron w = [0, 1], b = 0, x = [2, 3]")
    print(f"    h1 = h2 = sigmoid(3) = {h1.data:.4f}; o1 = sigmoid(h2)")
    print(f"    Value:             {o1.data!r}")
    print(f"    nn.MLP(2, [2, 1]): {by_nn!r}   ({agreement(o1.data, by_nn)})")


def alice_loss() -> tuple[Value, dict[str, Value]]:
    """The tutorial's hand derivation as a graph: every weight 1, every bias 0,
    Alice x = [-2, -1], target 1, L = (1 - ypred)**2. Returns L and its named
    nodes (x1, x2, w1..w6, b1..b3, h1, h2, ypred, L), each labelled so. Alice's
    measurements x1 and x2 are data (``requires_grad=False``): no gradient
    reaches them and no view offers to update them; the weights and biases
    are the parameters."""
    x = [Value(-2.0, label="x1", requires_grad=False), Value(-1.0, label="x2", requires_grad=False)]
    w = [Value(1.0, label=f"w{i}") for i in range(1, 7)]
    b = [Value(0.0, label=f"b{i}") for i in range(1, 4)]
    h1, h2, ypred = network_value(x, w, b)
    h1.label, h2.label, ypred.label = "h1", "h2", "ypred"
    loss = (1 - ypred) ** 2
    loss.label = "L"
    return loss, {v.label: v for v in [*x, *w, *b, h1, h2, ypred, loss]}


def hand_derivation() -> None:
    loss, nodes = alice_loss()
    h1, ypred = nodes["h1"], nodes["ypred"]
    w = [nodes[f"w{i}"] for i in range(1, 7)]
    b = [nodes[f"b{i}"] for i in range(1, 4)]
    loss.backward()
    # backward() filled dL/d(node) for every node; the tutorial's factors are ratios of them.
    rows = [
        ("h1 = sigmoid(w1 x1 + w2 x2 + b1)", h1.data, "0.0474"),
        ("ypred = sigmoid(w5 h1 + w6 h2 + b3)", ypred.data, "0.5237"),
        ("L = (1 - ypred)^2", loss.data, ""),
        ("dL/dypred = -2(1 - ypred)", ypred.grad, "-0.9526"),
        ("dypred/dh1 = w5 f'(w5 h1 + w6 h2 + b3)", h1.grad / ypred.grad, "0.249"),
        ("dh1/dw1 = x1 f'(w1 x1 + w2 x2 + b1)", w[0].grad / h1.grad, "-0.0904"),
        ("dL/dw1 = product of the three", w[0].grad, "0.0214"),
    ]
    print("\n(c) the tutorial's hand derivation: all weights 1, biases 0, Alice x = [-2, -1], target 1")
    print(f"    {'quantity':<40} {'autograd':>21} {'rounded':>8} {'by hand':>8}")
    for name, value, by_hand in rows:
        print(f"    {name:<40} {value!r:>21} {value:>8.4f} {by_hand:>8}".rstrip())
    dL_dypred, dypred_dh1, dh1_dw1 = (float(by_hand) for _, _, by_hand in rows[3:6])
    product = dL_dypred * dypred_dh1 * dh1_dw1
    print(
        f"    The tutorial's dL/dw1 = 0.0214 multiplies its rounded factors: "
        f"({dL_dypred}) * {dypred_dh1} * ({dh1_dw1}) = {product:.6f};\n"
        f"    the exact product is {w[0].grad:.6f}, which rounds to {w[0].grad:.4f}."
    )
    print("    All nine gradients come from the same backward():")
    for params in (w, b):
        print("     " + "  ".join(f"dL/d{p.label} {p.grad:+.4f}" for p in params))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.neuron",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    single_neuron()
    small_network()
    hand_derivation()


if __name__ == "__main__":
    main()
