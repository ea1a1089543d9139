// Forecast chart: mean units per week with the P70-P90 band (and P80, and the previous publication's mean).
// The figures come from the page (json_script); the table below the chart shows the same numbers.
(function () {
  "use strict";

  function draw() {
    const source = document.getElementById("forecast-data");
    const canvas = document.getElementById("forecast-chart");
    if (!source || !canvas || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const locale = document.documentElement.lang || "en";
    const units = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
    // Units travel as decimal strings; numbers are only needed to draw.
    const numbers = (values) => values.map((value) => (value === null ? null : Number(value)));

    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#5d6778";
    const datasets = [
      // The band: P90 filled down to the P70 line (the next dataset).
      { label: data.series.band, data: numbers(data.p90), borderColor: "rgba(31, 78, 140, 0.35)", backgroundColor: "rgba(31, 78, 140, 0.14)",
        borderWidth: 1, pointRadius: 0, fill: "+1", order: 3 },
      { label: "P70", data: numbers(data.p70), borderColor: "rgba(31, 78, 140, 0.35)", borderWidth: 1, pointRadius: 0, fill: false, order: 3 },
      { label: data.series.p80, data: numbers(data.p80), borderColor: "rgba(31, 78, 140, 0.55)", borderDash: [4, 4], borderWidth: 1,
        pointRadius: 0, fill: false, order: 2 },
      { label: data.series.mean, data: numbers(data.mean), borderColor: "#1f4e8c", backgroundColor: "#1f4e8c", borderWidth: 2.5,
        pointRadius: 2, tension: 0.25, fill: false, order: 1 },
    ];
    if (data.previous.some((value) => value !== null)) {
      datasets.push({ label: data.series.previous, data: numbers(data.previous), borderColor: "#c8553d", borderDash: [2, 3],
        borderWidth: 1.5, pointRadius: 0, spanGaps: true, fill: false, order: 0 });
    }
    const chart = new Chart(canvas, {
      type: "line",
      data: { labels: data.labels.map((iso) => day.format(new Date(`${iso}T00:00:00Z`))), datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, filter: (item) => item.text !== "P70" } },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label === data.series.band ? "P90" : ctx.dataset.label}: ${units.format(ctx.parsed.y)}` } },
          filler: { propagate: false },
        },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, grid: { color: "#eef1f5" }, title: { display: true, text: data.axis }, ticks: { callback: (value) => units.format(value) } },
        },
      },
    });
    canvas.dataset.ready = "true";
    canvas.chart = chart;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
