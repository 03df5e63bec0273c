/**
 * The link over Web Bluetooth (`navigator.bluetooth`), for a website running on the customer's
 * phone (docs/bluetooth.md, "Web Bluetooth"). It implements LinkTransport on one chosen device:
 * connect = gatt.connect() + getPrimaryService + getCharacteristic for each characteristic;
 * reads, writes with response and notifications map one to one.
 *
 * What Web Bluetooth does not do for us, done here:
 * - GATT operations are issued one at a time (Chromium refuses a second one while one is in flight
 *   with "GATT operation already in progress").
 * - Services and characteristics are looked up again after every (re)connect: the old objects are
 *   invalid once the connection dropped.
 * - The ATT MTU is not exposed (WebBluetoothCG/web-bluetooth issue 383), so `mtu` is 23 unless the
 *   page says otherwise; the phone role also uses the meter's own frame size from the meter info.
 */
import { HydroSyncError, fail } from '../errors';
import { ATT_DEFAULT_MTU, METER_CHARACTERISTICS, METER_SERVICE_UUID } from './gatt-profile';
import { DisconnectListeners, type LinkTransport, meterCharacteristic } from './transport';
import type {
  WebBluetoothApi, WebBluetoothCharacteristic, WebBluetoothDevice, WebBluetoothGattServer, WebBluetoothRequestOptions,
} from './web-bluetooth-api';

/** The longest attribute value (Core Specification Vol 3 Part F §3.2.9); Web Bluetooth refuses longer writes. */
export const WEB_BLUETOOTH_MAX_VALUE_BYTES = 512;

export interface RequestMeterOptions {
  /** `navigator.bluetooth` by default; anything with the same `requestDevice`. */
  bluetooth?: WebBluetoothApi;
  /** Offer only meters whose advertised name starts with this (e.g. "HS-" or a PAN prefix). */
  namePrefix?: string;
  /** The ATT MTU to assume (23..517); see WebBluetoothTransport. */
  mtu?: number;
}

/**
 * Let the customer choose a HydroSync meter in the browser's Bluetooth chooser and return a
 * transport for it (not yet connected). Call it from a click or tap handler: browsers show the
 * chooser only during a user gesture, and only on a secure context (https, or localhost).
 * @param options - `bluetooth` (default `navigator.bluetooth`), `namePrefix`, `mtu`
 * @throws HydroSyncError `LINK` when the browser has no Web Bluetooth, no meter was chosen, or the
 *   browser refused (no user gesture, not a secure context); `RANGE` for an MTU outside 23..517;
 *   `USAGE` for options that are not an object.
 * @example
 * ```ts
 * button.onclick = async () => {
 *   const phone = new PhoneLinkClient({ transport: await requestMeter() });
 *   const r = await phone.upload(token);
 * };
 * ```
 */
export async function requestMeter(options: RequestMeterOptions = {}): Promise<WebBluetoothTransport> {
  if (typeof options !== 'object' || options === null) fail('USAGE', 'requestMeter takes an options object ({ bluetooth?, namePrefix?, mtu? })');
  const bluetooth = options.bluetooth ?? (globalThis as { navigator?: { bluetooth?: WebBluetoothApi } }).navigator?.bluetooth;
  if (bluetooth === undefined || bluetooth === null || typeof bluetooth.requestDevice !== 'function') {
    fail('LINK', 'this browser has no Web Bluetooth (navigator.bluetooth): use Chrome or Edge on Android, ChromeOS, macOS or Windows, over https');
  }
  if (options.mtu !== undefined && (!Number.isSafeInteger(options.mtu) || options.mtu < ATT_DEFAULT_MTU || options.mtu > 517)) {
    fail('RANGE', `the ATT MTU must be a whole number from 23 to 517; got ${options.mtu}`);
  }
  const filter: { services: string[]; namePrefix?: string } = { services: [METER_SERVICE_UUID] };
  if (options.namePrefix !== undefined) filter.namePrefix = options.namePrefix;
  const request: WebBluetoothRequestOptions = { filters: [filter] };
  let device: WebBluetoothDevice;
  try {
    device = await bluetooth.requestDevice(request);
  } catch (e) {
    const name = domErrorName(e);
    if (name === 'NotFoundError') throw new HydroSyncError('LINK', 'no meter was chosen (the chooser was closed, or it found no HydroSync meter in range)', { cause: e });
    if (name === 'SecurityError' || name === 'NotAllowedError') {
      throw new HydroSyncError('LINK', 'the browser refused to show the Bluetooth chooser: ask for a meter from a click or tap, on an https page', { cause: e });
    }
    throw new HydroSyncError('LINK', `the browser could not look for meters: ${describe(e)}`, { cause: e });
  }
  return new WebBluetoothTransport(device, options.mtu === undefined ? {} : { mtu: options.mtu });
}

/**
 * LinkTransport on a Web Bluetooth device that offers the HydroSync meter service.
 * @example
 * ```ts
 * const transport = new WebBluetoothTransport(device);   // a device from requestDevice
 * await transport.connect();
 * ```
 */
