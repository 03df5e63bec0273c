// The website in headless Chromium (issue #13), served by a real `hydrosync serve --demo` on
// loopback: the shell in Indonesian and English without console errors, its content security
// policy, a sign-in form a keyboard and a screen reader can use, and a width of 360 px.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../src/server/start-server';
import { describeInBrowser, pageErrors, repoRoot } from './browser-support';

let url = '';
let close: () => Promise<void> = async () => {};
const lines: string[] = [];
const shots = join(repoRoot, 'artifacts', 'screenshots');

beforeAll(async () => {
  const started = await startServer({
    demo: true, store: { path: '/unused', from: 'default' }, env: {}, host: '127.0.0.1', port: 0,
    clock: () => new Date(), version: 'test', out: (l) => lines.push(l), log: () => {}, signals: false,
  });
  url = started.url;
  close = () => started.app.close();
  mkdirSync(shots, { recursive: true });
}, 60_000);
afterAll(() => close());

describeInBrowser('the website', {}, (browser) => {
  it('serves the shell with a strict content security policy, gzip and an ETag', async () => {
    const res = await fetch(`${url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'; style-src 'self'.*frame-ancestors 'none'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toMatch(/^<!doctype html>\n<html lang="id">/);
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const manifest = await (await fetch(`${url}/manifest.webmanifest`)).json() as { start_url: string; display: string; lang: string };
    expect(manifest).toMatchObject({ start_url: '/', display: 'standalone', lang: 'id' });
  });

  for (const lang of ['id', 'en'] as const) {
    it(`the sign-in page in ${lang === 'id' ? 'Indonesian' : 'English'} renders at 360 px without console errors`, async () => {
      const page = await browser.context.newPage();
      const errors = pageErrors(page);
      await page.setViewportSize({ width: 360, height: 740 });
      await page.goto(`${url}/?lang=${lang}`);
      const label = lang === 'id' ? 'Nama pengguna' : 'Username';
      await page.getByLabel(label).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe(lang);
      expect(await page.getByRole('button', { name: lang === 'id' ? 'Masuk' : 'Sign in' }).isVisible()).toBe(true);
      // Nothing wider than the phone's screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      await page.screenshot({ path: join(shots, `sign-in-${lang}.png`), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('switches language from the page, and keeps the choice', async () => {
    const page = await browser.context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${url}/`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Username').waitFor();
    expect(await page.evaluate('[document.documentElement.lang, document.title]')).toEqual(['en', 'HydroSync — prepaid water']);
    await page.reload();
    await page.getByLabel('Username').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
