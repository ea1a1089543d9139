// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const target = document.getElementById(button.dataset.copy);
  if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
});
// Formset rows: a button [data-add-row="<prefix>"] appends a copy of <template id="<prefix>-empty-row"> to
// [data-rows="<prefix>"] with the formset's next index. Without JavaScript the buttons stay hidden and saving
// the form gives more empty rows.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const prefix = button.dataset.addRow;
  const body = document.querySelector(`[data-rows="${prefix}"]`);
  const template = document.getElementById(`${prefix}-empty-row`);
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  if (!body || !template || !total) return;
  const index = parseInt(total.value, 10);
  const row = template.content.firstElementChild.cloneNode(true);
  row.querySelectorAll("[name], [id], [for]").forEach((el) => {
    ["name", "id", "for"].forEach((attr) => {
      if (el.hasAttribute(attr)) el.setAttribute(attr, el.getAttribute(attr).replaceAll("__prefix__", index));
    });
  });
  row.querySelectorAll("[data-row-number]").forEach((el) => { el.textContent = index + 1; });
  body.appendChild(row);
  total.value = index + 1;
  const first = row.querySelector("input:not([type=hidden]), select");
  if (first) first.focus();
});
document.querySelectorAll("[data-add-row]").forEach((button) => { button.hidden = false; });
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.dataset.confirm;
  if (!message) return;
  if (!window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // Confirmed here: the server, which refuses an unconfirmed irreversible action, need not ask again.
  if (!form.querySelector("input[name=confirmed]")) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "confirmed";
    field.value = "yes";
    form.append(field);
  }
});
// Below 800 px the side navigation is hidden; the topbar's menu button opens it (with the account tools).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-menu-toggle]");
  if (!button) return;
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  document.body.classList.toggle("menu-open", open);
  if (open) {
    const first = document.querySelector("#main-nav a");
    if (first) first.focus();
  }
});
document.addEventListener("keydown", (event) => {
  const button = document.querySelector("[data-menu-toggle][aria-expanded=true]");
  if (event.key !== "Escape" || !button) return;
  button.setAttribute("aria-expanded", "false");
  document.body.classList.remove("menu-open");
  button.focus();
});
// A select marked data-autosubmit sends its form when it changes (vendor switch, language, filters).
document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-autosubmit]");
  if (control && control.form) control.form.requestSubmit ? control.form.requestSubmit() : control.form.submit();
});
// Bars drawn to a share: [data-width="42"] is 42% wide. Set through the CSSOM, which the content security
// policy allows (it refuses style attributes in the markup); again after htmx swaps in a fragment.
const applyWidths = (root) => {
  root.querySelectorAll("[data-width]").forEach((bar) => {
    const share = Math.max(0, Math.min(100, parseFloat(bar.dataset.width) || 0));
    bar.style.width = `${share}%`;
  });
};
applyWidths(document);
document.addEventListener("htmx:afterSettle", () => applyWidths(document));
// A box that scrolls sideways (a wide table on a narrow screen) must be reachable by keyboard: while it
// overflows it is a focusable, named region (named after its table's caption or the heading before it).
const scrollBoxes = () => document.querySelectorAll(".table-scroll, .po-table-wrap, main table:not(.stack)");
const nameOf = (box) => {
  const caption = box.querySelector("caption");
  if (caption && caption.textContent.trim()) return caption.textContent.trim();
  for (let el = box; el && el !== document.body; el = el.parentElement) {
    for (let prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
      const heading = prev.matches("h1, h2, h3") ? prev : prev.querySelector("h1, h2, h3");
      if (heading && heading.textContent.trim()) return heading.textContent.trim();
    }
  }
  return document.title;
};
const markScrollRegions = () => {
  scrollBoxes().forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", box.tagName === "TABLE" ? "table" : "region");
      const labelled = !box.hasAttribute("aria-label") && box.tagName !== "TABLE";
      if (labelled) box.setAttribute("aria-label", nameOf(box));
      box.dataset.scrollRegion = labelled ? "labelled" : "";
    } else if (!scrolls && box.hasAttribute("data-scroll-region")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      if (box.dataset.scrollRegion === "labelled") box.removeAttribute("aria-label");
      box.removeAttribute("data-scroll-region");
    }
  });
};
markScrollRegions();
window.addEventListener("resize", markScrollRegions);
document.addEventListener("htmx:afterSettle", markScrollRegions);
// "Use this device's time zone": picks the browser's IANA zone in the select the button names, if it is offered.
document.querySelectorAll("[data-device-time-zone]").forEach((button) => {
  const select = document.querySelector(button.dataset.deviceTimeZone);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select || !zone || ![...select.options].some((option) => option.value === zone)) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    select.value = zone;
    select.focus();
  });
});
