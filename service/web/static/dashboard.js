// The statistics chart: one bar series per year, districts along the axis (Chart.js, vendored).
// A value is null where a district has no figures that year or the year lacks the indicator.
(function () {
  "use strict";
  var COLOURS = ["#a4161a", "#1f6f8b", "#c98a00", "#2b7a3d", "#6b4c9a", "#555555"];

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    var canvas = document.getElementById("chart");
    var select = document.querySelector("[data-chart-field]");
    if (!source || !canvas || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

    function datasets(field) {
      return data.years.map(function (year, index) {
        var values = data.values[String(year)][field];
        var missing = values.every(function (value) { return value === null; });
        return {
          label: "Năm " + year + (missing ? " (không có chỉ tiêu này)" : ""),
          data: values,
          backgroundColor: COLOURS[index % COLOURS.length]
        };
      });
    }

    var chart = new Chart(canvas, {
      type: "bar",
      data: { labels: data.districts, datasets: datasets(select.value) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: "vi-VN",
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
    canvas.setAttribute("data-chart-ready", "1");

    select.addEventListener("change", function () {
      chart.data.datasets = datasets(select.value);
      chart.update();
    });
  });
})();
