// Service worker of the portal's Web Push messages: shows each message as a notification.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(data.title || "마을 Maeul", { body: data.body || "", data: data }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/portal/alerts";
  event.waitUntil(self.clients.openWindow(url));
});
