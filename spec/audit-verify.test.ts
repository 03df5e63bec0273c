import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { refusal } from './support';
import { AuditAppender, appendAudit, auditCheckpoint, auditHash, checkChainName, initAudit, tokenHash, verifyAuditLog, type AuditEntry } from '../src/hsm/audit';
import { type AuditRecord, MemoryStore, type StoreTx } from '../src/hsm';

// The audit chain module on its own (a memory store and an audit key, no security module): the
// sealed head row, each verification failure named with its record, reason and message, and
// checkpoints. Expected hashes and MACs come from an oracle written here from the documented
// definitions (src/hsm/audit.ts file comment, docs/security-module.md), never from the module.

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);
const ZEROS = '0'.repeat(64);
const oracleSha = (text: string) => bytesToHex(sha256(utf8ToBytes(text)));
const oracleHash = (r: Omit<AuditRecord, 'hash' | 'chain'>) => oracleSha(JSON.stringify([
  'hydrosync-audit/1', r.seq, r.at, r.operator, r.vendingPoint, r.transactionId, r.pan, r.kind, r.outcome, r.errorCode, r.amount, r.tid, r.tokenHash, r.prevHash,
]));
const oracleMac = (label: string, seq: number, hash: string, key = KEY) => bytesToHex(hmac(sha256, key, utf8ToBytes(`${label}:${seq}:${hash}`)));
const headRow = (seq: number, hash: string, key = KEY) => JSON.stringify({ seq, hash, mac: oracleMac('hydrosync-audit-head/1', seq, hash, key) });

const entry = (i: number): AuditEntry => ({
  at: `2026-12-07T10:0${i}:00.000Z`, operator: 'ops', vendingPoint: 'vp-1', transactionId: `t-${i}`, pan: '600727000000000009',
  kind: 'vend', outcome: 'issued', errorCode: null, amount: `${i}00 L`, tid: 1000 + i, tokenHash: null,
});

const inTx = <T>(store: MemoryStore, f: (t: StoreTx) => Promise<T>) => store.transaction(f);
const meta = (store: MemoryStore, name: string) => inTx(store, (t) => t.getMeta(name));
const records = (store: MemoryStore) => inTx(store, (t) => t.readAudit());
const append = (store: MemoryStore, e: AuditEntry, key = KEY, chainName = 'main') => inTx(store, (t) => appendAudit(t, key, chainName, e));
const appender = (store: MemoryStore, key = KEY) => inTx(store, async (t) => AuditAppender.open(t, key, 'main'));

/** A store with an initialised chain and `n` records appended through appendAudit. */
async function chain(n: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  await inTx(store, (t) => initAudit(t, KEY));
  for (let i = 1; i <= n; i++) await append(store, entry(i));
  return store;
}

/** A copy of the store with its records and head row changed by `tamper`. */
async function tampered(storeOrPromise: MemoryStore | Promise<MemoryStore>, tamper: (audit: AuditRecord[], meta: Record<string, string>) => void): Promise<MemoryStore> {
  const snap = structuredClone((await storeOrPromise).snapshot());
  tamper(snap.audit, snap.meta as Record<string, string>);
  return MemoryStore.fromSnapshot(snap);
}


