// Complaints pages: the staff map of requests (with hotspots), the analytics chart, and the residents' map pin.
// Leaflet and uPlot come from npm (/static/vendor/...); without them the pages still work as plain forms/tables.
(function () {
  "use strict";
  var STATUS_COLORS = { open: "#0b5394", overdue: "#b3261e", closed: "#5b6470" };
  var PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#b15928"];
  var CENTRE = [37.64, 127.21];

  var getJSON = window.maeul.getJSON;
  var escapeText = window.maeul.escapeText;

  function categoryColor(code, order) {
    if (!(code in order)) { order[code] = Object.keys(order).length; }
    return PALETTE[order[code] % PALETTE.length];
  }

  function statusKey(p) { return p.overdue ? "overdue" : (p.open ? "open" : "closed"); }

  function drawDistricts(map, url) {
    if (!url) { return Promise.resolve(null); }
    return getJSON(url).then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        style: function () { return { color: "#0b5394", weight: 1, fillColor: "#9fc5e8", fillOpacity: 0.15 }; },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          lyr.bindTooltip(escapeText(document.documentElement.lang === "en" && p.name_en ? p.name_en : p.name));
        }
      }).addTo(map);
      return layer.getLayers().length ? layer.getBounds() : null;
    }).catch(function () { return null; });
  }

  // --- the staff map of requests -------------------------------------------------------------------
  function requestsMap(el) {
    var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 }).setView(CENTRE, 11);
    var colourBy = el.getAttribute("data-colour-by") || "status";
    var order = {};
    var labels = { request: el.getAttribute("data-label-request"), hotspot: el.getAttribute("data-label-hotspot") };
    var districts = drawDistricts(map, el.getAttribute("data-districts"));
    var requests = getJSON(el.getAttribute("data-requests")).then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        pointToLayer: function (feature, latlng) {
          var p = feature.properties || {};
          var fill = colourBy === "category" ? categoryColor(p.category, order) : STATUS_COLORS[statusKey(p)];
          return window.L.circleMarker(latlng, { radius: 6, color: "#000", weight: 1, fillColor: fill, fillOpacity: 0.9 });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          lyr.bindPopup('<a href="/console/complaints/requests/' + encodeURIComponent(p.id) + '">' +
            escapeText(labels.request) + " " + escapeText(p.id) + "</a><br>" + escapeText(p.category_name) +
            "<br>" + escapeText(p.status_label));
        }
      }).addTo(map);
      el.setAttribute("data-requests-count", String(layer.getLayers().length));
      var legend = document.querySelector("[data-category-legend]");
      if (legend && colourBy === "category") {
        Object.keys(order).forEach(function (code) {
          var li = document.createElement("li");
          li.innerHTML = '<span class="dot" aria-hidden="true" style="background:' + categoryColor(code, order) + '"></span>' + escapeText(code);
          legend.appendChild(li);
        });
      }
      return layer.getLayers().length ? layer.getBounds() : null;
    });
    var hotspots = getJSON(el.getAttribute("data-hotspots")).then(function (report) {
      (report.hotspots || []).forEach(function (h) {
        window.L.circle([h.lat, h.lon], { radius: Math.max(h.radius_m, 30), color: "#b3261e", weight: 2, dashArray: "6 4", fillOpacity: 0.08 })
          .bindTooltip(escapeText(labels.hotspot) + ": " + escapeText(h.category_name) + " × " + escapeText(h.count))
          .addTo(map);
      });
      el.setAttribute("data-hotspots-count", String((report.hotspots || []).length));
    }).catch(function () { el.setAttribute("data-hotspots-count", "0"); });
    Promise.all([districts, requests, hotspots]).then(function (found) {
      var bounds = found[1] || found[0];
      if (bounds) { map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16 }); }
      el.setAttribute("data-ready", "1");
    }).catch(function (err) { el.setAttribute("data-error", String(err)); });
  }

  // --- the analytics chart (median and 90th percentile handling hours per department) ---------------
  function chart(el) {
    if (!window.uPlot) { return; }
    var data = JSON.parse(el.getAttribute("data-series") || "{}");
    var names = data.labels || [];
    if (!names.length) { return; }
    var xs = names.map(function (_, i) { return i; });
    var hasBars = window.uPlot.paths && window.uPlot.paths.bars;
    var left = hasBars ? window.uPlot.paths.bars({ size: [0.3, 50], align: -1 }) : undefined;
    var right = hasBars ? window.uPlot.paths.bars({ size: [0.3, 50], align: 1 }) : undefined;
    var top = Math.max.apply(null, (data.p90 || []).concat(data.median || []).filter(function (v) { return v != null; }).concat([1]));
    var opts = {
      width: Math.max(320, Math.min(el.clientWidth || 640, 900)), height: 260,
      scales: { x: { time: false, range: [-0.6, names.length - 0.4] }, y: { range: [0, top * 1.1] } },
      axes: [
        { values: function (u, ticks) { return ticks.map(function (t) { return Number.isInteger(t) ? (names[t] || "") : ""; }); }, splits: function () { return xs; } },
        { label: el.getAttribute("data-label-hours") }
      ],
      series: [
        {},
        { label: el.getAttribute("data-label-median"), stroke: "#0b5394", fill: "rgba(11,83,148,0.55)", paths: left, points: { show: false } },
        { label: el.getAttribute("data-label-p90"), stroke: "#b3261e", fill: "rgba(179,38,30,0.35)", paths: right, points: { show: false } }
      ]
    };
    new window.uPlot(opts, [xs, data.median || [], data.p90 || []], el);
    el.setAttribute("data-ready", "1");
  }

  // --- the residents' map pin ------------------------------------------------------------------------
  function pinMap(el) {
    var lat = document.getElementById(el.getAttribute("data-lat"));
    var lon = document.getElementById(el.getAttribute("data-long"));
    var status = document.getElementById(el.getAttribute("data-status"));
    var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var start = lat && lon && lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : CENTRE;
    map.setView(start, lat && lat.value ? 16 : 11);
    var marker = null;
    function place(latlng, message) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = window.L.circleMarker(latlng, { radius: 9, color: "#000", weight: 2, fillColor: "#b3261e", fillOpacity: 0.9 }).addTo(map);
      }
      if (lat && lon) {
        lat.value = latlng.lat.toFixed(6);
        lon.value = latlng.lng.toFixed(6);
        lon.dispatchEvent(new Event("change", { bubbles: true }));
      }
      if (status) { status.textContent = message + " (" + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5) + ")"; }
      window.maeul.announce(message);
    }
    if (lat && lon && lat.value && lon.value) { place({ lat: start[0], lng: start[1] }, el.getAttribute("data-msg-pin")); }
    drawDistricts(map, el.getAttribute("data-districts")).then(function (bounds) {
      if (bounds && !(lat && lat.value)) { map.fitBounds(bounds); }
      el.setAttribute("data-ready", "1");
    });
    map.on("click", function (e) { place(e.latlng, el.getAttribute("data-msg-pin")); });
    var locate = document.querySelector("[data-locate]");
    if (locate) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) { if (status) { status.textContent = el.getAttribute("data-msg-nogeo"); } return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          var here = { lat: pos.coords.latitude, lng: pos.coords.longitude };
          map.setView([here.lat, here.lng], 17);
          place(here, el.getAttribute("data-msg-located"));
        }, function () { if (status) { status.textContent = el.getAttribute("data-msg-nogeo"); } }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }
  }

  function init() {
    if (window.L) {
      document.querySelectorAll("[data-complaints-map]").forEach(requestsMap);
      document.querySelectorAll("[data-pin-map]").forEach(pinMap);
    }
    document.querySelectorAll("[data-complaints-chart]").forEach(chart);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
