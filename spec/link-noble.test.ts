import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { METER_CHARACTERISTICS, METER_SERVICE_UUID } from '../src/link';
import { NOBLE_PACKAGE, NobleTransport, findNobleMeter, loadNoble } from '../src/node/noble-link';
import type { NobleCentral, NobleCharacteristic, NoblePeripheral } from '../src/node/noble-types';
import { refusal } from './support';

// The Node adapter on @stoprocent/noble. No test here has a radio (nor the package: it is an
// optional peer dependency with a native part): these specs check the adapter's side of noble's
// API with stand-ins for noble's objects — UUIDs without dashes, writes with response, only
// notifications passed on, disconnects reported once — and the missing-package error.

const bare = (uuid: string) => uuid.replace(/-/g, '');

class FakeCharacteristic extends EventEmitter implements NobleCharacteristic {
  writes: { data: Uint8Array; withoutResponse: boolean }[] = [];
  subscribed = false;
  constructor(readonly uuid: string, private readonly value: Uint8Array, private readonly peripheral: FakePeripheral) {
    super();
  }
  async readAsync() {
    return Buffer.from(this.value);
  }
  async writeAsync(data: Uint8Array, withoutResponse: boolean) {
    if (this.peripheral.state !== 'connected') throw new Error('Peripheral is not connected');
    if (this.peripheral.refuseWrites) throw new Error('ATT error 0x80');
    this.writes.push({ data: Uint8Array.from(data), withoutResponse });
  }
  async subscribeAsync() {
    this.subscribed = true;
  }
}

class FakePeripheral extends EventEmitter implements NoblePeripheral {
  state = 'disconnected';
  mtu: number | null = null;
  refuseWrites = false;
  readonly characteristics: FakeCharacteristic[];
  discovered: { services: string[]; characteristics: string[] }[] = [];
  constructor(readonly id: string, readonly address: string, readonly advertisement: { localName?: string; serviceUuids?: string[] }) {
    super();
    this.characteristics = Object.values(METER_CHARACTERISTICS).map((u) => new FakeCharacteristic(bare(u), Uint8Array.of(1, 2, 3), this));
  }
  async connectAsync() {
    this.state = 'connected';
    this.mtu = 185;
  }
  async disconnectAsync() {
    if (this.state !== 'connected') return;
    this.state = 'disconnected';
    this.emit('disconnect');
  }
  async discoverSomeServicesAndCharacteristicsAsync(services: string[], characteristics: string[]) {
    this.discovered.push({ services, characteristics });
    return { characteristics: this.characteristics.filter((c) => characteristics.includes(c.uuid)) };
  }
  /** The radio drops the link. */
  drop() {
    this.state = 'disconnected';
    this.emit('disconnect');
  }
}

class FakeNoble extends EventEmitter implements NobleCentral {
  state = 'poweredOn';
  scans: string[][] = [];
  scanning = false;
  constructor(private readonly inRange: FakePeripheral[]) {
    super();
  }
  async waitForPoweredOnAsync() {
    if (this.state !== 'poweredOn') throw new Error('timeout');
  }
  async startScanningAsync(services: string[] = []) {
    this.scans.push(services);
    this.scanning = true;
    for (const p of this.inRange) setTimeout(() => this.scanning && this.emit('discover', p), 1);
  }
  async stopScanningAsync() {
    this.scanning = false;
  }
}

const meterPeripheral = () => new FakePeripheral('p1', 'AA:BB:CC:DD:EE:01', { localName: 'HS-600727000000000009', serviceUuids: [bare(METER_SERVICE_UUID)] });

