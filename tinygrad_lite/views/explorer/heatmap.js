// Heatmaps: an array too big to print, drawn as coloured cells, in the boxes and in the panel.
// Python computed each record (show.heat): its grid, each cell's value divided by the array's
// largest |value| (its scale, so cells are in [-1, 1]; null for NaN), and its min and max as text.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)

// A diverging scale centred at 0 (ColorBrewer's RdBu): blue below 0, near-white at 0, red above,
// the deepest colours at ±scale. Its stops are at |v| = 0, 1/2 and 1.
const HEAT_BELOW = [[247, 247, 247], [146, 197, 222], [5, 113, 176]];
const HEAT_ABOVE = [[247, 247, 247], [244, 165, 130], [202, 0, 32]];
const HEAT_NAN = "#343a40";  // not a number: no colour of the scale
function heatColor(v) {
  if (v === null) return HEAT_NAN;
  const stops = v < 0 ? HEAT_BELOW : HEAT_ABOVE, t = Math.min(1, Math.abs(v)) * 2;
  const k = Math.min(1, Math.floor(t)), f = t - k, [a, b] = [stops[k], stops[k + 1]];
  return `rgb(${a.map((c, j) => Math.round(c + (b[j] - c) * f)).join(",")})`;
}
const HEAT_GRADIENT = `linear-gradient(to right, ${[-2, -1, 0, 1, 2].map((k) => heatColor(k / 2)).join(", ")})`;

function heatSummary(what, heat) {
  return `${what}: min ${heat.min}, max ${heat.max} (blue below 0, red above, deepest at ±${heat.scale})` +
    (heat.note ? `; ${heat.note}` : "");
}

// Each box's heatmap rows, data and grad (null in a box of numbers), found once; and the record each
// row shows: a step repaints only the rows whose record changed (a few boxes, not the whole graph).
const heatRows = new WeakMap(), painted = new WeakMap();
function heatRowsOf(g) {
  if (!heatRows.has(g)) {
    const row = (what) => {
      const h = g.querySelector(`g.heat[data-heat="${what}"]`);
      return h && { g: h, cells: h.querySelectorAll(".cells rect"), title: h.querySelector("title") };
    };
    heatRows.set(g, { value: row("value"), grad: row("grad") });
  }
  return heatRows.get(g);
}

// One row's cells and tooltip for `heat` (grey cells while it is null: not known yet); `what` names
// it in the tooltip. Returns whether anything changed.
function paintHeat(row, heat, what) {
  if (painted.get(row.g) === heat) return false;
  painted.set(row.g, heat);
  row.g.classList.toggle("unknown", !heat);
  const text = heat ? heatSummary(what, heat) : `${what}: not known yet`;
  row.title.textContent = text;
  row.g.setAttribute("aria-label", text);
  if (heat) heat.cells.forEach((v, k) => row.cells[k].setAttribute("fill", heatColor(v)));
  return true;
}

function flashHeat(row) {
  row.g.classList.remove("flash-heat");
  void row.g.getBBox();  // restart the animation
  row.g.classList.add("flash-heat");
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

// A heatmap for the panel, where an array is too big to print: its cells (each one's value in its
// tooltip), the legend of its colours from −scale to +scale, and its min and max.
function heatFigure(heat, what) {
  const [rows, cols] = heat.grid, scale = parseFloat(heat.scale);
  const cell = Math.max(6, Math.min(14, Math.floor(130 / Math.max(rows, cols)))), w = cols * cell, h = rows * cell;
  const svg = svgEl("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": heatSummary(what, heat) });
  heat.cells.forEach((v, k) => {
    const r = Math.floor(k / cols), c = k % cols;
    const value = v === null ? "NaN" : `≈ ${+(v * scale).toPrecision(3)}`;
    svg.append(svgEl("rect", { x: c * cell, y: r * cell, width: cell, height: cell, fill: heatColor(v) },
      svgEl("title", {}, `row ${r}, column ${c}: ${value}`)));
  });
  svg.append(svgEl("rect", { class: "frame", width: w, height: h }));
  const legend = el("div", { class: "heat-legend" }, el("span", { class: "heat-bar", style: `background: ${HEAT_GRADIENT}` }),
    el("span", {}, `−${heat.scale}`), el("span", {}, "0"), el("span", {}, `+${heat.scale}`));
  // as wide as its cells (or its legend): its notes wrap, and two heatmaps fit side by side in the panel
  const figure = el("div", { class: "heatmap", style: `width: ${Math.max(w, 120)}px` }, svg, legend,
    el("div", { class: "heat-note" }, `min ${heat.min}`), el("div", { class: "heat-note" }, `max ${heat.max}`));
  if (heat.note) figure.append(el("div", { class: "heat-note" }, heat.note));
  return figure;
}

// An array in the panel: its text, or its heatmap when it is too big to print (heat.big).
function arrayView(text, heat, what) {
  return heat && heat.big ? heatFigure(heat, what) : text;
}

// One array of an equation laid out in a row (the update's old − lr × grad = new, what a backward
// edge adds and the sum so far): its label over its numbers or its heatmap.
function arrayTerm(label, text, heat, cls) {
  return el("div", { class: "term" }, el("div", { class: "eq-label" }, label),
    el("div", { class: cls }, arrayView(text, heat, label)));
}
