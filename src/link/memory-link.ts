/**
 * The in-memory link: a phone-side LinkTransport wired straight to a meter-side GattServer, with
 * the radio's timing on a LinkClock and faults injected per radio PDU. For tests, the simulator,
 * the CLI and the benchmark. It counts what a radio would carry (ATT PDUs and their bytes).
 *
 * Every ATT PDU (a write, its write response, a notification, a read request, a read response)
 * gets the next step number; `faults(pdu)` decides its fate: delivered (undefined), dropped,
 * duplicated, delayed (so later PDUs overtake it: reordering), truncated, corrupted, or the link
 * drops before it arrives.
 */
import { HydroSyncError, fail } from '../errors';
import { ATT_DEFAULT_MTU } from './gatt-profile';
import type { LinkClock } from './link-clock';
import { ATT_ERROR, DisconnectListeners, type GattPeer, type GattServer, type LinkTransport } from './transport';

/** One ATT PDU on the simulated radio. */
export interface RadioPdu {
  /** 0, 1, 2, … over the life of the link (across reconnects). */
  step: number;
  direction: 'to-meter' | 'to-phone';
  op: 'write' | 'write-response' | 'notify' | 'read' | 'read-response';
  characteristic: string;
  /** The value carried (writes, notifications, read responses). */
  value?: Uint8Array;
}

/** What happens to one PDU. */
export type LinkFault =
  | { kind: 'drop' }
  | { kind: 'duplicate' }
  /** Arrives `ms` later than it would (PDUs sent after it may arrive first). */
  | { kind: 'delay'; ms: number }
  /** Only the first `keep` bytes of the value arrive. */
  | { kind: 'truncate'; keep: number }
  /** Byte `at` (modulo the length) arrives XORed with `xor` (1..255). */
  | { kind: 'corrupt'; at: number; xor: number }
  /** The link drops before this PDU arrives. */
  | { kind: 'disconnect' };

/** Radio traffic counted by a memory link. */
export interface RadioCount {
  /** ATT PDUs, both directions (MTU exchange at connect included). */
  pdus: number;
  /** ATT PDU bytes (opcode, handle, value), both directions. */
  attBytes: number;
  /** Notifications and writes carrying link frames (to the command, result and report characteristics). */
  frames: number;
}

export interface MemoryLinkOptions {
  /** The meter's GATT server (MeterLinkServer). */
  server: GattServer;
  /** The clock the radio's latency runs on (a VirtualClock in tests). */
  clock: LinkClock;
  /** The ATT MTU both sides agree on at connect (23..517; default 23). */
  mtu?: number;
  /** One-way latency of a PDU, ms (default 15: a typical connection interval). */
  latencyMs?: number;
  /** Faults per PDU; undefined delivers it. */
  faults?: (pdu: RadioPdu) => LinkFault | undefined;
}

const WRITE_HEADER = 3; // opcode + handle
const READ_BLOB_REQUEST = 5; // opcode + handle + offset
const RESPONSE_HEADER = 1; // opcode

/**
 * A phone-side transport joined to a meter-side GATT server in memory.
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const server = new MeterLinkServer({ meter, clock, at: () => '2026-12-08T09:00' });
 * const link = new MemoryLink({ server, clock, mtu: 247 });
 * const phone = new PhoneLinkClient({ transport: link, clock });
 * ```
 */
export class MemoryLink implements LinkTransport {
  private readonly server: GattServer;
  private readonly clock: LinkClock;
  private readonly latency: number;
  private readonly faults: (pdu: RadioPdu) => LinkFault | undefined;
  readonly mtu: number;
  /** Radio traffic so far. */
  readonly count: RadioCount = { pdus: 0, attBytes: 0, frames: 0 };
  private step = 0;
  /** Connection generation: PDUs of an older connection are never delivered. */
  private generation = 0;
  private up = false;
  private listeners = new Map<string, (value: Uint8Array) => void>();
  private readonly disconnectListeners = new DisconnectListeners();
  private pending = new Set<(e: Error) => void>();

