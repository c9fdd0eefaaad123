// The map component: districts and devices drawn as vector layers with Leaflet (no tile server needed).
(function () {
  "use strict";
  var COLORS = { ok: "#1e7b34", alarm: "#b3261e", stale: "#8a5a00", new: "#5b6470" };

  var getJSON = window.maeul.getJSON;
  var escapeText = window.maeul.escapeText;

  function draw(el) {
    if (!window.L) { return; }
    var map = window.L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 0.25 });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { window.L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
    var bounds = null;
    map.setView([37.64, 127.21], 11);
    var labels = { device: el.getAttribute("data-label-device"), state: el.getAttribute("data-label-state") };
    var districts = getJSON(el.getAttribute("data-districts")).then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        style: function () { return { color: "#0b5394", weight: 2, fillColor: "#9fc5e8", fillOpacity: 0.25 }; },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          var name = document.documentElement.lang === "en" && p.name_en ? p.name_en : p.name;
          lyr.bindTooltip(escapeText(name));
        }
      }).addTo(map);
      if (layer.getLayers().length) { bounds = layer.getBounds(); }
      el.setAttribute("data-districts-count", String(layer.getLayers().length));
    });
    var devices = getJSON(el.getAttribute("data-devices")).then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        pointToLayer: function (feature, latlng) {
          var state = (feature.properties || {}).state || "new";
          return window.L.circleMarker(latlng, {
            radius: 7, color: "#000", weight: 1, fillColor: COLORS[state] || COLORS.new, fillOpacity: 0.95
          });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          lyr.bindPopup('<a href="/console/devices/' + encodeURIComponent(p.id) + '">' + escapeText(p.name) + "</a><br>" +
            escapeText(labels.state) + ": " + escapeText(p.state_label || p.state));
        }
      }).addTo(map);
      el.setAttribute("data-devices-count", String(layer.getLayers().length));
      if (!bounds && layer.getLayers().length) { bounds = layer.getBounds(); }
    });
    Promise.all([districts, devices]).then(function () {
      if (bounds) { map.fitBounds(bounds, { padding: [10, 10] }); }
      el.setAttribute("data-ready", "1");
    }).catch(function (err) {
      el.setAttribute("data-error", String(err));
    });
  }

  function init() { document.querySelectorAll("[data-map]").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
