// Ship plans: choosing PO lines on a new plan, and a warning before leaving a plan with unsaved changes.
// Every page works without this file: the buttons then go to the server, and nothing warns.

// Forms marked [data-unsaved-warning] remember that something was typed (data-dirty), show their
// [data-unsaved-note], and leaving the page before saving asks first. The server renders a form that
// came back with errors as dirty: what it shows is still unsaved.
function markDirty(form, dirty) {
  form.dataset.dirty = dirty ? "true" : "false";
  form.querySelectorAll("[data-unsaved-note]").forEach((note) => { note.hidden = !dirty; });
}
function watchedForm(element) {
  const form = element && element.form;
  return form && form.matches("[data-unsaved-warning]") ? form : null;
}
["input", "change"].forEach((type) => {
  document.addEventListener(type, (event) => {
    const form = watchedForm(event.target);
    if (form) markDirty(form, true);
  });
});
document.addEventListener("submit", (event) => {
  if (event.target.matches("[data-unsaved-warning]")) event.target.dataset.saving = "true";
});
window.addEventListener("beforeunload", (event) => {
  const unsaved = document.querySelector("form[data-unsaved-warning][data-dirty=true]:not([data-saving])");
  if (unsaved) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// New ship plan: "Select" fills a PO's lines (or every line) with what is open to ship, "Clear" empties
// them, here in the page instead of a round trip to the server.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-select-po], [data-clear-po]");
  if (!button) return;
  event.preventDefault();
  const select = button.hasAttribute("data-select-po");
  const po = select ? button.dataset.selectPo : button.dataset.clearPo;
  const form = button.form;
  const inputs = form.querySelectorAll(po ? `input[data-po="${po}"]` : "input[data-po]");
  inputs.forEach((input) => { input.value = select ? input.dataset.open : "0"; });
  if (form.matches("[data-unsaved-warning]")) markDirty(form, true);
});
