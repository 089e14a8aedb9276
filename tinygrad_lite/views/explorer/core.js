// The explorer's recorded pass and its state: the data Python computed, the drawings, the step.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
const data = JSON.parse(document.getElementById("explorer-data").textContent);
const nodes = data.nodes, steps = data.backward, updates = data.update || [];
const N = nodes.length, B = steps.length, U = updates.length, total = N + B + U;
const $ = (id) => document.getElementById(id);
const root = $("explorer"), scroller = $("graph-scroll"), clusters = data.groups || [];
// A drawing of the graph: its boxes (each showing one node's numbers), the box that stands for
// each node (a collapsed group's box for the nodes inside it), its op pills and its edges.
function view(svg) {
  const v = { svg, boxes: [], boxOf: [], ops: [], edgesTo: new Map() };
  svg.querySelectorAll("g.node").forEach((g) => {
    const id = g.dataset.node, k = id[0] === "g" ? +id.slice(1) : -1;
    v.boxes.push({ g, id, node: k < 0 ? +id : clusters[k].output });
    for (const i of k < 0 ? [+id] : clusters[k].nodes) v.boxOf[i] = g;
  });
  svg.querySelectorAll("g.op").forEach((g) => { v.ops[+g.dataset.op] = g; });
  svg.querySelectorAll("path.edge").forEach((p) => {
    if (!v.edgesTo.has(p.dataset.to)) v.edgesTo.set(p.dataset.to, []);
    v.edgesTo.get(p.dataset.to).push(p);
  });
  return v;
}
const full = view($("graph")), folded = $("graph-collapsed") ? view($("graph-collapsed")) : null;
// The drawing on screen, the only one kept up to date: a big graph with groups opens collapsed.
let shown = folded && !folded.svg.hasAttribute("hidden") ? folded : full;
const inBackward = new Set(steps.map((s) => s.node)), inUpdate = new Set(updates.map((u) => u.node));
if (U) $("legend-update").hidden = false;
const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
let step = 0, timer = null, shownGrads = new Map();

// dL/d(node) as shown after backward steps 0..b: complete at a visited node, running at its parents.
function gradsAfter(b) {
  const g = new Map();
  for (let k = 0; k <= b; k++) {
    const s = steps[k];
    g.set(s.node, { text: s.grad, heat: s.grad_heat, complete: true });
    for (const e of s.edges) g.set(e.parent, { text: e.total, heat: e.total_heat, complete: false });
  }
  return g;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);  // strings become text nodes: nothing is parsed as HTML
  return node;
}

// Writes only what changed: a step touches a handful of boxes, and rewriting every box's text
// would make each step's cost grow with the graph.
function setText(textEl, text, attr, fallback) {
  const shown = text || fallback;
  if (textEl.textContent !== shown) textEl.textContent = shown;
  if (textEl.getAttribute(attr) !== text) textEl.setAttribute(attr, text);
  textEl.classList.toggle("unknown", !text);
}

function flash(textEl) {
  textEl.classList.remove("flash");
  void textEl.getBBox();  // restart the animation
  textEl.classList.add("flash");
}

