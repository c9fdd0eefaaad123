// Maeul's shared page script: live alarm updates (server-sent events) and small progressive enhancements.
(function () {
  "use strict";
  function announce(text) {
    var region = document.getElementById("live-region");
    if (region) { region.textContent = ""; window.setTimeout(function () { region.textContent = text; }, 50); }
  }
  window.maeulAnnounce = announce;

  // Helpers for the pages' own scripts (map.js, the services' scripts), which load after this one: every base
  // template puts maeul.js first, and deferred scripts run in document order.
  window.maeul = {
    announce: announce,
    getJSON: function (url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
    },
    escapeText: function (text) {
      var div = document.createElement("div");
      div.textContent = text == null ? "" : String(text);
      return div.innerHTML;
    }
  };

  // An element with data-live-alarms="<stream url>" and data-refresh="<fragment url>" is refreshed on each event.
  function liveAlarms(el) {
    if (!window.EventSource) { return; }
    var source = new EventSource(el.getAttribute("data-live-alarms"));
    source.addEventListener("alarms", function (event) {
      var target = el.getAttribute("data-target") || "#" + el.id;
      var url = el.getAttribute("data-refresh");
      if (window.htmx && url) {
        var query = window.location.search || "";
        window.htmx.ajax("GET", url + query, { target: target, swap: "innerHTML" });
      }
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { data = {}; }
      if (data.changed) { announce(el.getAttribute("data-announce") || "Alarms changed"); }
      el.setAttribute("data-last-event", String(Date.now()));
    });
    el.setAttribute("data-live-ready", "1");
  }

  // An htmx request that fails (a refused form, a stale session token) shows the server's message above the page
  // content instead of silently doing nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status < 400) { return; }
    event.detail.shouldSwap = false;
    var main = document.getElementById("main");
    var flash = document.getElementById("flash");
    if (!flash && main) { flash = document.createElement("div"); flash.id = "flash"; flash.tabIndex = -1; main.prepend(flash); }
    if (flash) {
      flash.innerHTML = event.detail.xhr.responseText.indexOf("<html") >= 0 ? "" : event.detail.xhr.responseText;
      flash.focus();
      announce(flash.textContent.trim());
    }
  });

  function init() {
    document.querySelectorAll("[data-live-alarms]").forEach(liveAlarms);
    // Polling fragments (latest values): hx-trigger="every 5s" on the element does the work; nothing to do here.
    var error = document.getElementById("form-error");
    if (error) { error.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
