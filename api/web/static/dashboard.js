// Draws the dashboard's charts with the vendored Chart.js from the page's JSON data block; the same numbers
// are on the page as text. Runs on load and again after htmx swaps in the dashboard for another date.
(function () {
  "use strict";
  const palette = ["#0b4f9c", "#c25100", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41", "#ad1457", "#455a64"];
  let drawn = [];

  function dataset(label, values, colour, line) {
    return line
      ? { label: label, data: values, borderColor: colour, backgroundColor: colour, tension: 0.25, spanGaps: true }
      : { label: label, data: values, backgroundColor: colour };
  }

  function config(kind, figures) {
    const bar = kind === "bar" || kind === "hbar";
    const series = figures.series || { "open cases": figures.values };
    const names = Object.keys(series);
    const datasets = names.map(function (name, i) {
      return dataset(name, series[name], bar && names.length === 1 ? palette : palette[i % palette.length], !bar);
    });
    const spark = kind === "spark";
    return {
      type: bar ? "bar" : "line",
      data: { labels: figures.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: kind === "hbar" ? "y" : "x",
        plugins: { legend: { display: names.length > 1 }, tooltip: { enabled: !spark } },
        elements: spark ? { point: { radius: 0 } } : {},
        scales: spark ? { x: { display: false }, y: { display: false, beginAtZero: true } }
                      : { x: { beginAtZero: true }, y: { beginAtZero: true } },
      },
    };
  }

  function draw() {
    const block = document.getElementById("dashboard-data");
    if (!block || typeof Chart === "undefined") return;
    drawn.forEach(function (chart) { chart.destroy(); });
    drawn = [];
    const charts = JSON.parse(block.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const key = canvas.dataset.chart;
      const figures = key.indexOf("problem-") === 0 ? charts.problems[Number(key.slice(8))] : charts[key];
      if (figures) drawn.push(new Chart(canvas, config(canvas.dataset.kind, figures)));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
