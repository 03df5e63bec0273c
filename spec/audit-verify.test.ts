import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { refusal } from './support';
import { AuditAppender, appendAudit, auditCheckpoint, auditHash, initAudit, tokenHash, verifyAuditLog, type AuditEntry } from '../src/hsm/audit';
import { type AuditRecord, MemoryStore } from '../src/hsm';

// The audit chain module on its own (a memory store and an audit key, no security module): the
// sealed head row, each verification failure named with its record, reason and message, and
// checkpoints. Expected hashes and MACs come from an oracle written here from the documented
// definitions (src/hsm/audit.ts file comment, docs/security-module.md), never from the module.

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);
const ZEROS = '0'.repeat(64);
const oracleSha = (text: string) => bytesToHex(sha256(utf8ToBytes(text)));
const oracleHash = (r: Omit<AuditRecord, 'hash'>) => oracleSha(JSON.stringify([
  'hydrosync-audit/1', r.seq, r.at, r.operator, r.vendingPoint, r.transactionId, r.pan, r.kind, r.outcome, r.errorCode, r.amount, r.tid, r.tokenHash, r.prevHash,
]));
const oracleMac = (label: string, seq: number, hash: string, key = KEY) => bytesToHex(hmac(sha256, key, utf8ToBytes(`${label}:${seq}:${hash}`)));
const headRow = (seq: number, hash: string, key = KEY) => JSON.stringify({ seq, hash, mac: oracleMac('hydrosync-audit-head/1', seq, hash, key) });

const entry = (i: number): AuditEntry => ({
  at: `2026-12-07T10:0${i}:00.000Z`, operator: 'ops', vendingPoint: 'vp-1', transactionId: `t-${i}`, pan: '600727000000000009',
  kind: 'vend', outcome: 'issued', errorCode: null, amount: `${i}00 L`, tid: 1000 + i, tokenHash: null,
});

/** A store with an initialised chain and `n` records appended through appendAudit. */
function chain(n: number): MemoryStore {
  const store = new MemoryStore();
  initAudit(store, KEY);
  for (let i = 1; i <= n; i++) appendAudit(store, KEY, entry(i));
  return store;
}

/** A copy of the store with its records and head row changed by `tamper`. */
function tampered(store: MemoryStore, tamper: (audit: AuditRecord[], meta: Record<string, string>) => void): MemoryStore {
  const snap = structuredClone(store.snapshot());
  tamper(snap.audit, snap.meta as Record<string, string>);
  return MemoryStore.fromSnapshot(snap);
}


