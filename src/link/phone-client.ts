/**
 * The phone's side of the link (docs/bluetooth.md, "The phone"): upload a token and always end
 * knowing whether the meter applied it; ask for a report. Retries, timeouts and reconnects are
 * here; the transport is any LinkTransport (in memory, Web Bluetooth, a Node BLE adapter).
 */
import { HydroSyncError, fail, isHydroSyncError } from '../errors';
import { METER_CHARACTERISTICS } from './gatt-profile';
import { FRAME_MAX_BYTES, encodeFrames } from './frame';
import { MESSAGE, decodeAnswer, tokenToBytes, type TokenOutcome } from './messages';
import { decodeMeterInfo, type MeterInfo } from './meter-info';
import { Reassembler, type LinkMessage } from './reassembly';
import { systemClock, type LinkClock } from './link-clock';
import type { LinkTransport } from './transport';

const C = METER_CHARACTERISTICS;

export interface PhoneLinkOptions {
  /** The transport to the meter. */
  transport: LinkTransport;
  /** Timers (default: the platform's). */
  clock?: LinkClock;
  /** Wait this long for an answer after the last write response, ms (default 3000). */
  answerTimeoutMs?: number;
  /** Each connect, read, write or subscription may take this long, ms (default 2000); then the connection is treated as dead. */
  operationTimeoutMs?: number;
  /** After BUSY, ask again after this long, ms (default 500). */
  busyRetryMs?: number;
  /** First reconnect delay, ms (default 250); doubles per attempt, at most 4000. */
  reconnectDelayMs?: number;
  /** Connections tried per upload or report (default 6). */
  maxAttempts?: number;
  /** A frame the meter refuses (ATT error 0x80) is sent again this many times (default 3). */
  frameRetries?: number;
  /** The first message id (default: random); then +1, skipping 0. */
  firstMessageId?: number;
}

/** What an upload learned: the meter's outcome, and how it was learned. */
export interface UploadResult extends TokenOutcome {
  /** The message id the token travelled under (ask the meter about it with `query`). */
  messageId: number;
  /** Connections used (1 when nothing went wrong). */
  attempts: number;
}

/** A report read over the link. */
export interface LinkReport {
  /** The 50-byte report frame (docs/reports.md), unchanged: verify it at the security module. */
  frame: Uint8Array;
  messageId: number;
  attempts: number;
}

/** A refusal that retrying cannot fix. */
class Final {
  constructor(readonly error: HydroSyncError) {}
}

interface Waiter {
  characteristic: string;
  messageId: number;
  resolve: (m: LinkMessage) => void;
  reject: (e: unknown) => void;
}

function randomMessageId(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint16Array) => Uint16Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint16Array(1))[0] || 1;
  return 1;
}

function option(v: number | undefined, fallback: number, name: string, min: number): number {
  const x = v ?? fallback;
  if (!Number.isSafeInteger(x) || x < min) fail('RANGE', `${name} must be a whole number from ${min}; got ${v}`);
  return x;
}

/**
 * The phone (GATT client) role.
 * @example
 * ```ts
 * const phone = new PhoneLinkClient({ transport });        // e.g. a Web Bluetooth transport
 * const r = await phone.upload('1693 6447 5489 2156 1478');
 * r.applied; r.result;                                     // true 'ACCEPT', or why not
 * const { frame } = await phone.requestReport();           // pass on to hsm.verifyReport({ pan, frame })
 * ```
 */
export class PhoneLinkClient {
  private readonly transport: LinkTransport;
  private readonly clock: LinkClock;
  private readonly answerTimeout: number;
  private readonly operationTimeout: number;
  private readonly busyRetry: number;
  private readonly reconnectDelay: number;
  private readonly maxAttempts: number;
  private readonly frameRetries: number;
  private nextId: number;
  private ready = false;
  private frameBytes = 20;
  private readonly reassemblers = new Map<string, Reassembler>([[C.result, new Reassembler()], [C.report, new Reassembler()]]);
  private waiters: Waiter[] = [];
  /** The meter information read at the last connect. */
  info: MeterInfo | null = null;

  /**
   * A phone-side client over `o.transport`.
   * @param o - the transport and the timing options
   * @throws HydroSyncError `USAGE` without a transport; `RANGE` for an option out of range.
   */
  constructor(o: PhoneLinkOptions) {
    if (typeof o !== 'object' || o === null || typeof o.transport !== 'object' || o.transport === null) fail('USAGE', 'a phone link client needs { transport }');
    this.transport = o.transport;
    this.clock = o.clock ?? systemClock;
    this.answerTimeout = option(o.answerTimeoutMs, 3000, 'answerTimeoutMs', 1);
    this.operationTimeout = option(o.operationTimeoutMs, 2000, 'operationTimeoutMs', 1);
    this.busyRetry = option(o.busyRetryMs, 500, 'busyRetryMs', 1);
    this.reconnectDelay = option(o.reconnectDelayMs, 250, 'reconnectDelayMs', 0);
    this.maxAttempts = option(o.maxAttempts, 6, 'maxAttempts', 1);
    this.frameRetries = option(o.frameRetries, 3, 'frameRetries', 0);
    const first = o.firstMessageId ?? randomMessageId();
    if (!Number.isSafeInteger(first) || first < 1 || first > 0xffff) fail('RANGE', `firstMessageId must be 1..65535; got ${first}`);
    this.nextId = first;
    this.transport.onDisconnect(() => {
      this.ready = false;
      this.failWaiters(new HydroSyncError('LINK', 'the Bluetooth connection to the meter dropped'));
    });
  }

