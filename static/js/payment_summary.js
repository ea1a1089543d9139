// Payment summary charts. The figures come from the page (json_script); each chart has a table twin.
(function () {
  "use strict";

  function draw() {
    const source = document.getElementById("payment-summary-data");
    if (!source || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const locale = document.documentElement.lang || "en";
    const money = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency, maximumFractionDigits: 2 });
    const compact = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency, notation: "compact", maximumFractionDigits: 1 });
    // Amounts travel as decimal strings; numbers are only needed to size the bars.
    const amounts = (values) => values.map((value) => Number(value));
    const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
    const month = new Intl.DateTimeFormat(locale, { month: "short", year: "2-digit", timeZone: "UTC" });
    const weekLabel = (iso) => day.format(new Date(`${iso}T00:00:00Z`));
    const monthLabel = (iso) => month.format(new Date(`${iso}-01T00:00:00Z`));

    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#5d6778";
    const grid = { color: "#eef1f5" };
    const common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 400 },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label ? ctx.dataset.label + ": " : ""}${money.format(ctx.parsed.y)}` } },
      },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, grid, ticks: { callback: (value) => compact.format(value) } },
      },
    };

    const aging = document.getElementById("aging-chart");
    if (aging) {
      new Chart(aging, {
        type: "bar",
        data: {
          labels: data.aging.labels,
          datasets: [{
            label: "",
            data: amounts(data.aging.data),
            backgroundColor: data.aging.late.map((late, i) => (late ? ["#f0b429", "#e07b39", "#c8553d", "#9b2c2c"][i - 1] : "#1f4e8c")),
            borderRadius: 4,
            maxBarThickness: 56,
          }],
        },
        options: { ...common, scales: { ...common.scales, x: { ...common.scales.x, title: { display: true, text: data.aging.axis } } } },
      });
    }

    const cash = document.getElementById("cash-chart");
    if (cash) {
      new Chart(cash, {
        type: "bar",
        data: {
          labels: data.cash.labels.map(weekLabel),
          datasets: [{ label: "", data: amounts(data.cash.data), backgroundColor: "#1f7a4d", borderRadius: 4, maxBarThickness: 40 }],
        },
        options: common,
      });
    }

    const deductions = document.getElementById("deductions-chart");
    if (deductions) {
      new Chart(deductions, {
        type: "bar",
        data: {
          labels: data.deductions.labels.map(monthLabel),
          datasets: data.deductions.datasets.map((set) => ({
            label: set.label, data: amounts(set.data), backgroundColor: set.colour, borderRadius: 2, maxBarThickness: 36,
          })),
        },
        options: {
          ...common,
          plugins: { ...common.plugins, legend: { display: true, position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } } },
          scales: { x: { ...common.scales.x, stacked: true }, y: { ...common.scales.y, stacked: true } },
        },
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