  /**
   * A link to `o.server`, not yet connected.
   * @param o - the meter's GATT server, the clock, the MTU, the latency and the fault plan
   * @throws HydroSyncError `RANGE` for an MTU outside 23..517 or a negative latency; `USAGE` without a server or clock.
   */
  constructor(o: MemoryLinkOptions) {
    if (typeof o !== 'object' || o === null || o.server === undefined || o.clock === undefined) fail('USAGE', 'a memory link needs { server, clock }');
    const mtu = o.mtu ?? ATT_DEFAULT_MTU;
    if (!Number.isSafeInteger(mtu) || mtu < ATT_DEFAULT_MTU || mtu > 517) fail('RANGE', `the ATT MTU must be a whole number from 23 to 517; got ${mtu}`);
    const latency = o.latencyMs ?? 15;
    if (!Number.isFinite(latency) || latency < 0) fail('RANGE', `the latency must be a non-negative number of milliseconds; got ${latency}`);
    this.server = o.server;
    this.clock = o.clock;
    this.mtu = mtu;
    this.latency = latency;
    this.faults = o.faults ?? (() => undefined);
  }

  get connected(): boolean {
    return this.up;
  }

  /** The meter-side view of this connection. */
  private readonly peer: GattPeer = {
    mtu: 0,
    notify: (characteristic, value) => this.notify(characteristic, value),
  };

  async connect(): Promise<void> {
    if (this.up) return;
    await this.wait(this.latency * 2);
    this.generation++;
    this.up = true;
    this.listeners.clear();
    if (this.mtu > ATT_DEFAULT_MTU) this.tally(2, 3 + 3); // Exchange MTU Request and Response
    (this.peer as { mtu: number }).mtu = this.mtu;
    this.server.connected(this.peer);
  }

  async disconnect(): Promise<void> {
    this.drop();
  }

  onDisconnect(listener: () => void): () => void {
    return this.disconnectListeners.add(listener);
  }

  async read(characteristic: string): Promise<Uint8Array> {
    this.requireUp();
    const gen = this.generation;
    return this.operation<Uint8Array>((resolve, reject) => {
      this.send({ direction: 'to-meter', op: 'read', characteristic }, gen, () => {
        const v = this.server.read(characteristic);
        if (typeof v === 'number') {
          this.send({ direction: 'to-phone', op: 'read-response', characteristic }, gen, () => reject(attError(v, 'read')));
          return;
        }
        // Read + Read Blob requests: one response carries MTU − 1 bytes.
        const parts = Math.max(1, Math.ceil(v.length / (this.mtu - 1)));
        this.tally(parts - 1, (parts - 1) * READ_BLOB_REQUEST);
        this.tally(parts - 1, (parts - 1) * RESPONSE_HEADER);
        this.send({ direction: 'to-phone', op: 'read-response', characteristic, value: v }, gen, (value) => resolve(value ?? new Uint8Array(0)));
      });
    });
  }

  async writeWithResponse(characteristic: string, value: Uint8Array): Promise<void> {
    this.requireUp();
    if (value.length > this.mtu - WRITE_HEADER) fail('RANGE', `a ${value.length}-byte write does not fit the ATT MTU ${this.mtu} (at most ${this.mtu - WRITE_HEADER} bytes)`);
    const gen = this.generation;
    return this.operation<void>((resolve, reject) => {
      let answered = false;
      this.send({ direction: 'to-meter', op: 'write', characteristic, value: value.slice() }, gen, (arrived) => {
        const status = this.server.write(characteristic, arrived!);
        if (answered) return; // a duplicated write gets one response on the air
        answered = true;
        this.send({ direction: 'to-phone', op: 'write-response', characteristic }, gen, () => (status === 0 ? resolve() : reject(attError(status, 'write'))));
      });
    });
  }

  async startNotifications(characteristic: string, listener: (value: Uint8Array) => void): Promise<void> {
    this.requireUp();
    // The CCCD write and its response.
    const gen = this.generation;
    await this.operation<void>((resolve) => {
      this.send({ direction: 'to-meter', op: 'write', characteristic: `${characteristic}#cccd`, value: new Uint8Array([1, 0]) }, gen, () => {
        this.listeners.set(characteristic, listener);
        this.send({ direction: 'to-phone', op: 'write-response', characteristic: `${characteristic}#cccd` }, gen, () => resolve());
      });
    });
  }

