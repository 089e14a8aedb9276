"""Computation graphs drawn with `draw_graph`: a neuron, the gender tutorial's loss, a Tensor MLP's loss.

Run ``python -m demos.graph``. Each graph is built, differentiated with
backward() so that every box shows its gradient, and saved as out/NAME.svg
and out/NAME.png:

  graph_neuron  one sigmoid neuron with `Value`s: weights [0, 1], bias 4,
                input [2, 3], y = sigmoid(w1 x1 + w2 x2 + b) = sigmoid(7);
  graph_gender  the gender tutorial's 2-2-1 network and its loss for Alice
                (every weight 1, every bias 0, x = [-2, -1], target 1),
                L = (1 - ypred)**2: box w1 shows the hand-derived
                dL/dw1 = 0.0215;
  graph_mlp     nn.MLP(2, [3, 1]) on the four XOR points with binary
                cross-entropy, with `Tensor`s (small tensors show their
                values, larger ones their range).

Colours: blue = parameters, grey = inputs and constants, white = intermediate
results, orange = the output; the small ellipses are the operations. Without
Graphviz's `dot` program the demo writes out/NAME.dot (the DOT text) instead
and says how to install Graphviz; a later run with Graphviz removes it.
"""

from __future__ import annotations

import argparse

import nn
from demos import _plot
from demos.neuron import alice_loss, neuron_value
from tinygrad_lite import Tensor, Value
from tinygrad_lite.views.graph import Graph, GraphvizNotFoundError, draw_graph


def neuron_graph() -> Graph:
    """y = sigmoid(w1 x1 + w2 x2 + b) with w = [0, 1], b = 4, x = [2, 3] (data)."""
    x = [Value(2.0, label="x1", requires_grad=False), Value(3.0, label="x2", requires_grad=False)]
    w = [Value(0.0, label="w1"), Value(1.0, label="w2")]
    y = neuron_value(x, w, Value(4.0, label="b"))
    y.label = "y"
    y.backward()
    print(f"graph_neuron: y = sigmoid(7) = {y.data:.4f}, dy/dw1 = {w[0].grad:.4f}")
    return draw_graph(y)


def gender_graph() -> Graph:
    """The tutorial's hand derivation: L = (1 - ypred)**2 for Alice, every weight 1, every bias 0."""
    loss, nodes = alice_loss()
    loss.backward()
    print(f"graph_gender: L = {loss.data:.4f}, dL/dw1 = {nodes['w1'].grad:.4f} (the tutorial's 0.0214)")
    return draw_graph(loss)


def mlp_graph(seed: int = 0) -> Graph:
    """Binary cross-entropy of nn.MLP(2, [3, 1]) on the XOR data, as Tensors."""
    X, y = nn.datasets.xor()
    model = nn.MLP(2, [3, 1], rng=seed)
    for i, layer in enumerate(model.layers, start=1):
        layer.weight.label, layer.bias.label = f"W{i}", f"b{i}"
    prob = model(Tensor(X, label="X"))
    prob.label = "prob"
    loss = nn.binary_cross_entropy(prob, Tensor(y, label="target"))
    loss.label = "loss"
    loss.backward()
    print(f"graph_mlp:    loss = {loss.item():.4f} on the four XOR points (untrained)")
    return draw_graph(loss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.graph",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    graphs = {"graph_neuron": neuron_graph(), "graph_gender": gender_graph(), "graph_mlp": mlp_graph()}
    _plot.OUT.mkdir(exist_ok=True)
    try:
        for name, graph in graphs.items():
            for fmt in ("svg", "png"):
                path = _plot.OUT / f"{name}.{fmt}"
                path.write_bytes(graph.pipe(format=fmt))
                print(f"saved {path}")
            stale = _plot.OUT / f"{name}.dot"  # from an earlier run without Graphviz
            if stale.exists():
                stale.unlink()
                print(f"removed {stale} (left by a run without Graphviz)")
    except GraphvizNotFoundError as exc:
        for name, graph in graphs.items():
            path = _plot.OUT / f"{name}.dot"
            path.write_text(graph.source)
            print(f"saved {path} (the DOT text)")
        print(exc)


if __name__ == "__main__":
    main()
