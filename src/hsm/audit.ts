/**
 * The hash-chained audit log. Every issued token, reissue, refusal and administrative change is
 * one record; no record ever holds key material (tokens appear only as a SHA-256 hash).
 *
 *   hash = SHA-256(JSON of [ "hydrosync-audit/1", seq, at, operator, vendingPoint, transactionId,
 *                            pan, kind, outcome, errorCode, amount, tid, tokenHash, prevHash ])
 *
 * prevHash is the previous record's hash (64 zeros for the first). The head (last seq and hash)
 * is kept in the meta row 'audit_head', updated in the same transaction as the append, with an
 * HMAC under a master-key subkey: cutting records off the end, or appending and re-chaining
 * forged ones, shows up even though SHA-256 alone can be recomputed by anyone. A transaction that
 * appends many records (a fleet key change chunk, AuditAppender) writes the head once, at its end:
 * what a reader sees after the commit is the same as with one head write per record.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { fail } from '../errors';
import { bytesToHex } from '../codec/hex';
import { sameText } from './master-key';
import type { HsmStore } from './store';
import { sha256HexOfText } from './sha256-text';
import type { AuditRecord, AuditVerification } from './types';
import { checkObject } from '../argument-checks';

export const ZERO_HASH = '0'.repeat(64);
const HEAD = 'audit_head';

export type AuditEntry = Omit<AuditRecord, 'seq' | 'prevHash' | 'hash'>;

/** The text a record's hash is taken of (see the file comment). */
function auditCanonical(r: Omit<AuditRecord, 'hash'>): string {
  return JSON.stringify([
    'hydrosync-audit/1', r.seq, r.at, r.operator, r.vendingPoint, r.transactionId, r.pan, r.kind,
    r.outcome, r.errorCode, r.amount, r.tid, r.tokenHash, r.prevHash,
  ]);
}

/**
 * The hash of an audit record over its fields and the previous record's hash (the audit chain link).
 * @param r - the record without its own hash
 * @throws HydroSyncError `USAGE` if `r` is not an object.
 */
export function auditHash(r: Omit<AuditRecord, 'hash'>): string {
  checkObject(r, 'an audit record', 'AUDIT');
  return sha256HexOfText(auditCanonical(r));
}

/** SHA-256 (hex) of the token digits, all tokens of a set joined by ",". */
export function tokenHash(tokens: readonly string[]): string | null {
  return tokens.length === 0 ? null : sha256HexOfText(tokens.join(','));
}

interface Head {
  seq: number;
  hash: string;
  mac: string;
}

function headMac(key: Uint8Array, seq: number, hash: string): string {
  return bytesToHex(hmac(sha256, key, utf8ToBytes(`hydrosync-audit-head/1:${seq}:${hash}`)));
}

/** The head row as last written or verified with each audit key (saves one HMAC per append). */
const verifiedHeads = new WeakMap<Uint8Array, string>();

function readHead(store: HsmStore, key: Uint8Array): { head: Head | null; ok: boolean } {
  const text = store.getMeta(HEAD);
  if (text === undefined) return { head: null, ok: false };
  try {
    const h = JSON.parse(text) as Head;
    if (!Number.isSafeInteger(h.seq) || typeof h.hash !== 'string' || typeof h.mac !== 'string') return { head: null, ok: false };
    if (verifiedHeads.get(key) === text) return { head: h, ok: true };
    const ok = sameText(h.mac, headMac(key, h.seq, h.hash));
    if (ok) verifiedHeads.set(key, text);
    return { head: h, ok };
  } catch {
    return { head: null, ok: false };
  }
}

function writeHead(store: HsmStore, key: Uint8Array, seq: number, hash: string): void {
  const text = JSON.stringify({ seq, hash, mac: headMac(key, seq, hash) });
  store.setMeta(HEAD, text);
  verifiedHeads.set(key, text);
}

/** Start an empty chain (init). */
export function initAudit(store: HsmStore, key: Uint8Array): void {
  writeHead(store, key, 0, ZERO_HASH);
}

function requireHead(store: HsmStore, key: Uint8Array): Head {
  const { head, ok } = readHead(store, key);
  if (!ok || head === null) {
    fail('AUDIT', 'the audit log head is missing or was altered, so nothing more is issued; run verifyAudit (hydrosync hsm audit verify) and investigate');
  }
  return head;
}

/** Append one record and move the head, inside the caller's transaction. AUDIT if the head was altered. */
export function appendAudit(store: HsmStore, key: Uint8Array, entry: AuditEntry): AuditRecord {
  const head = requireHead(store, key);
  const partial = { ...entry, seq: head.seq + 1, prevHash: head.hash };
  const record: AuditRecord = { ...partial, hash: auditHash(partial) };
  store.appendAudit(record);
  writeHead(store, key, record.seq, record.hash);
  return record;
}