describe('audit records and head row', () => {
  it('records hash and link as documented; the head row is {seq, hash, HMAC of "hydrosync-audit-head/1:seq:hash"}', () => {
    const store = new MemoryStore();
    initAudit(store, KEY);
    expect(store.getMeta('audit_head')).toBe(headRow(0, ZEROS));
    const r1 = appendAudit(store, KEY, entry(1));
    const r2 = appendAudit(store, KEY, entry(2));
    expect(r1).toEqual({ ...entry(1), seq: 1, prevHash: ZEROS, hash: oracleHash({ ...entry(1), seq: 1, prevHash: ZEROS }) });
    expect(r2).toEqual({ ...entry(2), seq: 2, prevHash: r1.hash, hash: oracleHash({ ...entry(2), seq: 2, prevHash: r1.hash }) });
    expect(store.readAudit()).toEqual([r1, r2]);
    expect(store.getMeta('audit_head')).toBe(headRow(2, r2.hash));
    expect(verifyAuditLog(store, KEY)).toEqual({ ok: true, records: 2 });
  });

  it('tokenHash: SHA-256 of the tokens joined by ","; null for none', () => {
    expect(tokenHash([])).toBeNull();
    expect(tokenHash(['12345678901234567890'])).toBe(oracleSha('12345678901234567890'));
    expect(tokenHash(['11112222333344445555', '66667777888899990000'])).toBe(oracleSha('11112222333344445555,66667777888899990000'));
  });

  it('auditHash of something that is not a record is an AUDIT error', () => {
    expect(refusal(() => auditHash(null as never)).code).toBe('AUDIT');
  });

  it('AuditAppender writes the same records as appendAudit and the head once, at finish()', () => {
    const one = chain(3);
    const many = chain(0);
    const a = new AuditAppender(many, KEY);
    for (let i = 1; i <= 3; i++) a.append(entry(i));
    expect(many.getMeta('audit_head')).toBe(headRow(0, ZEROS)); // not yet
    a.finish();
    expect(many.readAudit()).toEqual(one.readAudit());
    expect(many.getMeta('audit_head')).toBe(one.getMeta('audit_head'));
    const b = new AuditAppender(many, KEY);
    b.finish(); // nothing appended: the head stays
    expect(many.getMeta('audit_head')).toBe(one.getMeta('audit_head'));
    expect(verifyAuditLog(many, KEY)).toEqual({ ok: true, records: 3 });
  });

  it('an altered, missing, malformed or foreign head stops appending (AUDIT)', () => {
    const heads: (string | undefined)[] = [
      headRow(2, 'f'.repeat(64)).replace(/"mac":"./, '"mac":"x'), // MAC altered
      JSON.stringify({ seq: 2, hash: ZEROS, mac: oracleMac('hydrosync-audit-head/1', 3, ZEROS) }), // seq changed under the MAC
      headRow(2, ZEROS, OTHER_KEY), // sealed with another key
      '{"seq": 2', // not JSON
      JSON.stringify({ seq: 1.5, hash: ZEROS, mac: oracleMac('hydrosync-audit-head/1', 1.5, ZEROS) }),
      JSON.stringify({ seq: 2, hash: 5, mac: 'aa' }),
      JSON.stringify({ seq: 2, hash: ZEROS, mac: 5 }),
      undefined,
    ];
    for (const head of heads) {
      const store = chain(2);
      const bad = tampered(store, (_a, meta) => { if (head === undefined) delete meta.audit_head; else meta.audit_head = head; });
      const r = refusal(() => appendAudit(bad, KEY, entry(3)));
      expect(r.code).toBe('AUDIT');
      expect(r.message).toMatch(/^the audit log head is missing or was altered, so nothing more is issued/);
      expect(refusal(() => new AuditAppender(bad, KEY)).code).toBe('AUDIT');
      expect(bad.readAudit()).toHaveLength(2);
    }
    // The right head is taken, with the key it was sealed with only.
    expect(refusal(() => appendAudit(chain(1), OTHER_KEY, entry(2))).code).toBe('AUDIT');
  });
});

describe('verifyAuditLog names the first bad record', () => {
  const first = (store: MemoryStore) => verifyAuditLog(store, KEY);

  it('edited: content no longer matches its hash', () => {
    const v = first(tampered(chain(5), (a) => { a[2]!.amount = '999 L'; }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { seq: 3, reason: 'edited', message: 'record 3 was edited: its content does not match its hash' } });
  });

  it('edited and re-hashed: the next record links to a different hash', () => {
    const v = first(tampered(chain(5), (a) => { a[2]!.amount = '999 L'; a[2]!.hash = oracleHash(a[2]!); }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { seq: 3, reason: 'edited', message: 'record 3 was edited and re-hashed: record 4 links to a different hash' } });
  });

  it('deleted: a seq is missing', () => {
    const v = first(tampered(chain(5), (a) => { a.splice(2, 1); }));
    expect(v).toEqual({ ok: false, records: 4, firstBad: { seq: 3, reason: 'deleted', message: 'record 3 was deleted (the log goes from 2 to 4)' } });
  });

  it('inserted: a record with a correct hash and link the chain does not run through', () => {
    const v = first(tampered(chain(4), (a) => {
      const forged = { ...a[1]!, seq: 3, prevHash: a[1]!.hash, amount: '99999 L' };
      a.splice(2, 0, { ...forged, hash: oracleHash(forged) });
      for (let i = 3; i < a.length; i++) a[i]!.seq += 1; // renumbered, hashes untouched
    }));
    expect(v.ok).toBe(false);
    expect(v.records).toBe(5);
    expect(v.firstBad).toEqual({ seq: 3, reason: 'inserted', message: 'record 3 (position 3) was inserted: the chain does not run through it' });
  });

  it('inserted: a repeated seq', () => {
    const v = first(tampered(chain(3), (a) => { a.splice(2, 0, { ...a[1]! }); }));
    expect(v.firstBad).toEqual({ seq: 2, reason: 'inserted', message: 'record 2 (position 3) was inserted: the chain does not run through it' });
  });

  it('inserted: records past the head, chained correctly', () => {
    const v = first(tampered(chain(3), (a) => {
      const forged = { ...a[2]!, seq: 4, prevHash: a[2]!.hash, transactionId: 'forged' };
      a.push({ ...forged, hash: oracleHash(forged) });
    }));
    expect(v).toEqual({ ok: false, records: 4, firstBad: { seq: 4, reason: 'inserted', message: 'record 4 and later were appended outside the security module (the head ends at 3)' } });
  });

  it('reordered: two records swapped in storage', () => {
    const v = first(tampered(chain(5), (a) => { [a[1], a[2]] = [a[2]!, a[1]!]; }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { seq: 2, reason: 'reordered', message: 'record 3 is stored where record 2 belongs: the log was reordered' } });
  });

  it('reordered: seq values swapped between rows (each row hashes under its original seq)', () => {
    const v = first(tampered(chain(5), (a) => { a[1]!.seq = 3; a[2]!.seq = 2; }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { seq: 3, reason: 'reordered', message: 'the record stored as 3 is record 2: the log was reordered' } });
  });

  it('truncated: records missing at the end (the head names a later seq)', () => {
    const v = first(tampered(chain(5), (a) => { a.splice(3, 2); }));
    expect(v).toEqual({ ok: false, records: 3, firstBad: { seq: 4, reason: 'truncated', message: 'records 4 to 5 are missing at the end of the log' } });
  });

  it('head: the head row missing or its MAC failing', () => {
    const missing = first(tampered(chain(3), (_a, meta) => { delete meta.audit_head; }));
    expect(missing).toEqual({ ok: false, records: 3, firstBad: { seq: 3, reason: 'head', message: 'the audit head row is missing or its MAC does not verify: it was altered' } });
    const store = chain(3);
    const last = store.readAudit()[2]!;
    const forged = first(tampered(store, (_a, meta) => { meta.audit_head = JSON.stringify({ seq: 3, hash: last.hash, mac: '0'.repeat(64) }); }));
    expect(forged.firstBad).toMatchObject({ seq: 3, reason: 'head' });
    expect(verifyAuditLog(store, OTHER_KEY).firstBad).toMatchObject({ seq: 3, reason: 'head' });
  });

  it('edited: the whole log re-chained after an edit is caught by the sealed head', () => {
    const v = first(tampered(chain(4), (a) => {
      a[1]!.amount = '1 L';
      let prev = a[0]!.hash;
      for (const r of a.slice(1)) { r.prevHash = prev; r.hash = oracleHash(r); prev = r.hash; }
    }));
    expect(v).toEqual({ ok: false, records: 4, firstBad: { seq: 4, reason: 'edited', message: 'the log was re-chained: record 4\'s hash is not the one the head holds' } });
  });

  it('an empty, initialised log verifies; records: the number stored', () => {
    expect(first(chain(0))).toEqual({ ok: true, records: 0 });
    expect(first(chain(7))).toEqual({ ok: true, records: 7 });
  });
});

describe('audit checkpoints', () => {
  it('a checkpoint is the head seq and hash sealed with HMAC of "hydrosync-audit-checkpoint/1:seq:hash"', () => {
    const store = chain(3);
    const last = store.readAudit()[2]!;
    expect(auditCheckpoint(store, KEY)).toEqual({
      format: 'hydrosync-audit-checkpoint/1', seq: 3, hash: last.hash, mac: oracleMac('hydrosync-audit-checkpoint/1', 3, last.hash),
    });
    expect(auditCheckpoint(chain(0), KEY)).toEqual({ format: 'hydrosync-audit-checkpoint/1', seq: 0, hash: ZEROS, mac: oracleMac('hydrosync-audit-checkpoint/1', 0, ZEROS) });
  });

  it('no checkpoint of a broken log (AUDIT, naming the record and reason)', () => {
    const r = refusal(() => auditCheckpoint(tampered(chain(3), (a) => { a[1]!.amount = 'x'; }), KEY));
    expect(r).toEqual({ code: 'AUDIT', message: 'the audit log does not verify (record 2, edited); no checkpoint is made of a broken log' });
  });

  it('the log verifies against an earlier checkpoint, and against one of the empty log', () => {
    const store = chain(2);
    const cp2 = auditCheckpoint(store, KEY);
    const cp0 = auditCheckpoint(chain(0), KEY);
    appendAudit(store, KEY, entry(3));
    expect(verifyAuditLog(store, KEY, cp2)).toEqual({ ok: true, records: 3 });
    expect(verifyAuditLog(store, KEY, cp0)).toEqual({ ok: true, records: 3 });
  });

  it('truncated: the newest records cut and an older sealed head put back', () => {
    const store = chain(2);
    const oldHead = store.getMeta('audit_head')!;
    appendAudit(store, KEY, entry(3));
    appendAudit(store, KEY, entry(4));
    const cp = auditCheckpoint(store, KEY);
    const cut = tampered(store, (a, meta) => { a.splice(2, 2); meta.audit_head = oldHead; });
    expect(verifyAuditLog(cut, KEY)).toEqual({ ok: true, records: 2 }); // the head row alone cannot show it
    expect(verifyAuditLog(cut, KEY, cp)).toEqual({
      ok: false, records: 2,
      firstBad: { seq: 4, reason: 'truncated', message: 'the log ends before record 4, which the checkpoint saw: records were cut off the end and an older head was put back' },
    });
  });

  it('edited: the record the checkpoint saw was replaced (log rewritten and re-sealed by the module key holder)', () => {
    const store = chain(3);
    const cp = auditCheckpoint(store, KEY);
    // A different log of the same length, sealed by the same key.
    const other = new MemoryStore();
    initAudit(other, KEY);
    for (let i = 1; i <= 3; i++) appendAudit(other, KEY, { ...entry(i), operator: 'mallory' });
    expect(verifyAuditLog(other, KEY, cp)).toEqual({
      ok: false, records: 3, firstBad: { seq: 3, reason: 'edited', message: 'record 3 is not the record the checkpoint saw: the log was rewritten since' },
    });
  });

  it('a broken chain is reported before the checkpoint is looked at', () => {
    const store = chain(3);
    const cp = auditCheckpoint(store, KEY);
    const v = verifyAuditLog(tampered(store, (a) => { a[0]!.operator = 'x'; }), KEY, cp);
    expect(v.firstBad).toMatchObject({ seq: 1, reason: 'edited' });
  });

  it('a checkpoint of the wrong shape is FORMAT; an altered or foreign one is AUDIT', () => {
    const store = chain(2);
    const cp = auditCheckpoint(store, KEY);
    const shapes: unknown[] = [
      null, 'checkpoint', 5, { ...cp, format: 'hydrosync-audit-checkpoint/2' }, { ...cp, seq: 1.5 }, { ...cp, seq: -1 }, { ...cp, seq: '2' },
      { ...cp, hash: cp.hash.toUpperCase() }, { ...cp, hash: cp.hash.slice(1) }, { ...cp, hash: `${cp.hash}0` }, { ...cp, hash: 7 }, { ...cp, mac: 7 },
    ];
    for (const c of shapes) {
      const r = refusal(() => verifyAuditLog(store, KEY, c));
      expect(r.code).toBe('FORMAT');
      expect(r.message).toBe('not an audit checkpoint (a JSON object {"format":"hydrosync-audit-checkpoint/1","seq","hash","mac"} made by hsm audit checkpoint)');
    }
    const sealed: unknown[] = [{ ...cp, seq: 1 }, { ...cp, mac: cp.mac.replace(/^./, cp.mac[0] === '0' ? '1' : '0') }, { ...cp, mac: oracleMac('hydrosync-audit-checkpoint/1', 2, cp.hash, OTHER_KEY) }];
    for (const c of sealed) {
      const r = refusal(() => verifyAuditLog(store, KEY, c));
      expect(r).toEqual({ code: 'AUDIT', message: 'the audit checkpoint was altered or made by a module with another master key: its seal does not verify' });
    }
    // seq 0 is a valid checkpoint seq
    expect(verifyAuditLog(store, KEY, { format: 'hydrosync-audit-checkpoint/1', seq: 0, hash: ZEROS, mac: oracleMac('hydrosync-audit-checkpoint/1', 0, ZEROS) })).toEqual({ ok: true, records: 2 });
  });
});
