import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditRecord, type AuditVerification, type Hsm, MemoryStore, auditHash, openHsm } from '../src/hsm';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, MASTER, OP, PAN, setup, tempDir } from './hsm-support';
import { errorCode } from './support';
import { type HydroSyncError, isHydroSyncError } from '../src/errors';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** 8 records: init, key-import, meter-add, vend, vend, refused vend, manage, vend. */
async function buildLog(hsm: Hsm) {
  await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
  await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '1.5' });
  expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 0 }))).toBe('RANGE');
  await hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' });
  await hsm.vend({ ...CTX, pan: PAN, rupiah: 10_000 });
  expect(await hsm.verifyAudit()).toEqual({ ok: true, records: 8 });
}

const forge = (template: AuditRecord, seq: number, prevHash: string): AuditRecord => {
  const r = { ...template, seq, prevHash, amount: '999999 L', hash: '' };
  return { ...r, hash: auditHash(r) };
};

/** The same tampering, applied to a memory store (its snapshot) or straight to the SQLite rows. */
interface Log {
  verify(tamper: (t: Tamper) => void): Promise<AuditVerification>;
}
interface Tamper {
  records(): AuditRecord[];
  edit(seq: number, amount: string, rehash?: boolean): void;
  remove(seq: number): void;
  /** Put a forged record with this seq before the record now holding it (SQLite: renumbering the rest). */
  insertBefore(record: AuditRecord): void;
  append(record: AuditRecord): void;
  swap(a: number, b: number): void;
  setHead(text: string): void;
}

async function memoryLog(): Promise<Log> {
  const { hsm, store } = await setup();
  await buildLog(hsm);
  const snap = (store as MemoryStore).snapshot();
  return {
    async verify(tamper) {
      const s = structuredClone(snap);
      const at = (seq: number) => s.audit.findIndex((r) => r.seq === seq);
      tamper({
        records: () => s.audit,
        edit: (seq, amount, rehash) => { const r = s.audit[at(seq)]!; r.amount = amount; if (rehash) r.hash = auditHash(r); },
        remove: (seq) => { s.audit.splice(at(seq), 1); },
        insertBefore: (rec) => { s.audit.splice(at(rec.seq), 0, rec); },
        append: (rec) => { s.audit.push(rec); },
        swap: (a, b) => { const i = at(a); const j = at(b); [s.audit[i], s.audit[j]] = [s.audit[j]!, s.audit[i]!]; },
        setHead: (text) => { s.meta.audit_head = text; },
      });
      return (await openHsm({ store: MemoryStore.fromSnapshot(s), masterKey: MASTER })).verifyAudit();
    },
  };
}

