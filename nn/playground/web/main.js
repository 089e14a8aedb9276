// The page put together: where frames come from (live: the server's JSON API, one request at a
// time; replay: the recording inlined in the page), the views that draw each one, and the hooks the
// tests use (data attributes on #playground, window.playground).
const root = $("playground"), mode = root.dataset.mode;
const embedded = JSON.parse($("playground-data").textContent);
let setup = null, frame = null, session = null, updates = 0;

const network = NetworkView($("network"), $("network-readout"));
const boundary = BoundaryView($("boundary-canvas"), $("points"), (i) => pick(i));
const curve = CurveView($("curve"));
const explainer = ExplainView($("explain-overlay"), $("explain-frame"), $("explain-summary"), $("explain-close"));
const controls = Controls($("settings"), {
  settings: applySettings, play, step: stepOnce, reset, speed, show, pick, explain,
  scrub: (i) => { player.pause(); go(i); },
});
const player = Player(() => oneStep(state.speed), (playing) => {
  controls.showPlaying(playing);
  root.dataset.playing = String(playing);
  if (!playing) $("rate").textContent = "";
});

function showError(message, field) {
  $("error").textContent = message;
  $("error").dataset.field = field || "";
  $("error").hidden = false;
  if (field) controls.markInvalid(field);
}
function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function showSetup(s) {
  setup = s;
  state.settings = settingsText(s.settings);
  controls.fill(state.settings);
  network.setup(s);
  boundary.setup(s);
  pick(state.picked);
}

function showFrame(f) {
  frame = f;
  network.draw(f, state.show);
  boundary.draw(f);
  if (mode === "live") { curve.add([f.step, f.loss, f.accuracy]); curve.render(); } else curve.render(f.step);
  $("step-value").textContent = f.step;
  $("epoch-value").textContent = fmt(f.epoch, 3);
  $("loss-value").textContent = fmt(f.loss);
  $("loss-value").dataset.loss = f.loss === null ? "" : String(f.loss);  // every digit, for the tests
  $("accuracy-value").textContent = f.accuracy === null ? "–" : `${(100 * f.accuracy).toFixed(1)}%`;
  root.dataset.step = f.step;
  countUpdate();
}

// Updates drawn in the last second, shown while playing (the page's speed, measured where it counts).
const drawnAt = [];
function countUpdate() {
  const now = performance.now();
  updates += 1;
  drawnAt.push(now);
  while (drawnAt[0] < now - 1000) drawnAt.shift();
}
setInterval(() => { $("rate").textContent = player.playing ? `${drawnAt.length} updates/s` : ""; }, 500);

function speed(n) {
  state.speed = n;
  writeHash(mode === "live");
}
function show(what) {
  state.show = what;
  controls.showOptions(state.speed, what);
  if (frame) network.draw(frame, what);
  writeHash(mode === "live");
}
function pick(i) {
  const valid = setup && Number.isInteger(i) && i >= 0 && i < setup.points.length;
  state.picked = valid ? i : null;
  boundary.pick(state.picked);
  if (setup) controls.showPick(state.picked, setup.points);
  $("explain").disabled = state.picked === null;
}

// -- live: the server trains, the page asks for frames --------------------------------------------
class ApiError extends Error {
  constructor(message, field) { super(message); this.field = field; }
}
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, body === undefined ? { method } :
      { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError("The server does not answer: is python -m demos.playground still running?");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(answer.error || `The server answered ${response.status}.`, answer.field);
  return answer;
}

// A new run on the server (new settings, a reset, the page opened): its data, its first frame and
// the curve so far.
function startRun(answer) {
  session = answer.session;
  root.dataset.session = session;
  showSetup(answer.setup);
  curve.reset(answer.history || []);
  showFrame(answer.frame);
  writeHash(true);
}

async function applySettings(values) {
  try {
    startRun(await api("POST", "/api/settings", values));
    clearError();
  } catch (e) {
    // the server kept its run: so does the page (a playing run goes on), the message says what was wrong
    showError(e.message, e.field);
  }
}

// One update: `n` steps on the server (it may run fewer, to answer quickly) and the frame after them.
// A frame of a run replaced meanwhile (new settings) is dropped.
async function liveStep(n) {
  try {
    const answer = await api("POST", "/api/step", { steps: n });
    if (answer.session === session) showFrame(answer.frame);
    return true;
  } catch (e) {
    showError(e.message, e.field);
    return false;
  }
}

async function explain() {
  if (state.picked === null || mode !== "live") return;
  player.pause();
  await player.idle();
  const button = $("explain");
  button.disabled = true;
  button.textContent = "Explaining…";
  try {
    explainer.open(await api("GET", `/api/explain?point=${state.picked}`), button);
  } catch (e) {
    showError(e.message, e.field);
  } finally {
    button.textContent = "Explain this step";
    button.disabled = state.picked === null;
  }
}

// -- replay: the frames recorded in the page ----------------------------------------------------------
const frames = mode === "replay" ? embedded.frames : [];
let index = 0;
function go(i) {
  index = Math.max(0, Math.min(frames.length - 1, i));
  $("scrub").value = index;
  showFrame(frames[index]);
}

// -- the player's step, for both ------------------------------------------------------------------------
async function oneStep(n) {
  if (mode === "live") return liveStep(n);
  if (index >= frames.length - 1) return false;
  go(index + n);
  return index < frames.length - 1;
}
// Play from the end of a replay starts it again.
function play() {
  if (mode === "replay" && !player.playing && index >= frames.length - 1) go(0);
  player.toggle();
}
async function stepOnce() {
  player.pause();
  await player.idle();
  await oneStep(1);
}
async function reset() {
  player.pause();
  await player.idle();
  if (mode === "replay") { go(0); return; }
  try {
    startRun(await api("POST", "/api/reset", {}));
  } catch (e) {
    showError(e.message, e.field);
  }
}

// Space plays or pauses, → steps; not while typing in a field or with the explanation open.
document.addEventListener("keydown", (e) => {
  const t = e.target, typing = t.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName);
  if (typing || e.altKey || e.ctrlKey || e.metaKey || !$("explain-overlay").hidden) return;
  if (e.key === " " && t.tagName !== "BUTTON") { e.preventDefault(); play(); }
  if (e.key === "ArrowRight") { e.preventDefault(); stepOnce(); }
});

async function start() {
  const asked = readHash();  // a replay's settings are its recording's: it takes only the view's options
  state.speed = asked.speed || state.speed;
  state.show = asked.show || state.show;
  controls.showOptions(state.speed, state.show);
  if (mode === "replay") {
    controls.lock(true);
    showSetup(embedded.setup);
    curve.reset(frames.map((f) => [f.step, f.loss, f.accuracy]));
    $("scrub").max = frames.length - 1;
    go(0);
  } else {
    try {
      startRun(await api("GET", "/api/state"));
      const wanted = { ...state.settings, ...asked.settings };  // a link's settings, over the server's
      if (SETTING_NAMES.some((name) => wanted[name] !== state.settings[name])) await applySettings(wanted);
    } catch (e) {
      showError(e.message, e.field);
    }
  }
  root.dataset.ready = "true";
}

window.playground = {
  mode, state, player, go, step: stepOnce,
  get setup() { return setup; }, get frame() { return frame; }, get updates() { return updates; },
};
start();