/**
 * Many appends in one transaction of the caller's (a fleet key change): the head is read and its
 * MAC checked once, at the start (AUDIT if it was altered), and written once, by finish(). The
 * records, and the head every reader sees after the commit, are exactly those of appendAudit
 * called once per record; nothing else may append in between (the caller holds the transaction,
 * and must call finish() before it commits).
 */
export class AuditAppender {
  readonly #store: HsmStore;
  readonly #key: Uint8Array;
  #seq: number;
  #hash: string;
  #dirty = false;

  constructor(store: HsmStore, key: Uint8Array) {
    const head = requireHead(store, key);
    this.#store = store;
    this.#key = key;
    this.#seq = head.seq;
    this.#hash = head.hash;
  }

  append(e: AuditEntry): AuditRecord {
    const record: AuditRecord = {
      seq: this.#seq + 1, at: e.at, operator: e.operator, vendingPoint: e.vendingPoint, transactionId: e.transactionId, pan: e.pan,
      kind: e.kind, outcome: e.outcome, errorCode: e.errorCode, amount: e.amount, tid: e.tid, tokenHash: e.tokenHash, prevHash: this.#hash, hash: '',
    };
    record.hash = sha256HexOfText(auditCanonical(record));
    this.#store.appendAudit(record);
    this.#seq = record.seq;
    this.#hash = record.hash;
    this.#dirty = true;
    return record;
  }

