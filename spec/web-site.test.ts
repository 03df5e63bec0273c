// The website in headless Chromium (issue #13), served by a real `hydrosync serve --demo` on
// loopback: the shell in Indonesian and English without console errors, its content security
// policy, a sign-in form a keyboard and a screen reader can use, and a width of 360 px.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tidFromWallClock } from '../src/codec';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { startServer } from '../src/server/start-server';
import { describeInBrowser, pageErrors, repoRoot } from './browser-support';

let url = '';
/** The demo meter (the public test key), kept across a retry of the buying test so its report counter only goes up. */
const { vendingKey, dkga: _dkga, ...demoParams } = DEMO_KEY;
const meter = new Meter({ profile: { pan: DEMO_KEY.pan }, key: deriveDecoderKey(vendingKey, demoParams as never), initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
let attempt = 0;
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
  /**
   * A page in a signed-out browser (no session cookie, no sign-in hint), with timeouts that hold
   * on a CI machine loaded by the other spec files (one sign-in is an scrypt).
   */
  const freshPage = async (): Promise<Page> => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    page.setDefaultTimeout(90_000);
    await page.addInitScript("if (sessionStorage.getItem('spec.started') === null) { localStorage.clear(); sessionStorage.setItem('spec.started', '1'); }");
    return page;
  };

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
      const page = await freshPage();
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
    }, 180_000);
  }

  it('a customer signs in, buys Rp 50,000 of water (breakdown first, paid in the simulator), enters the token in a meter, reports, and sees the remaining volume', { timeout: 120_000, retry: 1 }, async () => {
    const [, user, password] = /customer sign-in +(\S+) \/ (\S+)/.exec(lines.join('\n'))!;
    const page = await freshPage();
    const errors = pageErrors(page);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${url}/?lang=en`);
    await page.getByLabel('Username').fill(user!);
    await page.getByLabel('Password').fill(password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My meters' }).waitFor();
    const card = page.locator(`section[data-pan="${DEMO_KEY.pan}"]`);
    await card.locator('.summary, .muted').first().waitFor();

    // Buy: the block-tariff breakdown before paying, then the payment page of the simulator.
    await card.getByLabel('Amount (Rp)').fill('50000');
    await card.getByRole('button', { name: 'Show breakdown' }).click();
    await card.getByRole('table').waitFor();
    expect(await card.getByText('You get:').textContent()).toMatch(/You get: \d/);
    await card.getByRole('button', { name: 'Pay' }).click();
    const payLink = card.getByRole('link', { name: 'Open the payment page' });
    await payLink.waitFor();
    await page.screenshot({ path: join(shots, 'customer-buy-en.png'), fullPage: true });
    const payPage = await browser.context.newPage();
    payPage.setDefaultTimeout(90_000);
    await payPage.goto((await payLink.getAttribute('href'))!);
    await payPage.getByRole('button', { name: 'Pay Rp 50000' }).click();
    await payPage.close();
    const digits = card.locator('.token .digits');
    await digits.first().waitFor();
    const grouped = (await digits.first().textContent())!;
    expect(grouped).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
    await page.screenshot({ path: join(shots, 'customer-token-en.png'), fullPage: true });

    // The token works in the meter; the meter's report code shows what is left.
    const before = meter.creditLitres;
    const entered = meter.enter(grouped.replace(/ /g, ''), `2026-12-0${++attempt}T10:00`);
    expect(entered.result).toBe('ACCEPT');
    meter.consume(1000, `2026-12-0${attempt}T11:00`);
    await card.getByLabel('Report code (20 digits)').fill(meter.report(`2026-12-0${attempt}T11:00`).code);
    await card.getByRole('button', { name: 'Send report' }).click();
    await card.locator('.remaining').waitFor();
    const left = before + entered.litres! - 1000;
    expect(await card.locator('.remaining').textContent()).toBe(`${(left / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })} m³`);
    await page.screenshot({ path: join(shots, 'customer-meters-en.png'), fullPage: true });
    // A wrong code is refused with the server's reason, in the page.
    await card.getByLabel('Report code (20 digits)').fill('1234');
    await card.getByRole('button', { name: 'Send report' }).click();
    await card.locator('.status', { hasText: 'report code' }).waitFor();
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByLabel('Username').waitFor();
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    await page.close();
  }); // retried once: the page used to stop polling after one failed poll of the payment (fixed in app.ts); a poll can still fail while the notification is being handled

  it('an admin signs in (Indonesian) and registers a customer whose name carries markup: it shows as text, never runs', async () => {
    const [, user, password] = /admin sign-in +(\S+) \/ (\S+)/.exec(lines.join('\n'))!;
    const page = await freshPage();
    const errors = pageErrors(page);
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    await page.goto(`${url}/?lang=id`);
    await page.getByLabel('Nama pengguna').fill(user!);
    await page.getByLabel('Kata sandi').fill(password!);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.getByRole('heading', { name: 'Admin PDAM' }).waitFor();
    await page.getByText('DEMO-0001').waitFor();
    const name = 'Budi <img src=x onerror=alert(1)><script>alert(2)</script>';
    await page.getByLabel('Nomor pelanggan').fill('PEL-0002');
    await page.getByLabel('Nama', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Daftarkan' }).click();
    await page.getByText('Terdaftar: PEL-0002').waitFor();
    const item = page.locator('ul.customers li', { hasText: 'PEL-0002' });
    expect(await item.textContent()).toBe(`PEL-0002 ${name}`);
    expect(await item.locator('img, script').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'admin-customers-id.png'), fullPage: true });
    await page.getByRole('button', { name: /Keluar/ }).click();
    await page.getByLabel('Nama pengguna').waitFor();
    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('switches language from the page, and keeps the choice', async () => {
    const page = await freshPage();
    const errors = pageErrors(page);
    await page.goto(`${url}/`);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Username').waitFor();
    expect(await page.evaluate('[document.documentElement.lang, document.title]')).toEqual(['en', 'HydroSync — prepaid water']);
    await page.reload();
    await page.getByLabel('Username').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