describe('audit records and head row', () => {
  it('records hash and link as documented; the head row is {seq, hash, HMAC of "hydrosync-audit-head/1:seq:hash"}', async () => {
    const store = new MemoryStore();
    await inTx(store, (t) => initAudit(t, KEY));
    expect(await meta(store, 'audit_head')).toBe(headRow(0, ZEROS));
    const r1 = await append(store, entry(1), KEY);
    const r2 = await append(store, entry(2), KEY);
    expect(r1).toEqual({ ...entry(1), chain: 'main', seq: 1, prevHash: ZEROS, hash: oracleHash({ ...entry(1), seq: 1, prevHash: ZEROS }) });
    expect(r2).toEqual({ ...entry(2), chain: 'main', seq: 2, prevHash: r1.hash, hash: oracleHash({ ...entry(2), seq: 2, prevHash: r1.hash }) });
    expect((await records(store))).toEqual([r1, r2]);
    expect(await meta(store, 'audit_head')).toBe(headRow(2, r2.hash));
    expect(await verifyAuditLog(store, KEY)).toEqual({ ok: true, records: 2 });
  });

  it('tokenHash: SHA-256 of the tokens joined by ","; null for none', async () => {
    expect(tokenHash([])).toBeNull();
    expect(tokenHash(['12345678901234567890'])).toBe(oracleSha('12345678901234567890'));
    expect(tokenHash(['11112222333344445555', '66667777888899990000'])).toBe(oracleSha('11112222333344445555,66667777888899990000'));
  });

  it('auditHash of something that is not a record is an AUDIT error', async () => {
    expect(refusal(() => auditHash(null as never)).code).toBe('AUDIT');
  });

  it('AuditAppender writes the same records as appendAudit and the head once, at finish()', async () => {
    const one = await chain(3);
    const many = await chain(0);
    await inTx(many, async (t) => {
      const a = await AuditAppender.open(t, KEY, 'main');
      for (let i = 1; i <= 3; i++) await a.append(entry(i));
      expect(await t.getMeta('audit_head')).toBe(headRow(0, ZEROS)); // not yet
      await a.finish();
    });
    expect(await records(many)).toEqual(await records(one));
    expect(await meta(many, 'audit_head')).toBe(await meta(one, 'audit_head'));
    await inTx(many, async (t) => (await AuditAppender.open(t, KEY, 'main')).finish()); // nothing appended: the head stays
    expect(await meta(many, 'audit_head')).toBe(await meta(one, 'audit_head'));
    expect(await verifyAuditLog(many, KEY)).toEqual({ ok: true, records: 3 });
  });

  it('an altered, missing, malformed or foreign head stops appending (AUDIT)', async () => {
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
      const store = await chain(2);
      const bad = await tampered(store, (_a, meta) => { if (head === undefined) delete meta.audit_head; else meta.audit_head = head; });
      const r = await refusal(() => append(bad, entry(3), KEY));
      expect(r.code).toBe('AUDIT');
      expect(r.message).toMatch(/^the audit log head is missing or was altered, so nothing more is issued/);
      expect((await refusal(() => appender(bad))).code).toBe('AUDIT');
      expect((await records(bad))).toHaveLength(2);
    }
    // The right head is taken, with the key it was sealed with only.
    const one = await chain(1);
    expect((await refusal(() => append(one, entry(2), OTHER_KEY))).code).toBe('AUDIT');
  });
});

