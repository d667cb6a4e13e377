// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID">, with the vendored Chart.js.
// The same numbers are in the page's tables, so nothing is lost without JavaScript.
(function () {
  "use strict";
  var palette = ["#0b4f8a", "#2e8540", "#b35c00", "#8a1c7c", "#a4262c", "#4a5360"];

  function config(spec) {
    var stacked = spec.type === "stacked";
    var datasets = spec.datasets.map(function (set, i) {
      var line = spec.type === "bar-with-target" && i === 1;
      return {
        label: set.label,
        data: set.data,
        type: line ? "line" : "bar",
        backgroundColor: set.color || palette[i % palette.length],
        borderColor: set.color || palette[i % palette.length],
        borderDash: line ? [6, 4] : undefined,
        pointRadius: line ? 5 : undefined,
        pointStyle: line ? "line" : undefined,
        borderWidth: line ? 3 : undefined,
        order: line ? 0 : 1,  // the target line in front of the bars
      };
    });
    var y = { beginAtZero: true, stacked: stacked };
    if (spec.max) { y.max = spec.max; }
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: stacked }, y: y },
        plugins: { legend: { display: datasets.length > 1 } },
      },
    };
  }

  function draw() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = new Chart(canvas, config(JSON.parse(source.textContent)));
      canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