let files = 0;
async function sqliteLog(): Promise<Log> {
  const base = join(tmp.dir, `audit-${files++}.db`);
  const { hsm } = await setup({ store: openSqliteStore(base, { create: true }) });
  await buildLog(hsm);
  await hsm.close();
  return {
    async verify(tamper) {
      const path = join(tmp.dir, `audit-${files++}.db`);
      const src = new Database(base);
      src.exec(`VACUUM INTO '${path}'`);
      src.close();
      const db = new Database(path);
      // Storage order is the row id; one chain here, so id = seq until a test moves rows. Hashes are
      // stored as 32-byte BLOBs (schema version 3) and shown as hex; from version 4 times are integer
      // milliseconds and generated transaction ids 16 bytes (rows written here keep text, as the store allows).
      const blob = (h: string | null) => (h === null ? null : Buffer.from(h, 'hex'));
      const hex = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v);
      const iso = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : v);
      const uuid = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') : v);
      const cols = 'id, chain, seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid, token_hash, prev_hash, hash';
      const insert = (r: AuditRecord, id = (db.prepare('SELECT max(id) + 1 FROM audit').pluck().get() as number)) => db.prepare(`INSERT INTO audit (${cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
        .run(id, 'main', r.seq, r.at, r.operator, r.vendingPoint, r.transactionId, r.pan, r.kind, r.outcome, r.errorCode, r.amount, r.tid, blob(r.tokenHash), blob(r.prevHash), blob(r.hash));
      const all = () => (db.prepare('SELECT * FROM audit WHERE chain IS NOT NULL ORDER BY id').all() as Record<string, unknown>[]).map((r) => ({
        chain: r.chain, seq: r.seq, at: iso(r.at), operator: r.operator, vendingPoint: r.vending_point, transactionId: uuid(r.transaction_id), pan: r.pan, kind: r.kind,
        outcome: r.outcome, errorCode: r.error_code, amount: r.amount, tid: r.tid, tokenHash: hex(r.token_hash), prevHash: hex(r.prev_hash), hash: hex(r.hash),
      }) as AuditRecord);
      tamper({
        records: all,
        edit: (seq, amount, rehash) => {
          db.prepare('UPDATE audit SET amount = ? WHERE seq = ?').run(amount, seq);
          if (rehash) db.prepare('UPDATE audit SET hash = ? WHERE seq = ?').run(blob(auditHash(all().find((r) => r.seq === seq)!)), seq);
        },
        remove: (seq) => { db.prepare('DELETE FROM audit WHERE seq = ?').run(seq); },
        insertBefore: (rec) => {
          db.prepare('UPDATE audit SET id = id + 1000, seq = seq + 1000 WHERE seq >= ?').run(rec.seq);
          db.prepare('UPDATE audit SET id = id - 999, seq = seq - 999 WHERE seq >= 1000').run();
          insert(rec, rec.seq);
        },
        append: (rec) => insert(rec),
        swap: (a, b) => {
          db.prepare('UPDATE audit SET id = -1, seq = -1 WHERE seq = ?').run(a);
          db.prepare('UPDATE audit SET id = ?, seq = ? WHERE seq = ?').run(a, a, b);
          db.prepare('UPDATE audit SET id = ?, seq = ? WHERE seq = -1').run(b, b);
        },
        setHead: (text) => { db.prepare("UPDATE meta SET value = ? WHERE name = 'audit_head'").run(text); },
      });
      db.close();
      const hsm2 = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
      try {
        return await hsm2.verifyAudit();
      } finally {
        await hsm2.close();
      }
    },
  };
}

describe.each([['memory store', memoryLog], ['SQLite store (rows edited directly)', sqliteLog]])('audit chain on the %s', (_name, make) => {
  // Built by the first test that needs it (not while the tests are collected).
  let built: Promise<Log> | undefined;
  const log = { verify: async (tamper: (t: Tamper) => void) => (await (built ??= make())).verify(tamper) };
  const first = (v: AuditVerification) => [v.ok, v.firstBad?.seq, v.firstBad?.reason];

  it('untouched: ok', async () => {
    expect(await log.verify(() => {})).toEqual({ ok: true, records: 8 });
  });
  it('an edited record is named', async () => {
    expect(first(await log.verify((t) => t.edit(5, '1 L')))).toEqual([false, 5, 'edited']);
  });
  it('an edited record whose own hash was recomputed is still named (the next record links elsewhere)', async () => {
    expect(first(await log.verify((t) => t.edit(5, '1 L', true)))).toEqual([false, 5, 'edited']);
  });
  it('a deleted record is named', async () => {
    expect(first(await log.verify((t) => t.remove(5)))).toEqual([false, 5, 'deleted']);
    expect(first(await log.verify((t) => t.remove(1)))).toEqual([false, 1, 'deleted']);
  });
  it('an inserted record, even with a correct hash and link, is named', async () => {
    expect(first(await log.verify((t) => { const r = t.records(); t.insertBefore(forge(r[3]!, 5, r[3]!.hash)); }))).toEqual([false, 5, 'inserted']);
  });
  it('a record appended and chained outside the module is caught by the MAC-protected head', async () => {
    expect(first(await log.verify((t) => { const r = t.records(); t.append(forge(r[7]!, 9, r[7]!.hash)); }))).toEqual([false, 9, 'inserted']);
  });
  it('reordered records are named', async () => {
    expect(first(await log.verify((t) => t.swap(5, 6)))).toEqual([false, 5, 'reordered']);
  });
  it('truncation at the end is caught by the head', async () => {
    expect(first(await log.verify((t) => { t.remove(8); t.remove(7); }))).toEqual([false, 7, 'truncated']);
  });
  it('a forged head (seq moved back to hide truncation) fails its MAC', async () => {
    const v = await log.verify((t) => {
      const r = t.records();
      t.remove(8);
      t.setHead(JSON.stringify({ seq: 7, hash: r[6]!.hash, mac: '0'.repeat(64) }));
    });
    expect(first(v)).toEqual([false, 7, 'head']);
    expect(v.firstBad!.message).toMatch(/head/);
  });
});

describe('audit log content', () => {
  it('records issued tokens, reissues and refusals with what a person needs, never a token or key', async () => {
    const { hsm } = await setup();
    const a = await hsm.vend({ ...CTX, pan: PAN, litres: 2550, transactionId: 'a-1' });
    await hsm.vend({ ...CTX, pan: PAN, litres: 2550, transactionId: 'a-1' });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 0, transactionId: 'a-2' }))).toBe('RANGE');
    const recs = await hsm.auditRecords({ fromSeq: 4 });
    expect(recs.map((r) => [r.seq, r.kind, r.outcome, r.errorCode, r.amount, r.tid, r.operator, r.vendingPoint, r.transactionId, r.pan])).toEqual([
      [4, 'vend', 'issued', null, '2600 L', a.tid, 'alice', 'till-1', 'a-1', PAN],
      [5, 'vend', 'reissued', null, '2600 L', a.tid, 'alice', 'till-1', 'a-1', PAN],
      [6, 'vend', 'refused', 'RANGE', '0 L', null, 'alice', 'till-1', 'a-2', PAN],
    ]);
    expect(recs[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(recs[2]!.tokenHash).toBeNull();
    expect(JSON.stringify(await hsm.auditRecords())).not.toContain(a.tokens[0]);
    expect((await hsm.auditRecords({ fromSeq: 5, limit: 1 })).map((r) => r.seq)).toEqual([5]);
  });

  it('refusals are written after the failed transaction rolled back', async () => {
    const { hsm } = await setup({ config: { dailyLimitLitresPerVendingPoint: 100 } });
    await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const lastTid = (await hsm.getMeter(PAN)).lastTid;
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('LIMIT');
    expect((await hsm.getMeter(PAN)).lastTid).toBe(lastTid);
    expect((await hsm.auditRecords()).at(-1)).toMatchObject({ outcome: 'refused', errorCode: 'LIMIT', amount: '100 L' });
    expect((await hsm.verifyAudit()).ok).toBe(true);
  });

  it('an altered head stops issuing (AUDIT) until someone investigates', async () => {
    const { hsm, store } = await setup();
    await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const head = JSON.parse((await store.transaction((tx) => tx.getMeta('audit_head')))!);
    await store.transaction((tx) => tx.setMeta('audit_head', JSON.stringify({ ...head, seq: head.seq - 1 })));
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('AUDIT');
    expect((await hsm.verifyAudit()).firstBad?.reason).toBe('head');
  });

  it('a forged record appended to the SQLite rows stops issuing with AUDIT, not a raw SQLite error', async () => {
    const path = join(tmp.dir, `forged-append-${files++}.db`);
    const { hsm } = await setup({ store: openSqliteStore(path, { create: true }) });
    await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const last = (await hsm.auditRecords()).at(-1)!;
    await hsm.close();
    const db = new Database(path);
    const f = forge(last, last.seq + 1, last.hash);
    db.prepare('INSERT INTO audit (chain, seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid, token_hash, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)')
      .run('main', f.seq, f.at, f.operator, f.vendingPoint, f.transactionId, f.pan, f.kind, f.outcome, f.errorCode, f.amount, f.tid, Buffer.from(f.tokenHash!, 'hex'), Buffer.from(f.prevHash, 'hex'), Buffer.from(f.hash, 'hex'));
    db.close();
    const hsm2 = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    try {
      let caught: unknown;
      try {
        await hsm2.vend({ ...CTX, pan: PAN, litres: 100 });
      } catch (e) {
        caught = e;
      }
      expect(isHydroSyncError(caught)).toBe(true);
      expect((caught as HydroSyncError).code).toBe('AUDIT');
      expect((caught as Error).message).toMatch(/audit verify/);
      expect((caught as Error).message).not.toMatch(/SQLITE|UNIQUE|constraint/i);
      expect((await hsm2.verifyAudit()).firstBad?.reason).toBe('inserted');
    } finally {
      await hsm2.close();
    }
  });

  it('export: CSV with a header and RFC 4180 quoting; NDJSON, one record per line', async () => {
    const { hsm } = await setup();
    await hsm.vend({ operator: 'Smith, "J"', vendingPoint: 'kiosk,2', pan: PAN, litres: 100 });
    const csv = await hsm.exportAudit('csv');
    expect(csv[0]).toBe('chain,seq,at,operator,vendingPoint,transactionId,pan,kind,outcome,errorCode,amount,tid,tokenHash,prevHash,hash');
    expect(csv).toHaveLength((await hsm.auditRecords()).length + 1);
    expect(csv[4]).toMatch(/^main,4,2026-12-01T02:30:00\.000Z,"Smith, ""J""","kiosk,2",[0-9a-f-]{36},600727000000000009,vend,issued,,100 L,6793050,[0-9a-f]{64},[0-9a-f]{64},[0-9a-f]{64}$/);
    expect(csv[1]).toMatch(/^main,1,[^,]+,system,,[^,]+,,init,done,,,,,0{64},[0-9a-f]{64}$/);
    const nd = (await hsm.exportAudit('ndjson')).map((l) => JSON.parse(l));
    expect(nd).toEqual(await hsm.auditRecords());
    // Anyone can recompute the chain from an export.
    for (const r of nd) expect(auditHash(r)).toBe(r.hash);
    expect(await errorCode(() => hsm.exportAudit('xml' as never))).toBe('FORMAT');
    expect(await errorCode(() => hsm.vend({ operator: 'a\nb', vendingPoint: 'x', pan: PAN, litres: 100 }))).toBe('FORMAT');
  });

  it('administrative changes are audited too', async () => {
    const { hsm } = await setup();
    expect(await errorCode(() => hsm.addMeter({ pan: PAN, customerReference: 'dup', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP))).toBe('CONFLICT');
    expect((await hsm.auditRecords()).map((r) => `${r.kind}:${r.outcome}${r.errorCode ? `:${r.errorCode}` : ''}`)).toEqual([
      'init:done', 'key-import:done', 'meter-add:done', 'meter-add:refused:CONFLICT',
    ]);
  });
});
