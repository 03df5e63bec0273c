/**
 * The messages of the link (docs/bluetooth.md, "Messages"): what the frames carry. Every integer
 * is big-endian. A token travels as its 66-bit value in 9 bytes (the top 6 bits zero).
 */
import { tokenFromBigInt, tokenToBigInt } from '../codec/token-digits';
import { fail } from '../errors';
import { METER_RESULTS, type MeterResultCode } from '../meter/results';

/** Message types (frame byte 0, bits 3..0). */
export const MESSAGE = Object.freeze({
  /** phone → meter (command): enter this token (9 bytes). */
  submit: 0x1,
  /** phone → meter (command): what happened to message N (the token, 9 bytes, that message carried). */
  query: 0x2,
  /** phone → meter (command): make a report now (no payload). */
  reportRequest: 0x3,
  /** meter → phone (result): the token was taken (status 1..3). */
  result: 0x8,
  /** meter → phone (result or report): refused; a status code (meter 4..15, link 0x80..). */
  error: 0x9,
  /** meter → phone (report): a report frame (50 bytes, docs/reports.md). */
  report: 0xa,
} as const);

/** Link status codes of an ERROR message (above the meter's token status values 1..15). */
export const LINK_STATUS = Object.freeze({
  /** The message was not understood (unknown type, wrong payload length, not a token). */
  BAD_MESSAGE: 0x80,
  /** Query: the meter has no outcome for this message id and token: it never received the whole message. */
  UNKNOWN_MESSAGE: 0x81,
  /** The meter is still working on this message: ask again later. */
  BUSY: 0x82,
  /** The meter could not make a report (its clock is not set, or its report counter is exhausted). */
  REPORT_UNAVAILABLE: 0x83,
} as const);

export type LinkStatusName = keyof typeof LINK_STATUS;

/** Bytes of a token on the link. */
export const TOKEN_BYTES = 9;
/** Bytes of a RESULT payload: status, TID, litres added, credit after. */
export const RESULT_BYTES = 16;
/** Bytes of an ERROR payload: status, credit (litres) at the time. */
export const ERROR_BYTES = 7;

/**
 * A 20-digit token → its 66-bit value in 9 bytes, big-endian.
 * @param token - 20 digits (spaces and dashes ignored)
 * @throws HydroSyncError `FORMAT` / `RANGE` for a malformed token.
 */
export function tokenToBytes(token: string): Uint8Array {
  let v = tokenToBigInt(token);
  const b = new Uint8Array(TOKEN_BYTES);
  for (let i = TOKEN_BYTES - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

/**
 * 9 bytes → the token's 20 digits.
 * @param b - the 9 bytes
 * @throws HydroSyncError `FORMAT` for a wrong length, `RANGE` above 2^66 − 1.
 */
export function tokenFromBytes(b: Uint8Array): string {
  if (!(b instanceof Uint8Array) || b.length !== TOKEN_BYTES) fail('FORMAT', `a token on the link is ${TOKEN_BYTES} bytes; got ${b instanceof Uint8Array ? b.length : 'no bytes'}`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return tokenFromBigInt(v);
}

function setUint48(b: Uint8Array, at: number, n: number): void {
  const high = Math.floor(n / 2 ** 32);
  const low = n - high * 2 ** 32;
  b[at] = high >>> 8;
  b[at + 1] = high & 0xff;
  b[at + 2] = low >>> 24;
  b[at + 3] = (low >>> 16) & 0xff;
  b[at + 4] = (low >>> 8) & 0xff;
  b[at + 5] = low & 0xff;
}

function getUint48(b: Uint8Array, at: number): number {
  return ((b[at] << 8) | b[at + 1]) * 2 ** 32 + ((b[at + 2] << 24) >>> 0) + ((b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]);
}

/** What the meter did with a token, as the phone learns it. */
export interface TokenOutcome {
  /** The meter's result code (ACCEPT, KCT_1, KCT_2, or the reason it refused the token). */
  result: MeterResultCode;
  /** The meter's token status register value, 1..15. */
  status: number;
  /** True when the meter took the token (ACCEPT, KCT_1, KCT_2): it will never take it again. */
  applied: boolean;
  /** TID of the token (taken credit and management tokens; 0 for key-change tokens). */
  tid?: number;
  /** Litres the token added. */
  litres?: number;
  /** The meter's credit after the entry, litres. */
  creditLitres: number;
}

const BY_STATUS: ReadonlyMap<number, MeterResultCode> = new Map(
  (Object.keys(METER_RESULTS) as MeterResultCode[]).map((code) => [METER_RESULTS[code].status, code]),
);

/** The meter result code of a token status value 1..15, or undefined. */
export function resultOfStatus(status: number): MeterResultCode | undefined {
  return BY_STATUS.get(status);
}

/** RESULT payload (16 bytes): status (1) ‖ TID (3) ‖ litres added (6) ‖ credit after (6). */
export function encodeResult(o: { status: number; tid?: number; litres?: number; creditLitres: number }): Uint8Array {
  const b = new Uint8Array(RESULT_BYTES);
  b[0] = o.status;
  const tid = o.tid ?? 0;
  b[1] = tid >>> 16;
  b[2] = (tid >>> 8) & 0xff;
  b[3] = tid & 0xff;
  setUint48(b, 4, o.litres ?? 0);
  setUint48(b, 10, o.creditLitres);
  return b;
}

/** ERROR payload (7 bytes): status (1) ‖ credit (6). */
export function encodeError(status: number, creditLitres = 0): Uint8Array {
  const b = new Uint8Array(ERROR_BYTES);
  b[0] = status;
  setUint48(b, 1, creditLitres);
  return b;
}

/** A RESULT or ERROR message's content. */
export type AnswerContent =
  | { kind: 'outcome'; outcome: TokenOutcome }
  | { kind: 'link'; status: number; name: LinkStatusName | 'UNKNOWN' }
  | { kind: 'malformed'; message: string };

/**
 * Read a RESULT or ERROR payload.
 * @throws never: a malformed payload is `{ kind: 'malformed' }`.
 */
export function decodeAnswer(type: number, p: Uint8Array): AnswerContent {
  if (type === MESSAGE.result) {
    if (p.length !== RESULT_BYTES) return { kind: 'malformed', message: `a RESULT is ${RESULT_BYTES} bytes; got ${p.length}` };
    const result = resultOfStatus(p[0]);
    if (result === undefined || !METER_RESULTS[result].taken) return { kind: 'malformed', message: `a RESULT carries status 1..3; got ${p[0]}` };
    return {
      kind: 'outcome',
      outcome: { result, status: p[0], applied: true, tid: (p[1] << 16) | (p[2] << 8) | p[3], litres: getUint48(p, 4), creditLitres: getUint48(p, 10) },
    };
  }
  if (type === MESSAGE.error) {
    if (p.length !== ERROR_BYTES) return { kind: 'malformed', message: `an ERROR is ${ERROR_BYTES} bytes; got ${p.length}` };
    const result = resultOfStatus(p[0]);
    if (result !== undefined) {
      if (METER_RESULTS[result].taken) return { kind: 'malformed', message: `an ERROR carries a refusal, not status ${p[0]}` };
      return { kind: 'outcome', outcome: { result, status: p[0], applied: false, creditLitres: getUint48(p, 1) } };
    }
    const name = (Object.keys(LINK_STATUS) as LinkStatusName[]).find((k) => LINK_STATUS[k] === p[0]) ?? 'UNKNOWN';
    return { kind: 'link', status: p[0], name };
  }
  return { kind: 'malformed', message: `message type ${type} is not an answer` };
}
