// Groups: a graph with groups opens with each group drawn as one box; a click opens one.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
// The drawings: every group as a box (folded), every group open (full) and, unless the graph is
// too big, one per group with that group alone open (made into a view on first use). A click on a
// group's box shows its drawing, its frame lit; a click on a frame, or Collapse all, goes back
// to one box per group; Expand all opens every group.
const openViews = new Map();
function openView(k) {
  const svg = $(`graph-open-${k}`);
  if (!svg) return full;  // a big graph has no one-group drawings: every group opens
  if (!openViews.has(k)) openViews.set(k, view(svg));
  return openViews.get(k);
}
function groupButton() {
  $("groups").textContent = shown === full ? "Collapse all" : "Expand all";
  $("groups").setAttribute("aria-pressed", String(shown === full));
}
function showView(v, spot) {
  shown.svg.querySelectorAll("[data-current]").forEach((g) => g.removeAttribute("data-current"));
  shown.boxes.forEach((b) => { b.key = null; });  // drawn afresh when shown again
  shown = v;
  document.querySelectorAll("svg.drawing").forEach((s) => s.toggleAttribute("hidden", s !== v.svg));  // an SVG element has no .hidden
  groupButton();
  render(false);
  if (spot !== undefined) {
    const frame = v.svg.querySelector(`g.frame[data-group="${spot}"]`);
    frame.classList.add("spot");
    setTimeout(() => frame.classList.remove("spot"), 1600);
    if (step === 0) follow(frame);
  }
}
if (folded) {
  groupButton();
  $("groups").addEventListener("click", () => showView(shown === full ? folded : full));
  const toggleGroup = (e) => {
    if (e.type !== "click" && e.key !== "Enter") return;
    const box = e.target.closest("g.node[data-group]"), frame = e.target.closest("g.frame");
    if (box) showView(openView(+box.dataset.group), +box.dataset.group);
    else if (frame) showView(folded);
  };
  scroller.addEventListener("click", toggleGroup);
  scroller.addEventListener("keydown", toggleGroup);
}
