/**
 * The hash-chained audit log. Every issued token, reissue, refusal and administrative change is
 * one record; no record ever holds key material (tokens appear only as a SHA-256 hash).
 *
 *   hash = SHA-256(JSON of [ "hydrosync-audit/1", seq, at, operator, vendingPoint, transactionId,
 *                            pan, kind, outcome, errorCode, amount, tid, tokenHash, prevHash ])
 *
 * The log is a set of chains, one per vending node (the `node` an Hsm is opened with; 'main' by
 * default), so that nodes sharing one database append concurrently: a sale locks only its own
 * node's head row. Within a chain, seq counts from 1 and prevHash is the previous record's hash
 * (64 zeros for the first). Each chain's head (last seq and hash) is a meta row ('audit_head' for
 * 'main', 'audit_head:<chain>' for the others), updated in the same transaction as the append,
 * with an HMAC under a master-key subkey that also covers the chain's name: cutting records off
 * the end, or appending and re-chaining forged ones, shows up even though SHA-256 alone can be
 * recomputed by anyone. A record moved to another chain breaks both chains' links.
 *
 * What the database alone cannot show (a whole chain deleted with its head, or an older head row
 * written back after records were cut off) a checkpoint shows: the sealed heads of every chain,
 * exported by the operator and kept elsewhere (auditCheckpoint, verifyAuditLog(…, checkpoint)).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { fail } from '../errors';
import { bytesToHex } from '../codec/hex';
import { showInput } from '../codec/input-text';
import { sameText } from './master-key';
import type { HsmStore, StoreTx } from './store';
import { sha256HexOfText } from './sha256-text';
import type { AuditRecord, AuditVerification } from './types';
import { checkObject } from '../argument-checks';

export const ZERO_HASH = '0'.repeat(64);
/** The chain of a module opened without a node name (and of every store made before chains). */
export const MAIN_CHAIN = 'main';
const HEAD = 'audit_head';
const CHAIN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export type AuditEntry = Omit<AuditRecord, 'chain' | 'seq' | 'prevHash' | 'hash'>;

/** A node's chain name: 1 to 64 characters A-Z a-z 0-9 . _ - (FORMAT otherwise). */
export function checkChainName(v: unknown): string {
  if (typeof v !== 'string' || !CHAIN_NAME.test(v)) fail('FORMAT', `a node name must be 1 to 64 characters A-Z a-z 0-9 . _ -; got ${showInput(v)}`);
  return v;
}

const headName = (chain: string) => (chain === MAIN_CHAIN ? HEAD : `${HEAD}:${chain}`);

