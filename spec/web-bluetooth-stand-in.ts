// A stand-in for `navigator.bluetooth`, installed in a page with `page.addInitScript(installWebBluetoothStandIn)`.
//
// Why a stand-in: Chromium's own Bluetooth emulation (CDP BluetoothEmulation / WebDriver BiDi
// bluetooth.*) answers reads and writes (spec/link-web-bluetooth-emulation.test.ts uses it) but has
// no command to send a notification, and the link's results and reports arrive as notifications. So the page gets this instead: the Web Bluetooth API
// surface the link's adapter uses, with the behaviour Chromium shows (and the spec describes) where
// a careless adapter would break:
// - requestDevice needs transient user activation (a click) and `filters` xor `acceptAllDevices`;
//   no matching device rejects with NotFoundError, as a closed chooser does; services outside the
//   filters and optionalServices are refused with SecurityError.
// - UUIDs must be lowercase 128-bit strings or 16/32-bit aliases (else TypeError).
// - One GATT operation at a time per device ("GATT operation already in progress.", NetworkError).
// - Operations on a dropped connection reject with NetworkError; services and characteristics of an
//   earlier connection are invalid (InvalidStateError) after a reconnect; notifications end with the
//   connection; `gattserverdisconnected` fires on the device for either side's disconnect.
// - An ATT error from the server (e.g. 0x80, application error) rejects with NotSupportedError "GATT
//   operation failed for unknown reason." while the connection stays up, as Chromium 150 reports it.
// - Values longer than 512 bytes are refused (InvalidModificationError).
// - Every PDU crosses a task boundary (a timer), so ordering is as on a radio, not synchronous.
// Behind it, the meter side is a GattServer (the link's MeterLinkServer with the meter simulator,
// both from the browser build) running in the same page. Faults are injected per request:
// the link drops before the request reaches the meter, or after the meter acted but before its
// response reaches the phone.
//
// The function below is serialised into the page: it must not use anything from outside itself.

// Page globals (the specs are type-checked without the DOM library).
declare const navigator: { userActivation?: { isActive: boolean } };
declare const Navigator: { prototype: object };
declare const window: object;

/** What a spec can reach in the page as `window.webBluetoothStandIn`. */
export interface WebBluetoothStandIn {
  /** Put a peripheral in range: it advertises `services`, has `characteristics` and answers with `server`. */
  addPeripheral(p: { name: string; services: string[]; characteristics: string[]; server: StandInGattServer; mtu?: number }): void;
  /**
   * Decide the fate of each request (a read, a write, a CCCD write) before the meter sees it, and of
   * each notification before the phone gets it: 'drop-before' drops the link instead of delivering;
   * for a request, 'drop-after' lets the meter act and drops the link before its response arrives.
   */
  setFault(f: ((request: StandInRequest) => 'drop-before' | 'drop-after' | undefined) | undefined): void;
  /** The radio drops the connection now. */
  dropLink(): void;
  /** Every request that reached the meter and every notification that reached the phone, in order. */
  readonly log: StandInRequest[];
  /** How many times the phone connected. */
  readonly connects: number;
}

/** One request from the phone to the meter. */
export interface StandInRequest {
  /** 0, 1, 2, … over the page's life. */
  n: number;
  op: 'read' | 'write' | 'subscribe' | 'notify';
  characteristic: string;
  /** Hex of the value written or notified. */
  value?: string;
}

/** The link's GattServer interface (src/link/transport.ts), as the stand-in calls it. */
export interface StandInGattServer {
  connected(peer: { mtu: number; notify(characteristic: string, value: Uint8Array): void }): void;
  disconnected(): void;
  read(characteristic: string): Uint8Array | number;
  write(characteristic: string, value: Uint8Array): number;
}

