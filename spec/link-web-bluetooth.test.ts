import { expect, it } from 'vitest';
import { bytesToHex } from '../src/codec/hex';
import { METER_CHARACTERISTICS } from '../src/link';
import { CTX, PAN, setup } from './hsm-support';
import { describeInBrowser, pageErrors, type ImportModule } from './browser-support';
import { installWebBluetoothStandIn, type WebBluetoothStandIn } from './web-bluetooth-stand-in';

// The link's Web Bluetooth transport in headless Chromium (docs/bluetooth.md, "How the browser side
// is tested"). The page runs the browser build: the phone role (PhoneLinkClient) over
// WebBluetoothTransport on `navigator.bluetooth`, and behind a stand-in for Web Bluetooth the meter's
// GATT server role (MeterLinkServer) with the meter simulator. Tokens come from, and the report goes
// back to, a real security module (Hsm on a MemoryStore) in Node.

declare const importModule: ImportModule;
declare const webBluetoothStandIn: WebBluetoothStandIn;
declare const document: { querySelector(s: string): { onclick: (() => void) | null } };

/** The page's globals set up by `startMeter` and the click handler. */
interface PageWorld {
  link: Record<string, any>;
  meter: { creditLitres: number };
  server: unknown;
  request: Promise<{ ok: true } | { ok: false; code: string; message: string }>;
  phone: any;
  transport: any;
}
declare const world: PageWorld;

const METER_PARAMS = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11' };
const VK04 = 'abababababababab949494949494949401234567';

const page = `<!doctype html><meta charset="utf-8"><title>HydroSync link</title>
<button id="connect">Connect to the meter</button>
<script>window.importModule = (path) => import(path);</script>
<script type="module">
  // As the page loads there is no user gesture: the browser refuses to show the chooser.
  import { requestMeter } from '/dist/browser/link.js';
  window.outside = requestMeter().then(() => 'chosen', (e) => e.code + ': ' + e.message);
</script>`;

