/**
 * The website's service worker: the page shell (HTML, script, styles, manifest, icon) cached so the
 * app opens on a phone with a poor connection; the API (/v1/…) is never cached: balances, tokens
 * and payments always come from the server.
 */
const sw = globalThis as unknown as ServiceWorkerGlobalScope;
const CACHE = 'hydrosync-shell-v1';
const SHELL = ['/', '/app.js', '/app.css', '/manifest.webmanifest', '/icon.svg'];

sw.addEventListener('install', (e: ExtendableEvent) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (e: ExtendableEvent) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => sw.clients.claim()));
});

sw.addEventListener('fetch', (e: FetchEvent) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== sw.location.origin || !SHELL.includes(url.pathname)) return;
  // Network first (a new version shows at once), the cached shell when offline.
  e.respondWith(fetch(e.request).then((res) => {
    const copy = res.clone();
    void caches.open(CACHE).then((c) => c.put(e.request, copy));
    return res;
  }).catch(async () => (await caches.match(e.request)) ?? Response.error()));
});
