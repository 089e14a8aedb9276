// The network view: one column per layer, the inputs on the left. An edge per weight, its width
// ∝ |w| (or |dL/dw| of the last step) and its colour by sign; each neuron drawn as its output over
// the input plane (frame.neurons: Python computed every cell, the page paints them). Edges are an
// SVG, neurons canvases laid over it; a neuron or an edge under the pointer (or a focused neuron)
// has its numbers in the readout line.
function NetworkView(box, readout) {
  const svg = svgEl("svg", { "aria-hidden": "true" });
  let sizes = [], activation = "tanh", extent = [0, 1, 0, 1], neuronGrid = 0;
  let columns = [];  // per layer: its neurons' elements (canvases from layer 1 on)
  let edges = [];    // per layer l ≥ 1: the paths from layer l − 1, edges[l][i * out + j]
  let frame = null, show = "weights", hovered = null;

  const layerName = (l) => (l === 0 ? "input" : l === sizes.length - 1 ? "output" : `hidden ${l}`);
  const neuronName = (l, j) => (l === 0 ? `x${"₁₂"[j]}` : l === sizes.length - 1 ? "the output" : `hidden ${l} #${j + 1}`);

  function setup(s) {
    ({ sizes, activation, extent } = s);
    neuronGrid = s.neuron_grid;
    box.replaceChildren(svg);
    svg.replaceChildren();
    columns = sizes.map((n, l) => Array.from({ length: n }, (_, j) => neuronElement(l, j)));
    edges = sizes.map((n, l) => (l === 0 ? [] : Array.from({ length: sizes[l - 1] * n }, (_, k) => {
      const path = svgEl("path", { class: "edge", "data-layer": l, "data-edge": k });
      svg.append(path);
      return path;
    })));
    sizes.forEach((n, l) => box.append(el("div", { class: "column-label", "data-column": l })));
    columns.flat().forEach((node) => box.append(node));
    frame = null;
    hovered = null;
    layout();
  }

  function neuronElement(l, j) {
    const node = el("div", { class: l === 0 ? "neuron input" : "neuron", tabindex: "0", role: "img",
      "data-layer": l, "data-neuron": j, "aria-label": neuronName(l, j) });
    if (l === 0) {
      node.append(el("span", {}, neuronName(0, j)));
      node.style.background = inputRamp(j);
    } else {
      node.append(el("canvas", { width: neuronGrid, height: neuronGrid }));
    }
    return node;
  }

  // An input's picture is its own coordinate over the plane (x₁ left to right, x₂ bottom to top),
  // coloured on the scale: white where it is 0.
  function inputRamp(j) {
    const lo = extent[2 * j], hi = extent[2 * j + 1], half = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const stops = [[lo, 0], [hi, 100]];
    if (lo < 0 && hi > 0) stops.splice(1, 0, [0, (100 * -lo) / (hi - lo)]);
    const list = stops.map(([v, at]) => `${rgbText(scaleRgb(v / half))} ${at.toFixed(1)}%`).join(", ");
    return `linear-gradient(${j === 0 ? "to right" : "to top"}, ${list})`;
  }

  // Places the columns across the box and the neurons down each column, as large as fits (at most
  // 56 px), then the edges between them.
  function layout() {
    const W = box.clientWidth, H = box.clientHeight, top = 22, L = sizes.length, most = Math.max(...sizes);
    if (!W || !L) return;
    const size = Math.max(6, Math.min(56, Math.floor((H - top) / most) - 6, Math.floor(W / (2 * L))));
    const gap = Math.min(14, Math.max(3, Math.floor((H - top - most * size) / Math.max(1, most - 1))));
    const xs = sizes.map((_, l) => (L === 1 ? 0 : (l * (W - size)) / (L - 1)));
    const ys = sizes.map((n) => {
      const first = top + (H - top - (n * size + (n - 1) * gap)) / 2;
      return Array.from({ length: n }, (_, j) => first + j * (size + gap));
    });
    columns.forEach((nodes, l) => nodes.forEach((node, j) => {
      Object.assign(node.style, { left: `${xs[l]}px`, top: `${ys[l][j]}px`, width: `${size}px`, height: `${size}px` });
    }));
    // a column's name over it, shortened where the columns are close (6 hidden layers on a phone)
    const spacing = L > 1 ? (W - size) / (L - 1) : W;
    box.querySelectorAll(".column-label").forEach((label) => {
      const l = +label.dataset.column, n = sizes[l], name = layerName(l);
      label.title = name;
      if (spacing >= 100) label.textContent = l === 0 ? name : `${name} (${n})`;
      else if (spacing >= 55) label.textContent = l === 0 ? "in" : `${l === L - 1 ? "out" : `h${l}`} (${n})`;
      else label.textContent = l === 0 ? "in" : String(n);
      label.style.left = `${Math.min(W - 30, Math.max(30, xs[l] + size / 2))}px`;
    });
    edges.forEach((paths, l) => paths.forEach((path, k) => {
      const out = sizes[l], i = Math.floor(k / out), j = k % out;
      const x0 = xs[l - 1] + size, y0 = ys[l - 1][i] + size / 2, x1 = xs[l], y1 = ys[l][j] + size / 2, mid = (x0 + x1) / 2;
      path.setAttribute("d", `M${x0.toFixed(1)},${y0.toFixed(1)} C${mid.toFixed(1)},${y0.toFixed(1)} ${mid.toFixed(1)},${y1.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}`);
    }));
  }
  new ResizeObserver(layout).observe(box);

  // The output neuron is a probability, white at 0.5, and so is a sigmoid neuron's output; any other
  // is coloured around 0 (white), its deepest colours at ±max(|lo|, |hi|): ±1 for tanh, a ReLU's
  // largest output over the plane.
  function neuronTable(l, cells) {
    if (l === sizes.length - 1 || activation === "sigmoid") return colourTable(cells.lo, cells.hi, 0.5, 0.5);
    return colourTable(cells.lo, cells.hi, 0, Math.max(Math.abs(cells.lo), Math.abs(cells.hi)) || 1);
  }

  const matrixOf = (layer) => (show === "gradients" ? layer.weight_grad : layer.weight);

  function draw(f, what) {
    frame = f;
    show = what;
    let largest = 0;
    for (const layer of f.layers) for (const row of matrixOf(layer) || []) for (const v of row) largest = Math.max(largest, Math.abs(v));
    f.layers.forEach((layer, m) => {
      const matrix = matrixOf(layer), paths = edges[m + 1], out = sizes[m + 1];
      paths.forEach((path, k) => {
        const v = matrix ? matrix[Math.floor(k / out)][k % out] : 0;
        const width = largest > 0 ? (0.6 + (5.4 * Math.abs(v)) / largest).toFixed(1) : "0.6";
        const colour = !matrix || v === 0 ? "#c9ced6" : v > 0 ? POS_TEXT : NEG_TEXT;
        if (path.getAttribute("stroke-width") !== width) path.setAttribute("stroke-width", width);
        if (path.getAttribute("stroke") !== colour) path.setAttribute("stroke", colour);
      });
    });
    f.neurons.forEach((layer, m) => layer.forEach((cells, j) => {
      paintGrid(columns[m + 1][j].firstChild, cells.cells, neuronGrid, neuronTable(m + 1, cells));
    }));
    if (hovered) describe(hovered);
  }

  // The readout line for a neuron or an edge, from the frame on screen.
  function describe(target) {
    hovered = target;
    if (!frame) return;
    const l = +target.dataset.layer;
    if (target.dataset.edge !== undefined) {
      const k = +target.dataset.edge, out = sizes[l], i = Math.floor(k / out), j = k % out, layer = frame.layers[l - 1];
      const grad = layer.weight_grad ? fmt(layer.weight_grad[i][j]) : "none yet";
      readout.textContent = `weight from ${neuronName(l - 1, i)} to ${neuronName(l, j)}: ${fmt(layer.weight[i][j])}; dL/dw at the last step: ${grad}`;
      return;
    }
    const j = +target.dataset.neuron;
    if (l === 0) {
      readout.textContent = `${neuronName(0, j)}: the point's ${j === 0 ? "first" : "second"} coordinate, from ${fmt(extent[2 * j])} to ${fmt(extent[2 * j + 1])} over the plane`;
      return;
    }
    const layer = frame.layers[l - 1], cells = frame.neurons[l - 1][j];
    const grad = layer.bias_grad ? fmt(layer.bias_grad[j]) : "none yet";
    const what = l === sizes.length - 1 ? "probability" : `${activation} output`;
    readout.textContent = `${neuronName(l, j)}: bias ${fmt(layer.bias[j])} (dL/db at the last step: ${grad}); its ${what} over the plane, coloured from ${fmt(cells.lo)} to ${fmt(cells.hi)}`;
  }

  const targetOf = (e) => e.target.closest("[data-edge], .neuron");
  const enter = (e) => {
    const target = targetOf(e);
    if (!target) return;
    box.querySelectorAll(".edge.hover").forEach((p) => p.classList.remove("hover"));
    if (target.dataset.edge !== undefined) target.classList.add("hover");
    describe(target);
  };
  box.addEventListener("pointerover", enter);
  box.addEventListener("focusin", enter);

  return { setup, draw };
}
