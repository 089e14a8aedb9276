// The controls: the settings form, Play / Pause / Step / Reset, the speed, what the edges show, the
// picked point and (replay) the slider. They only report what the user asked for (`on`): the server
// checks every setting and main.js decides what follows.
function Controls(form, on) {
  const field = (name) => form.elements.namedItem(name);

  // The form shows `text` (settings in their text form), every field marked valid again.
  function fill(text) {
    for (const name of SETTING_NAMES) {
      const input = field(name);
      if (text[name] !== undefined) input.value = text[name];
      input.removeAttribute("aria-invalid");
    }
  }
  const read = () => Object.fromEntries(SETTING_NAMES.map((name) => [name, field(name).value.trim()]));
  function markInvalid(name) {
    const input = SETTING_NAMES.includes(name) && field(name);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  // A text field reports when its text is committed (Enter, or leaving it), a menu at once.
  form.addEventListener("change", (e) => {
    if (SETTING_NAMES.includes(e.target.name)) on.settings(read());
  });
  form.addEventListener("submit", (e) => e.preventDefault());

  $("play").addEventListener("click", () => on.play());
  $("step").addEventListener("click", () => on.step());
  $("reset").addEventListener("click", () => on.reset());
  $("speed").addEventListener("change", (e) => on.speed(+e.target.value));
  $("scrub").addEventListener("input", (e) => on.scrub(+e.target.value));
  document.querySelectorAll('input[name="show"]').forEach((r) => r.addEventListener("change", () => on.show(r.value)));
  $("point").addEventListener("change", (e) => on.pick(e.target.value === "" ? null : +e.target.value));
  $("explain").addEventListener("click", () => on.explain());

  function showPlaying(playing) {
    $("play").textContent = playing ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", String(playing));
  }
  function showOptions(speed, show) {
    $("speed").value = String(speed);
    document.querySelectorAll('input[name="show"]').forEach((r) => { r.checked = r.value === show; });
    $("edge-what").textContent = show === "gradients" ? "dL/dw" : "w";
  }
  function showPick(i, points) {
    $("point").max = String(points.length - 1);
    $("point").value = i === null ? "" : String(i);
    if (i === null) { $("picked").textContent = "Click a point to pick it."; return; }
    const [x1, x2, label] = points[i];
    $("picked").textContent = `x = (${fmt(x1)}, ${fmt(x2)}), label ${label}`;
  }
  const lock = (locked) => form.querySelectorAll("fieldset").forEach((f) => { f.disabled = locked; });

  return { fill, markInvalid, showPlaying, showOptions, showPick, lock };
}
