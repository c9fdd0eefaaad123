// The warnings pages: the status map (stations by stage, areas of active warnings, a station's card and chart),
// the shelter map, "use my location", drawing a warning area on the console's map. Without JavaScript every page
// still works through its forms and tables.
(function () {
  "use strict";
  var STAGE_COLORS = ["#1e7b34", "#0b5394", "#f1c232", "#c55a11", "#a61c1c"];

  var getJSON = window.maeul.getJSON;
  var announce = window.maeul.announce;

  function english() { return document.documentElement.lang === "en"; }

  function baseMap(el) {
    var map = window.L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 0.25 });
    map.setView([37.64, 127.21], 11);
    return map;
  }

  // A chart of [[ts, value], ...] readings with the thresholds as lines (uPlot); the table beside it has the numbers.
  function drawChart(el) {
    if (!window.uPlot || el.getAttribute("data-drawn")) { return; }
    var readings = JSON.parse(el.getAttribute("data-readings") || "[]");
    if (!readings.length) { return; }
    var xs = readings.map(function (r) { return r[0] / 1000; });
    var ys = readings.map(function (r) { return r[1]; });
    var thresholds = JSON.parse(el.getAttribute("data-thresholds") || "[]");
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys);
    var series = [{}, { label: el.getAttribute("data-unit") || "", stroke: "#0b5394", width: 2 }];
    var data = [xs, ys];
    thresholds.forEach(function (t, i) {
      if (t > hi * 1.5 + 1) { return; }  // only the thresholds near the readings
      series.push({ label: String(t), stroke: STAGE_COLORS[i + 1], width: 1, dash: [6, 4] });
      data.push(xs.map(function () { return t; }));
    });
    var width = Math.max(200, Math.floor(el.getBoundingClientRect().width) || 300);
    el.setAttribute("data-drawn", "1");
    new window.uPlot({ width: width, height: 180, series: series, scales: { y: { range: [Math.min(lo, 0), null] } },
      legend: { show: false } }, data, el);
  }

  function drawCharts(root) { (root || document).querySelectorAll("[data-readings]").forEach(drawChart); }

  function fillPoint(lat, lon, lonId, latId) {
    var lonField = document.getElementById(lonId), latField = document.getElementById(latId);
    if (lonField && latField) {
      lonField.value = lon.toFixed(5);
      latField.value = lat.toFixed(5);
      var district = document.getElementById("shelter-district");
      if (district && lonId === "shelter-lon") { district.value = ""; }
    }
  }

  function statusMap(el) {
    if (!window.L) { return; }
    var map = baseMap(el);
    var panel = document.getElementById("station-panel");
    var cardUrl = el.getAttribute("data-card");
    var marker = null;

    function showStation(id) {
      fetch(cardUrl + encodeURIComponent(id), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          panel.innerHTML = html;  // our own server-rendered card
          drawCharts(panel);
          var title = panel.querySelector("h2");
          if (title) { announce(title.textContent); }
        });
    }

    document.querySelectorAll("[data-station-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        showStation(link.getAttribute("data-station-link"));
        panel.scrollIntoView({ block: "nearest" });
      });
    });

    var bounds = null;
    var areas = getJSON(el.getAttribute("data-areas")).then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        style: function (f) {
          var stage = (f.properties || {}).stage || 1;
          return { color: STAGE_COLORS[stage], weight: 2, fillColor: STAGE_COLORS[stage], fillOpacity: 0.2 };
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties || {};
          lyr.bindTooltip(english() ? p.event_en : p.event_ko);
        }
      }).addTo(map);
      if (layer.getLayers().length) { bounds = layer.getBounds(); }
      el.setAttribute("data-areas-count", String(layer.getLayers().length));
    });
    var status = getJSON(el.getAttribute("data-status")).then(function (body) {
      var points = [];
      body.stations.forEach(function (s) {
        if (s.lon == null || s.lat == null) { return; }
        var m = window.L.circleMarker([s.lat, s.lon], {
          radius: 9, color: "#000", weight: 1, fillColor: STAGE_COLORS[s.stage] || STAGE_COLORS[0], fillOpacity: 0.95
        }).addTo(map);
        m.bindTooltip((english() ? (s.name_en || s.name) : s.name) + " · " + (english() ? s.stage_en : s.stage_ko));
        m.on("click", function () { showStation(s.id); });
        points.push([s.lat, s.lon]);
      });
      el.setAttribute("data-stations-count", String(points.length));
      if (points.length) {
        var b = window.L.latLngBounds(points);
        bounds = bounds ? bounds.extend(b) : b;
      }
    });
    map.on("click", function (event) {
      fillPoint(event.latlng.lat, event.latlng.lng, "shelter-lon", "shelter-lat");
      if (marker) { marker.remove(); }
      marker = window.L.marker(event.latlng).addTo(map);
      announce(el.getAttribute("data-msg-point"));
    });
    Promise.all([areas, status]).then(function () {
      if (bounds) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 }); }
      el.setAttribute("data-ready", "1");
    }).catch(function (err) { el.setAttribute("data-error", String(err)); });
  }

  function shelterMap(el) {
    if (!window.L) { return; }
    var list = document.querySelector("[data-shelters]");
    if (!list) { return; }
    var shelters = JSON.parse(list.getAttribute("data-shelters") || "[]");
    var point = JSON.parse(list.getAttribute("data-point") || "null");
    var map = baseMap(el);
    var latlngs = [];
    if (point) {
      window.L.circleMarker([point[1], point[0]], { radius: 8, color: "#000", fillColor: "#ffffff", fillOpacity: 1 })
        .addTo(map).bindTooltip(english() ? "You" : "현재 위치");
      latlngs.push([point[1], point[0]]);
    }
    shelters.forEach(function (s, i) {
      window.L.marker([s.lat, s.lon]).addTo(map)
        .bindTooltip((i + 1) + ". " + (english() ? (s.name_en || s.name) : s.name), { permanent: i === 0 });
      latlngs.push([s.lat, s.lon]);
    });
    if (latlngs.length) { map.fitBounds(window.L.latLngBounds(latlngs), { padding: [30, 30], maxZoom: 15 }); }
    el.setAttribute("data-ready", "1");
  }

  function geolocate(button, lonId, latId, submit) {
    if (!navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        fillPoint(pos.coords.latitude, pos.coords.longitude, lonId, latId);
        if (submit && button.form) { button.form.submit(); }
      }, function () {
        announce(button.getAttribute("data-msg-failed") || "");
      }, { enableHighAccuracy: false, timeout: 10000 });
    });
  }

  // The console's manual warning: clicks on the map add "lon lat" lines to the area field; districts for reference.
  function drawMap(el) {
    if (!window.L) { return; }
    var map = baseMap(el);
    var field = document.getElementById(el.getAttribute("data-target"));
    var line = window.L.polygon([], { color: "#a61c1c", weight: 2, fillOpacity: 0.15 }).addTo(map);
    function points() {
      if (!field || field.value.trim().charAt(0) === "{") { return []; }
      return field.value.split(/[\n;]+/).map(function (row) {
        var parts = row.trim().replace(/,/g, " ").split(/\s+/);
        return parts.length === 2 ? [parseFloat(parts[1]), parseFloat(parts[0])] : null;
      }).filter(function (p) { return p && !isNaN(p[0]) && !isNaN(p[1]); });
    }
    function redraw() { line.setLatLngs(points()); }
    getJSON(el.getAttribute("data-districts")).then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        style: function () { return { color: "#0b5394", weight: 1, fillColor: "#9fc5e8", fillOpacity: 0.15 }; },
        onEachFeature: function (f, lyr) { lyr.bindTooltip((f.properties || {}).name || ""); }
      }).addTo(map);
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
      el.setAttribute("data-ready", "1");
    }).catch(function (err) { el.setAttribute("data-error", String(err)); /* the field still works */ });
    map.on("click", function (event) {
      if (!field) { return; }
      var row = event.latlng.lng.toFixed(5) + " " + event.latlng.lat.toFixed(5);
      field.value = field.value.trim() ? field.value.trim() + "\n" + row : row;
      redraw();
    });
    if (field) { field.addEventListener("input", redraw); redraw(); }
    var clear = document.querySelector("[data-clear-polygon]");
    if (clear && field) {
      clear.hidden = false;
      clear.addEventListener("click", function () { field.value = ""; redraw(); });
    }
  }

  // Subscribing with this browser: the push subscription the settings page stored fills the address.
  function subscribeForm(form) {
    var address = form.querySelector("#sub-address");
    function sync() {
      var chosen = form.querySelector("input[name=channel]:checked");
      if (chosen && chosen.value === "webpush") {
        var stored = window.localStorage ? window.localStorage.getItem("maeul.push") : null;
        if (stored) { address.value = stored; }
      }
    }
    form.querySelectorAll("input[name=channel]").forEach(function (r) { r.addEventListener("change", sync); });
    var button = form.querySelector("[data-geolocate-sub]");
    if (button) { geolocate(button, "sub-lon", "sub-lat", false); }
  }

  function init() {
    document.querySelectorAll("[data-warnings-map]").forEach(statusMap);
    document.querySelectorAll("[data-shelter-map]").forEach(shelterMap);
    document.querySelectorAll("[data-draw-map]").forEach(drawMap);
    document.querySelectorAll("[data-geolocate]").forEach(function (b) { geolocate(b, "shelter-lon", "shelter-lat", true); });
    document.querySelectorAll("[data-subscribe-form]").forEach(subscribeForm);
    drawCharts(document);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
