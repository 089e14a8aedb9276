// The one Player (TensorFlow Playground's): Play runs oneStep() again and again, each one only
// after the previous one is drawn and painted, so a live page never has more than one request in
// flight and never floods the server; Pause stops after the update under way. oneStep() returns
// whether there is more to do (a replay stops at its last frame; a failed request stops too).
function Player(oneStep, onChange) {
  let playing = false, running = null;
  const painted = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  async function loop() {
    while (playing) {
      if (!(await oneStep())) { pause(); break; }
      await painted();
    }
  }
  function play() {
    if (playing) return;
    playing = true;
    onChange(true);
    // a loop still finishing its last update (Pause then Play at once) carries on: only one runs
    if (!running) running = loop().finally(() => { running = null; });
  }
  function pause() {
    if (!playing) return;
    playing = false;
    onChange(false);
  }
  // Resolves once the update under way (if any) is drawn: what comes next sees its frame.
  const idle = () => running || Promise.resolve();

  return { play, pause, toggle: () => (playing ? pause() : play()), idle, get playing() { return playing; } };
}
