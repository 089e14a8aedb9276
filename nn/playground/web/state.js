// The page's state, all of it serialisable (TensorFlow Playground's State): the settings as the form
// and the URL hold them (strings, Settings.to_query's shape), the speed, what the edges show and the
// picked point. In the live page the URL's hash carries it, so a link reproduces a run.
const SETTING_NAMES = ["dataset", "points", "noise", "hidden", "activation", "loss", "optimizer", "lr",
  "batch_size", "seed"];
const SPEEDS = [1, 2, 5, 10, 20, 50];
const SHOWS = ["weights", "gradients"];
const state = { settings: {}, speed: 5, show: "weights", picked: null };

// Settings as the server sends them (Settings.to_json: numbers, hidden as a list) in their text form.
function settingsText(json) {
  const text = {};
  for (const name of SETTING_NAMES) {
    const v = json[name];
    if (v !== undefined) text[name] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return text;
}

// What the URL's hash asks for: settings (only known names; the server checks their values) and
// the view's options (only values the page offers).
function readHash() {
  const params = new URLSearchParams(location.hash.slice(1)), settings = {};
  for (const name of SETTING_NAMES) if (params.has(name)) settings[name] = params.get(name);
  const speed = +params.get("speed"), show = params.get("show");
  return { settings, speed: SPEEDS.includes(speed) ? speed : null, show: SHOWS.includes(show) ? show : null };
}

function writeHash(withSettings) {
  const params = new URLSearchParams(withSettings ? state.settings : {});
  params.set("speed", state.speed);
  params.set("show", state.show);
  try {
    history.replaceState(null, "", `#${params}`);
  } catch (e) {
    // a page shown from srcdoc (a notebook's frame) has no URL of its own to write: nothing to keep
  }
}
