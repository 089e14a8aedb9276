// "Explain this step": the explorer page Python wrote for one training step on the picked point
// (its forward pass, the loss, the backward pass node by node and the update), in a frame over the
// playground, under the point, its loss before the step and its loss after the update.
function ExplainView(overlay, frame, summary, closeButton) {
  let opener = null;

  // `from`: where the focus returns when it closes
  function open(result, from) {
    const [x1, x2] = result.x;
    const loss = (id, value) => el("span", { class: "num", id, "data-loss": value === null ? "" : String(value) }, fmt(value, 6));
    summary.replaceChildren(
      el("p", {}, `Point ${result.point}: x = (${fmt(x1)}, ${fmt(x2)}), label ${result.label}.`),
      el("p", {}, "Its loss before the step: ", loss("explain-before", result.loss_before),
        result.loss_after === null ? "" : el("span", { class: "after" }, "; after the update: ", loss("explain-after", result.loss_after))),
    );
    if (result.note) summary.append(el("p", { class: "note", id: "explain-note" }, result.note));
    opener = from;
    frame.srcdoc = result.html;
    overlay.hidden = false;
    behind(true);
    closeButton.focus();
  }

  // The page under the overlay takes no focus nor clicks while it is open (a modal dialog).
  function behind(inert) {
    for (const sibling of overlay.parentElement.children) if (sibling !== overlay) sibling.inert = inert;
  }

  function close() {
    overlay.hidden = true;
    behind(false);
    frame.removeAttribute("srcdoc");
    frame.style.height = "";  // the explorer set it to its own height
    if (opener) opener.focus();
  }

  const onEscape = (e) => { if (e.key === "Escape") close(); };
  closeButton.addEventListener("click", close);
  overlay.addEventListener("keydown", onEscape);
  // in the explorer too (the frame is a document of its own, with the same origin: srcdoc)
  frame.addEventListener("load", () => { if (frame.contentDocument) frame.contentDocument.addEventListener("keydown", onEscape); });
  return { open };
}
