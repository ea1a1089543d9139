// Scorecard trend: one line per charted measure, weekly percentages. The figures come from the page
// (json_script); the table under the chart shows every measure's weekly figures.
(function () {
  "use strict";

  const COLOURS = ["#1f4e8c", "#c8553d", "#2e8b57", "#7a5af8", "#8a6500"];

  function draw() {
    const source = document.getElementById("scorecard-data");
    const canvas = document.getElementById("scorecard-chart");
    if (!source || !canvas || typeof Chart === "undefined") return;
    const data = JSON.parse(source.textContent);
    const locale = document.documentElement.lang || "en";
    const pct = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });

    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#5d6778";
    const chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map((iso) => day.format(new Date(`${iso}T00:00:00Z`))),
        datasets: data.series.map((series, index) => ({
          label: series.name,
          data: series.values,
          borderColor: COLOURS[index % COLOURS.length],
          backgroundColor: COLOURS[index % COLOURS.length],
          borderWidth: 2,
          pointRadius: 2,
          spanGaps: true,
          tension: 0.2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${pct.format(ctx.parsed.y)} %` } },
        },
        scales: {
          x: { grid: { display: false } },
          y: { min: 0, max: 100, grid: { color: "#eef1f5" }, ticks: { callback: (value) => `${pct.format(value)} %` } },
        },
      },
    });
    canvas.dataset.ready = "true";
    canvas.chart = chart;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