describe('verifyAuditLog names the first bad record', () => {
  const first = async (store: MemoryStore | Promise<MemoryStore>) => verifyAuditLog(await store, KEY);

  it('edited: content no longer matches its hash', async () => {
    const v = await first(tampered(chain(5), (a) => { a[2]!.amount = '999 L'; }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { chain: 'main', seq: 3, reason: 'edited', message: 'record 3 was edited: its content does not match its hash' } });
  });

  it('edited and re-hashed: the next record links to a different hash', async () => {
    const v = await first(tampered(chain(5), (a) => { a[2]!.amount = '999 L'; a[2]!.hash = oracleHash(a[2]!); }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { chain: 'main', seq: 3, reason: 'edited', message: 'record 3 was edited and re-hashed: record 4 links to a different hash' } });
  });

  it('deleted: a seq is missing', async () => {
    const v = await first(tampered(chain(5), (a) => { a.splice(2, 1); }));
    expect(v).toEqual({ ok: false, records: 4, firstBad: { chain: 'main', seq: 3, reason: 'deleted', message: 'record 3 was deleted (the log goes from 2 to 4)' } });
  });

  it('inserted: a record with a correct hash and link the chain does not run through', async () => {
    const v = await first(tampered(chain(4), (a) => {
      const forged = { ...a[1]!, seq: 3, prevHash: a[1]!.hash, amount: '99999 L' };
      a.splice(2, 0, { ...forged, hash: oracleHash(forged) });
      for (let i = 3; i < a.length; i++) a[i]!.seq += 1; // renumbered, hashes untouched
    }));
    expect(v.ok).toBe(false);
    expect(v.records).toBe(5);
    expect(v.firstBad).toEqual({ chain: 'main', seq: 3, reason: 'inserted', message: 'record 3 (position 3) was inserted: the chain does not run through it' });
  });

  it('inserted: a repeated seq', async () => {
    const v = await first(tampered(chain(3), (a) => { a.splice(2, 0, { ...a[1]! }); }));
    expect(v.firstBad).toEqual({ chain: 'main', seq: 2, reason: 'inserted', message: 'record 2 (position 3) was inserted: the chain does not run through it' });
  });

  it('inserted: records past the head, chained correctly', async () => {
    const v = await first(tampered(chain(3), (a) => {
      const forged = { ...a[2]!, seq: 4, prevHash: a[2]!.hash, transactionId: 'forged' };
      a.push({ ...forged, hash: oracleHash(forged) });
    }));
    expect(v).toEqual({ ok: false, records: 4, firstBad: { chain: 'main', seq: 4, reason: 'inserted', message: 'record 4 and later were appended outside the security module (the head ends at 3)' } });
  });

  it('reordered: two records swapped in storage', async () => {
    const v = await first(tampered(chain(5), (a) => { [a[1], a[2]] = [a[2]!, a[1]!]; }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { chain: 'main', seq: 2, reason: 'reordered', message: 'record 3 is stored where record 2 belongs: the log was reordered' } });
  });

  it('reordered: seq values swapped between rows (each row hashes under its original seq)', async () => {
    const v = await first(tampered(chain(5), (a) => { a[1]!.seq = 3; a[2]!.seq = 2; }));
    expect(v).toEqual({ ok: false, records: 5, firstBad: { chain: 'main', seq: 3, reason: 'reordered', message: 'the record stored as 3 is record 2: the log was reordered' } });
  });

  it('truncated: records missing at the end (the head names a later seq)', async () => {
    const v = await first(tampered(chain(5), (a) => { a.splice(3, 2); }));
    expect(v).toEqual({ ok: false, records: 3, firstBad: { chain: 'main', seq: 4, reason: 'truncated', message: 'records 4 to 5 are missing at the end of the log' } });
  });

  it('head: the head row missing or its MAC failing', async () => {
    const missing = await first(tampered(chain(3), (_a, meta) => { delete meta.audit_head; }));
    expect(missing).toEqual({ ok: false, records: 3, firstBad: { chain: 'main', seq: 3, reason: 'head', message: 'the audit head row is missing or its MAC does not verify: it was altered' } });
    const store = await chain(3);
    const last = (await records(store))[2]!;
    const forged = await first(tampered(store, (_a, meta) => { meta.audit_head = JSON.stringify({ seq: 3, hash: last.hash, mac: '0'.repeat(64) }); }));
    expect(forged.firstBad).toMatchObject({ seq: 3, reason: 'head' });
    expect((await verifyAuditLog(store, OTHER_KEY)).firstBad).toMatchObject({ seq: 3, reason: 'head' });
  });

  it('edited: the whole log re-chained after an edit is caught by the sealed head', async () => {
    const v = await first(tampered(chain(4), (a) => {
      a[1]!.amount = '1 L';
      let prev = a[0]!.hash;
      for (const r of a.slice(1)) { r.prevHash = prev; r.hash = oracleHash(r); prev = r.hash; }
    }));
    expect(v).toEqual({ ok: false, records: 4, firstBad: { chain: 'main', seq: 4, reason: 'edited', message: 'the log was re-chained: record 4\'s hash is not the one the head holds' } });
  });

  it('an empty, initialised log verifies; records: the number stored', async () => {
    expect(await first(chain(0))).toEqual({ ok: true, records: 0 });
    expect(await first(chain(7))).toEqual({ ok: true, records: 7 });
  });
});

const oracleCheckpointMac = (heads: { chain: string; seq: number; hash: string }[], key = KEY) =>
  bytesToHex(hmac(sha256, key, utf8ToBytes(`hydrosync-audit-checkpoint/2:${JSON.stringify(heads.map((h) => [h.chain, h.seq, h.hash]))}`)));