  /** Write the head (once, if anything was appended). */
  finish(): void {
    if (this.#dirty) writeHead(this.#store, this.#key, this.#seq, this.#hash);
    this.#dirty = false;
  }
}

/** The seq under which a record's content matches its hash, if it is not its own (nearby seqs tried). */
function movedFrom(r: AuditRecord, seqOfHash: Map<string, number>): number | null {
  const candidates = new Set<number>([(seqOfHash.get(r.prevHash) ?? -2) + 1]);
  for (let d = 1; d <= 64; d++) candidates.add(r.seq - d).add(r.seq + d);
  for (const s of candidates) {
    if (s > 0 && s !== r.seq && auditHash({ ...r, seq: s }) === r.hash) return s;
  }
  return null;
}

function bad(seq: number, reason: string, message: string, records: number): AuditVerification {
  return { ok: false, records, firstBad: { seq, reason, message } };
}

/**
 * A checkpoint of the audit head for the operator to keep outside the store: the head's seq and
 * hash, sealed with an HMAC under the audit subkey of the master key. The head row alone cannot
 * show that the newest records were cut off and an older (validly sealed) head row was written
 * back; a checkpoint taken before can: the log must still reach its seq with the same hash.
 */
export interface AuditCheckpoint {
  format: 'hydrosync-audit-checkpoint/1';
  seq: number;
  hash: string;
  mac: string;
}

const CHECKPOINT_FORMAT = 'hydrosync-audit-checkpoint/1';

function checkpointMac(key: Uint8Array, seq: number, hash: string): string {
  return bytesToHex(hmac(sha256, key, utf8ToBytes(`${CHECKPOINT_FORMAT}:${seq}:${hash}`)));
}

/** A checkpoint of the current head; AUDIT if the log does not verify (a checkpoint of a broken log would vouch for it). */
export function auditCheckpoint(store: HsmStore, key: Uint8Array): AuditCheckpoint {
  const v = verifyAuditLog(store, key);
  if (!v.ok) fail('AUDIT', `the audit log does not verify (record ${v.firstBad!.seq}, ${v.firstBad!.reason}); no checkpoint is made of a broken log`);
  const head = requireHead(store, key);
  return { format: CHECKPOINT_FORMAT, seq: head.seq, hash: head.hash, mac: checkpointMac(key, head.seq, head.hash) };
}

/** Check a checkpoint's shape (FORMAT) and seal (AUDIT: altered, or made with another master key). */
function openCheckpoint(input: unknown, key: Uint8Array): { seq: number; hash: string } {
  const c = input as Partial<AuditCheckpoint> | null;
  if (c === null || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT || !Number.isSafeInteger(c.seq) || (c.seq as number) < 0
    || typeof c.hash !== 'string' || !/^[0-9a-f]{64}$/.test(c.hash) || typeof c.mac !== 'string') {
    fail('FORMAT', `not an audit checkpoint (a JSON object {"format":"${CHECKPOINT_FORMAT}","seq","hash","mac"} made by hsm audit checkpoint)`);
  }
  if (!sameText(c.mac, checkpointMac(key, c.seq!, c.hash))) {
    fail('AUDIT', 'the audit checkpoint was altered or made by a module with another master key: its seal does not verify');
  }
  return { seq: c.seq!, hash: c.hash };
}

/** The log against a checkpoint taken earlier: it must reach the checkpoint's seq with the same hash. */
function againstCheckpoint(store: HsmStore, cp: { seq: number; hash: string }, records: number): AuditVerification {
  if (cp.seq === 0) return { ok: true, records };
  const r = store.readAudit({ fromSeq: cp.seq, limit: 1 })[0];
  if (r === undefined || r.seq !== cp.seq) {
    return bad(cp.seq, 'truncated', `the log ends before record ${cp.seq}, which the checkpoint saw: records were cut off the end and an older head was put back`, records);
  }
  if (r.hash !== cp.hash) return bad(cp.seq, 'edited', `record ${cp.seq} is not the record the checkpoint saw: the log was rewritten since`, records);
  return { ok: true, records };
}

/**
 * Walk the log in storage order and name the first bad record:
 * - inserted: the chain runs past it (the next record links to the one before it) and nothing
 *   links to it, or its seq repeats; records beyond the head are inserted too;
 * - edited: its hash does not match its content, or the next record does not link to it;
 * - deleted: a seq is missing; reordered: seqs out of order with the chain otherwise intact;
 * - truncated: records missing at the end (the head names a later seq);
 * - head: the head row is missing or its MAC fails.
 * With a checkpoint (auditCheckpoint, kept by the operator): also truncated when the log no longer
 * reaches the checkpoint's seq, edited when that record's hash differs.
 */
export function verifyAuditLog(store: HsmStore, key: Uint8Array, checkpoint?: unknown): AuditVerification {
  const cp = checkpoint === undefined ? undefined : openCheckpoint(checkpoint, key);
  const v = verifyChain(store, key);
  return cp === undefined || !v.ok ? v : againstCheckpoint(store, cp, v.records);
}

function verifyChain(store: HsmStore, key: Uint8Array): AuditVerification {
  const recs = store.readAudit();
  const n = recs.length;
  const { head, ok } = readHead(store, key);
  const seqs = new Set<number>();
  // Hashes something links to: a later record's prevHash, or the head.
  const linked = new Set<string>(head !== null && ok ? [head.hash] : []);
  const seqOfHash = new Map<string, number>([[ZERO_HASH, 0]]);
  for (const r of recs) {
    seqs.add(r.seq);
    linked.add(r.prevHash);
    seqOfHash.set(r.hash, r.seq);
  }
  const seen = new Set<number>();
  let prev = ZERO_HASH;
  let expected = 1;
  for (let i = 0; i < n; i++) {
    const r = recs[i]!;
    const next = recs[i + 1];
    if (seen.has(r.seq) || (next !== undefined && next.prevHash === prev && next.prevHash !== r.hash && !linked.has(r.hash))) {
      return bad(r.seq, 'inserted', `record ${r.seq} (position ${i + 1}) was inserted: the chain does not run through it`, n);
    }
    seen.add(r.seq);
    if (auditHash(r) !== r.hash) {
      // A moved record (seq values swapped between rows) still hashes correctly under its original seq.
      const original = movedFrom(r, seqOfHash);
      if (original !== null) return bad(r.seq, 'reordered', `the record stored as ${r.seq} is record ${original}: the log was reordered`, n);
      return bad(r.seq, 'edited', `record ${r.seq} was edited: its content does not match its hash`, n);
    }
    if (r.seq !== expected) {
      if (r.seq > expected && !seqs.has(expected)) return bad(expected, 'deleted', `record ${expected} was deleted (the log goes from ${expected - 1} to ${r.seq})`, n);
      return bad(expected, 'reordered', `record ${r.seq} is stored where record ${expected} belongs: the log was reordered`, n);
    }
    if (r.prevHash !== prev) {
      const edited = i === 0 ? r.seq : expected - 1;
      return bad(edited, 'edited', `record ${edited} was edited and re-hashed: record ${r.seq} links to a different hash`, n);
    }
    prev = r.hash;
    expected = r.seq + 1;
  }
  if (!ok || head === null) return bad(expected - 1, 'head', 'the audit head row is missing or its MAC does not verify: it was altered', n);
  const lastSeq = expected - 1;
  if (lastSeq < head.seq) return bad(lastSeq + 1, 'truncated', `records ${lastSeq + 1} to ${head.seq} are missing at the end of the log`, n);
  if (lastSeq > head.seq) return bad(head.seq + 1, 'inserted', `record ${head.seq + 1} and later were appended outside the security module (the head ends at ${head.seq})`, n);
  if (head.hash !== prev) return bad(head.seq, 'edited', `the log was re-chained: record ${head.seq}'s hash is not the one the head holds`, n);
  return { ok: true, records: n };
}
