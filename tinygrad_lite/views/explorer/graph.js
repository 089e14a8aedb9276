// The graph: each step lights its boxes, ops and edges and writes the numbers they show.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
function render(animate) {
  const phase = step === 0 ? "start" : step <= N ? "forward" : step <= N + B ? "backward" : "update";
  const b = phase === "update" ? B - 1 : step - N - 1, u = step - N - B - 1;
  const grads = phase === "backward" || phase === "update" ? gradsAfter(b) : new Map();
  const updated = new Map();  // node -> its update step, for the parameters updated so far
  for (let k = 0; k <= u; k++) updated.set(updates[k].node, updates[k]);
  let current = -1, feeds = [];
  if (phase === "forward") { current = step - 1; feeds = nodes[current].parents; }
  if (phase === "backward") { current = steps[b].node; feeds = steps[b].edges.map((e) => e.parent); }
  if (phase === "update") current = updates[u].node;
  const onPath = pathEdges(phase, current);
  renderView(shown, phase, current, feeds, grads, updated, animate, onPath);  // the others when shown
  shownGrads = new Map([...grads].map(([k, v]) => [k, v.text]));

  shown.svg.dataset.phase = phase;
  root.dataset.step = step; root.dataset.total = total; root.dataset.phase = phase;
  root.dataset.current = current;
  $("step-counter").textContent = `Step ${step} of ${total}`;
  const badge = $("phase");
  badge.className = "phase " + phase;
  badge.textContent = {
    start: "start", forward: `forward · node ${step} of ${N}`,
    backward: `backward · ${b + 1} of ${B}`, update: `update · ${u + 1} of ${U}`,
  }[phase];
  $("scrub").value = step;
  $("prev").disabled = step === 0; $("reset").disabled = step === 0; $("next").disabled = step === total;
  renderPanel(phase, current, b, u);
  const k = current >= 0 ? nodes[current].group : undefined;
  if (k !== undefined && shown.boxOf[current].dataset.group !== undefined) {
    $("step-body").prepend(el("p", { class: "in-group" },
      `In ${clusters[k].name}, drawn as one box: click it to see ${nodes[current].name} among its nodes.`));
  }
  if (current >= 0) follow(shown.boxOf[current]);
}

// One drawing's boxes, ops and edges. A collapsed group's box shows its output's numbers and is
// the current box while any node inside it is current; only the drawing on screen marks it.
// A step changes a handful of boxes and edges: each box keeps the key of what it last showed and
// is skipped while that holds, and only the edges whose highlight changes are touched, so that a
// step costs little more on a graph of 1,000 nodes than on one of 10.
function renderView(v, phase, current, feeds, grads, updated, animate, onPath) {
  const box = current >= 0 ? v.boxOf[current] : null;
  const feedBoxes = new Set(feeds.map((p) => v.boxOf[p]));
  v.boxes.forEach((b) => {
    const { g, node: i } = b;
    const nd = nodes[i], known = i < Math.min(step, N), isCurrent = g === box;
    const upd = updated.get(i), got = grads.get(i);
    const none = inBackward.has(i) ? "?" : "—";  // data and constants never get a gradient: "—" throughout
    const key = `${known}|${isCurrent}|${feedBoxes.has(g)}|${v === shown}|${none}|` +
      `${upd ? upd.new : ""}|${got ? got.text + got.complete : ""}|${got && got.heat ? got.heat.cells.length : ""}`;
    if (b.key === key && !(animate && isCurrent)) return;
    b.key = key;
    g.classList.toggle("pending", !known && !isCurrent);  // a group's box is lit while its nodes compute
    g.classList.toggle("current", isCurrent);
    g.toggleAttribute("data-current", isCurrent && v === shown);  // the test hook of the current box
    g.classList.toggle("feeds", !isCurrent && feedBoxes.has(g));
    b.valueEl = b.valueEl || g.querySelector(".value");
    b.label = b.label || g.querySelector(".label");
    b.gradEl = b.gradEl || g.querySelector(".grad");
    const { valueEl, label, gradEl } = b;
    setText(valueEl, upd ? upd.new : known ? nd.data : "", "data-value", "?");
    valueEl.classList.toggle("updated", !!upd);
    if (!g.dataset.group) label.textContent = upd ? "new" : "data";  // the data row's label
    label.classList.toggle("updated", !!upd);
    g.toggleAttribute("data-updated", !!upd);  // the test hook of a box showing its new data
    if (animate && upd && i === current && !reduceMotion) flash(valueEl);
    // A box of heatmaps (an array too big for numbers) draws them; its texts then show only "?" or "—".
    const heat = heatRowsOf(g);
    if (heat.value) {
      const shows = upd ? upd.new_heat : known ? nd.data_heat : null;
      const fresh = paintHeat(heat.value, shows, upd ? `new ${nd.name}` : nd.name);
      if (fresh && animate && upd && i === current && !reduceMotion) flashHeat(heat.value);
    }
    setText(gradEl, got ? got.text : "", "data-grad", none);
    gradEl.classList.toggle("complete", !!(got && got.complete));
    gradEl.classList.toggle("partial", !!(got && !got.complete));
    const before = shownGrads.get(i);
    if (animate && got && before !== got.text && !reduceMotion && v === shown) flash(gradEl);
    if (heat.grad) {
      const fresh = paintHeat(heat.grad, got ? got.heat : null, dOf(nd.name) + (got && !got.complete ? " so far" : ""));
      heat.grad.g.classList.toggle("complete", !!(got && got.complete));
      heat.grad.g.classList.toggle("partial", !!(got && !got.complete));
      heat.grad.g.classList.toggle("never", !got && none === "—");  // no gradient comes: no cells, only "—"
      if (fresh && animate && got && !reduceMotion && v === shown) flashHeat(heat.grad);
    }
  });
  const op = v.ops[current];
  if (v.hotOp !== op) {
    if (v.hotOp) v.hotOp.classList.remove("hot");
    if (op) op.classList.add("hot");
    v.hotOp = op;
  }
  // Lit: the edges into the current box from the boxes it reads (forward) or sends to (backward).
  const to = box ? box.dataset.node : null;
  const from = new Set([...feedBoxes].filter((g) => g && g !== box).map((g) => g.dataset.node));
  const lit = new Set();
  for (const p of v.edgesTo.get(to) || []) {
    const op = p.dataset.from === "op" + to;  // the arrow from the current node's op pill to its box
    if (op ? phase === "forward" || phase === "backward" : from.has(p.dataset.from)) lit.add(p);
  }
  const path = new Set();
  for (const link of onPath) {
    const [a, id] = link.split(">");
    for (const p of v.edgesTo.get(id) || []) if (p.dataset.from === a) path.add(p);
  }
  for (const [cls, now] of [["hot", lit], ["onpath", path]]) {
    const before = v[cls] || new Set();
    before.forEach((p) => now.has(p) || p.classList.remove(cls));
    now.forEach((p) => before.has(p) || p.classList.add(cls));
    v[cls] = now;
  }
}

// After a click on a node's box during the backward pass: every path from it up to the root,
// lit in the graph and listed in the panel with the product of its local derivatives.
let pathsOf = null;
function pathEdges(phase, current) {
  const lit = new Set();
  const s = phase === "backward" && pathsOf === current ? steps.find((t) => t.node === current) : null;
  for (const path of (s && s.paths) || []) {
    path.nodes.slice(1).forEach((n, k) => { lit.add(`${path.nodes[k]}>${n}`); lit.add(`op${n}>${n}`); });
  }
  return lit;
}