/** The text a record's hash is taken of (see the file comment). */
function auditCanonical(r: Omit<AuditRecord, 'hash' | 'chain'>): string {
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
export function auditHash(r: Omit<AuditRecord, 'hash' | 'chain'>): string {
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

/** HMAC-SHA-256 (hex) of a text under the audit key: the head rows' and the checkpoints' seal. */
const macOf = (key: Uint8Array, text: string): string => bytesToHex(hmac(sha256, key, utf8ToBytes(text)));

/** The main chain keeps the head format of stores made before chains; other chains' MACs cover their name. */
function headMac(key: Uint8Array, chain: string, seq: number, hash: string): string {
  return macOf(key, chain === MAIN_CHAIN ? `hydrosync-audit-head/1:${seq}:${hash}` : `hydrosync-audit-head/2:${chain}:${seq}:${hash}`);
}

/** Head rows as last written or verified with each audit key, by chain (saves one HMAC per append). */
const verifiedHeads = new WeakMap<Uint8Array, Map<string, string>>();

function parseHead(key: Uint8Array, chain: string, text: string | undefined): { head: Head | null; ok: boolean } {
  if (text === undefined) return { head: null, ok: false };
  try {
    const h = JSON.parse(text) as Head;
    if (!Number.isSafeInteger(h.seq) || typeof h.hash !== 'string' || typeof h.mac !== 'string') return { head: null, ok: false };
    const known = verifiedHeads.get(key);
    if (known?.get(chain) === text) return { head: h, ok: true };
    const ok = sameText(h.mac, headMac(key, chain, h.seq, h.hash));
    if (ok) remember(key, chain, text);
    return { head: h, ok };
  } catch {
    return { head: null, ok: false };
  }
}

function remember(key: Uint8Array, chain: string, text: string): void {
  let known = verifiedHeads.get(key);
  if (known === undefined) verifiedHeads.set(key, (known = new Map()));
  if (known.size > 1024) known.clear();
  known.set(chain, text);
}

async function writeHead(tx: StoreTx, key: Uint8Array, chain: string, seq: number, hash: string): Promise<void> {
  const text = JSON.stringify({ seq, hash, mac: headMac(key, chain, seq, hash) });
  await tx.setMeta(headName(chain), text);
  remember(key, chain, text);
}

/** Start the empty main chain (init). */
export async function initAudit(tx: StoreTx, key: Uint8Array): Promise<void> {
  await writeHead(tx, key, MAIN_CHAIN, 0, ZERO_HASH);
}

const ALTERED = 'the audit log head is missing or was altered, so nothing more is issued; run verifyAudit (hydrosync hsm audit verify) and investigate';

/**
 * The chain's head, locked for this transaction. A node's first append starts its chain at 0, but
 * only if the chain has no records (a head row deleted under records is AUDIT, as is a missing
 * head of the main chain, which init creates).
 */
async function lockHead(tx: StoreTx, key: Uint8Array, chain: string): Promise<Head> {
  const text = await tx.getMeta(headName(chain), { lock: true });
  if (text === undefined && chain !== MAIN_CHAIN && (await tx.readAudit({ chain, limit: 1 })).length === 0) {
    return { seq: 0, hash: ZERO_HASH, mac: '' };
  }
  const { head, ok } = parseHead(key, chain, text);
  if (!ok || head === null) fail('AUDIT', chain === MAIN_CHAIN ? ALTERED : `${ALTERED} (chain ${chain})`);
  return head;
}

/** Append one record to the chain and move its head, inside the caller's transaction. AUDIT if the head was altered. */
export async function appendAudit(tx: StoreTx, key: Uint8Array, chain: string, entry: AuditEntry): Promise<AuditRecord> {
  const appender = await AuditAppender.open(tx, key, chain);
  const record = await appender.append(entry);
  await appender.finish();
  return record;
}

/**
 * Many appends to one chain in one transaction of the caller's (a fleet key change chunk): the
 * head is locked and its MAC checked once, at open (AUDIT if it was altered), and written once,
 * by finish(). The records, and the head every reader sees after the commit, are exactly those of
 * appendAudit called once per record; the caller must call finish() before it commits.
 */
export class AuditAppender {
  readonly #tx: StoreTx;
  readonly #key: Uint8Array;
  readonly #chain: string;
  #seq: number;
  #hash: string;
  #dirty = false;

  private constructor(tx: StoreTx, key: Uint8Array, chain: string, head: Head) {
    this.#tx = tx;
    this.#key = key;
    this.#chain = chain;
    this.#seq = head.seq;
    this.#hash = head.hash;
  }

  static async open(tx: StoreTx, key: Uint8Array, chain: string): Promise<AuditAppender> {
    return new AuditAppender(tx, key, chain, await lockHead(tx, key, chain));
  }

  async append(e: AuditEntry): Promise<AuditRecord> {
    const partial = { ...e, chain: this.#chain, seq: this.#seq + 1, prevHash: this.#hash };
    const record: AuditRecord = { ...partial, hash: auditHash(partial) };
    await this.#tx.appendAudit(record);
    this.#seq = record.seq;
    this.#hash = record.hash;
    this.#dirty = true;
    return record;
  }

  /** Write the head (once, if anything was appended). */
  async finish(): Promise<void> {
    if (this.#dirty) await writeHead(this.#tx, this.#key, this.#chain, this.#seq, this.#hash);
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

type Bad = (seq: number, reason: string, message: string) => AuditVerification;

function badOf(chain: string, records: number): Bad {
  const prefix = chain === MAIN_CHAIN ? '' : `chain ${chain}: `;
  return (seq, reason, message) => ({ ok: false, records, firstBad: { chain, seq, reason, message: prefix + message } });
}

/**
 * A checkpoint of the audit heads for the operator to keep outside the store: every chain's
 * head seq and hash, sealed with an HMAC under the audit subkey of the master key. The head rows
 * alone cannot show that the newest records were cut off and an older (validly sealed) head row
 * was written back, or that a whole chain was deleted; a checkpoint taken before can: every chain
 * it names must still reach its seq with the same hash.
 */
export interface AuditCheckpoint {
  format: 'hydrosync-audit-checkpoint/2';
  heads: { chain: string; seq: number; hash: string }[];
  mac: string;
}

const CHECKPOINT_FORMAT = 'hydrosync-audit-checkpoint/2';
const CHECKPOINT_V1 = 'hydrosync-audit-checkpoint/1';

type CheckpointHead = AuditCheckpoint['heads'][number];

function checkpointMac(key: Uint8Array, heads: readonly CheckpointHead[]): string {
  return macOf(key, `${CHECKPOINT_FORMAT}:${JSON.stringify(heads.map((h) => [h.chain, h.seq, h.hash]))}`);
}

/** Every chain's head row (chain, head text), the main chain first. */
async function headRows(tx: StoreTx): Promise<[chain: string, text: string][]> {
  const rows = await tx.listMeta(HEAD);
  const out: [string, string][] = [];
  for (const [name, text] of rows) {
    if (name === HEAD) out.unshift([MAIN_CHAIN, text]);
    else if (name.startsWith(`${HEAD}:`)) out.push([name.slice(HEAD.length + 1), text]);
  }
  return out;
}

/** A checkpoint of the current heads; AUDIT if the log does not verify (a checkpoint of a broken log would vouch for it). */
export async function auditCheckpoint(store: HsmStore, key: Uint8Array): Promise<AuditCheckpoint> {
  return store.transaction(async (tx) => {
    const v = await verifyIn(tx, key);
    if (!v.ok) fail('AUDIT', `the audit log does not verify (${v.firstBad!.chain === MAIN_CHAIN ? '' : `chain ${v.firstBad!.chain}, `}record ${v.firstBad!.seq}, ${v.firstBad!.reason}); no checkpoint is made of a broken log`);
    const heads: CheckpointHead[] = [];
    for (const [chain, text] of await headRows(tx)) {
      const { head } = parseHead(key, chain, text);
      heads.push({ chain, seq: head!.seq, hash: head!.hash });
    }
    return { format: CHECKPOINT_FORMAT, heads, mac: checkpointMac(key, heads) };
  }, { readOnly: true });
}

const HEX64 = /^[0-9a-f]{64}$/;
const ALTERED_CHECKPOINT = 'the audit checkpoint was altered or made by a module with another master key: its seal does not verify';

/** Check a checkpoint's shape (FORMAT) and seal (AUDIT: altered, or made with another master key). */
function openCheckpoint(input: unknown, key: Uint8Array): CheckpointHead[] {
  const c = input as { format?: unknown; heads?: unknown; seq?: unknown; hash?: unknown; mac?: unknown } | null;
  const malformed = () => fail('FORMAT', `not an audit checkpoint (a JSON object {"format":"${CHECKPOINT_FORMAT}","heads":[{"chain","seq","hash"}…],"mac"} made by hsm audit checkpoint)`);
  if (c === null || typeof c !== 'object' || typeof c.mac !== 'string') return malformed();
  if (c.format === CHECKPOINT_V1) {
    if (!Number.isSafeInteger(c.seq) || (c.seq as number) < 0 || typeof c.hash !== 'string' || !HEX64.test(c.hash)) return malformed();
    if (!sameText(c.mac, macOf(key, `${CHECKPOINT_V1}:${c.seq}:${c.hash}`))) fail('AUDIT', ALTERED_CHECKPOINT);
    return [{ chain: MAIN_CHAIN, seq: c.seq as number, hash: c.hash }];
  }
  if (c.format !== CHECKPOINT_FORMAT || !Array.isArray(c.heads)) return malformed();
  const heads = c.heads as CheckpointHead[];
  for (const h of heads) {
    if (h === null || typeof h !== 'object' || typeof h.chain !== 'string' || !CHAIN_NAME.test(h.chain)
      || !Number.isSafeInteger(h.seq) || h.seq < 0 || typeof h.hash !== 'string' || !HEX64.test(h.hash)) return malformed();
  }
  if (!sameText(c.mac, checkpointMac(key, heads))) fail('AUDIT', ALTERED_CHECKPOINT);
  return heads.map((h) => ({ chain: h.chain, seq: h.seq, hash: h.hash }));
}

/** A chain against its head in a checkpoint taken earlier: it must reach the checkpoint's seq with the same hash. */
async function againstCheckpoint(tx: StoreTx, cp: CheckpointHead, records: number): Promise<AuditVerification | null> {
  if (cp.seq === 0) return null;
  const bad = badOf(cp.chain, records);
  const r = (await tx.readAudit({ chain: cp.chain, fromSeq: cp.seq, limit: 1 }))[0];
  if (r === undefined || r.seq !== cp.seq) {
    return bad(cp.seq, 'truncated', `the log ends before record ${cp.seq}, which the checkpoint saw: records were cut off the end and an older head was put back`);
  }
  if (r.hash !== cp.hash) return bad(cp.seq, 'edited', `record ${cp.seq} is not the record the checkpoint saw: the log was rewritten since`);
  return null;
}

/**
 * Walk every chain in storage order and name the first bad record:
 * - inserted: the chain runs past it (the next record links to the one before it) and nothing
 *   links to it, or its seq repeats; records beyond the head are inserted too;
 * - edited: its hash does not match its content, or the next record does not link to it;
 * - deleted: a seq is missing; reordered: seqs out of order with the chain otherwise intact;
 * - truncated: records missing at the end (the head names a later seq);
 * - head: the head row is missing or its MAC fails.
 * With a checkpoint (auditCheckpoint, kept by the operator): also truncated when a chain no longer
 * reaches the checkpoint's seq (or is gone), edited when that record's hash differs.
 */
export async function verifyAuditLog(store: HsmStore, key: Uint8Array, checkpoint?: unknown): Promise<AuditVerification> {
  const cp = checkpoint === undefined ? undefined : openCheckpoint(checkpoint, key);
  return store.transaction(async (tx) => {
    const v = await verifyIn(tx, key);
    if (cp === undefined || !v.ok) return v;
    for (const h of cp) {
      const r = await againstCheckpoint(tx, h, v.records);
      if (r !== null) return r;
    }
    return v;
  }, { readOnly: true });
}

async function verifyIn(tx: StoreTx, key: Uint8Array): Promise<AuditVerification> {
  const heads = new Map<string, string | undefined>(await headRows(tx));
  if (!heads.has(MAIN_CHAIN)) heads.set(MAIN_CHAIN, undefined); // init writes it: missing means removed
  const all = await tx.readAudit();
  for (const r of all) if (!heads.has(r.chain)) heads.set(r.chain, undefined);
  for (const [chain, text] of heads) {
    // Each chain in its own storage order (the all-chains read is ordered by time).
    const v = verifyChain(await tx.readAudit({ chain }), parseHead(key, chain, text), badOf(chain, all.length));
    if (!v.ok) return v;
  }
  return { ok: true, records: all.length };
}

function verifyChain(recs: readonly AuditRecord[], { head, ok }: { head: Head | null; ok: boolean }, bad: Bad): AuditVerification {
  const n = recs.length;
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
      return bad(r.seq, 'inserted', `record ${r.seq} (position ${i + 1}) was inserted: the chain does not run through it`);
    }
    seen.add(r.seq);
    if (auditHash(r) !== r.hash) {
      // A moved record (seq values swapped between rows) still hashes correctly under its original seq.
      const original = movedFrom(r, seqOfHash);
      if (original !== null) return bad(r.seq, 'reordered', `the record stored as ${r.seq} is record ${original}: the log was reordered`);
      return bad(r.seq, 'edited', `record ${r.seq} was edited: its content does not match its hash`);
    }
    if (r.seq !== expected) {
      if (r.seq > expected && !seqs.has(expected)) return bad(expected, 'deleted', `record ${expected} was deleted (the log goes from ${expected - 1} to ${r.seq})`);
      return bad(expected, 'reordered', `record ${r.seq} is stored where record ${expected} belongs: the log was reordered`);
    }
    if (r.prevHash !== prev) {
      const edited = i === 0 ? r.seq : expected - 1;
      return bad(edited, 'edited', `record ${edited} was edited and re-hashed: record ${r.seq} links to a different hash`);
    }
    prev = r.hash;
    expected = r.seq + 1;
  }
  if (!ok || head === null) return bad(expected - 1, 'head', 'the audit head row is missing or its MAC does not verify: it was altered');
  const lastSeq = expected - 1;
  if (lastSeq < head.seq) return bad(lastSeq + 1, 'truncated', `records ${lastSeq + 1} to ${head.seq} are missing at the end of the log`);
  if (lastSeq > head.seq) return bad(head.seq + 1, 'inserted', `record ${head.seq + 1} and later were appended outside the security module (the head ends at ${head.seq})`);
  if (head.hash !== prev) return bad(head.seq, 'edited', `the log was re-chained: record ${head.seq}'s hash is not the one the head holds`);
  return { ok: true, records: n };
}