describe('audit checkpoints', () => {
  it('a checkpoint lists every chain head (chain, seq, hash) sealed with HMAC of "hydrosync-audit-checkpoint/2:" + JSON of [chain, seq, hash]…', async () => {
    const store = await chain(3);
    const last = (await records(store))[2]!;
    const heads = [{ chain: 'main', seq: 3, hash: last.hash }];
    expect(await auditCheckpoint(store, KEY)).toEqual({ format: 'hydrosync-audit-checkpoint/2', heads, mac: oracleCheckpointMac(heads) });
    const empty = [{ chain: 'main', seq: 0, hash: ZEROS }];
    expect(await auditCheckpoint(await chain(0), KEY)).toEqual({ format: 'hydrosync-audit-checkpoint/2', heads: empty, mac: oracleCheckpointMac(empty) });
  });

  it('a version-1 checkpoint (one head, before chains) is still read as the main chain\'s', async () => {
    const store = await chain(2);
    const last = (await records(store))[1]!;
    const v1 = { format: 'hydrosync-audit-checkpoint/1', seq: 2, hash: last.hash, mac: oracleMac('hydrosync-audit-checkpoint/1', 2, last.hash) };
    expect(await verifyAuditLog(store, KEY, v1)).toEqual({ ok: true, records: 2 });
    const cut = await tampered(store, (a) => { a.splice(1, 1); });
    expect((await verifyAuditLog(cut, KEY, v1)).firstBad?.reason).toBeDefined();
    expect((await refusal(() => verifyAuditLog(store, KEY, { ...v1, seq: 1 }))).code).toBe('AUDIT');
  });

  it('no checkpoint of a broken log (AUDIT, naming the record and reason)', async () => {
    const broken = await tampered(chain(3), (a) => { a[1]!.amount = 'x'; });
    const r = await refusal(() => auditCheckpoint(broken, KEY));
    expect(r).toEqual({ code: 'AUDIT', message: 'the audit log does not verify (record 2, edited); no checkpoint is made of a broken log' });
  });

  it('the log verifies against an earlier checkpoint, and against one of the empty log', async () => {
    const store = await chain(2);
    const cp2 = await auditCheckpoint(store, KEY);
    const cp0 = await auditCheckpoint(await chain(0), KEY);
    await append(store, entry(3), KEY);
    expect(await verifyAuditLog(store, KEY, cp2)).toEqual({ ok: true, records: 3 });
    expect(await verifyAuditLog(store, KEY, cp0)).toEqual({ ok: true, records: 3 });
  });

  it('truncated: the newest records cut and an older sealed head put back', async () => {
    const store = await chain(2);
    const oldHead = (await meta(store, 'audit_head'))!;
    await append(store, entry(3), KEY);
    await append(store, entry(4), KEY);
    const cp = await auditCheckpoint(store, KEY);
    const cut = await tampered(store, (a, meta) => { a.splice(2, 2); meta.audit_head = oldHead; });
    expect(await verifyAuditLog(cut, KEY)).toEqual({ ok: true, records: 2 }); // the head row alone cannot show it
    expect(await verifyAuditLog(cut, KEY, cp)).toEqual({
      ok: false, records: 2,
      firstBad: { chain: 'main', seq: 4, reason: 'truncated', message: 'the log ends before record 4, which the checkpoint saw: records were cut off the end and an older head was put back' },
    });
  });

  it('edited: the record the checkpoint saw was replaced (log rewritten and re-sealed by the module key holder)', async () => {
    const store = await chain(3);
    const cp = await auditCheckpoint(store, KEY);
    // A different log of the same length, sealed by the same key.
    const other = new MemoryStore();
    await inTx(other, (t) => initAudit(t, KEY));
    for (let i = 1; i <= 3; i++) await append(other, { ...entry(i), operator: 'mallory' }, KEY);
    expect(await verifyAuditLog(other, KEY, cp)).toEqual({
      ok: false, records: 3, firstBad: { chain: 'main', seq: 3, reason: 'edited', message: 'record 3 is not the record the checkpoint saw: the log was rewritten since' },
    });
  });

  it('a broken chain is reported before the checkpoint is looked at', async () => {
    const store = await chain(3);
    const cp = await auditCheckpoint(store, KEY);
    const v = await verifyAuditLog(await tampered(store, (a) => { a[0]!.operator = 'x'; }), KEY, cp);
    expect(v.firstBad).toMatchObject({ seq: 1, reason: 'edited' });
  });

  it('a checkpoint of the wrong shape is FORMAT; an altered or foreign one is AUDIT', async () => {
    const store = await chain(2);
    const cp = await auditCheckpoint(store, KEY);
    const h = cp.heads[0]!;
    const shapes: unknown[] = [
      null, 'checkpoint', 5, { ...cp, format: 'hydrosync-audit-checkpoint/3' }, { ...cp, heads: 'x' }, { ...cp, heads: [null] },
      { ...cp, heads: [{ ...h, seq: 1.5 }] }, { ...cp, heads: [{ ...h, seq: -1 }] }, { ...cp, heads: [{ ...h, seq: '2' }] },
      { ...cp, heads: [{ ...h, hash: h.hash.toUpperCase() }] }, { ...cp, heads: [{ ...h, hash: h.hash.slice(1) }] }, { ...cp, heads: [{ ...h, hash: 7 }] },
      { ...cp, heads: [{ ...h, chain: 'a b' }] }, { ...cp, heads: [{ ...h, chain: '' }] }, { ...cp, mac: 7 },
    ];
    for (const c of shapes) {
      const r = await refusal(() => verifyAuditLog(store, KEY, c));
      expect(r.code, JSON.stringify(c)).toBe('FORMAT');
      expect(r.message).toBe('not an audit checkpoint (a JSON object {"format":"hydrosync-audit-checkpoint/2","heads":[{"chain","seq","hash"}…],"mac"} made by hsm audit checkpoint)');
    }
    const sealed: unknown[] = [
      { ...cp, heads: [{ ...h, seq: 1 }] }, { ...cp, heads: [{ ...h, chain: 'node-2' }] }, { ...cp, heads: [] },
      { ...cp, mac: cp.mac.replace(/^./, cp.mac[0] === '0' ? '1' : '0') }, { ...cp, mac: oracleCheckpointMac(cp.heads, OTHER_KEY) },
    ];
    for (const c of sealed) {
      const r = await refusal(() => verifyAuditLog(store, KEY, c));
      expect(r).toEqual({ code: 'AUDIT', message: 'the audit checkpoint was altered or made by a module with another master key: its seal does not verify' });
    }
    // seq 0 is a valid checkpoint seq
    const zero = [{ chain: 'main', seq: 0, hash: ZEROS }];
    expect(await verifyAuditLog(store, KEY, { format: 'hydrosync-audit-checkpoint/2', heads: zero, mac: oracleCheckpointMac(zero) })).toEqual({ ok: true, records: 2 });
  });
});

