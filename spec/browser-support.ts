// Browser specs: Debian's Chromium driven by playwright-core (no browser download), one browser per
// spec file, pages served from a throwaway HTTP server on 127.0.0.1. Reused by every spec that runs
// something in a page (the link's Web Bluetooth adapter, the website).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Debian's Chromium (package `chromium`); CHROMIUM_PATH names another build. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where Chromium is missing: locally the browser specs are skipped, loudly; under CI they fail. */
const missing = !existsSync(chromiumPath);
const missingText = `Chromium is not at ${chromiumPath}: install it with \`apt-get install -y chromium\` (Debian) or set CHROMIUM_PATH`;

/**
 * Flags for a quiet, reproducible headless run: no GPU, no sandbox (CI runs as root), nothing that
 * reaches the network on its own. playwright-core adds `--headless` and `--user-data-dir`.
 */
export const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Content types of the files the test server hands out. */
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The default page at `/`. It defines `window.importModule(path)`: call it, not `import()`, inside
 * `page.evaluate` (vitest rewrites a dynamic `import()` in spec code into a helper the page lacks).
 */
export const blankPage =
  '<!doctype html><meta charset="utf-8"><title>HydroSync</title><script>window.importModule = (path) => import(path);</script>';

/** The page's module loader (see `blankPage`), for use inside `page.evaluate`. */
export type ImportModule = (path: string) => Promise<Record<string, any>>;

export interface BrowserSuiteOptions {
  /** URL prefix → directory served under it (default: `/dist/browser/` → the browser build). */
  roots?: Record<string, string>;
  /** Exact paths → HTML (or other text) served as is; `/` is an empty page unless given here. */
  pages?: Record<string, string>;
  /** Extra Chromium flags for this file (e.g. to switch on an experimental feature). */
  flags?: string[];
}

/** What a browser suite gives its tests. */
export interface BrowserHandle {
  /** `http://127.0.0.1:PORT`: a secure context, as Web Bluetooth requires. */
  readonly origin: string;
  /** The browser context (one per file; its profile is a fresh temporary directory). */
  readonly context: BrowserContext;
  /** A new page, prepared by `setup` (init scripts, listeners) and then opened at `path` (default `/`). */
  newPage(path?: string, setup?: (page: Page) => Promise<void> | void): Promise<Page>;
}

/** Serve `roots` and `pages` on 127.0.0.1 (port chosen by the system). Only files under a root are served. */
export async function startPageServer(roots: Record<string, string>, pages: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (Object.hasOwn(pages, path)) return send(200, contentTypes[extname(path)] ?? contentTypes['.html']!, pages[path]!);
    for (const [prefix, dir] of Object.entries(roots)) {
      if (!path.startsWith(prefix)) continue;
      const base = resolve(dir);
      const file = resolve(base, path.slice(prefix.length));
      if (file !== base && !file.startsWith(base + sep)) return send(403, 'text/plain', 'outside the served directory');
      readFile(file).then(
        (body) => send(200, contentTypes[extname(file)] ?? 'application/octet-stream', body),
        () => send(404, 'text/plain', `not found: ${path}`),
      );
      return;
    }
    send(404, 'text/plain', `not found: ${path}`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * `describe` for specs that need a browser: Chromium starts once for the file (beforeAll) and
 * everything closes in afterAll. Without Chromium the suite is skipped with a warning naming the
 * install command, except under CI (`CI` set), where it fails instead: CI never skips a browser test.
 */
export function describeInBrowser(name: string, options: BrowserSuiteOptions, body: (browser: BrowserHandle) => void): void {
  if (missing && !process.env.CI) {
    console.warn(`\n*** SKIPPED browser specs "${name}": ${missingText}.\n`);
    describe.skip(name, () => body({} as BrowserHandle));
    return;
  }
  describe(name, () => {
    let context: BrowserContext | undefined;
    let server: Server | undefined;
    let origin = '';
    let profile: string | undefined;
    beforeAll(async () => {
      if (missing) throw new Error(`${missingText}. Under CI the browser specs must run (.ci/run installs it).`);
      const roots = options.roots ?? { '/dist/browser/': join(repoRoot, 'dist', 'browser') };
      const pages = { '/': blankPage, ...options.pages };
      ({ server, origin } = await startPageServer(roots, pages));
      profile = mkdtempSync(join(tmpdir(), 'hydrosync-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: [...chromiumFlags, ...(options.flags ?? [])],
      });
    }, 60_000);
    afterAll(async () => {
      await context?.close();
      await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
      if (profile) rmSync(profile, { recursive: true, force: true });
    });
    body({
      get origin() {
        return origin;
      },
      get context() {
        return context!;
      },
      async newPage(path = '/', setup) {
        const page = await context!.newPage();
        await setup?.(page);
        await page.goto(origin + path);
        return page;
      },
    });
  });
}

/** Collect a page's uncaught errors and console errors, so a spec can assert there were none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}
