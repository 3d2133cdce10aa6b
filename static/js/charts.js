/*
 * Draws the charts built on the server (dashboard/charts.py). A chart's figure is JSON in
 * <script type="application/json" id="ID"> beside its <div data-figure="ID">; on the story page
 * htmx fetches the whole chart block when it scrolls into view. plotly.js itself (this script's
 * data-plotly) is loaded only when a figure is about to be seen, or when htmx goes to fetch a
 * chart block the reader has reached (so it downloads while the block does): never while the
 * first screen is still being drawn for a chart below it.
 * A refreshed chart block (htmx) keeps its data table open if the reader had opened it.
 */
(function () {
  "use strict";

  var plotlySource = document.currentScript && document.currentScript.dataset.plotly;
  var plotlyLoading = null;
  var openTables = [];

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve();
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (loaded, failed) {
        var script = document.createElement("script");
        script.src = plotlySource;
        script.onload = loaded;
        script.onerror = failed;
        document.head.appendChild(script);
      });
    }
    return plotlyLoading;
  }

  function draw(plot) {
    var data = document.getElementById(plot.dataset.figure);
    if (!data || plot.drawnFrom === data) return;
    loadPlotly().then(function () {
      if (plot.drawnFrom === data) return;
      var figure = JSON.parse(data.textContent);
      plot.drawnFrom = data;
      window.Plotly.react(plot, figure.data, figure.layout, figure.config);
    });
  }

  // Draw a figure when it comes within a screen of being seen.
  var nearby = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            nearby.unobserve(entry.target);
            draw(entry.target);
          }
        });
      }, { rootMargin: "100% 0px" })
    : null;

  function watch() {
    document.querySelectorAll("[data-figure]").forEach(function (plot) {
      if (plot.drawnFrom === document.getElementById(plot.dataset.figure)) return;
      if (nearby) nearby.observe(plot);
      else draw(plot);
    });
  }

  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt.matches("section.chart")) return;
    // Not before the page has loaded: the first screen comes first.
    if (document.readyState === "complete") loadPlotly();
    else window.addEventListener("load", loadPlotly, { once: true });
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    openTables = Array.from(event.detail.target.querySelectorAll("details[id][open]"), function (d) {
      return d.id;
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    openTables.forEach(function (id) {
      var table = document.getElementById(id);
      if (table && !table.open) table.open = true;
    });
    openTables = [];
    watch();
  });
})();
