/**
 * The meter's side of the link (docs/bluetooth.md, "The meter"): a GATT server wired to the meter
 * simulator. It checks every command frame in the write handler (a bad frame gets ATT error 0x80),
 * reassembles messages, enters a token exactly once per message id, remembers the outcomes of the
 * last messages so a reconnecting phone can ask what happened, and serves reports.
 */
import { fail } from '../errors';
import type { MeterTime } from '../meter/clock';
import { Meter } from '../meter/meter';
import { METER_RESULTS } from '../meter/results';
import { ATT_ERROR, type GattPeer, type GattServer } from './transport';
import { METER_CHARACTERISTICS } from './gatt-profile';
import { decodeFrame, encodeFrames, frameBytesForMtu } from './frame';
import { LINK_STATUS, MESSAGE, TOKEN_BYTES, encodeError, encodeResult, tokenFromBytes } from './messages';
import { encodeMeterInfo } from './meter-info';
import { Reassembler, type LinkMessage } from './reassembly';
import type { LinkClock } from './link-clock';

/** How many message outcomes the meter remembers. */
export const REMEMBERED_MESSAGES = 32;
/** A partial message is dropped this long after its last frame (ms). */
export const REASSEMBLY_TIMEOUT_MS = 5000;

export interface MeterLinkServerOptions {
  /** The simulated meter. */
  meter: Meter;
  /** The clock the processing delay and the reassembly timeout run on. */
  clock: LinkClock;
  /** The meter time of a token entry or a report (the meter's own clock). */
  at: () => MeterTime;
  /** Firmware version shown in the meter information (default "1.0.0"). */
  firmwareVersion?: string;
  /** How long the meter takes to act on a message, ms (default 0; a slow meter for tests). */
  processingMs?: number;
  /** Called after the meter's state changed (a token entered, a report made), before the answer is sent: persist the meter here. */
  onChange?: (meter: Meter) => void;
}

/** One remembered outcome: the answer's type and payload, and the token it was for. */
interface Remembered {
  type: number;
  payload: Uint8Array;
  token: string | null;
  characteristic: string;
}

const C = METER_CHARACTERISTICS;

/**
 * The meter's GATT server for the HydroSync service.
 * @example
 * ```ts
 * const server = new MeterLinkServer({ meter, clock, at: () => '2026-12-08T09:00' });
 * const link = new MemoryLink({ server, clock });   // or a real BLE peripheral adapter
 * ```
 */
export class MeterLinkServer implements GattServer {
  private readonly meter: Meter;
  private readonly clock: LinkClock;
  private readonly at: () => MeterTime;
  private readonly firmwareVersion: string;
  private readonly processingMs: number;
  private readonly onChange: (meter: Meter) => void;
  private peer: GattPeer | null = null;
  private readonly reassembler = new Reassembler();
  private cancelExpiry: (() => void) | null = null;
  private readonly outcomes = new Map<number, Remembered>();
  /** Messages being worked on ("id:token" or "id:report"). */
  private readonly working = new Set<string>();
  private lastReport: Uint8Array = new Uint8Array(0);
  /** Messages acted on (a token entered or a report made); repeats answered from memory are not counted. */
  processed = 0;

  /**
   * A GATT server for `o.meter`.
   * @param o - the meter, the clock, the meter time source, and options
   * @throws HydroSyncError `USAGE` without a Meter, a clock or a time source; `RANGE` for a negative processing time or a bad firmware version.
   */
  constructor(o: MeterLinkServerOptions) {
    if (typeof o !== 'object' || o === null || !(o.meter instanceof Meter)) fail('USAGE', 'a meter link server needs { meter: Meter, clock, at }');
    if (o.clock === undefined || typeof o.at !== 'function') fail('USAGE', 'a meter link server needs a clock and a meter time source at()');
    const processing = o.processingMs ?? 0;
    if (!Number.isFinite(processing) || processing < 0) fail('RANGE', `the processing time must be a non-negative number of milliseconds; got ${processing}`);
    this.meter = o.meter;
    this.clock = o.clock;
    this.at = o.at;
    this.firmwareVersion = o.firmwareVersion ?? '1.0.0';
    encodeMeterInfo({ pan: this.meter.profile.pan, keyRevisionNumber: 1, keyChangePending: false, firmwareVersion: this.firmwareVersion, maxFrameBytes: 20 });
    this.processingMs = processing;
    this.onChange = o.onChange ?? (() => undefined);
  }

  /** GattServer: a phone connected (the transport calls this; `peer` notifies and knows the MTU). */
  connected(peer: GattPeer): void {
    this.peer = peer;
    this.reassembler.reset();
  }

  /** GattServer: the phone disconnected or the link dropped (a partial message is dropped). */
  disconnected(): void {
    this.peer = null;
    this.reassembler.reset();
  }

