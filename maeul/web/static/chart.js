// The chart component: one key of one device over a range, raw or aggregated, from the telemetry API (uPlot).
(function () {
  "use strict";
  var RANGES = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3, "365d": 365 * 86400e3 };
  var MAX_PAGES = 20;

  function fetchAll(url, cursor, pages, out) {
    var full = url + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    return fetch(full, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (body) {
      Object.keys(body.data).forEach(function (k) { out.push.apply(out, body.data[k]); });
      if (body.next_cursor && pages < MAX_PAGES) { return fetchAll(url, body.next_cursor, pages + 1, out); }
      return out;
    });
  }

  function setup(section) {
    var form = section.querySelector("[data-chart-controls]");
    if (!form) { return; }
    var canvas = section.querySelector("[data-chart-canvas]");
    var status = section.querySelector("[data-chart-status]");
    var csv = section.querySelector("[data-chart-csv]");
    var device = section.getAttribute("data-device");
    var plot = null;
    var timer = null;

    function query() {
      var key = form.key.value;
      var range = form.range.value;
      var end = Date.now() + 1;
      var start = end - (RANGES[range] || RANGES["24h"]);
      form.classList.toggle("custom", range === "custom");
      if (range === "custom" && form.start.value && form.end.value) {
        start = new Date(form.start.value).getTime();
        end = new Date(form.end.value).getTime();
      }
      var q = "keys=" + encodeURIComponent(key) + "&start=" + start + "&end=" + end + "&interval=" +
        encodeURIComponent(form.interval.value);
      if (form.interval.value !== "raw") { q += "&agg=" + encodeURIComponent(form.agg.value); }
      return { key: key, q: q };
    }

    function load() {
      var spec = query();
      status.textContent = section.getAttribute("data-msg-loading");
      csv.href = "/api/v1/devices/" + device + "/telemetry.csv?" + spec.q;
      fetchAll("/api/v1/devices/" + device + "/telemetry?limit=10000&" + spec.q, null, 0, []).then(function (points) {
        var xs = [], ys = [];
        points.forEach(function (p) {
          var v = typeof p.value === "number" ? p.value : (p.value === true ? 1 : (p.value === false ? 0 : null));
          xs.push(p.ts / 1000); ys.push(v);
        });
        if (plot) { plot.destroy(); plot = null; }
        var width = Math.max(280, canvas.clientWidth || 600);
        var zone = section.getAttribute("data-timezone");
        plot = new window.uPlot({
          width: width, height: 300,
          tzDate: zone ? function (ts) { return window.uPlot.tzDate(new Date(ts * 1e3), zone); } : undefined,
          series: [{}, { label: spec.key, stroke: "#0b5394", width: 2, spanGaps: false }],
          axes: [{}, {}]
        }, [xs, ys], canvas);
        status.textContent = points.length ? section.getAttribute("data-msg-points").replace("{n}", points.length)
          : section.getAttribute("data-msg-empty");
        section.setAttribute("data-points", String(points.length));
      }).catch(function () {
        status.textContent = section.getAttribute("data-msg-error");
        section.setAttribute("data-points", "error");
      });
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
    form.addEventListener("change", function (e) { if (e.target.name !== "start" && e.target.name !== "end") { load(); } });
    if (window.uPlot) { load(); }
    // The live view: short ranges refresh themselves.
    timer = window.setInterval(function () {
      if (form.range.value === "1h" || form.range.value === "24h") { load(); }
    }, 15000);
    section.addEventListener("maeul:stop", function () { window.clearInterval(timer); });
  }

  function init() { document.querySelectorAll("[data-chart]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
