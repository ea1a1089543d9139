// The confirmation table: what is left to place per line, and "accept all".
(() => {
  const table = document.querySelector("table.po-confirm");
  if (!table) return;
  const text = table.dataset;
  const value = (input) => (input && !input.disabled && input.value !== "" ? parseInt(input.value, 10) : 0);
  const update = (row) => {
    const ordered = parseInt(row.dataset.ordered, 10);
    const inputs = row.querySelectorAll("[data-qty]");
    const total = Array.from(inputs).reduce((sum, input) => sum + (Number.isNaN(value(input)) ? 0 : value(input)), 0);
    const remaining = ordered - total;
    const output = row.querySelector("[data-remaining]");
    output.classList.remove("done", "over", "left", "unknown");
    if (remaining === 0) { output.textContent = "✓ " + text.textDone; output.classList.add("done"); }
    else if (remaining < 0) { output.textContent = -remaining + " " + text.textOver; output.classList.add("over"); }
    else { output.textContent = remaining + " " + text.textLeft; output.classList.add("left"); }
    const rejected = row.querySelector("[data-qty=rejected]");
    const reason = row.querySelector("select[name$=rejection_reason]");
    if (reason) reason.classList.toggle("needs-value", value(rejected) > 0 && !reason.value);
    const backordered = row.querySelector("[data-qty=backordered]");
    const date = row.querySelector("input[name$=backorder_date]");
    if (date && !date.disabled) date.classList.toggle("needs-value", value(backordered) > 0 && !date.value);
  };
  const rows = table.querySelectorAll("tr.confirm-row");
  rows.forEach(update);
  table.addEventListener("input", (event) => { const row = event.target.closest("tr.confirm-row"); if (row) update(row); });
  table.addEventListener("change", (event) => { const row = event.target.closest("tr.confirm-row"); if (row) update(row); });
  const acceptAll = document.querySelector("[data-accept-all]");
  acceptAll.hidden = false;
  acceptAll.addEventListener("click", () => {
    rows.forEach((row) => {
      row.querySelectorAll("[data-qty]").forEach((input) => {
        if (input.disabled) return;
        input.value = input.dataset.qty === "accepted" ? row.dataset.ordered : "0";
      });
      const reason = row.querySelector("select[name$=rejection_reason]");
      if (reason && !reason.disabled) reason.value = "";
      update(row);
    });
  });
  const errors = document.getElementById("confirm-errors");
  if (errors) errors.focus();
})();