describeInBrowser('the link over Web Bluetooth (headless Chromium, stand-in radio)', { pages: { '/link.html': page } }, (browser) => {
  /** A page with the stand-in installed, a simulated meter in range, and the click handler that asks for it. */
  async function meterPage() {
    let errors: string[] = [];
    const p = await browser.newPage('/link.html', async (pg) => {
      errors = pageErrors(pg);
      await pg.addInitScript(installWebBluetoothStandIn);
    });
    await p.evaluate(
      async ({ params, vk }) => {
        const [link, meterModule, keys] = await Promise.all([importModule('/dist/browser/link.js'), importModule('/dist/browser/meter.js'), importModule('/dist/browser/keys.js')]);
        const meter = new meterModule.Meter({ profile: { pan: params.pan }, key: keys.deriveDecoderKey(vk, params), initialTid: 6_500_000 });
        const server = new link.MeterLinkServer({ meter, clock: link.systemClock, at: () => '2026-12-08T09:00' });
        webBluetoothStandIn.addPeripheral({ name: `HS-${params.pan}`, services: [link.METER_SERVICE_UUID], characteristics: Object.values(link.METER_CHARACTERISTICS) as string[], server });
        const w = { link, meter, server } as unknown as PageWorld;
        (globalThis as unknown as { world: PageWorld }).world = w;
        // Web Bluetooth's chooser needs a user gesture: the phone asks for the meter from a click.
        document.querySelector('#connect').onclick = () => {
          w.request = link.requestMeter({ namePrefix: 'HS-' }).then(
            (transport: unknown) => {
              w.transport = transport;
              w.phone = new link.PhoneLinkClient({ transport, answerTimeoutMs: 1500, operationTimeoutMs: 1500, reconnectDelayMs: 20 });
              return { ok: true };
            },
            (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }),
          );
        };
      },
      { params: METER_PARAMS, vk: VK04 },
    );
    return { page: p, errors };
  }

  /** Click, as the customer would, and wait for the chooser's outcome. */
  async function connect(p: Awaited<ReturnType<typeof meterPage>>['page']) {
    await p.click('#connect');
    return p.evaluate(() => world.request);
  }

  it('asks for the meter only from a user gesture, and only HydroSync meters are offered', async () => {
    const { page: p, errors } = await meterPage();
    const outside = await p.evaluate(() => (globalThis as unknown as { outside: Promise<string> }).outside);
    expect(outside).toMatch(/^LINK: the browser refused to show the Bluetooth chooser: ask for a meter from a click or tap/);
    expect(await connect(p)).toEqual({ ok: true });
    // Operations asked for at once are put on the air one at a time (Chromium refuses overlapping ones).
    const together = await p.evaluate(async (c) => {
      const t = world.transport;
      await t.connect();
      const values = await Promise.all([t.read(c.info), t.read(c.info), t.read(c.report)]);
      const n = (values as Uint8Array[]).map((v) => v.length);
      await t.disconnect();
      return { n, connected: t.connected };
    }, { info: METER_CHARACTERISTICS.info as string, report: METER_CHARACTERISTICS.report as string });
    expect(together.n[0]).toBe(16);
    expect(together.n[1]).toBe(16);
    expect(together.connected).toBe(false);
    // No meter of ours in range (another prefix): the chooser finds nothing, as when the person closes it.
    await p.evaluate(() => {
      document.querySelector('#connect').onclick = () => {
        world.request = world.link.requestMeter({ namePrefix: 'XX-' }).then(() => ({ ok: true }), (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }));
      };
    });
    expect(await connect(p)).toMatchObject({ ok: false, code: 'LINK', message: expect.stringMatching(/^no meter was chosen/) });
    expect(errors).toEqual([]);
    await p.close();
  });

  it('a token goes from the page to the simulated meter and is applied once; a report read over the link verifies at the security module', async () => {
    const { hsm } = await setup();
    const sold = await hsm.vend({ ...CTX, pan: PAN, litres: 12_500 });
    const token = sold.tokens[0]!;
    const { page: p, errors } = await meterPage();
    expect(await connect(p)).toEqual({ ok: true });

    const run = await p.evaluate(async (t) => {
      const first = await world.phone.upload(t);
      const again = await world.phone.upload(t);
      const report = await world.phone.requestReport();
      return { first, again, credit: world.meter.creditLitres, frame: Array.from(report.frame as Uint8Array), log: webBluetoothStandIn.log, connects: webBluetoothStandIn.connects };
    }, token);

    expect(run.first).toMatchObject({ applied: true, result: 'ACCEPT', litres: 12_500, creditLitres: 12_500, attempts: 1 });
    expect(run.again).toMatchObject({ applied: false, creditLitres: 12_500 });
    expect(run.credit).toBe(12_500);
    expect(run.connects).toBe(1);
    // Writes went to the command characteristic only; answers came back as notifications.
    expect(run.log.filter((r) => r.op === 'write').every((r) => r.characteristic === METER_CHARACTERISTICS.command)).toBe(true);
    expect(run.log.filter((r) => r.op === 'notify').length).toBeGreaterThanOrEqual(3);

    // The report travels back to Node and is checked by the security module with the meter's key.
    const verified = await hsm.verifyReport({ pan: PAN, frame: bytesToHex(Uint8Array.from(run.frame)) }, { operator: 'website' });
    expect(verified).toMatchObject({ ok: true, value: { creditLitres: 12_500, form: 'frame' } });
    expect(errors).toEqual([]);
    await p.close();
  });

  it('the link drops mid-upload (before the token reached the meter, and after the meter applied it): after reconnecting the phone knows, and the token is applied exactly once', async () => {
    const { hsm } = await setup();
    const [a, b] = [(await hsm.vend({ ...CTX, pan: PAN, litres: 1000 })).tokens[0]!, (await hsm.vend({ ...CTX, pan: PAN, litres: 2000 })).tokens[0]!];
    const { page: p, errors } = await meterPage();
    expect(await connect(p)).toEqual({ ok: true });

    const run = await p.evaluate(
      async ({ a, b, command, result }) => {
        // 1. The first frame of the upload is lost with the link: the meter never saw the token.
        let armed = true;
        webBluetoothStandIn.setFault((r) => (armed && r.op === 'write' && r.characteristic === command ? ((armed = false), 'drop-before') : undefined));
        const before = await world.phone.upload(a);
        const creditAfterA = world.meter.creditLitres;
        const connectsAfterA = webBluetoothStandIn.connects;
        // 2. The meter applied the token, then the link dropped before its answer reached the phone.
        armed = true;
        webBluetoothStandIn.setFault((r) => (armed && r.op === 'notify' && r.characteristic === result ? ((armed = false), 'drop-before') : undefined));
        const after = await world.phone.upload(b);
        webBluetoothStandIn.setFault(undefined);
        return { before, creditAfterA, connectsAfterA, after, credit: world.meter.creditLitres, connects: webBluetoothStandIn.connects };
      },
      { a, b, command: METER_CHARACTERISTICS.command as string, result: METER_CHARACTERISTICS.result as string },
    );
    // 1. Not applied on the first connection; the phone reconnected, the meter did not know the
    //    message, the phone sent it again: applied once.
    expect(run.before).toMatchObject({ applied: true, result: 'ACCEPT', litres: 1000, creditLitres: 1000 });
    expect(run.before.attempts).toBeGreaterThanOrEqual(2);
    expect(run.creditAfterA).toBe(1000);
    expect(run.connectsAfterA).toBe(2);
    // 2. Applied before the drop; after reconnecting the phone asked about the message id and learned
    //    it was applied (the meter did not take it a second time).
    expect(run.after).toMatchObject({ applied: true, result: 'ACCEPT', litres: 2000, creditLitres: 3000 });
    expect(run.after.attempts).toBeGreaterThanOrEqual(2);
    expect(run.credit).toBe(3000);
    expect(run.connects).toBe(3);
    expect(errors).toEqual([]);
    await p.close();
  });
});
