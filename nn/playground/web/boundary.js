// The output view: the network's output probability over the input plane (frame.boundary, a grid
// Python computed) and the data points over it, in the same square; a click on a point (or near
// one) picks it, and the picked point is ringed.
function BoundaryView(canvas, svg, onPick) {
  const S = 400;  // the points' SVG is S × S units, whatever its size on screen
  let extent = [0, 1, 0, 1], points = [], grid = 0, ring = null;
  const px = (x) => ((x - extent[0]) / (extent[1] - extent[0])) * S;
  const py = (y) => ((extent[3] - y) / (extent[3] - extent[2])) * S;

  function setup(s) {
    ({ extent, points, grid } = s);
    const r = points.length <= 50 ? 7 : points.length <= 300 ? 4.5 : 3.2;
    const axis = (x, y, anchor, text) => svgEl("text", { class: "axis", x, y, "text-anchor": anchor }, text);
    svg.replaceChildren(
      ...points.map(([x1, x2, label], i) => svgEl("circle", {
        cx: px(x1).toFixed(2), cy: py(x2).toFixed(2), r, "data-point": i, "data-label": label },
      svgEl("title", {}, `point ${i}: (${fmt(x1)}, ${fmt(x2)}), label ${label}`))),
      axis(4, S - 5, "start", `x₁ ${fmt(extent[0], 3)}`), axis(S - 4, S - 5, "end", fmt(extent[1], 3)),
      axis(4, 13, "start", `x₂ ${fmt(extent[3], 3)}`),
    );
    ring = svgEl("circle", { class: "ring", r: r + 4, visibility: "hidden" });
    svg.append(ring);
  }

  function draw(f) {
    paintGrid(canvas, f.boundary, grid, PROBABILITY);
  }

  function pick(i) {
    if (i === null) { ring.setAttribute("visibility", "hidden"); return; }
    const [x1, x2] = points[i];
    ring.setAttribute("cx", px(x1).toFixed(2));
    ring.setAttribute("cy", py(x2).toFixed(2));
    ring.setAttribute("visibility", "visible");
  }

  // A click picks the point under it, or else the nearest within 16 units (small dots are hard to hit).
  svg.addEventListener("click", (e) => {
    const hit = e.target.closest("[data-point]");
    if (hit) { onPick(+hit.dataset.point); return; }
    const at = new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());
    let best = null, bestD = 16 * 16;
    points.forEach(([x1, x2], i) => {
      const d = (px(x1) - at.x) ** 2 + (py(x2) - at.y) ** 2;
      if (d < bestD) { best = i; bestD = d; }
    });
    if (best !== null) onPick(best);
  });

  return { setup, draw, pick };
}
