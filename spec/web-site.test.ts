// The website in headless Chromium (issue #13), served by a real `hydrosync serve --demo` on
// loopback: the shell in Indonesian and English without console errors, its content security
// policy, a sign-in form a keyboard and a screen reader can use, and a width of 360 px.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tidFromWallClock } from '../src/codec';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
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

  it('a customer signs in, sees their meter, types the meter\'s report code and sees the remaining volume; signs out', async () => {
    const [, user, password] = /customer sign-in +(\S+) \/ (\S+)/.exec(lines.join('\n'))!;
    const { vendingKey, dkga: _dkga, ...params } = DEMO_KEY;
    const meter = new Meter({ profile: { pan: DEMO_KEY.pan }, key: deriveDecoderKey(vendingKey, params as never), initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
    const page = await browser.context.newPage();
    const errors = pageErrors(page);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${url}/?lang=en`);
    await page.getByLabel('Username').fill(user!);
    await page.getByLabel('Password').fill(password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My meters' }).waitFor();
    const card = page.locator(`section[data-pan="${DEMO_KEY.pan}"]`);
    await card.getByText('No report from the meter yet').waitFor();
    await card.getByLabel('Report code (20 digits)').fill(meter.report('2026-12-01T10:00').code);
    await card.getByRole('button', { name: 'Send report' }).click();
    await card.locator('.remaining').waitFor();
    expect(await card.locator('.remaining').textContent()).toBe('0 m³');
    await page.screenshot({ path: join(shots, 'customer-meters-en.png'), fullPage: true });
    // A wrong code is refused with the server's reason, in the page.
    await card.getByLabel('Report code (20 digits)').fill('1234');
    await card.getByRole('button', { name: 'Send report' }).click();
    await card.locator('.status', { hasText: 'report code' }).waitFor();
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByLabel('Username').waitFor();
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    await page.close();
  });

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
