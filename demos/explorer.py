"""Browser explorer: step through a forward and a backward pass in a web page.

Run ``python -m demos.explorer``. It writes two self-contained HTML pages
(no network, no server: open them straight from disk):

  out/explorer.html         the gender tutorial's loss for one person, built
                            from scalar Values: every weight 1, every bias 0,
                            Alice x = [-2, -1], target 1, L = (1 - ypred)**2
                            (the graph behind the hand derivation of
                            dL/dw1 = 0.0214 in demos.neuron);
  out/explorer_tensor.html  a small Tensor network, nn.MLP(2, [3, 1]), and
                            its binary cross-entropy on the XOR table;
  out/explorer_mlp.html     the micrograd lecture's MLP(3, [4, 4, 1]) built
                            from Values, one group per neuron (120 nodes),
                            and its squared error on one example.

Use Previous / Next / Play or the arrow keys and the space bar. The forward
pass fills in each node's data; the backward pass, root first, fills in each
gradient with the chain rule written out beside the graph; on the gender page
an update phase then moves each parameter one gradient-descent step, with the
tutorial's learning rate 0.1.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

import nn
from demos.neuron import alice_loss
from tinygrad_lite import Tensor, Value, group
from tinygrad_lite.views.explain import explain

LR = 0.1  # the gender tutorial's learning rate, for the update phase of its page


def gender_loss() -> Value:
    """L = (1 - ypred)**2 for Alice, with the tutorial's names on every node
    (`demos.neuron.alice_loss`)."""
    return alice_loss()[0]


def xor_loss(seed: int = 0) -> Tensor:
    """binary_cross_entropy(MLP(X), y) on XOR, with short names: X, y, W1, b1, h, W2, b2, p, L."""
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", rng=seed)
    for k, layer in enumerate(model.layers, start=1):
        layer.weight.label, layer.bias.label = f"W{k}", f"b{k}"
    p = model(Tensor(X, label="X"))
    loss = nn.binary_cross_entropy(p, Tensor(y, label="y"))
    hidden = p.parents[0].parents[0].parents[0]  # p = sigmoid(h @ W2 + b2)
    hidden.label, p.label, loss.label = "h", "p", "L"
    return loss


def micrograd_mlp_loss(seed: int = 0) -> Value:
    """(MLP(x) - 1)**2 for the micrograd lecture's MLP(3, [4, 4, 1]), built
    from Values as the lecture does: tanh neurons, weights uniform in [-1, 1)
    (drawn from `seed`), biases 0, the example x = [2, 3, -1] (data) with
    target 1. Each neuron's work is one `group` ("L1 neuron 0", ...), so the
    views can collapse the 120 nodes into a box per neuron."""
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 4, 1]
    x = [Value(v, label=f"x{i}", requires_grad=False) for i, v in enumerate([2.0, 3.0, -1.0], start=1)]
    for layer, (nin, nout) in enumerate(itertools.pairwise(sizes), start=1):
        neurons = [([Value(w) for w in rng.uniform(-1, 1, nin)], Value(0.0)) for _ in range(nout)]
        outs = []
        for n, (weights, bias) in enumerate(neurons):
            with group(f"L{layer} neuron {n}"):
                outs.append(sum((w * xi for w, xi in zip(weights, x)), bias).tanh())
        x = outs
    loss = (x[0] - 1.0) ** 2
    loss.label = "L"
    return loss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.explorer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the pages (default out/)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the MLP's initial weights (default 0)")
    args = parser.parse_args(argv)
    pages = [
        (explain(gender_loss(), lr=LR).save(args.out / "explorer.html"), "gender tutorial, scalar Values"),
        (explain(xor_loss(args.seed)).save(args.out / "explorer_tensor.html"), "XOR MLP, Tensors"),
        (
            explain(micrograd_mlp_loss(args.seed)).save(args.out / "explorer_mlp.html"),
            "MLP(3, [4, 4, 1]), Values",
        ),
    ]
    for path, what in pages:
        print(f"wrote {path}  ({what})")
    print("Open them in a browser, e.g.")
    for path, _ in pages:
        print(f"  {path.resolve().as_uri()}")


if __name__ == "__main__":
    main()
