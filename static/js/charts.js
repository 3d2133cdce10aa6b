/*
 * Draws the charts built on the server (dashboard/charts.py). A chart's figure is JSON in
 * <script type="application/json" id="ID"> beside its <div data-figure="ID">; on the story page
 * htmx fetches the whole chart block when it scrolls into view. plotly.js itself (this script's
 * data-plotly) is loaded only when a figure is about to be seen, or when htmx goes to fetch a
 * chart block the reader has reached (so it downloads while the block does): never before the
 * page has painted its first screen.
 * Figures are drawn one a frame, the one nearest the reader first, so each shows as it is drawn.
 * A refreshed chart block (htmx) keeps its data table open if the reader had opened it.
 */
(function () {
  "use strict";

  var plotlySource = document.currentScript && document.currentScript.dataset.plotly;
  var plotlyLoading = null;
  var waiting = [];
  var drawing = false;
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

  // Calls then() once the page has painted its text (at once if it has): the first screen first.
  // Looks again after each frame (Chromium tells a paint observer late, once it is idle).
  // Browsers that do not time paints wait for the page to load.
  function afterFirstPaint(then) {
    if (performance.getEntriesByName("first-contentful-paint").length) then();
    else if (document.readyState === "complete") then();
    else requestAnimationFrame(function () {
      setTimeout(afterFirstPaint, 0, then);
    });
  }

  function draw(plot) {
    if (waiting.indexOf(plot) === -1) waiting.push(plot);
    afterFirstPaint(function () {
      loadPlotly().then(drawNext);
    });
  }

  function offScreen(plot) {
    var box = plot.getBoundingClientRect();
    return Math.max(box.top - window.innerHeight, -box.bottom, 0);
  }

  // Draws the waiting figure nearest the reader, then lets the browser show it before the next.
  function drawNext() {
    if (drawing || !waiting.length) return;
    waiting.sort(function (a, b) {
      return offScreen(a) - offScreen(b);
    });
    var plot = waiting.shift();
    var data = document.getElementById(plot.dataset.figure);
    drawing = true;
    requestAnimationFrame(function () {
      setTimeout(function () {
        drawing = false;
        drawNext();
      });
    });
    if (data && plot.isConnected && plot.drawnFrom !== data) {
      var figure = JSON.parse(data.textContent);
      plot.drawnFrom = data;
      window.Plotly.react(plot, figure.data, figure.layout, figure.config);
    }
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
    if (event.detail.elt.matches("section.chart")) afterFirstPaint(loadPlotly);
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
