/* Service worker for the scan page: the page and its files load without the server; the scans made
 * meanwhile wait in the page's own queue (localStorage) and are sent in order when it is back.
 * API requests are never cached or answered here. */
"use strict";
var CACHE = "custody-scan-v4";  // a new version drops the old files (v3: step mode tasks; v4: the menu script of every page)
var PAGE = "/scan";
var FILES = ["/scan", "/static/css/app.css", "/static/js/menu.js", "/static/scan/scan.css", "/static/scan/scan.js",
             "/static/scan/camera.js", "/static/scan/icons/icon-192.png", "/scan/manifest.webmanifest"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(FILES.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (res) {
        if (res.ok && !res.redirected) return cache.put(url, res);
      }).catch(function () { /* cached on a later visit */ });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (req.mode === "navigate" && url.pathname === PAGE) {
    // network first: a fresh page (and CSRF token) when the server answers, the cached one when not
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok && !res.redirected) {
        var copy = res.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
      }
      return res;
    }).catch(function () { return caches.match(PAGE); }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/scan/manifest.webmanifest") {
    // stale-while-revalidate for the page's files
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(req).then(function (hit) {
        var net = fetch(req).then(function (res) { if (res.ok) cache.put(req, res.clone()); return res; });
        return hit ? (net.catch(function () { return hit; }), hit) : net;
      });
    }));
  }
});
