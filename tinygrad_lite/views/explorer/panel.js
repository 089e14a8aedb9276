// The chain-rule panel: what the current step computes, with its numbers.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
function renderPaths(body, s, nd) {
  const more = s.path_count > s.paths.length ? ` (the first ${s.paths.length} of ${s.path_count})` : "";
  const rows = s.paths.map((p) => el("tr", {},
    el("td", {}, p.nodes.map((i) => nodes[i].name).join(" → ")), el("td", { class: "num" }, p.product)));
  if (s.path_sum) {
    rows.push(el("tr", { class: "sum" }, el("td", {}, `their sum: ${dOf(nd.name)}`), el("td", { class: "num grad" }, s.path_sum)));
  }
  const head = el("tr", {}, el("th", {}, `path from ${nd.name} to ${data.root}`), el("th", {}, "product of local derivatives"));
  body.append(el("p", { class: "paths-lead" },
    `Every path from ${nd.name} up to ${data.root}${more}, lit in the graph: along each, the local derivatives multiply; ` +
    "the paths add up."),
  el("div", { class: "table-wrap", id: "paths" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows))));
}

function renderPanel(phase, current, b, u) {
  const title = $("step-title"), body = $("step-body");
  body.replaceChildren();
  if (phase === "start") {
    title.textContent = "Ready";
    const counts = `${N} values, ${B} backward steps` + (U ? `, ${U} parameter updates` : "");
    body.append(
      el("p", {}, `${counts}. Press Next (→) or Play (space), or click a box to go to its step.`),
      el("p", { class: "lead" }, "Forward: each value is computed from its inputs, left to right. " +
        `Backward: starting from ${dOf(data.root)} = 1 at the root,` +
        " each node passes its gradient to its inputs, " +
        "multiplied by the local derivative (the chain rule)." +
        (U ? ` Update: each parameter w takes one step of gradient descent, w ← w − lr × dL/dw, lr = ${data.lr}.` : "")));
    if (clusters.length) {
      body.append(el("p", {}, `${clusters.length} groups (${clusters.map((g) => g.name).slice(0, 3).join(", ")}` +
        `${clusters.length > 3 ? ", …" : ""}). A closed group is one box showing its output; its steps still run ` +
        "one node at a time, with its box lit. Click a group's box to open it, its frame to close it, " +
        "or open and close them all with the button above."));
    }
    return;
  }
  if (phase === "update") { renderUpdate(updates[u], u); return; }
  if (phase === "forward") {
    const nd = nodes[current];
    if (!nd.parents.length) {
      title.textContent = `${nd.name}: ${nd.kind === "parameter" ? "a parameter" : "an input / constant"}`;
      body.append(el("p", { class: "lead" }, "A leaf: its value is given, not computed."),
        el("div", { class: "eq" }, `${nd.name}${shapeOf(nd)} = `, arrayView(nd.data_full, nd.data_heat, nd.name)));
    } else {
      title.textContent = `Compute ${nd.name}`;
      const rows = nd.parents.map((p) => `${nodes[p].name}${shapeOf(nodes[p])} = ${nodes[p].data_full}`);
      body.append(el("p", { class: "lead" }, `Operation ${nd.op} on ${nd.parents.length === 1 ? "its input" : "its inputs"}:`),
        el("div", { class: "eq" }, rows.join("\n")),
        el("div", { class: "eq" }, ...(nd.data_heat && nd.data_heat.big  // too big to print: drawn
          ? [`${nd.name}${shapeOf(nd)} = ${nd.expr}\n   =`, heatFigure(nd.data_heat, nd.name)]
          : [`${nd.name} = ${nd.expr}\n   = ${nd.data_full}${shapeOf(nd)}`])));
    }
    if (step === N) body.append(el("p", { class: "done" }, "Forward pass done. Next: the backward pass, from the root."));
    return;
  }
  const s = steps[b], nd = nodes[s.node];
  title.textContent = s.edges.length ? `Backward at ${nd.name} (${nd.op})` : `${nd.name} is a leaf`;
  const dname = dOf(nd.name);
  body.append(el("p", { class: "lead" }, b === 0
    ? "The root: dL/dL = 1 starts the backward pass."
    : `${dname} is complete: every node that uses ${nd.name} has already sent its contribution.`));
  body.append(el("div", { class: "eq backward" }, s.describe.join("\n")));
  if (s.grad_heat && s.grad_heat.big) {  // too big to print: drawn
    body.append(el("div", { class: "eq backward" }, `${dname}${shapeOf(nd)} =`, heatFigure(s.grad_heat, dname)));
  }
  if (!s.edges.length) {
    let text = "A constant: nothing updates it, but its gradient says how sensitive L is to it.";
    if (nd.kind === "parameter" && !U) {
      text = `A parameter: gradient descent would now update it, ${nd.name} -= learning rate × ${dname}.`;
    } else if (nd.kind === "parameter") {
      text = inUpdate.has(s.node)
        ? `A parameter: the update, after the backward pass, will move it: ${nd.name} ← ${nd.name} − ${data.lr} × ${dname}.`
        : "A parameter the optimizer does not hold: the update leaves it as it is.";
    }
    body.append(el("p", {}, text));
  }
  if (s.edges.some((e) => e.contribution_heat || e.contribution.startsWith("["))) {
    // Arrays: each input's two arrays (printed, or as heatmaps when too big to print) side by side,
    // wrapping in a narrow panel: a table's row could not hold them.
    body.append(...s.edges.map((e) => el("div", { class: "edge-arrays" },
      el("p", {}, `To ${e.parent_name}, local derivative `, el("code", {}, localOf(e)), ":"),
      el("div", { class: "arrays" }, arrayTerm("adds to its grad", e.contribution, e.contribution_heat, "eq"),
        arrayTerm("its grad so far", e.total_full, e.total_heat, "eq backward")))));
  } else if (s.edges.length) {
    const head = el("tr", {}, el("th", {}, "input"), el("th", {}, "local derivative"),
      el("th", {}, "adds to its grad"), el("th", {}, "its grad so far"));
    const rows = s.edges.map((e) => el("tr", {},
      el("td", {}, e.parent_name),
      el("td", { class: "num" }, localOf(e)),
      el("td", { class: "num" }, e.contribution),
      el("td", { class: "num grad" }, e.total_full)));
    body.append(el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows))));
  }
  if (pathsOf === s.node && s.paths) renderPaths(body, s, nd);
  if (step === N + B) {
    body.append(el("p", { class: "done" }, "Backward pass done: every gradient is complete." +
      (U ? " Next: the update, one parameter at a time." : "")));
  }
}

