/**
 * The link from Node.js over a real Bluetooth adapter (docs/bluetooth.md, "Node.js on a real
 * adapter"): LinkTransport (the phone's role) on @stoprocent/noble 2.x, an optional peer dependency
 * that is loaded only when a meter is looked for, never installed by default (it has a native part).
 * No test here has a radio: spec/link-noble.test.ts drives this adapter through a stand-in for
 * noble's objects; on a machine with an adapter, `hydrosync` users run it for real.
 */
import { createRequire } from 'node:module';
import { HydroSyncError, fail } from '../errors';
import { ATT_DEFAULT_MTU, METER_CHARACTERISTICS, METER_SERVICE_UUID } from '../link/gatt-profile';
import { DisconnectListeners, type LinkTransport, meterCharacteristic } from '../link/transport';
import type { NobleCentral, NobleCharacteristic, NoblePeripheral } from './noble-types';

/** The package the adapter loads (an optional peer dependency). */
export const NOBLE_PACKAGE = '@stoprocent/noble';

/** noble's form of a UUID: 32 lowercase hex digits, no dashes. */
const nobleUuid = (uuid: string): string => uuid.replace(/-/g, '').toLowerCase();

/**
 * Load noble, an optional peer dependency. `moduleId` is only for tests (a missing package is
 * simulated by a module id that does not resolve).
 * @throws HydroSyncError `LINK` naming the install command when the package is missing.
 */
export function loadNoble(moduleId = NOBLE_PACKAGE): NobleCentral {
  let mod: unknown;
  try {
    const url: unknown = import.meta.url;
    const req = typeof url === 'string' && url !== '' ? createRequire(url) : require;
    mod = req(moduleId);
  } catch (e) {
    throw new HydroSyncError(
      'LINK',
      `the Node Bluetooth adapter needs ${NOBLE_PACKAGE} 2.x, an optional peer dependency of hydrosync: run \`npm install ${NOBLE_PACKAGE}@2\` (it has a native part; on Linux it needs BlueZ and permission to use the adapter, see its README)`,
      { cause: e },
    );
  }
  const central = ((mod as { default?: unknown }).default ?? mod) as NobleCentral;
  if (typeof central?.startScanningAsync !== 'function') fail('LINK', `${moduleId} does not look like noble 2.x (no startScanningAsync)`);
  return central;
}

export interface FindNobleMeterOptions {
  /** noble's central; loaded from the optional peer dependency by default. */
  noble?: NobleCentral;
  /** Only this peripheral (noble's id or its Bluetooth address). */
  address?: string;
  /** Only meters whose advertised name starts with this. */
  namePrefix?: string;
  /** Give up scanning after this long (ms, default 10,000). */
  scanTimeoutMs?: number;
}

/**
 * Scan for a HydroSync meter (the meter service UUID in its advertisement) and return a transport
 * for the first one found (not yet connected).
 * @param options - `noble`, `address`, `namePrefix`, `scanTimeoutMs`
 * @throws HydroSyncError `LINK` when noble is missing, the adapter is not powered on, or no meter
 *   was found in time; `RANGE` for a timeout that is not a positive number; `USAGE` for options that
 *   are not an object.
 * @example
 * ```ts
 * const phone = new PhoneLinkClient({ transport: await findNobleMeter({ namePrefix: 'HS-' }) });
 * const r = await phone.upload(token);
 * ```
 */
export async function findNobleMeter(options: FindNobleMeterOptions = {}): Promise<NobleTransport> {
  if (typeof options !== 'object' || options === null) fail('USAGE', 'findNobleMeter takes an options object ({ noble?, address?, namePrefix?, scanTimeoutMs? })');
  const timeout = options.scanTimeoutMs ?? 10_000;
  if (!Number.isFinite(timeout) || timeout <= 0) fail('RANGE', `scanTimeoutMs must be a positive number of milliseconds; got ${timeout}`);
  const noble = options.noble ?? loadNoble();
  try {
    await noble.waitForPoweredOnAsync(timeout);
  } catch (e) {
    throw new HydroSyncError('LINK', `the Bluetooth adapter is not powered on (state ${noble.state}): switch it on, or check the permissions noble needs`, { cause: e });
  }
  const service = nobleUuid(METER_SERVICE_UUID);
  const wanted = (p: NoblePeripheral) =>
    (options.address === undefined || p.id === options.address || p.address.toLowerCase() === options.address.toLowerCase()) &&
    (options.namePrefix === undefined || (p.advertisement.localName ?? '').startsWith(options.namePrefix));
  let onDiscover: (p: NoblePeripheral) => void = () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const found = new Promise<NoblePeripheral>((resolve, reject) => {
      onDiscover = (p) => {
        if (wanted(p)) resolve(p);
      };
      timer = setTimeout(() => reject(new HydroSyncError('LINK', `no HydroSync meter found within ${timeout} ms: is it in range and advertising?`)), timeout);
    });
    noble.on('discover', onDiscover);
    await noble.startScanningAsync([service], false);
    return new NobleTransport(await found);
  } finally {
    clearTimeout(timer);
    noble.removeListener('discover', onDiscover);
    await noble.stopScanningAsync().catch(() => undefined);
  }
}

