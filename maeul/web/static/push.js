// Web Push opt-in on the portal: asks the browser for permission and hands the subscription to the server.
(function () {
  "use strict";
  function base64ToBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function setup(box) {
    var button = box.querySelector("[data-push-button]");
    var status = box.querySelector("[data-push-status]");
    function say(name) { status.textContent = box.getAttribute("data-msg-" + name); box.setAttribute("data-state", name); }
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say("unsupported"); button.disabled = true; return; }
    button.addEventListener("click", function () {
      fetch(box.getAttribute("data-key-url"), { headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) { throw new Error("unavailable"); }
        return r.json();
      }).then(function (body) {
        return Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") { throw new Error("denied"); }
          return navigator.serviceWorker.register("/static/web/sw.js", { scope: "/static/web/" });
        }).then(function (registration) {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64ToBytes(body.public_key || body.key) });
        });
      }).then(function (subscription) {
        // Services (warnings, complaints) take the subscription from this event or from localStorage
        // ("maeul.push") and store it with what the resident chose to follow.
        var json = JSON.stringify(subscription);
        try { window.localStorage.setItem("maeul.push", json); } catch (e) { /* private mode */ }
        box.dispatchEvent(new CustomEvent("maeul:push-subscription", { bubbles: true, detail: JSON.parse(json) }));
        var url = box.getAttribute("data-subscribe-url");
        if (!url) { return { ok: true }; }
        var csrf = document.body.getAttribute("hx-headers");
        var token = csrf ? JSON.parse(csrf)["X-CSRF-Token"] : "";
        return fetch(url, {
          method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": token }, body: json
        });
      }).then(function (r) { if (!r.ok) { throw new Error("unavailable"); } say("on"); })
        .catch(function (err) { say(err && err.message === "denied" ? "denied" : "unavailable"); });
    });
  }
  function init() { document.querySelectorAll("[data-push]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