export function installWebBluetoothStandIn(): void {
  interface Peripheral {
    name: string;
    services: string[];
    characteristics: string[];
    server: StandInGattServer;
    mtu: number;
    device?: StandInDevice;
  }
  const peripherals: Peripheral[] = [];
  const log: StandInRequest[] = [];
  let fault: ((request: StandInRequest) => 'drop-before' | 'drop-after' | undefined) | undefined;
  let requests = 0;
  let connects = 0;
  const radio = (f: () => void) => setTimeout(f, 1);
  const DISCONNECTED = 'GATT Server is disconnected. Cannot perform GATT operations. (Re)connect first with `device.gatt.connect`.';
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  const canonical = (kind: string, name: unknown): string => {
    if (typeof name === 'number' && Number.isInteger(name) && name >= 0 && name <= 0xffffffff) {
      return `${name.toString(16).padStart(8, '0')}-0000-1000-8000-00805f9b34fb`;
    }
    if (typeof name === 'string' && UUID.test(name)) return name;
    throw new TypeError(`Failed to execute: Invalid ${kind} name: '${String(name)}'. It must be a valid UUID alias (e.g. 0x1234), UUID (lowercase hex characters e.g. '00001234-0000-1000-8000-00805f9b34fb'), or recognized standard name.`);
  };
  const bytesOf = (v: unknown): Uint8Array => {
    if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer);
    throw new TypeError("Failed to execute 'writeValueWithResponse': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
  };
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

  class StandInGatt {
    connected = false;
    generation = 0;
    busy = false;
    pending = new Set<(e: DOMException) => void>();
    notifying = new Set<StandInCharacteristic>();
    constructor(readonly device: StandInDevice, readonly peripheral: Peripheral) {}

    connect(): Promise<StandInGatt> {
      return new Promise((resolve, reject) => {
        radio(() => {
          if (!peripherals.includes(this.peripheral)) return reject(new DOMException('Bluetooth Device is no longer in range.', 'NetworkError'));
          if (!this.connected) {
            this.connected = true;
            this.generation++;
            connects++;
            const gen = this.generation;
            this.peripheral.server.connected({ mtu: this.peripheral.mtu, notify: (c, v) => this.notify(gen, c, v) });
          }
          resolve(this);
        });
      });
    }

    disconnect(): void {
      if (this.connected) this.end();
    }

    getPrimaryService(service: unknown): Promise<StandInService> {
      let uuid: string;
      try {
        uuid = canonical('Service', service);
      } catch (e) {
        return Promise.reject(e);
      }
      if (!this.connected) return Promise.reject(new DOMException('GATT Server is disconnected. Cannot retrieve services. (Re)connect first with `device.gatt.connect`.', 'NetworkError'));
      if (!this.device.allowed.has(uuid)) {
        return Promise.reject(new DOMException("Origin is not allowed to access the service. Tip: Add the service UUID to 'optionalServices' in requestDevice() options.", 'SecurityError'));
      }
      const gen = this.generation;
      return new Promise((resolve, reject) =>
        radio(() => {
          if (!this.connected || gen !== this.generation) return reject(new DOMException(DISCONNECTED, 'NetworkError'));
          if (!this.peripheral.services.includes(uuid)) return reject(new DOMException(`No Services matching UUID ${uuid} found in Device.`, 'NotFoundError'));
          resolve(new StandInService(this, uuid, gen));
        }),
      );
    }

    /** One GATT request: queued behind nothing (Chromium refuses overlap), delivered to the meter, answered. */
    request<T>(gen: number, op: StandInRequest['op'], characteristic: string, value: Uint8Array | undefined, act: () => T | number, done: (r: T) => void): Promise<void> {
      if (!this.connected) return Promise.reject(new DOMException(DISCONNECTED, 'NetworkError'));
      if (gen !== this.generation) return Promise.reject(new DOMException('GATT Characteristic no longer exists.', 'InvalidStateError'));
      if (this.busy) return Promise.reject(new DOMException('GATT operation already in progress.', 'NetworkError'));
      this.busy = true;
      return new Promise<void>((resolve, reject) => {
        const onDrop = (e: DOMException) => reject(e);
        this.pending.add(onDrop);
        const req: StandInRequest = { n: requests++, op, characteristic, ...(value ? { value: hex(value) } : {}) };
        radio(() => {
          if (gen !== this.generation) return;
          const fate = fault?.(req);
          if (fate === 'drop-before') return this.end();
          log.push(req);
          const result = act();
          if (fate === 'drop-after') return this.end();
          radio(() => {
            if (gen !== this.generation) return;
            this.pending.delete(onDrop);
            this.busy = false;
            if (typeof result === 'number') {
              if (result === 0) {
                done(result as T);
                return resolve();
              }
              // As Chromium 150 reports them (spec/link-web-bluetooth-emulation.test.ts sees 0x80 so).
              const e = new DOMException(result === 0x03 || result === 0x02 ? 'GATT operation not permitted.' : 'GATT operation failed for unknown reason.', 'NotSupportedError');
              return reject(e);
            }
            done(result);
            resolve();
          });
        });
      });
    }

    notify(gen: number, characteristic: string, value: Uint8Array): void {
      if (!this.connected || gen !== this.generation) return;
      const copy = value.slice();
      const note: StandInRequest = { n: requests++, op: 'notify', characteristic, value: hex(copy) };
      radio(() => {
        if (!this.connected || gen !== this.generation) return;
        if (fault?.(note) === 'drop-before') return this.end();
        log.push(note);
        for (const c of this.notifying) {
          if (c.uuid !== characteristic) continue;
          c.value = new DataView(copy.buffer.slice(0));
          c.dispatchEvent(new Event('characteristicvaluechanged', { bubbles: true }));
        }
      });
    }

    /** The connection ends: pending operations reject, the meter and the page are told. */
    end(): void {
      if (!this.connected) return;
      this.connected = false;
      this.busy = false;
      this.generation++;
      this.notifying.clear();
      const pending = [...this.pending];
      this.pending.clear();
      for (const reject of pending) reject(new DOMException(DISCONNECTED, 'NetworkError'));
      this.peripheral.server.disconnected();
      this.device.dispatchEvent(new Event('gattserverdisconnected', { bubbles: true }));
    }
  }

  class StandInDevice extends EventTarget {
    readonly id: string;
    readonly gatt: StandInGatt;
    allowed = new Set<string>();
    constructor(readonly peripheral: Peripheral, n: number) {
      super();
      this.id = `stand-in-${n}`;
      this.gatt = new StandInGatt(this, peripheral);
    }
    get name(): string {
      return this.peripheral.name;
    }
  }

  class StandInService {
    constructor(readonly gatt: StandInGatt, readonly uuid: string, readonly gen: number) {}
    get device(): StandInDevice {
      return this.gatt.device;
    }
    getCharacteristic(characteristic: unknown): Promise<StandInCharacteristic> {
      let uuid: string;
      try {
        uuid = canonical('Characteristic', characteristic);
      } catch (e) {
        return Promise.reject(e);
      }
      if (!this.gatt.connected) return Promise.reject(new DOMException(DISCONNECTED, 'NetworkError'));
      if (this.gen !== this.gatt.generation) return Promise.reject(new DOMException('GATT Service no longer exists.', 'InvalidStateError'));
      return new Promise((resolve, reject) =>
        radio(() => {
          if (this.gen !== this.gatt.generation) return reject(new DOMException(DISCONNECTED, 'NetworkError'));
          if (!this.gatt.peripheral.characteristics.includes(uuid)) return reject(new DOMException(`No Characteristics matching UUID ${uuid} found in Service.`, 'NotFoundError'));
          resolve(new StandInCharacteristic(this, uuid));
        }),
      );
    }
  }

  class StandInCharacteristic extends EventTarget {
    value: DataView | null = null;
    constructor(readonly service: StandInService, readonly uuid: string) {
      super();
    }
    readValue(): Promise<DataView> {
      let out: DataView | undefined;
      const g = this.service.gatt;
      return g
        .request<Uint8Array>(this.service.gen, 'read', this.uuid, undefined, () => g.peripheral.server.read(this.uuid), (v) => {
          out = new DataView(v.slice().buffer);
          this.value = out;
        })
        .then(() => out!);
    }
    writeValueWithResponse(value: unknown): Promise<void> {
      let bytes: Uint8Array;
      try {
        bytes = bytesOf(value);
      } catch (e) {
        return Promise.reject(e);
      }
      if (bytes.length > 512) return Promise.reject(new DOMException("Value can't exceed 512 bytes.", 'InvalidModificationError'));
      const g = this.service.gatt;
      return g.request<number>(this.service.gen, 'write', this.uuid, bytes, () => g.peripheral.server.write(this.uuid, bytes.slice()), () => undefined);
    }
    startNotifications(): Promise<StandInCharacteristic> {
      const g = this.service.gatt;
      return g.request<number>(this.service.gen, 'subscribe', this.uuid, undefined, () => 0, () => g.notifying.add(this)).then(() => this);
    }
  }

  const bluetooth = {
    requestDevice(options: { filters?: { services?: unknown[]; name?: string; namePrefix?: string }[]; optionalServices?: unknown[]; acceptAllDevices?: boolean }): Promise<StandInDevice> {
      const activation = navigator.userActivation;
      if (!activation?.isActive) return Promise.reject(new DOMException('Must be handling a user gesture to show a permission request.', 'SecurityError'));
      const hasFilters = Array.isArray(options?.filters);
      if (hasFilters === Boolean(options?.acceptAllDevices)) {
        return Promise.reject(new TypeError("Failed to execute 'requestDevice' on 'Bluetooth': Either 'filters' should be present or 'acceptAllDevices' should be true, but not both."));
      }
      let filters: { services: string[]; name?: string; namePrefix?: string }[];
      let optional: string[];
      try {
        filters = (options.filters ?? []).map((f) => ({ ...f, services: (f.services ?? []).map((s) => canonical('Service', s)) }));
        optional = (options.optionalServices ?? []).map((s) => canonical('Service', s));
      } catch (e) {
        return Promise.reject(e);
      }
      return new Promise((resolve, reject) =>
        radio(() => {
          // The person picks the first matching device in the chooser.
          const match = peripherals.find((p) =>
            options.acceptAllDevices ||
            filters.some((f) => f.services.every((s) => p.services.includes(s)) && (f.name === undefined || f.name === p.name) && (f.namePrefix === undefined || p.name.startsWith(f.namePrefix))),
          );
          if (!match) return reject(new DOMException('User cancelled the requestDevice() chooser.', 'NotFoundError'));
          match.device ??= new StandInDevice(match, peripherals.indexOf(match));
          for (const f of filters) for (const s of f.services) match.device.allowed.add(s);
          for (const s of optional) match.device.allowed.add(s);
          resolve(match.device);
        }),
      );
    },
    getAvailability(): Promise<boolean> {
      return Promise.resolve(true);
    },
  };
  Object.defineProperty(Navigator.prototype, 'bluetooth', { configurable: true, get: () => bluetooth });

  const standIn: WebBluetoothStandIn = {
    addPeripheral(p) {
      peripherals.push({
        name: p.name,
        services: p.services.map((s) => canonical('Service', s)),
        characteristics: p.characteristics.map((c) => canonical('Characteristic', c)),
        server: p.server,
        mtu: p.mtu ?? 23,
      });
    },
    setFault(f) {
      fault = f;
    },
    dropLink() {
      for (const p of peripherals) p.device?.gatt.end();
    },
    log,
    get connects() {
      return connects;
    },
  };
  (window as unknown as { webBluetoothStandIn: WebBluetoothStandIn }).webBluetoothStandIn = standIn;
}
