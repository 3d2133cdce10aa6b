/*
 * Draws the charts built on the server (dashboard/charts.py). Each chart block holds a
 * <div data-figure="ID"> and the figure as JSON in <script type="application/json" id="ID">.
 * Runs on load and again after htmx swaps in a refreshed chart block, which keeps the
 * block's data table open if the reader had opened it.
 */
(function () {
  "use strict";

  var openTables = [];

  function draw() {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-figure]").forEach(function (plot) {
      var data = document.getElementById(plot.dataset.figure);
      if (!data || plot.drawnFrom === data) return;
      var figure = JSON.parse(data.textContent);
      plot.drawnFrom = data;
      window.Plotly.react(plot, figure.data, figure.layout, figure.config);
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:beforeSwap", function (event) {
    openTables = Array.from(event.detail.target.querySelectorAll("details[id][open]"), function (d) {
      return d.id;
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    openTables.forEach(function (id) {
      var table = document.getElementById(id);
      if (table) table.open = true;
    });
    openTables = [];
    draw();
  });
})();
