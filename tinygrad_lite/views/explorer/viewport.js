// The graph's viewport: the card is a window onto the drawing, which pans (scrolling, or a drag)
// and zooms (the − + Fit buttons, ctrl/⌘ + wheel, a trackpad's pinch), the current box kept in view.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)

// A drawing's scale is its size on screen per unit of its viewBox. Its text is never smaller than
// MIN_TEXT px: its least scale is MIN_TEXT over the smallest font size it renders (1 with the
// sizes of layout.py and explorer.css, whose smallest text, a row's label, is 11 units). Fit picks
// at most FIT_MAX (a small graph is not blown up); a button or a wheel's notch zooms by STEP.
const MIN_TEXT = 11, FIT_MAX = 1.35, MAX_SCALE = 2.5, STEP = 1.25;
const wide = window.matchMedia("(min-width: 1000px)");  // the panel docked beside the graph (explorer.css)
const toolbar = document.querySelector(".toolbar"), card = scroller.closest(".graph-card");
const zooms = new Map();  // drawing -> { least, scale, fitted: not zoomed by hand since it was fit }
let room = 0, sized = null;  // the drawing's greatest height on screen; the drawing the zoom is set for

function smallestFont(svg) {
  let least = Infinity;
  svg.querySelectorAll("text, tspan").forEach((t) => {
    least = Math.min(least, parseFloat(getComputedStyle(t).fontSize));
  });
  return least;
}

// The scale at which the whole drawing fits the card, as large as FIT_MAX but never below its least.
function fitScale(svg, least) {
  const vb = svg.viewBox.baseVal, width = scroller.getBoundingClientRect().width;
  return Math.max(least, Math.min(FIT_MAX, (width - 2) / vb.width, (room - 2) / vb.height));
}

function zoomOf(svg) {
  if (!zooms.has(svg)) {
    const least = MIN_TEXT / smallestFont(svg);
    zooms.set(svg, { least, scale: fitScale(svg, least), fitted: true });
  }
  return zooms.get(svg);
}

// Sizes rounded up to Chromium's layout unit (1/64 px): never a hair under the scale.
function size(svg, scale) {
  const vb = svg.viewBox.baseVal, px = (units) => `${Math.ceil(units * scale * 64) / 64}px`;
  svg.style.width = px(vb.width);
  svg.style.height = px(vb.height);
}

function showZoom() {
  const z = zoomOf(shown.svg);
  $("zoom-level").textContent = `${Math.round(z.scale * 100)}%`;
  $("zoom-out").disabled = z.scale <= z.least + 1e-9;
  $("zoom-in").disabled = z.scale >= MAX_SCALE - 1e-9;
  $("zoom-fit").setAttribute("aria-pressed", String(z.fitted));
  scroller.classList.toggle("pannable",
    scroller.scrollWidth > scroller.clientWidth || scroller.scrollHeight > scroller.clientHeight);
}

// The drawing on screen at its own zoom (Fit when it is first shown). Called before the current
// box is measured, and whenever a drawing is shown or hidden (groups.js switches them): a new
// drawing with no current box to follow starts at its top left.
function showing() {
  if (shown.svg === sized) return;
  sized = shown.svg;
  size(sized, zoomOf(sized).scale);
  if (!(+root.dataset.current >= 0)) scroller.scrollTo(0, 0);
  showZoom();
}
new MutationObserver(showing).observe(scroller, { subtree: true, attributeFilter: ["hidden"] });

// The card's room, measured without scrolling: beside the panel (a wide window) the card fits the
// window below the header and the toolbar; on a narrower one it takes under half of the window,
// stuck under the toolbar while the panel scrolls beneath it. In a notebook's frame, which grows
// to the page's height, the room comes from the notebook's window.
function notebookHeight() {
  try { return window.frameElement ? window.top.innerHeight : 0; } catch (e) { return screen.availHeight; }
}
function cardRoom() {
  const outer = notebookHeight();
  if (outer) return Math.max(240, Math.round(outer * 0.7));
  if (!wide.matches) return Math.max(160, Math.round(innerHeight * 0.38));
  const main = card.parentElement, s = scroller.getBoundingClientRect(), c = card.getBoundingClientRect();
  const top = main.getBoundingClientRect().top + scrollY + parseFloat(getComputedStyle(main).paddingTop);
  return Math.max(240, Math.floor(innerHeight - top - (s.top - c.top) - (c.bottom - s.bottom) - 12));
}
function layoutCard() {
  root.style.setProperty("--bar-h", `${toolbar.offsetHeight}px`);
  room = cardRoom();
  scroller.style.maxHeight = `${room}px`;
  zooms.forEach((z, svg) => {
    if (z.fitted) z.scale = fitScale(svg, z.least);
    if (svg === sized) size(svg, z.scale);
  });
  if (sized) showZoom();
}
window.addEventListener("resize", layoutCard);
new ResizeObserver(layoutCard).observe(toolbar);  // a toolbar that wraps anew moves the card

