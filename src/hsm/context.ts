/**
 * Request context checks (operator, vending point, transaction id) and generated transaction ids.
 * These strings go into the audit log, so they are short and printable.
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from '../codec/input-text';
import { randomBytes } from '../tokens/random';
import type { RequestContext } from './types';

const NAME = /^[^\u0000-\u001f\u007f]{1,64}$/;
const TRANSACTION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export function checkName(what: string, v: unknown, allowEmpty = false): string {
  if (typeof v !== 'string') fail('FORMAT', `${what} must be a string; got ${typeOfInput(v)}`);
  if (allowEmpty && v === '') return v;
  if (!NAME.test(v) || v.trim() === '') {
    fail('FORMAT', `${what} must be 1 to 64 printable characters (no control characters); got ${showInput(v)}`);
  }
  return v;
}

export function checkTransactionId(v: unknown): string {
  if (typeof v !== 'string' || !TRANSACTION_ID.test(v)) {
    fail('FORMAT', `transaction id must be 1 to 100 characters from A-Z a-z 0-9 . _ : -; got ${showInput(v)}`);
  }
  return v;
}

let lastMs = -1;
let counter = 0;

/**
 * A new transaction id: an RFC 9562 version-7 UUID (48-bit Unix milliseconds, a 12-bit counter,
 * 62 random bits from the CSPRNG). Ids are monotonic within a process (the counter orders ids of
 * the same millisecond), so the store's transaction index grows at its end.
 */
export function newTransactionId(now: Date = new Date()): string {
  const b = randomBytes(16);
  let ms = now.getTime();
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      ms++;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (counter >>> 8);
  b[7] = counter & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type CheckedContext = Required<RequestContext>;

/** Validate a request context; the transaction id defaults to a new UUID. */
export function checkContext(ctx: Partial<RequestContext> | undefined, needsVendingPoint: boolean, now?: Date): CheckedContext {
  if (ctx === null || typeof ctx !== 'object') fail('FORMAT', 'the request context must be an object with operator (and vendingPoint)');
  return {
    operator: checkName('operator', ctx.operator),
    vendingPoint: needsVendingPoint ? checkName('vendingPoint', ctx.vendingPoint) : checkName('vendingPoint', ctx.vendingPoint ?? '', true),
    transactionId: ctx.transactionId === undefined ? newTransactionId(now) : checkTransactionId(ctx.transactionId),
  };
}

/** Best-effort printable rendering of a possibly invalid value, for refusal records. */
export function auditText(v: unknown, max = 64): string {
  if (typeof v !== 'string') return v === undefined || v === null ? '' : typeOfInput(v);
  return v.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, max);
}