  /** GattServer: a read of the info or report characteristic (anything else: ATT error 0x02). */
  read(characteristic: string): Uint8Array | number {
    if (characteristic === C.info) {
      const key = this.meter.key;
      return encodeMeterInfo({
        pan: this.meter.profile.pan, keyRevisionNumber: key.keyRevisionNumber, keyChangePending: this.meter.pendingKeyChange !== null,
        firmwareVersion: this.firmwareVersion, maxFrameBytes: this.frameBytes(),
      });
    }
    if (characteristic === C.report) return this.lastReport.slice();
    return ATT_ERROR.READ_NOT_PERMITTED;
  }

  /** GattServer: a write with response to the command characteristic; a frame failing its check gets ATT error 0x80. */
  write(characteristic: string, value: Uint8Array): number {
    if (characteristic !== C.command) return ATT_ERROR.WRITE_NOT_PERMITTED;
    if (!decodeFrame(value).ok) return ATT_ERROR.FRAME_REFUSED;
    const step = this.reassembler.push(value, this.clock.now());
    this.cancelExpiry?.();
    this.cancelExpiry = null;
    if (step.kind === 'message') this.receive(step.message);
    else if (this.reassembler.partial) {
      this.cancelExpiry = this.clock.setTimer(REASSEMBLY_TIMEOUT_MS, () => this.reassembler.reset());
    }
    return 0;
  }

  /** The largest frame on this connection. */
  private frameBytes(): number {
    return frameBytesForMtu(this.peer?.mtu ?? 23);
  }

  private send(characteristic: string, type: number, messageId: number, payload: Uint8Array): void {
    const peer = this.peer;
    if (peer === null) return; // the phone will ask again
    for (const f of encodeFrames(type, messageId, payload, this.frameBytes())) peer.notify(characteristic, f);
  }

  private remember(id: number, r: Remembered): void {
    this.outcomes.delete(id);
    this.outcomes.set(id, r);
    while (this.outcomes.size > REMEMBERED_MESSAGES) this.outcomes.delete(this.outcomes.keys().next().value as number);
  }

  /** The characteristic a message's answer goes to. */
  private static answerOn(type: number): string {
    return type === MESSAGE.reportRequest ? C.report : C.result;
  }

  /**
   * A complete message: answered at once from memory (a repeat), with BUSY (still being worked on),
   * or UNKNOWN_MESSAGE (a query for a message never completed); new work is done after the
   * processing delay.
   */
  private receive(m: LinkMessage): void {
    const on = MeterLinkServer.answerOn(m.type);
    let token: string | null = null;
    if (m.type === MESSAGE.submit || m.type === MESSAGE.query) {
      if (m.payload.length !== TOKEN_BYTES) return this.send(on, MESSAGE.error, m.messageId, encodeError(LINK_STATUS.BAD_MESSAGE));
      try {
        token = tokenFromBytes(m.payload);
      } catch {
        return this.send(on, MESSAGE.error, m.messageId, encodeError(LINK_STATUS.BAD_MESSAGE));
      }
    } else if (m.type !== MESSAGE.reportRequest || m.payload.length !== 0) {
      return this.send(on, MESSAGE.error, m.messageId, encodeError(LINK_STATUS.BAD_MESSAGE));
    }
    const known = this.outcomes.get(m.messageId);
    if (known !== undefined && known.token === token) return this.send(known.characteristic, known.type, m.messageId, known.payload);
    const key = `${m.messageId}:${token ?? 'report'}`;
    if (this.working.has(key)) return this.send(on, MESSAGE.error, m.messageId, encodeError(LINK_STATUS.BUSY, this.meter.creditLitres));
    if (m.type === MESSAGE.query) return this.send(on, MESSAGE.error, m.messageId, encodeError(LINK_STATUS.UNKNOWN_MESSAGE, this.meter.creditLitres));
    this.working.add(key);
    this.clock.setTimer(this.processingMs, () => {
      this.working.delete(key);
      if (token !== null) this.enter(m.messageId, token);
      else this.report(m.messageId);
    });
  }

  /** Enter a token (a new SUBMIT): the outcome is remembered in the same step. */
  private enter(id: number, token: string): void {
    const r = this.meter.enter(token, this.at());
    const answer: Remembered = METER_RESULTS[r.result].taken
      ? { type: MESSAGE.result, payload: encodeResult({ status: r.status, tid: r.tid, litres: r.litres, creditLitres: r.creditLitres }), token, characteristic: C.result }
      : { type: MESSAGE.error, payload: encodeError(r.status, r.creditLitres), token, characteristic: C.result };
    this.remember(id, answer);
    this.processed++;
    this.onChange(this.meter);
    this.send(C.result, answer.type, id, answer.payload);
  }

  /** Make a report (a new REPORT_REQUEST). */
  private report(id: number): void {
    let frame: Uint8Array;
    try {
      frame = this.meter.report(this.at()).frame;
    } catch {
      return this.send(C.report, MESSAGE.error, id, encodeError(LINK_STATUS.REPORT_UNAVAILABLE, this.meter.creditLitres));
    }
    this.lastReport = frame;
    this.remember(id, { type: MESSAGE.report, payload: frame, token: null, characteristic: C.report });
    this.processed++;
    this.onChange(this.meter);
    this.send(C.report, MESSAGE.report, id, frame);
  }
}