// Zoom to `scale` (clamped) keeping the drawing's point under (x, y) on screen where it is:
// the card's middle for the buttons, the pointer for the wheel.
function zoomTo(scale, x, y) {
  showing();
  const svg = shown.svg, z = zoomOf(svg), s = scroller.getBoundingClientRect();
  if (x === undefined) { x = s.left + scroller.clientWidth / 2; y = s.top + scroller.clientHeight / 2; }
  const before = svg.getBoundingClientRect(), u = (x - before.left) / z.scale, v = (y - before.top) / z.scale;
  z.scale = Math.min(MAX_SCALE, Math.max(z.least, scale));
  size(svg, z.scale);
  const after = svg.getBoundingClientRect();
  scroller.scrollLeft += after.left + u * z.scale - x;
  scroller.scrollTop += after.top + v * z.scale - y;
  showZoom();
}
function zoomBy(factor, x, y) {
  const z = zoomOf(shown.svg);
  z.fitted = false;
  zoomTo(z.scale * factor, x, y);
}
$("zoom-in").addEventListener("click", () => zoomBy(STEP));
$("zoom-out").addEventListener("click", () => zoomBy(1 / STEP));
$("zoom-fit").addEventListener("click", () => {
  const z = zoomOf(shown.svg);
  z.fitted = true;
  zoomTo(fitScale(shown.svg, z.least));
  const g = shown.boxOf[+root.dataset.current];
  if (g) follow(g);  // the least scale may not show it all
});
// ctrl + wheel (a trackpad's pinch arrives as one) zooms the graph, not the page: a notch of a
// wheel (100 px, or 3 lines) is one STEP, a pinch's small deltas zoom smoothly.
scroller.addEventListener("wheel", (e) => {
  if (!e.ctrlKey && !e.metaKey) return;  // a plain wheel scrolls: pans
  e.preventDefault();
  const delta = e.deltaMode === 0 ? e.deltaY : e.deltaY * 33;
  zoomBy(STEP ** (-delta / 100), e.clientX, e.clientY);
}, { passive: false });

// A drag with the mouse pans (touch scrolls by itself). It is a drag, not a click, once it has
// moved DRAG px: then the click that ends it does not reach the boxes (no jump to a step).
const DRAG = 5;
let drag = null, dragged = false;
const endDrag = (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  drag = null;
  scroller.classList.remove("dragging");
};
scroller.addEventListener("pointerdown", (e) => {
  dragged = false;
  const s = scroller.getBoundingClientRect();
  const onScrollbar = e.clientX - s.left >= scroller.clientWidth || e.clientY - s.top >= scroller.clientHeight;
  if (e.pointerType !== "mouse" || e.button !== 0 || onScrollbar) return;
  drag = { id: e.pointerId, x: e.clientX, y: e.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
});
scroller.addEventListener("pointermove", (e) => {
  if (!drag || e.pointerId !== drag.id) return;
  if (!(e.buttons & 1)) { endDrag(e); return; }  // released where the page did not see it
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!dragged && Math.hypot(dx, dy) < DRAG) return;
  if (!dragged) {
    dragged = true;
    scroller.setPointerCapture(e.pointerId);  // only now: a click on a box keeps its target
    scroller.classList.add("dragging");
  }
  scroller.scrollTo(drag.left - dx, drag.top - dy);
});
scroller.addEventListener("pointerup", endDrag);
scroller.addEventListener("pointercancel", endDrag);
scroller.addEventListener("click", (e) => {
  if (dragged) { e.stopPropagation(); e.preventDefault(); }
  dragged = false;
}, true);

// The current box stays in view both ways: the card scrolls (smoothly, unless motion is reduced)
// to bring it to the middle, only along an axis where it is not already in view (a group's frame
// larger than the card: its start, where its inputs are). Should the card itself be cut off (a
// window too short for it), the window scrolls too.
function follow(g) {
  showing();
  const behavior = reduceMotion ? "auto" : "smooth", margin = 12;
  const r = g.getBoundingClientRect(), s = scroller.getBoundingClientRect();
  const right = s.left + scroller.clientWidth, bottom = s.top + scroller.clientHeight;  // less the scrollbars
  const by = (low, high, start, end) =>
    (high - low > end - start - 2 * margin ? low - start - margin : (low + high - start - end) / 2);
  let left = scroller.scrollLeft, top = scroller.scrollTop;
  if (r.left < s.left + margin || r.right > right - margin) left += by(r.left, r.right, s.left, right);
  if (r.top < s.top + margin || r.bottom > bottom - margin) top += by(r.top, r.bottom, s.top, bottom);
  left = Math.max(0, Math.min(scroller.scrollWidth - scroller.clientWidth, left));
  top = Math.max(0, Math.min(scroller.scrollHeight - scroller.clientHeight, top));
  if (left !== scroller.scrollLeft || top !== scroller.scrollTop) scroller.scrollTo({ left, top, behavior });
  // where its part in the card will be (all of the card, for a frame taller than the card)
  const shift = top - scroller.scrollTop;
  const high = Math.max(s.top, r.top - shift), low = Math.min(bottom, r.bottom - shift);
  const bar = toolbar.getBoundingClientRect().bottom;
  if (high < bar + 8 || low > innerHeight - 8) {
    window.scrollBy({ top: (high + low - bar - innerHeight) / 2, behavior });
  }
}

layoutCard();
showing();