describe('one chain per node', () => {
  /** Main chain with 2 records, node-a with 3, node-b with 1, appended interleaved. */
  async function nodes(): Promise<MemoryStore> {
    const store = await chain(2);
    for (const [c, i] of [['node-a', 3], ['node-b', 4], ['node-a', 5], ['node-a', 6]] as const) await append(store, entry(i), KEY, c);
    return store;
  }
  const oracleHeadRow = (chainName: string, seq: number, hash: string) =>
    JSON.stringify({ seq, hash, mac: bytesToHex(hmac(sha256, KEY, utf8ToBytes(`hydrosync-audit-head/2:${chainName}:${seq}:${hash}`))) });

  it('each chain counts from 1 and links only its own records; its head row is "audit_head:<chain>", MAC over the name', async () => {
    const store = await nodes();
    const a = (await records(store)).filter((r) => r.chain === 'node-a');
    expect(a.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(a[0]!.prevHash).toBe(ZEROS);
    expect(a[1]!.prevHash).toBe(a[0]!.hash);
    expect(await meta(store, 'audit_head:node-a')).toBe(oracleHeadRow('node-a', 3, a[2]!.hash));
    expect(await verifyAuditLog(store, KEY)).toEqual({ ok: true, records: 6 });
  });

  it('a fault in one chain is named with its chain', async () => {
    const edited = await tampered(nodes(), (recs) => { recs.find((r) => r.chain === 'node-a' && r.seq === 2)!.amount = '1 L'; });
    expect((await verifyAuditLog(edited, KEY)).firstBad).toEqual({ chain: 'node-a', seq: 2, reason: 'edited', message: 'chain node-a: record 2 was edited: its content does not match its hash' });
    const moved = await tampered(nodes(), (recs) => { const r = recs.find((x) => x.chain === 'node-b')!; r.chain = 'node-a'; r.seq = 4; });
    expect((await verifyAuditLog(moved, KEY)).ok).toBe(false);
    const headless = await tampered(nodes(), (_r, m) => { delete m['audit_head:node-b']; });
    expect((await verifyAuditLog(headless, KEY)).firstBad).toMatchObject({ chain: 'node-b', reason: 'head' });
    const swapped = await tampered(nodes(), (_r, m) => { m['audit_head:node-b'] = m['audit_head:node-a']!; });
    expect((await verifyAuditLog(swapped, KEY)).firstBad).toMatchObject({ chain: 'node-b', reason: 'head' });
  });

  it('a whole chain deleted (records and head) passes alone, and fails against a checkpoint that saw it', async () => {
    const store = await nodes();
    const cp = await auditCheckpoint(store, KEY);
    expect(cp.heads.map((h) => [h.chain, h.seq])).toEqual([['main', 2], ['node-a', 3], ['node-b', 1]]);
    const gone = await tampered(store, (recs, m) => {
      for (let i = recs.length - 1; i >= 0; i--) if (recs[i]!.chain === 'node-a') recs.splice(i, 1);
      delete m['audit_head:node-a'];
    });
    expect(await verifyAuditLog(gone, KEY)).toEqual({ ok: true, records: 3 });
    expect((await verifyAuditLog(gone, KEY, cp)).firstBad).toMatchObject({ chain: 'node-a', seq: 3, reason: 'truncated' });
  });

  it('a head row deleted under records does not restart the chain (AUDIT); a new node starts at 1', async () => {
    const store = await nodes();
    const headless = await tampered(store, (_r, m) => { delete m['audit_head:node-a']; });
    expect((await refusal(() => append(headless, entry(9), KEY, 'node-a'))).code).toBe('AUDIT');
    expect(await append(store, entry(9), KEY, 'node-c')).toMatchObject({ chain: 'node-c', seq: 1, prevHash: ZEROS });
  });
});

describe('chain names, heads and checkpoints: the edges', () => {
  it('a node name is 1 to 64 characters A-Z a-z 0-9 . _ - (FORMAT otherwise, quoting what was given)', async () => {
    for (const ok of ['main', 'office-1', 'A.b_c-9', 'x'.repeat(64)]) expect(checkChainName(ok)).toBe(ok);
    for (const bad of ['', 'a b', 'x'.repeat(65), 'node:1', 'é', 7, null, undefined]) {
      const r = refusal(() => checkChainName(bad));
      expect(r.code, String(bad)).toBe('FORMAT');
      expect(r.message).toMatch(/^a node name must be 1 to 64 characters A-Z a-z 0-9 \. _ -; got /);
    }
    expect(refusal(() => checkChainName('a b')).message).toMatch(/got "a b"$/);
  });

  it('the main chain never starts itself: without its head (no init) appending is AUDIT; another node\'s refusal names its chain', async () => {
    const bare = new MemoryStore();
    expect((await refusal(() => append(bare, entry(1)))).code).toBe('AUDIT');
    expect(await records(bare)).toEqual([]);
    const store = await chain(1);
    await append(store, entry(2), KEY, 'node-a');
    const broken = await tampered(store, (_r, m) => { m['audit_head:node-a'] = m['audit_head:node-a']!.replace(/"seq":1/, '"seq":2'); });
    const r = await refusal(() => append(broken, entry(3), KEY, 'node-a'));
    expect(r.code).toBe('AUDIT');
    expect(r.message).toMatch(/ \(chain node-a\)$/);
    expect(await append(broken, entry(3), KEY, 'main')).toMatchObject({ chain: 'main', seq: 2 }); // the main chain is intact: it goes on
  });

  it('the main chain deleted with its head is caught even without a checkpoint (init always writes it)', async () => {
    const store = await chain(2);
    await append(store, entry(3), KEY, 'node-a');
    const gone = await tampered(store, (recs, m) => {
      for (let i = recs.length - 1; i >= 0; i--) if (recs[i]!.chain === 'main') recs.splice(i, 1);
      delete m.audit_head;
    });
    expect((await verifyAuditLog(gone, KEY)).firstBad).toMatchObject({ chain: 'main', reason: 'head' });
  });

  it('meta rows that only start like a head row are not chains', async () => {
    const store = await chain(2);
    const odd = await tampered(store, (_r, m) => { m.audit_headroom = 'not a head'; m['audit_head_x'] = '{}'; });
    expect(await verifyAuditLog(odd, KEY)).toEqual({ ok: true, records: 2 });
    expect((await auditCheckpoint(odd, KEY)).heads.map((h) => h.chain)).toEqual(['main']);
  });

  it('no checkpoint of a log with a broken node chain: the refusal names the chain', async () => {
    const store = await chain(1);
    await append(store, entry(2), KEY, 'node-a');
    await append(store, entry(3), KEY, 'node-a');
    const broken = await tampered(store, (recs) => { recs.find((r) => r.chain === 'node-a' && r.seq === 2)!.amount = 'x'; });
    expect(await refusal(() => auditCheckpoint(broken, KEY))).toEqual({
      code: 'AUDIT', message: 'the audit log does not verify (chain node-a, record 2, edited); no checkpoint is made of a broken log',
    });
  });

  it('checkpoint hashes are exactly 64 lower-case hex digits, in both formats', async () => {
    const store = await chain(2);
    const cp = await auditCheckpoint(store, KEY);
    const h = cp.heads[0]!;
    for (const hash of [`${h.hash}0`, `0${h.hash}`, ` ${h.hash}`]) {
      expect((await refusal(() => verifyAuditLog(store, KEY, { ...cp, heads: [{ ...h, hash }] }))).code, hash).toBe('FORMAT');
    }
    const last = (await records(store))[1]!;
    const v1 = { format: 'hydrosync-audit-checkpoint/1', seq: 2, hash: last.hash, mac: oracleMac('hydrosync-audit-checkpoint/1', 2, last.hash) };
    const v1Shapes: unknown[] = [
      { ...v1, seq: 1.5 }, { ...v1, seq: -1 }, { ...v1, seq: '2' }, { ...v1, hash: v1.hash.toUpperCase() }, { ...v1, hash: `${v1.hash}0` },
      { ...v1, hash: `0${v1.hash}` }, { ...v1, hash: 7 }, { ...v1, mac: 7 }, { seq: 2, hash: v1.hash, mac: v1.mac },
    ];
    for (const c of v1Shapes) expect((await refusal(() => verifyAuditLog(store, KEY, c))).code, JSON.stringify(c)).toBe('FORMAT');
    expect(await refusal(() => verifyAuditLog(store, KEY, { ...v1, mac: oracleMac('hydrosync-audit-checkpoint/1', 2, v1.hash, OTHER_KEY) }))).toEqual({
      code: 'AUDIT', message: 'the audit checkpoint was altered or made by a module with another master key: its seal does not verify',
    });
    expect((await refusal(() => verifyAuditLog(store, KEY, { ...cp, heads: [{ ...h, chain: 7 }] }))).code).toBe('FORMAT');
    // seq 0 is a valid version-1 checkpoint (the empty log)
    expect(await verifyAuditLog(store, KEY, { format: 'hydrosync-audit-checkpoint/1', seq: 0, hash: ZEROS, mac: oracleMac('hydrosync-audit-checkpoint/1', 0, ZEROS) })).toEqual({ ok: true, records: 2 });
  });

  it('a version-1 checkpoint catches the tail-truncation attack on the main chain', async () => {
    const store = await chain(2);
    const oldHead = (await meta(store, 'audit_head'))!;
    await append(store, entry(3), KEY);
    const last = (await records(store))[2]!;
    const v1 = { format: 'hydrosync-audit-checkpoint/1', seq: 3, hash: last.hash, mac: oracleMac('hydrosync-audit-checkpoint/1', 3, last.hash) };
    const cut = await tampered(store, (a, m) => { a.splice(2, 1); m.audit_head = oldHead; });
    expect(await verifyAuditLog(cut, KEY)).toEqual({ ok: true, records: 2 });
    expect((await verifyAuditLog(cut, KEY, v1)).firstBad).toMatchObject({ chain: 'main', seq: 3, reason: 'truncated' });
  });

  it('the main chain\'s refusal does not name a chain', async () => {
    const store = await chain(1);
    const broken = await tampered(store, (_r, m) => { m.audit_head = m.audit_head!.replace(/"seq":1/, '"seq":2'); });
    expect((await refusal(() => append(broken, entry(2)))).message).toBe('the audit log head is missing or was altered, so nothing more is issued; run verifyAudit (hydrosync hsm audit verify) and investigate');
  });
});
