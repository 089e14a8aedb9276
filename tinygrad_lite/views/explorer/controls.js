// The controls: stepping, play and speed, clicks, keys, and a notebook's frame.
// (explain.py inlines the page's scripts, in order, into one function: they share its scope.)
function go(k, keepPaths = false) {
  if (!keepPaths) pathsOf = null;
  const next = Math.max(0, Math.min(total, k));
  const animate = next === step + 1;
  step = next;
  render(animate);
}
// Play advances one step every 900 ms at 1×; a change of speed while playing takes effect at once.
const SPEEDS = [0.5, 1, 2, 4];
let speed = 1;
function tick() { if (step >= total) pause(); else go(step + 1); }
function play() {
  if (timer) return;
  if (step === total) go(0);
  $("play").textContent = "Pause";
  timer = setInterval(tick, 900 / speed);
}
function setSpeed(s) {
  if (!SPEEDS.includes(s)) return;
  speed = s;
  document.querySelectorAll("#speed button").forEach((b) => b.setAttribute("aria-pressed", String(+b.dataset.speed === s)));
  if (timer) { clearInterval(timer); timer = setInterval(tick, 900 / speed); }
}
const faster = () => setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed) + 1)]);
const slower = () => setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(speed) - 1)]);
function pause() {
  clearInterval(timer); timer = null;
  $("play").textContent = "Play";
}
const toggle = () => (timer ? pause() : play());

$("next").addEventListener("click", () => { pause(); go(step + 1); });
$("prev").addEventListener("click", () => { pause(); go(step - 1); });
$("reset").addEventListener("click", () => { pause(); go(0); });
$("play").addEventListener("click", toggle);
$("scrub").max = total;
$("scrub").addEventListener("input", (e) => { pause(); go(+e.target.value); });
document.querySelectorAll("#speed button").forEach((b) => b.addEventListener("click", () => setSpeed(+b.dataset.speed)));
// A click on a node's box jumps to its step: its backward step once the backward pass has begun
// (if it has one: data gets no gradient), else its forward step. A group's box expands (above).
const backwardStepOf = new Map(steps.map((s, b) => [s.node, N + b + 1]));
scroller.addEventListener("click", (e) => {
  const g = e.target.closest("g.node[data-node]");
  if (!g || g.dataset.group !== undefined) return;
  const i = +g.dataset.node, late = root.dataset.phase === "backward" || root.dataset.phase === "update";
  pause();
  pathsOf = late && backwardStepOf.has(i) ? i : null;  // its paths to the root, lit and listed
  go(late && backwardStepOf.has(i) ? backwardStepOf.get(i) : i + 1, true);
});
// The keys act everywhere but in a field that takes text; on the slider too (a range input would
// eat the space bar, and step once more itself on an arrow: the default is prevented).
const takesText = (t) => t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
  (t.tagName === "INPUT" && !["range", "button", "checkbox", "radio", "submit", "reset"].includes(t.type));
document.addEventListener("keydown", (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || takesText(e.target)) return;
  const actions = { ArrowRight: () => { pause(); go(step + 1); }, ArrowLeft: () => { pause(); go(step - 1); },
    " ": () => { if (!e.repeat) toggle(); }, Home: () => { pause(); go(0); }, End: () => { pause(); go(total); },
    "+": faster, "=": faster, "-": slower, "_": slower };
  if (actions[e.key]) { e.preventDefault(); actions[e.key](); }
});
// A focused button would also "click" on the space bar's keyup: the keydown handler already acted.
document.addEventListener("keyup", (e) => { if (e.key === " " && e.target.tagName === "BUTTON") e.preventDefault(); });

// In a notebook the page is an iframe (Explanation._repr_html_) as wide as the cell: its height
// follows the page's, so nothing scrolls inside the frame.
const frame = (() => { try { return window.frameElement; } catch (e) { return null; } })();
if (frame) {
  const fit = () => { frame.style.height = `${document.documentElement.scrollHeight + 2}px`; };
  new ResizeObserver(fit).observe(document.body);
  fit();
}

window.explorer = {
  get step() { return step; }, get phase() { return root.dataset.phase; }, total, data,
  next: () => go(step + 1), prev: () => go(step - 1), reset: () => go(0), go, play, pause,
  get speed() { return speed; }, setSpeed, get playing() { return timer !== null; },
};
render(false);
