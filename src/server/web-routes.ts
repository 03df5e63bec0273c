/**
 * The website at `/`: the HTML shell (Indonesian by default, `?lang=en` for English), the client
 * built by tsup into dist/web (script, styles, service worker), the web app manifest and icon.
 * Every page answer carries a strict content security policy (no inline script or style, nothing
 * from elsewhere, no framing); assets are sent gzip-compressed when the browser takes it, with an
 * ETag for revalidation. Hidden from the OpenAPI document (it is not the API).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The policy of every web answer: only this origin's script, styles, images and connections. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "manifest-src 'self'",
  "worker-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin',
};

interface Asset { body: Buffer; gzip: Buffer; type: string; etag: string }

function asset(body: Buffer | string, type: string): Asset {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return { body: b, gzip: gzipSync(b, { level: 9 }), type, etag: `"${createHash('sha256').update(b).digest('base64url').slice(0, 22)}"` };
}

const TITLES = { id: 'HydroSync — air prabayar', en: 'HydroSync — prepaid water' } as const;
const NOSCRIPT = { id: 'Situs ini memerlukan JavaScript.', en: 'This site needs JavaScript.' } as const;

function shell(lang: 'id' | 'en'): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[lang]}</title>
<meta name="theme-color" content="#005a9c">
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body><div id="app"><noscript>${NOSCRIPT[lang]}</noscript></div></body>
</html>
`;
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#005a9c"/><path d="M32 10C24 22 18 30 18 38a14 14 0 0 0 28 0c0-8-6-16-14-28z" fill="#fff"/></svg>`;

const MANIFEST = JSON.stringify({
  name: 'HydroSync', short_name: 'HydroSync', lang: 'id', start_url: '/', scope: '/', display: 'standalone',
  background_color: '#f5f8fa', theme_color: '#005a9c', icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
});

/** Where the built client is: dist/web beside the running build, else in the working directory. */
export function findWebAssets(): string | undefined {
  const here: unknown = import.meta.url; // undefined in the CommonJS build
  const candidates = [
    ...(typeof here === 'string' ? [new URL('./web/', here).pathname, new URL('../../dist/web/', here).pathname] : []),
    join(process.cwd(), 'dist', 'web'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'app.js')));
}

/** Register the website's routes; `dir` holds the built client (`findWebAssets()`). */
export function webRoutes(app: FastifyInstance, dir: string | undefined): void {
  const files = new Map<string, Asset>();
  files.set('/icon.svg', asset(ICON, 'image/svg+xml'));
  files.set('/manifest.webmanifest', asset(MANIFEST, 'application/manifest+json'));
  if (dir !== undefined) {
    files.set('/app.js', asset(readFileSync(join(dir, 'app.js')), 'text/javascript; charset=utf-8'));
    files.set('/app.css', asset(readFileSync(join(dir, 'style.css')), 'text/css; charset=utf-8'));
    files.set('/sw.js', asset(readFileSync(join(dir, 'sw.js')), 'text/javascript; charset=utf-8'));
  }
  const pages = { id: asset(shell('id'), 'text/html; charset=utf-8'), en: asset(shell('en'), 'text/html; charset=utf-8') };

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string) => {
    reply.headers({ ...SECURITY_HEADERS, 'cache-control': cache, etag: a.etag, vary: 'accept-encoding' }).type(a.type);
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(a.gzip);
    return reply.send(a.body);
  };
  const options = { config: { access: 'public' as const }, schema: { hide: true } };
  app.get('/', options, async (req, reply) => {
    if (dir === undefined) {
      reply.code(503).headers(SECURITY_HEADERS).type('text/plain; charset=utf-8');
      return 'The website is not built: run `npm run build` (dist/web is missing). The API is at /v1.';
    }
    const lang = (req.query as { lang?: string }).lang === 'en' ? 'en' : 'id';
    return send(req, reply, pages[lang], 'no-cache');
  });
  for (const path of files.keys()) {
    app.get(path, options, async (req, reply) => send(req, reply, files.get(path)!, 'no-cache'));
  }
}