/**
 * LinkTransport on a noble peripheral that offers the HydroSync meter service.
 * @example
 * ```ts
 * const transport = new NobleTransport(peripheral);   // a peripheral from noble's 'discover'
 * await transport.connect();
 * ```
 */
export class NobleTransport implements LinkTransport {
  /** The noble peripheral. */
  readonly peripheral: NoblePeripheral;
  private up = false;
  private characteristics = new Map<string, NobleCharacteristic>();
  private subscriptions: { characteristic: NobleCharacteristic; handler: (data: Uint8Array, isNotification: boolean) => void }[] = [];
  private readonly disconnectListeners = new DisconnectListeners();
  private readonly onPeripheralDisconnect = () => this.dropped();

  /**
   * A transport for `peripheral` (connect() before use).
   * @param peripheral - a noble peripheral
   * @throws HydroSyncError `USAGE` for something that is not a noble peripheral.
   */
  constructor(peripheral: NoblePeripheral) {
    if (typeof peripheral !== 'object' || peripheral === null || typeof peripheral.connectAsync !== 'function') fail('USAGE', 'a noble transport needs a noble peripheral');
    this.peripheral = peripheral;
  }

  get connected(): boolean {
    return this.up && this.peripheral.state === 'connected';
  }

  /** noble negotiates the MTU at connect and tells it (23 until then). */
  get mtu(): number {
    const m = this.peripheral.mtu;
    return typeof m === 'number' && Number.isSafeInteger(m) && m >= ATT_DEFAULT_MTU ? Math.min(m, 517) : ATT_DEFAULT_MTU;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    this.forget();
    try {
      if (this.peripheral.state !== 'connected') await this.peripheral.connectAsync();
      const wanted = Object.values(METER_CHARACTERISTICS);
      const { characteristics } = await this.peripheral.discoverSomeServicesAndCharacteristicsAsync([nobleUuid(METER_SERVICE_UUID)], wanted.map(nobleUuid));
      const byUuid = new Map(characteristics.map((c) => [nobleUuid(c.uuid), c]));
      for (const uuid of wanted) {
        const c = byUuid.get(nobleUuid(uuid));
        if (c === undefined) fail('LINK', `the device does not offer the HydroSync meter characteristic ${uuid}`);
        this.characteristics.set(uuid, c);
      }
      this.peripheral.once('disconnect', this.onPeripheralDisconnect);
      this.up = true;
    } catch (e) {
      this.forget();
      await this.peripheral.disconnectAsync().catch(() => undefined);
      if (e instanceof HydroSyncError) throw e;
      throw new HydroSyncError('LINK', `could not connect to the meter: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async disconnect(): Promise<void> {
    const was = this.up;
    await this.peripheral.disconnectAsync().catch(() => undefined);
    if (was) this.dropped();
  }

  onDisconnect(listener: () => void): () => void {
    return this.disconnectListeners.add(listener);
  }

  async read(characteristic: string): Promise<Uint8Array> {
    const c = this.characteristic(characteristic);
    return Uint8Array.from(await this.gatt('read', () => c.readAsync()));
  }

  async writeWithResponse(characteristic: string, value: Uint8Array): Promise<void> {
    const c = this.characteristic(characteristic);
    if (!(value instanceof Uint8Array)) fail('USAGE', 'a write takes a Uint8Array');
    await this.gatt('write', () => c.writeAsync(Buffer.from(value), false));
  }

  async startNotifications(characteristic: string, listener: (value: Uint8Array) => void): Promise<void> {
    const c = this.characteristic(characteristic);
    const handler = (data: Uint8Array, isNotification: boolean) => {
      if (isNotification) listener(Uint8Array.from(data));
    };
    c.on('data', handler);
    this.subscriptions.push({ characteristic: c, handler });
    await this.gatt('notification subscription', () => c.subscribeAsync());
  }

  private characteristic(uuid: string): NobleCharacteristic {
    return meterCharacteristic(this.connected, this.characteristics, uuid);
  }

  private async gatt<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (!this.connected) throw new HydroSyncError('LINK', 'the Bluetooth connection to the meter dropped', { cause: e });
      throw new HydroSyncError('LINK', `the meter answered the ${what} with an error: ${why}`, { cause: e });
    }
  }

  private dropped(): void {
    if (!this.up) return;
    this.forget();
    this.disconnectListeners.notify();
  }

  private forget(): void {
    this.up = false;
    this.peripheral.removeListener('disconnect', this.onPeripheralDisconnect);
    for (const s of this.subscriptions) s.characteristic.removeListener('data', s.handler);
    this.subscriptions = [];
    this.characteristics = new Map();
  }
}
