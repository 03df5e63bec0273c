/**
 * The sealed reissue record of a token-issuing transaction, in its compact form (seal format 2).
 *
 * The seal binds the transaction row's id, kind, PAN and time (associated data, see seal.ts), so
 * the plaintext leaves out what the row already holds and what follows from the rest: the
 * transaction id, `reissued` (false), the PAN, the kind, the grouped tokens (the tokens grouped
 * 4-4-4-4-4) and the audit amount when it is the encoded amount. The other fields keep their order
 * under one-letter keys; the time of issue, when it is the row's, keeps its place as `"a":0`.
 * Later writers shorten three more fields in place (older records, without them, read the same):
 * one token as a string instead of a list of one; the TID's date-time as the base date it follows
 * from with the TID (`"w":2014`); the encoded amount, when it is the requested amount, as `"e":0`.
 * A vend's record is about 80 to 95 bytes of JSON instead of about 390.
 *
 * expandResult() rebuilds exactly the result that was sealed, key order included. A result that
 * does not have this shape (another PAN or id than the row's, grouping of its own, other leading
 * fields) is kept whole under `f`.
 */
import { fail } from '../errors';
import { groupToken } from '../codec/token-digits';
import { BASE_DATES, formatWallClock, wallClockFromTid } from '../codec/tid';
import type { Issued } from './types';

/** The transaction row fields the seal is bound to. */
export interface SealedRow {
  id: string;
  kind: string;
  pan: string | null;
  at: string;
}

/** What a token-issuing operation stores for reissue: the result and its audit amount. */
export interface SealedIssue {
  issued: Issued;
  auditAmount: string | null;
}

const HEAD = ['transactionId', 'reissued', 'pan', 'kind', 'tokens', 'grouped'] as const;

/** One-letter keys of the other Issued fields (and `x` for a differing audit amount, `f` for a whole result). */
const SHORT: Readonly<Record<string, string>> = {
  tid: 'd', tidDateTime: 'w', keyRevisionNumber: 'r', issuedAt: 'a', requested: 'q', encoded: 'e',
  creditedLitres: 'l', tariff: 'y', keyChange: 'c', notes: 'n',
};
const LONG: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SHORT).map(([k, v]) => [v, k]));

function sameGrouping(tokens: readonly string[], grouped: readonly string[]): boolean {
  try {
    return tokens.length === grouped.length && tokens.every((t, i) => groupToken(t) === grouped[i]);
  } catch {
    return false;
  }
}

function compactable(row: SealedRow, r: SealedIssue): boolean {
  const i = r.issued;
  const keys = Object.keys(i);
  return HEAD.every((k, n) => keys[n] === k) && i.transactionId === row.id && i.reissued === false && i.pan === row.pan
    && i.kind === row.kind && Array.isArray(i.tokens) && i.tokens.every((t) => typeof t === 'string') && sameGrouping(i.tokens, i.grouped)
    && keys.slice(HEAD.length).every((k) => k in SHORT || k.length > 1);
}

/** The date-time of a TID under a base date ('' for a TID that is not one). */
function tidDateTime(tid: unknown, baseDate: unknown): string {
  try {
    return formatWallClock(wallClockFromTid(tid as number, baseDate as (typeof BASE_DATES)[number]));
  } catch {
    return '';
  }
}

/** The JSON text sealed for a result (see the file comment). */
export function compactResultText(row: SealedRow, r: SealedIssue): string {
  if (!compactable(row, r)) return JSON.stringify({ f: r });
  const i = r.issued;
  const out: Record<string, unknown> = { t: i.tokens.length === 1 ? i.tokens[0] : i.tokens };
  const seen = new Set<string>();
  for (const [k, v] of Object.entries(i).slice(HEAD.length)) {
    let short = v;
    // A field is shortened only to what expandResult rebuilds from the fields before it.
    if (k === 'issuedAt' && v === row.at) short = 0;
    else if (k === 'tidDateTime' && seen.has('tid')) short = BASE_DATES.find((b) => tidDateTime(i.tid, b) === v) ?? v;
    else if (k === 'encoded' && seen.has('requested') && v === i.requested && typeof v === 'string') short = 0;
    out[SHORT[k] ?? k] = short;
    seen.add(k);
  }
  if (r.auditAmount !== r.issued.encoded) out.x = r.auditAmount;
  return JSON.stringify(out);
}

/** The result a compact text stands for (the text was authenticated with the row; STORE if malformed). */
export function expandResult(row: SealedRow, value: unknown): SealedIssue {
  const v = value as Record<string, unknown> | null;
  if (v === null || typeof v !== 'object') return fail('STORE', `the stored result of transaction ${row.id} is malformed`);
  if ('f' in v) return v.f as SealedIssue;
  const tokens = typeof v.t === 'string' ? [v.t] : v.t;
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string') || row.pan === null) {
    return fail('STORE', `the stored result of transaction ${row.id} is malformed`);
  }
  const issued: Record<string, unknown> = {
    transactionId: row.id, reissued: false, pan: row.pan, kind: row.kind, tokens, grouped: tokens.map(groupToken),
  };
  for (const [k, x] of Object.entries(v)) {
    if (k === 't' || k === 'x') continue;
    const name = LONG[k] ?? k;
    if (name === 'issuedAt' && x === 0) issued[name] = row.at;
    else if (name === 'tidDateTime' && typeof x === 'number') issued[name] = tidDateTime(issued.tid, x);
    else if (name === 'encoded' && x === 0) issued[name] = issued.requested;
    else issued[name] = x;
  }
  const result = issued as unknown as Issued;
  return { issued: result, auditAmount: 'x' in v ? (v.x as string | null) : (result.encoded as string) };
}
