// The curve: the loss on all the points (left axis, from 0 to the largest so far) and the accuracy
// (right axis, 0 to 100%) after each step the page has a frame for. In a replay the whole run is
// known: the part after the frame on screen is drawn faint.
function CurveView(svg) {
  const W = 400, H = 150, left = 36, right = 36, top = 8, bottom = 18, plotW = W - left - right, plotH = H - top - bottom;
  let history = [];  // [step, loss, accuracy], steps increasing

  // Keeps at most this many points: past it, every other one goes (a long run stays cheap to draw).
  const KEEP = 4000;
  function reset(points) { history = points.slice(); }
  function add(point) {
    if (history.length && point[0] <= history[history.length - 1][0]) return;
    history.push(point);
    if (history.length > KEEP) history = history.filter((_, k) => k % 2 === 0 || k === history.length - 1);
  }

  // A "nice" top for the loss axis: 1, 2 or 5 times a power of ten, at least the largest loss.
  function niceTop(x) {
    if (!(x > 0)) return 1;
    const p = 10 ** Math.floor(Math.log10(x));
    return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= x * 0.999);
  }

  // An SVG path through the points (x, y), broken where y is not a finite number.
  function pathOf(points, xOf, yOf) {
    let d = "", pen = false;
    for (const p of points) {
      const y = yOf(p);
      if (!Number.isFinite(y)) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${xOf(p).toFixed(1)},${y.toFixed(1)}`;
      pen = true;
    }
    return d;
  }

  function render(nowStep) {
    const last = history.length ? history[history.length - 1][0] : 0, first = history.length ? history[0][0] : 0;
    const span = Math.max(1, last - first);
    const top_ = niceTop(Math.max(0, ...history.map((p) => (Number.isFinite(p[1]) ? p[1] : 0))));
    const xOf = (p) => left + ((p[0] - first) / span) * plotW;
    const lossY = (p) => (p[1] === null ? NaN : top + plotH - (Math.min(p[1], top_) / top_) * plotH);
    const accY = (p) => (p[2] === null ? NaN : top + plotH - p[2] * plotH);
    // every other point when there are more than two per unit of width
    const stride = Math.max(1, Math.floor(history.length / (2 * plotW)));
    const shown = history.filter((_, k) => k % stride === 0 || k === history.length - 1);
    const now = nowStep === undefined ? last : nowStep;
    const done = shown.filter((p) => p[0] <= now), ahead = shown.filter((p) => p[0] >= now);
    const text = (x, y, anchor, s) => svgEl("text", { x, y, "text-anchor": anchor }, s);
    const children = [
      svgEl("line", { class: "grid", x1: left, x2: W - right, y1: top + plotH / 2, y2: top + plotH / 2 }),
      svgEl("rect", { class: "frame", x: left, y: top, width: plotW, height: plotH }),
      text(left - 4, top + 8, "end", fmt(top_, 3)), text(left - 4, top + plotH, "end", "0"),
      text(W - right + 4, top + 8, "start", "100%"), text(W - right + 4, top + plotH, "start", "0%"),
      text(left, H - 4, "start", `step ${first}`), text(W - right, H - 4, "end", `${last}`),
    ];
    for (const [points, cls] of [[ahead, " ahead"], [done, ""]]) {
      if (points.length === 0 || (cls && points.length < 2)) continue;
      children.push(svgEl("path", { class: `acc${cls}`, d: pathOf(points, xOf, accY) }));
      children.push(svgEl("path", { class: `loss${cls}`, d: pathOf(points, xOf, lossY) }));
    }
    if (nowStep !== undefined) {
      const x = xOf([now]).toFixed(1);
      children.push(svgEl("line", { class: "now", x1: x, x2: x, y1: top, y2: top + plotH }));
    }
    svg.replaceChildren(...children);
  }

  return { reset, add, render };
}
