// Service worker of the proctor's tablet: keeps the last copy of each sitting page and the static
// files, so that the page opens again without a network. Entries themselves live in the page's
// IndexedDB outbox (tablet.js), never here. Network first: a fresh copy always wins when reachable.
"use strict";

// One cache per user (the page registers the worker with ?u=<user id>): the next user's worker
// deletes every other cache when it takes over, so nobody opens the last user's pages offline.
const USER = new URL(self.location.href).searchParams.get("u") || "none";
const CACHE = "examsvc-tablet-v2-" + USER;
const SITTING_PAGE = /^\/proctor\/sittings\/\d+$/;

// The page's own files, kept at install: the first visit loaded them before this worker ran.
const STATIC = [
  "/static/app.css",
  "/static/tablet.js",
  "/static/keyed.js",
  "/static/favicon.svg",
  "/static/camera.js",
  "/static/checkin.js",
  "/static/sheetcam.js",
  "/static/vendor/jsQR.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(STATIC)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function keepable(request) {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  return SITTING_PAGE.test(url.pathname) || url.pathname.startsWith("/static/");
}

self.addEventListener("fetch", (event) => {
  if (!keepable(event.request)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        // Only a real page of this sitting, not a redirect to the sign-in page.
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request).then((hit) => hit || Response.error()))
  );
});