  /**
   * Connect (if not connected), enable notifications and read the meter information.
   * @throws HydroSyncError `LINK` when the meter cannot be reached or its information is malformed (or of
   *   another link protocol version).
   */
  async connect(): Promise<MeterInfo> {
    if (this.ready && this.transport.connected && this.info !== null) return this.info;
    this.ready = false;
    for (const r of this.reassemblers.values()) r.reset();
    await this.timed(this.transport.connect(), 'connecting to the meter');
    for (const c of [C.result, C.report]) {
      await this.timed(this.transport.startNotifications(c, (v) => this.onNotification(c, v)), 'enabling notifications');
    }
    const value = await this.timed(this.transport.read(C.info), 'reading the meter information');
    let info: MeterInfo;
    try {
      info = decodeMeterInfo(value);
    } catch (e) {
      await this.disconnect();
      throw new HydroSyncError('LINK', `the meter information could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.info = info;
    this.frameBytes = Math.min(info.maxFrameBytes, FRAME_MAX_BYTES);
    this.ready = true;
    return info;
  }

  /**
   * Disconnect. Never throws.
   * @throws never
   */
  async disconnect(): Promise<void> {
    this.ready = false;
    try {
      await this.transport.disconnect();
    } catch {
      // already gone
    }
  }

  /**
   * Upload a token and learn what the meter did with it: sends it once under a new message id and,
   * after any timeout or disconnect, reconnects and asks about that id until the meter says.
   * @param token - 20 digits (spaces and dashes ignored)
   * @returns the meter's outcome: `applied` true (ACCEPT, KCT_1, KCT_2) or false with the reason
   * @throws HydroSyncError `FORMAT`/`RANGE` a malformed token (nothing is sent); `LINK` when the
   *   meter could not be reached for all attempts: the token's fate is then unknown (keep it; it can
   *   safely be sent again or typed on the keypad, the meter never takes a token twice).
   */
  async upload(token: string): Promise<UploadResult> {
    const tokenBytes = tokenToBytes(token);
    const id = this.takeId();
    let ask: number = MESSAGE.submit;
    let rounds = 0;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        await this.connect();
        for (;;) {
          if (++rounds > this.maxAttempts * 4) throw new Final(new HydroSyncError('LINK', `the meter kept answering "busy" or "unknown" about message ${id}; keep the token and try again later`));
          const answer = await this.exchange(ask, id, tokenBytes, C.result);
          const content = decodeAnswer(answer.type, answer.payload);
          if (content.kind === 'outcome') return { ...content.outcome, messageId: id, attempts: attempt };
          if (content.kind === 'link' && content.name === 'UNKNOWN_MESSAGE') {
            ask = MESSAGE.submit; // the meter never had the whole message: send it (same id)
          } else if (content.kind === 'link' && content.name === 'BUSY') {
            await this.sleep(this.busyRetry);
            ask = MESSAGE.query;
          } else {
            throw new Final(new HydroSyncError('LINK', `the meter could not read message ${id}: ${content.kind === 'malformed' ? content.message : content.name} (a protocol error)`));
          }
        }
      } catch (e) {
        if (e instanceof Final) throw e.error;
        if (!isHydroSyncError(e) || e.code !== 'LINK') throw e;
        lastProblem = e.message;
        ask = MESSAGE.query; // from now on: first ask what happened
        await this.backOff(attempt);
      }
    }
    fail('LINK', `the meter did not say what happened to message ${id} after ${this.maxAttempts} attempts (${lastProblem}); keep the token: ask again later, or enter it on the meter's keypad (a meter never takes a token twice)`);
  }

  /**
   * Ask the meter what happened to message `messageId` that carried `token`.
   * @param messageId - the id an upload reported
   * @param token - the token that message carried
   * @returns the outcome, or null when the meter has no outcome for it (it never received the whole message)
   * @throws HydroSyncError `FORMAT`/`RANGE` a malformed token or id; `LINK` the meter cannot be reached.
   */
  async query(messageId: number, token: string): Promise<TokenOutcome | null> {
    if (!Number.isSafeInteger(messageId) || messageId < 0 || messageId > 0xffff) fail('RANGE', `a message id is 0..65535; got ${messageId}`);
    const tokenBytes = tokenToBytes(token);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect();
        const answer = await this.exchange(MESSAGE.query, messageId, tokenBytes, C.result);
        const content = decodeAnswer(answer.type, answer.payload);
        if (content.kind === 'outcome') return content.outcome;
        if (content.kind === 'link' && content.name === 'UNKNOWN_MESSAGE') return null;
        if (content.kind === 'link' && content.name === 'BUSY') {
          await this.sleep(this.busyRetry);
          continue;
        }
        fail('LINK', `the meter could not read the query: ${content.kind === 'malformed' ? content.message : content.name}`);
      } catch (e) {
        if (!isHydroSyncError(e) || e.code !== 'LINK' || attempt >= this.maxAttempts || /could not read/.test(e.message)) throw e;
        await this.backOff(attempt);
      }
    }
  }