  /** The meter notifies: delivered to the phone's listener, if it subscribed on this connection. */
  private notify(characteristic: string, value: Uint8Array): void {
    if (!this.up) return;
    if (value.length > this.mtu - WRITE_HEADER) fail('RANGE', `a ${value.length}-byte notification does not fit the ATT MTU ${this.mtu}`);
    const gen = this.generation;
    this.send({ direction: 'to-phone', op: 'notify', characteristic, value: value.slice() }, gen, (arrived) => {
      this.listeners.get(characteristic)?.(arrived!);
    });
  }

  /** Put one PDU on the air: count it, ask the fault plan, deliver it (or not) after the latency. */
  private send(p: Omit<RadioPdu, 'step'>, gen: number, deliver: (value: Uint8Array | undefined) => void): void {
    if (!this.up || gen !== this.generation) return;
    const pdu: RadioPdu = { ...p, step: this.step++ };
    const valueBytes = pdu.value?.length ?? 0;
    const header = pdu.op === 'write' || pdu.op === 'notify' || pdu.op === 'read' ? WRITE_HEADER : RESPONSE_HEADER;
    this.tally(1, header + (pdu.op === 'read' ? 0 : valueBytes));
    if ((pdu.op === 'write' || pdu.op === 'notify') && !pdu.characteristic.endsWith('#cccd')) this.count.frames++;
    const fault = this.faults(pdu);
    let value = pdu.value;
    let delay = this.latency;
    let copies = 1;
    switch (fault?.kind) {
      case undefined:
        break;
      case 'drop':
        return;
      case 'duplicate':
        copies = 2;
        break;
      case 'delay':
        delay += Math.max(0, fault.ms);
        break;
      case 'truncate':
        if (value !== undefined) value = value.slice(0, Math.max(0, Math.min(fault.keep, value.length - 1)));
        break;
      case 'corrupt':
        if (value !== undefined && value.length > 0) {
          value = value.slice();
          const at = ((fault.at % value.length) + value.length) % value.length;
          value[at] ^= (fault.xor & 0xff) || 1;
        }
        break;
      case 'disconnect':
        this.clock.setTimer(0, () => {
          if (gen === this.generation) this.drop();
        });
        return;
    }
    for (let i = 0; i < copies; i++) {
      this.clock.setTimer(delay + i, () => {
        if (this.up && gen === this.generation) deliver(value?.slice());
      });
    }
  }

  private tally(pdus: number, bytes: number): void {
    this.count.pdus += pdus;
    this.count.attBytes += bytes;
  }

  /** A phone-side operation that rejects when the link drops before it completes. */
  private operation<T>(start: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onDrop = (e: Error) => reject(e);
      this.pending.add(onDrop);
      start(
        (v) => {
          this.pending.delete(onDrop);
          resolve(v);
        },
        (e) => {
          this.pending.delete(onDrop);
          reject(e);
        },
      );
    });
  }

  private requireUp(): void {
    if (!this.up) throw new HydroSyncError('LINK', 'the meter is not connected');
  }

  /** The link drops: pending operations reject, both sides are told. */
  private drop(): void {
    if (!this.up) return;
    this.up = false;
    this.generation++;
    this.listeners.clear();
    const pending = [...this.pending];
    this.pending.clear();
    for (const reject of pending) reject(new HydroSyncError('LINK', 'the Bluetooth connection to the meter dropped'));
    this.server.disconnected();
    this.disconnectListeners.notify();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}

function attError(status: number, what: string): HydroSyncError {
  const why = status === ATT_ERROR.FRAME_REFUSED ? 'the meter refused the frame (length or CRC): send it again' : `ATT error 0x${status.toString(16).padStart(2, '0')}`;
  return new HydroSyncError('LINK', `the meter answered the ${what} with an error: ${why}`);
}
