// Groups: a graph with groups opens with each group drawn as one box; a click opens one.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
// A graph with groups: a click on a group's box draws every node (that group's frame lit up),
// a click on a frame or the button goes back to one box per group.
function showView(v, spot) {
  shown = v;
  views.forEach((w) => w.svg.toggleAttribute("hidden", w !== v));  // an SVG element has no .hidden
  $("groups").textContent = v === full ? "Collapse all" : "Expand all";
  $("groups").setAttribute("aria-pressed", String(v === full));
  render(false);
  if (spot !== undefined) {
    const frame = full.svg.querySelector(`g.frame[data-group="${spot}"]`);
    frame.classList.add("spot");
    setTimeout(() => frame.classList.remove("spot"), 1600);
    if (step === 0) follow(frame);
  }
}
if (folded) {
  $("groups").addEventListener("click", () => showView(shown === folded ? full : folded));
  const open = (e) => {
    const g = e.target.closest("g.node[data-group]");
    if (g && (e.type === "click" || e.key === "Enter")) showView(full, +g.dataset.group);
  };
  const close = (e) => {
    if (e.target.closest("g.frame") && (e.type === "click" || e.key === "Enter")) showView(folded);
  };
  folded.svg.addEventListener("click", open);
  folded.svg.addEventListener("keydown", open);
  full.svg.addEventListener("click", close);
  full.svg.addEventListener("keydown", close);
}