  /**
   * Ask the meter for a new report and return its 50-byte frame (verify it at the security module).
   * A lost answer is asked for again under the same message id: the meter sends the same report,
   * so a retry does not use up report counters.
   * @throws HydroSyncError `LINK` the meter cannot be reached, or cannot make a report now.
   */
  async requestReport(): Promise<LinkReport> {
    const id = this.takeId();
    let rounds = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect();
        for (;;) {
          if (++rounds > this.maxAttempts * 4) throw new Final(new HydroSyncError('LINK', `the meter kept answering "busy" to report request ${id}; try again later`));
          const answer = await this.exchange(MESSAGE.reportRequest, id, new Uint8Array(0), C.report);
          if (answer.type === MESSAGE.report) return { frame: answer.payload, messageId: id, attempts: attempt };
          const content = decodeAnswer(answer.type, answer.payload);
          if (content.kind === 'link' && content.name === 'BUSY') {
            await this.sleep(this.busyRetry);
            continue;
          }
          throw new Final(new HydroSyncError('LINK', `the meter cannot make a report now (${content.kind === 'link' ? content.name : content.kind === 'malformed' ? content.message : content.outcome.result})`));
        }
      } catch (e) {
        if (e instanceof Final) throw e.error;
        if (!isHydroSyncError(e) || e.code !== 'LINK' || attempt >= this.maxAttempts) throw e;
        await this.backOff(attempt);
      }
    }
  }

  /**
   * Read the last report the meter made (the report characteristic), without making a new one.
   * @returns the 50-byte frame, or an empty array when the meter has made none since it started
   * @throws HydroSyncError `LINK` the meter cannot be reached.
   */
  async readLastReport(): Promise<Uint8Array> {
    await this.connect();
    return this.timed(this.transport.read(C.report), 'reading the last report');
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= 0xffff ? 1 : id + 1;
    return id;
  }

  /** Send one message and wait for the answer with its id on `answerOn`. */
  private async exchange(type: number, id: number, payload: Uint8Array, answerOn: string): Promise<LinkMessage> {
    let waiter!: Waiter;
    const answered = new Promise<LinkMessage>((resolve, reject) => {
      waiter = { characteristic: answerOn, messageId: id, resolve, reject };
      this.waiters.push(waiter);
    });
    answered.catch(() => undefined);
    try {
      for (const f of encodeFrames(type, id, payload, this.frameBytes)) await this.writeFrame(f);
      return await this.timed(answered, `waiting for the meter's answer to message ${id}`, this.answerTimeout);
    } finally {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
  }

  /** One frame, write with response; a frame the meter refused (link still up) is sent again. */
  private async writeFrame(f: Uint8Array): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await this.timed(this.transport.writeWithResponse(C.command, f), 'writing to the meter');
        return;
      } catch (e) {
        if (!this.transport.connected || i >= this.frameRetries) throw e;
      }
    }
  }

  private onNotification(characteristic: string, value: Uint8Array): void {
    const r = this.reassemblers.get(characteristic);
    if (r === undefined) return;
    const step = r.push(value, this.clock.now());
    if (step.kind !== 'message') return;
    const m = step.message;
    for (const w of this.waiters) {
      if (w.characteristic === characteristic && w.messageId === m.messageId) w.resolve(m);
    }
  }

  private failWaiters(e: HydroSyncError): void {
    for (const w of this.waiters) w.reject(e);
  }

  /** `p`, or LINK after `ms`: the connection is then treated as dead (disconnected). */
  private timed<T>(p: Promise<T>, what: string, ms = this.operationTimeout): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.clock.setTimer(ms, () => {
        reject(new HydroSyncError('LINK', `no answer from the meter within ${ms} ms (${what})`));
        void this.disconnect();
      });
      p.then(
        (v) => {
          cancel();
          resolve(v);
        },
        (e: unknown) => {
          cancel();
          reject(e);
        },
      );
    });
  }

  private async backOff(attempt: number): Promise<void> {
    await this.disconnect();
    if (attempt < this.maxAttempts) await this.sleep(Math.min(4000, this.reconnectDelay * 2 ** (attempt - 1)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}