export class WebBluetoothTransport implements LinkTransport {
  /** The Web Bluetooth device. */
  readonly device: WebBluetoothDevice;
  private readonly fixedMtu: number | undefined;
  private up = false;
  private characteristics = new Map<string, WebBluetoothCharacteristic>();
  private subscriptions: { characteristic: WebBluetoothCharacteristic; handler: (event: { target: unknown }) => void }[] = [];
  private readonly disconnectListeners = new DisconnectListeners();
  /** GATT operations, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * A transport for `device` (connect() before use).
   * @param device - a device from `navigator.bluetooth.requestDevice` (or requestMeter)
   * @param options - `mtu`: the ATT MTU to assume (23..517). Without it: the browser's figure where
   *   it gives one (the proposed `maxWriteWithoutResponseSize` + 3), else 23.
   * @throws HydroSyncError `USAGE` for a device without GATT or options that are not an object;
   *   `RANGE` for an MTU outside 23..517.
   */
  constructor(device: WebBluetoothDevice, options: { mtu?: number } = {}) {
    if (typeof options !== 'object' || options === null) fail('USAGE', 'a Web Bluetooth transport takes an options object ({ mtu? })');
    if (typeof device !== 'object' || device === null || typeof device.addEventListener !== 'function' || device.gatt == null) {
      fail('USAGE', 'a Web Bluetooth transport needs a BluetoothDevice with a GATT server (from navigator.bluetooth.requestDevice)');
    }
    if (options.mtu !== undefined && (!Number.isSafeInteger(options.mtu) || options.mtu < ATT_DEFAULT_MTU || options.mtu > 517)) {
      fail('RANGE', `the ATT MTU must be a whole number from 23 to 517; got ${options.mtu}`);
    }
    this.device = device;
    this.fixedMtu = options.mtu;
    device.addEventListener('gattserverdisconnected', () => this.dropped());
  }

  private get gatt(): WebBluetoothGattServer {
    return this.device.gatt!;
  }

  get connected(): boolean {
    return this.up && this.gatt.connected;
  }

  get mtu(): number {
    if (this.fixedMtu !== undefined) return this.fixedMtu;
    const size = this.gatt.maxWriteWithoutResponseSize;
    return typeof size === 'number' && Number.isSafeInteger(size) && size >= 20 ? Math.min(size + 3, 517) : ATT_DEFAULT_MTU;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    this.forget();
    try {
      const server = await this.gatt.connect();
      const service = await server.getPrimaryService(METER_SERVICE_UUID);
      const found = new Map<string, WebBluetoothCharacteristic>();
      for (const uuid of Object.values(METER_CHARACTERISTICS)) found.set(uuid, await service.getCharacteristic(uuid));
      if (!this.gatt.connected) fail('LINK', 'the Bluetooth connection to the meter dropped while connecting');
      this.characteristics = found;
      this.up = true;
    } catch (e) {
      if (this.gatt.connected) this.gatt.disconnect();
      if (e instanceof HydroSyncError) throw e;
      const why = domErrorName(e) === 'NotFoundError' ? 'the device does not offer the HydroSync meter service' : describe(e);
      throw new HydroSyncError('LINK', `could not connect to the meter: ${why}`, { cause: e });
    }
  }

  async disconnect(): Promise<void> {
    // gatt.disconnect() fires gattserverdisconnected, which tells the listeners.
    if (this.gatt.connected) this.gatt.disconnect();
    else this.dropped();
  }

  onDisconnect(listener: () => void): () => void {
    return this.disconnectListeners.add(listener);
  }

  async read(characteristic: string): Promise<Uint8Array> {
    const c = this.characteristic(characteristic);
    const value = await this.operation('read', () => c.readValue());
    return copyBytes(value);
  }

  async writeWithResponse(characteristic: string, value: Uint8Array): Promise<void> {
    const c = this.characteristic(characteristic);
    if (!(value instanceof Uint8Array)) fail('USAGE', 'a write takes a Uint8Array');
    if (value.length > WEB_BLUETOOTH_MAX_VALUE_BYTES) fail('RANGE', `a ${value.length}-byte write is longer than an attribute value can be (${WEB_BLUETOOTH_MAX_VALUE_BYTES} bytes)`);
    const copy = value.slice();
    await this.operation('write', () => c.writeValueWithResponse(copy));
  }

  async startNotifications(characteristic: string, listener: (value: Uint8Array) => void): Promise<void> {
    const c = this.characteristic(characteristic);
    const handler = (event: { target: unknown }) => {
      const v = (event.target as { value?: DataView | null } | null)?.value;
      if (v) listener(copyBytes(v));
    };
    // Listen first: a notification may arrive as soon as the CCCD is written.
    c.addEventListener('characteristicvaluechanged', handler);
    this.subscriptions.push({ characteristic: c, handler });
    await this.operation('notification subscription', () => c.startNotifications());
  }

  private characteristic(uuid: string): WebBluetoothCharacteristic {
    return meterCharacteristic(this.connected, this.characteristics, uuid);
  }

  /** Run one GATT operation after the previous one settled; browser errors become LINK errors. */
  private operation<T>(what: string, run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      if (!this.connected) throw new HydroSyncError('LINK', 'the Bluetooth connection to the meter dropped');
      try {
        return await run();
      } catch (e) {
        if (!this.gatt.connected) throw new HydroSyncError('LINK', 'the Bluetooth connection to the meter dropped', { cause: e });
        // Still connected: the meter answered with an ATT error (e.g. 0x80, a frame it refused).
        throw new HydroSyncError('LINK', `the meter answered the ${what} with an error: ${describe(e)}`, { cause: e });
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The connection ended (either side, or the radio): forget its objects, tell the listeners once. */
  private dropped(): void {
    if (!this.up) return;
    this.forget();
    this.disconnectListeners.notify();
  }

  private forget(): void {
    this.up = false;
    for (const s of this.subscriptions) s.characteristic.removeEventListener('characteristicvaluechanged', s.handler);
    this.subscriptions = [];
    this.characteristics = new Map();
  }
}

function copyBytes(v: DataView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
}

function domErrorName(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : '';
}

function describe(e: unknown): string {
  const name = domErrorName(e);
  const message = typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : String(e);
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}
