// The graph's viewport: zoom, and the current box kept in view.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
// Keep the current node in view when the graph is wider than its card (phones, zoom).
// The current box stays in view both ways: sideways inside the graph's card, up and down in the
// window (below the sticky toolbar). Unless it is already in view, nothing moves.
function follow(g) {
  const behavior = reduceMotion ? "auto" : "smooth";
  if (scroller.scrollWidth > scroller.clientWidth + 2) {
    const r = g.getBoundingClientRect(), s = scroller.getBoundingClientRect();
    if (r.left < s.left + 16 || r.right > s.right - 16) {
      scroller.scrollBy({ left: r.left + r.width / 2 - (s.left + s.width / 2), behavior });
    }
  }
  const r = g.getBoundingClientRect(), top = document.querySelector(".toolbar").getBoundingClientRect().bottom;
  if (r.top < top + 8 || r.bottom > window.innerHeight - 8) {
    window.scrollBy({ top: r.top + r.height / 2 - (top + window.innerHeight) / 2, behavior });
  }
}

$("zoom").addEventListener("click", () => {
  const zoomed = scroller.classList.toggle("zoomed");
  $("zoom").textContent = zoomed ? "Fit width" : "Zoom in";
  if (step) follow(shown.boxOf[+root.dataset.current]);
});
