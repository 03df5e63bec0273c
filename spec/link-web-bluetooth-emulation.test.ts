import { expect, it } from 'vitest';
import { METER_CHARACTERISTICS, METER_SERVICE_UUID } from '../src/link';
import { describeInBrowser, pageErrors } from './browser-support';

// The link's Web Bluetooth transport against Chromium's own Bluetooth emulation (DevTools protocol
// BluetoothEmulation, the same machinery as WebDriver BiDi's bluetooth.* commands): the real
// navigator.bluetooth of the browser, its chooser, its GATT client code and its error mapping, with
// a simulated peripheral answered from here. The emulation cannot send notifications, so the whole
// protocol runs against the stand-in (spec/link-web-bluetooth.test.ts); this spec checks the
// adapter's calls and its reading of the browser's answers: the chooser filtered to the meter
// service, discovery of the four characteristics, a read, a write with response arriving byte for
// byte, an ATT error from the meter (0x80) on a live connection, and a dropped connection.

declare const world: { transport: any; outcome: Promise<string> };
declare const document: { querySelector(s: string): { onclick: (() => void) | null } };

const ADDRESS = '09:09:09:09:09:09';
const page = `<!doctype html><meta charset="utf-8"><title>HydroSync link (emulation)</title>
<button id="connect">Connect</button>
<script type="module">
  import { requestMeter } from '/dist/browser/link.js';
  window.world = {};
  document.querySelector('#connect').onclick = () => {
    window.world.outcome = requestMeter().then((t) => { window.world.transport = t; return 'chosen'; }, (e) => e.code + ': ' + e.message);
  };
</script>`;

describeInBrowser(
  "the link's Web Bluetooth transport on Chromium's Bluetooth emulation",
  { pages: { '/emulation.html': page }, flags: ['--enable-experimental-web-platform-features'] },
  (browser) => {
    it('chooser, discovery, read, write with response, an ATT error and a drop, through the browser itself', async () => {
      let errors: string[] = [];
      const p = await browser.newPage('/emulation.html', (pg) => {
        errors = pageErrors(pg);
      });
      const b = await browser.context.browser()!.newBrowserCDPSession();
      const s = await browser.context.newCDPSession(p);
      await b.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
      try {
        await b.send('BluetoothEmulation.simulatePreconnectedPeripheral', { address: ADDRESS, name: 'HS-600727000000000009', manufacturerData: [], knownServiceUuids: [METER_SERVICE_UUID] });
        const { serviceId } = await b.send('BluetoothEmulation.addService', { address: ADDRESS, serviceUuid: METER_SERVICE_UUID });
        const ids = new Map<string, string>();
        for (const [name, uuid] of Object.entries(METER_CHARACTERISTICS)) {
          const properties = name === 'command' ? { write: true } : name === 'result' ? { notify: true } : { read: true, notify: true };
          const { characteristicId } = await b.send('BluetoothEmulation.addCharacteristic', { serviceId, characteristicUuid: uuid, properties });
          ids.set(characteristicId, uuid);
        }
        // The meter's side: connection and discovery succeed; reads answer known bytes; the first
        // write is acknowledged, the second refused with ATT error 0x80.
        const writes: { uuid: string; bytes: number[]; writeType: string }[] = [];
        const info = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
        b.on('BluetoothEmulation.gattOperationReceived', (e) => {
          void b.send('BluetoothEmulation.simulateGATTOperationResponse', { address: e.address, type: e.type, code: 0 });
        });
        b.on('BluetoothEmulation.characteristicOperationReceived', (e) => {
          const respond = (code: number, data?: Uint8Array) =>
            void b.send('BluetoothEmulation.simulateCharacteristicOperationResponse', { characteristicId: e.characteristicId, type: e.type, code, ...(data ? { data: Buffer.from(data).toString('base64') } : {}) });
          if (e.type === 'read') return respond(0, info);
          if (e.type === 'write') {
            writes.push({ uuid: ids.get(e.characteristicId)!, bytes: [...Buffer.from(e.data ?? '', 'base64')], writeType: e.writeType ?? '' });
            return respond(writes.length === 1 ? 0 : 0x80);
          }
          respond(0);
        });
        // The browser's chooser: the person picks the device it offers.
        const offered: string[] = [];
        await s.send('DeviceAccess.enable');
        const answered = new Set<string>();
        s.on('DeviceAccess.deviceRequestPrompted', (e) => {
          if (answered.has(e.id)) return;
          answered.add(e.id);
          offered.push(...e.devices.map((d) => d.id));
          void s.send('DeviceAccess.selectPrompt', { id: e.id, deviceId: e.devices[0]!.id });
        });

        await p.click('#connect');
        expect(await p.evaluate(() => world.outcome)).toBe('chosen');
        expect(offered).toEqual([ADDRESS]);

        const run = await p.evaluate(async (c) => {
          const t = world.transport;
          let drops = 0;
          t.onDisconnect(() => drops++);
          await t.connect();
          const read = Array.from(await t.read(c.info) as Uint8Array);
          await t.writeWithResponse(c.command, new Uint8Array([0x01, 0x02, 0xfe]));
          const refused = await t.writeWithResponse(c.command, new Uint8Array([0x03])).then(() => 'ok', (e: { code: string; message: string }) => `${e.code}: ${e.message}`);
          return { read, refused, connectedAfterRefusal: t.connected, mtu: t.mtu, drops };
        }, { info: METER_CHARACTERISTICS.info as string, command: METER_CHARACTERISTICS.command as string });
        expect(run.read).toEqual([...info]);
        expect(writes[0]).toEqual({ uuid: METER_CHARACTERISTICS.command, bytes: [0x01, 0x02, 0xfe], writeType: 'write-with-response' });
        expect(run.refused).toMatch(/^LINK: the meter answered the write with an error: /);
        expect(run.connectedAfterRefusal).toBe(true);
        expect(run.mtu).toBe(23);
        expect(run.drops).toBe(0);

        // The meter goes out of range: the browser fires gattserverdisconnected, the transport says so once.
        await b.send('BluetoothEmulation.simulateGATTDisconnection', { address: ADDRESS });
        await p.waitForFunction(() => !world.transport.connected);
        const after = await p.evaluate(async (c) => {
          const t = world.transport;
          const write = await t.writeWithResponse(c.command, new Uint8Array([1])).then(() => 'ok', (e: { code: string; message: string }) => `${e.code}: ${e.message}`);
          return { write };
        }, { command: METER_CHARACTERISTICS.command as string });
        expect(after.write).toBe('LINK: the meter is not connected');
        expect(errors).toEqual([]);
      } finally {
        await b.send('BluetoothEmulation.disable').catch(() => undefined);
        await p.close();
      }
    });
  },
);