describe('the Node Bluetooth adapter (noble)', () => {
  it('scans for the meter service (noble UUID form), picks the wanted meter, stops scanning', async () => {
    const other = new FakePeripheral('p0', 'AA:BB:CC:DD:EE:00', { localName: 'OTHER' });
    const meter = meterPeripheral();
    const noble = new FakeNoble([other, meter]);
    const t = await findNobleMeter({ noble, namePrefix: 'HS-', scanTimeoutMs: 1000 });
    expect(t.peripheral).toBe(meter);
    expect(noble.scans).toEqual([['18d11c836f02485cbfe46d6943330d0d']]);
    expect(noble.scanning).toBe(false);
    expect(noble.listenerCount('discover')).toBe(0);
  });

  it('gives up after the scan timeout with LINK, and refuses a powered-off adapter', async () => {
    const none = await refusal(() => findNobleMeter({ noble: new FakeNoble([]), scanTimeoutMs: 30 }));
    expect(none).toMatchObject({ code: 'LINK', message: expect.stringMatching(/no HydroSync meter found within 30 ms/) });
    const off = new FakeNoble([meterPeripheral()]);
    off.state = 'poweredOff';
    expect(await refusal(() => findNobleMeter({ noble: off }))).toMatchObject({ code: 'LINK', message: expect.stringMatching(/not powered on \(state poweredOff\)/) });
    expect((await refusal(() => findNobleMeter({ noble: off, scanTimeoutMs: 0 }))).code).toBe('RANGE');
  });

  it('connects, discovers the four characteristics, writes with response, passes on notifications only, reads', async () => {
    const p = meterPeripheral();
    const t = new NobleTransport(p);
    expect(t.mtu).toBe(23);
    await t.connect();
    expect(t.connected).toBe(true);
    expect(t.mtu).toBe(185);
    expect(p.discovered[0]!.services).toEqual([bare(METER_SERVICE_UUID)]);
    expect(p.discovered[0]!.characteristics.sort()).toEqual(Object.values(METER_CHARACTERISTICS).map(bare).sort());

    await t.writeWithResponse(METER_CHARACTERISTICS.command, Uint8Array.of(9, 8, 7));
    const command = p.characteristics.find((c) => c.uuid === bare(METER_CHARACTERISTICS.command))!;
    expect(command.writes).toEqual([{ data: Uint8Array.of(9, 8, 7), withoutResponse: false }]);

    const got: number[][] = [];
    await t.startNotifications(METER_CHARACTERISTICS.result, (v) => got.push([...v]));
    const result = p.characteristics.find((c) => c.uuid === bare(METER_CHARACTERISTICS.result))!;
    expect(result.subscribed).toBe(true);
    result.emit('data', Buffer.from([5, 6]), true);
    result.emit('data', Buffer.from([7]), false); // a read's answer, not a notification
    expect(got).toEqual([[5, 6]]);
    expect([...(await t.read(METER_CHARACTERISTICS.info))]).toEqual([1, 2, 3]);
  });

  it('a radio drop is reported once, operations then fail with LINK, and a reconnect works again', async () => {
    const p = meterPeripheral();
    const t = new NobleTransport(p);
    let drops = 0;
    t.onDisconnect(() => drops++);
    await t.connect();
    const got: number[] = [];
    await t.startNotifications(METER_CHARACTERISTICS.result, (v) => got.push(v[0]!));
    p.drop();
    expect(drops).toBe(1);
    expect(t.connected).toBe(false);
    expect((await refusal(() => t.writeWithResponse(METER_CHARACTERISTICS.command, Uint8Array.of(1)))).code).toBe('LINK');
    await t.connect();
    expect(t.connected).toBe(true);
    // The old subscription ended with the connection.
    p.characteristics.find((c) => c.uuid === bare(METER_CHARACTERISTICS.result))!.emit('data', Buffer.from([1]), true);
    expect(got).toEqual([]);
    await t.disconnect();
    expect(drops).toBe(2);
  });

  it('an ATT error on a live connection is a LINK error naming the operation', async () => {
    const p = meterPeripheral();
    const t = new NobleTransport(p);
    await t.connect();
    p.refuseWrites = true;
    expect(await refusal(() => t.writeWithResponse(METER_CHARACTERISTICS.command, Uint8Array.of(1)))).toMatchObject({ code: 'LINK', message: 'the meter answered the write with an error: ATT error 0x80' });
    expect(t.connected).toBe(true);
  });

  it('without the package: a LINK error naming the install command', () => {
    expect(refusal(() => loadNoble('@stoprocent/noble-that-is-not-installed'))).toMatchObject({
      code: 'LINK',
      message: expect.stringContaining(`npm install ${NOBLE_PACKAGE}@2`),
    });
  });
});
