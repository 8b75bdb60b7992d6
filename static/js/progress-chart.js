/* The "My progress" chart on /me/: reads the data the page put in <script id="progress-data">
   (Django's json_script) and draws it with the vendored Chart.js. No inline script, so it works
   under a strict Content-Security-Policy. Without JavaScript the table under the chart shows
   the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("progress-data");
  var canvas = document.getElementById("progress-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var progress = JSON.parse(source.textContent);
  var levels = ["0 none", "1 awareness", "2 working", "3 applied", "4 mastery"];
  var whole = function (value) { return Number.isInteger(value) ? levels[value] : ""; };
  var palette = ["#2456c7", "#1d7a4a", "#a35a00", "#b42318", "#6b3fa0", "#0f7c8c"];
  var dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [10, 2]];

  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: progress.labels,
      datasets: progress.datasets.map(function (set, i) {
        return {
          label: set.label,
          data: set.data,
          tension: 0.2,
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          borderDash: dashes[i % dashes.length],
          borderWidth: 2,
          pointRadius: 2,
          spanGaps: false
        };
      })
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: {
          min: 0,
          max: 4,
          ticks: {
            stepSize: 1,
            callback: whole
          }
        },
        x: { ticks: { autoSkip: true, maxRotation: 0 } }
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 18 } }
      }
    }
  });
})();