// One step of gradient descent for one parameter: every number was computed in Python.
function renderUpdate(s, u) {
  const nd = nodes[s.node], body = $("step-body");
  $("step-title").textContent = `Update ${nd.name}`;
  body.append(el("p", { class: "lead" }, u === 0
    ? `The backward pass is done. Gradient descent now moves each parameter a small step against its gradient (lr = ${data.lr}):`
    : `Gradient descent moves ${nd.name} a small step against its gradient (lr = ${data.lr}):`));
  body.append(el("div", { class: "eq update" }, s.equation.join("\n")));
  if (s.arrays) {  // new W = W − lr × dL/dW, as three arrays in a row (wrapping on a narrow panel)
    body.append(el("div", { class: "arrays" },
      arrayTerm(`${nd.name}${shapeOf(nd)}`, s.old_full, s.old_heat, "eq"), el("span", { class: "operator" }, `− ${data.lr} ×`),
      arrayTerm(dOf(nd.name), s.grad_full, s.grad_heat, "eq backward"), el("span", { class: "operator" }, "="),
      arrayTerm(`new ${nd.name}`, s.new_full, s.new_heat, "eq update")));
  }
  body.append(el("p", {}, s.note));
  if (step === total) {
    const kept = data.not_updated, left = kept.length
      ? ` Not held by the optimizer, left as they were: ${kept.join(", ")}.` : "";
    const which = kept.length ? `${U} of ${U + kept.length} parameters` : U === 1 ? "the parameter" : `all ${U} parameters`;
    body.append(el("p", { class: "done" }, `Update done: ${which}` +
      " took one step of gradient descent. The other values are still this pass's: the next forward pass" +
      " recomputes them from the new parameters, and the next step of training begins." + left));
  }
}

// A Tensor's local derivative is a rule (a Jacobian, never formed): the formula's right-hand side.
function localOf(e) { return e.local === null ? e.formula.replace(/^.*?(\+=|=) /, "") : e.local; }
function dOf(name) { return "dL/d" + (/^[A-Za-z_]\w*$/.test(name) ? name : `(${name})`); }
function shapeOf(nd) { return nd.shape && nd.shape !== "scalar" ? ` (${nd.shape})` : ""; }

