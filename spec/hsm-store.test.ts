import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, type StoreTx, initHsm, openHsm, parseMasterKey } from '../src/hsm';
import { loadSqliteDriver, openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, MASTER, MASTER_HEX, OP, OTHER_MASTER_HEX, PAN, PAN2, downgradeSqliteStore, makeClock, setup, tempDir } from './hsm-support';
import { errorCode } from './support';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const newPath = () => join(tmp.dir, `store-${n++}.db`);

async function sqliteHsm(path = newPath()) {
  const s = await setup({ store: openSqliteStore(path, { create: true }) });
  return { ...s, path };
}

describe('SQLite store', () => {
  it('persists across connections; a second init is a CONFLICT and changes nothing', async () => {
    const { hsm, path, clock } = await sqliteHsm();
    const a = await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'p-1' });
    await hsm.close();
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    const store = openSqliteStore(path, { create: true });
    expect(await errorCode(() => initHsm(store, MASTER, {}, clock()))).toBe('CONFLICT');
    const again = await openHsm({ store, masterKey: MASTER, clock });
    expect((await again.getMeter(PAN)).lastTid).toBe(a.tid);
    expect(await again.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'p-1' })).toEqual({ ...a, reissued: true });
    expect(await again.verifyAudit()).toMatchObject({ ok: true, records: 5 });
    await again.close();
  });

  it('two security modules on one file never reuse a TID (each vend reads lastTid in its own transaction)', async () => {
    const { hsm: a, path, clock } = await sqliteHsm();
    const b = await openHsm({ store: openSqliteStore(path), masterKey: MASTER, clock });
    const tids: number[] = [];
    for (let i = 0; i < 20; i++) tids.push((await (i % 3 === 0 ? b : a).vend({ ...CTX, pan: PAN, litres: 100 })).tid!);
    expect(new Set(tids).size).toBe(20);
    expect(tids).toEqual([...tids].sort((x, y) => x - y));
    expect((await a.verifyAudit()).ok).toBe(true);
    await a.close();
    await b.close();
  });

  const built = existsSync(join(__dirname, '..', 'dist', 'hsm.js')) && existsSync(join(__dirname, '..', 'dist', 'node.js'));
  it.skipIf(!built)('two processes vending at once to one meter get distinct TIDs (WAL, busy timeout, BEGIN IMMEDIATE)', async () => {
    const { hsm, path } = await sqliteHsm();
    await hsm.close();
    const script = `
      import { openHsm, parseMasterKey } from '../dist/hsm.js';
      import { openSqliteStore } from '../dist/node.js';
      const clock = () => new Date('2026-12-01T02:30:00Z');
      const hsm = await openHsm({ store: openSqliteStore(process.argv[1]), masterKey: parseMasterKey('${MASTER_HEX}'), clock });
      const tids = [];
      for (let i = 0; i < 150; i++) tids.push((await hsm.vend({ operator: 'p', vendingPoint: 'v' + process.pid, pan: '${PAN}', litres: 100 })).tid);
      await hsm.close();
      console.log(JSON.stringify(tids));`;
    const run = () => new Promise<number[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, path], { cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))));
    });
    const [x, y] = await Promise.all([run(), run()]);
    const all = [...x, ...y];
    expect(new Set(all).size).toBe(300);
    for (const list of [x, y]) expect(list).toEqual([...list].sort((p, q) => p - q));
    const check = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    expect(await check.verifyAudit()).toMatchObject({ ok: true, records: 303 });
    expect((await check.getMeter(PAN)).lastTid).toBe(Math.max(...all));
    await check.close();
  }, 30_000);

  it('a wrong master key is refused (MASTER_KEY) before anything is read or written', async () => {
    const { hsm, path } = await sqliteHsm();
    await hsm.close();
    const store = openSqliteStore(path);
    expect(await errorCode(() => openHsm({ store, masterKey: parseMasterKey(OTHER_MASTER_HEX) }))).toBe('MASTER_KEY');
    expect(await errorCode(() => openHsm({ store, masterKey: new Uint8Array(16) }))).toBe('MASTER_KEY');
    const ok = await openHsm({ store, masterKey: MASTER });
    expect(await ok.auditRecords()).toHaveLength(3);
    await ok.close();
  });

  it('garbage bytes: STORE, and the file is left exactly as it was (no -wal/-shm either)', async () => {
    const path = newPath();
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) & 0xff));
    writeFileSync(path, garbage);
    expect(errorCode(() => openSqliteStore(path))).toBe('STORE');
    expect(errorCode(() => openSqliteStore(path, { create: true }))).toBe('STORE');
    expect(readFileSync(path).equals(garbage)).toBe(true);
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`)).toBe(false);
    writeFileSync(path, 'hello');
    expect(errorCode(() => openSqliteStore(path))).toBe('STORE');
    expect(readFileSync(path, 'utf8')).toBe('hello');
  });

  it('another application\'s SQLite database: STORE, untouched', async () => {
    const path = newPath();
    const db = new Database(path);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES (\'x\')');
    db.close();
    const before = readFileSync(path);
    expect(errorCode(() => openSqliteStore(path, { create: true }))).toBe('STORE');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a newer schema version is refused (STORE), never touched', async () => {
    const { hsm, path } = await sqliteHsm();
    await hsm.close();
    const db = new Database(path);
    db.pragma('user_version = 5');
    db.close();
    const before = readFileSync(path);
    expect(() => openSqliteStore(path)).toThrow(/schema version 5, written by a newer hydrosync/);
    expect(() => openSqliteStore(path, { migrate: true })).toThrow(/never migrates backwards/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  async function olderStore(version: 1 | 2 | 3): Promise<string> {
    const { hsm, path } = await sqliteHsm();
    await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'before-migration' });
    await hsm.close();
    downgradeSqliteStore(path, version);
    return path;
  }

  it.each([1, 2, 3] as const)('a schema version %i store is refused (STORE) naming hsm migrate, untouched; with migrate it is brought to version 4, all or nothing', async (version) => {
    const path = await olderStore(version);
    const before = readFileSync(path);
    expect(() => openSqliteStore(path)).toThrow(new RegExp(`schema version ${version}; this version of hydrosync needs 4 .*run \`hydrosync hsm migrate --store `));
    expect(readFileSync(path).equals(before)).toBe(true);
    const hsm = await openHsm({ store: openSqliteStore(path, { migrate: true }), masterKey: MASTER });
    expect(await hsm.verifyAudit()).toEqual({ ok: true, records: 4 });
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'before-migration' })).reissued).toBe(true);
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'after-migration' })).reissued).toBe(false);
    expect(await hsm.reportSummary(PAN)).toMatchObject({ reports: 0 });
    expect(await hsm.verifyAudit()).toEqual({ ok: true, records: 6 });
    await hsm.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.close();
  });

  it('version 3 keeps SHA-256 values (audit hashes, request fingerprints) as 32-byte BLOBs; the migration converts version 2\'s hex text, and keeps an edited value as it is', async () => {
    const path = await olderStore(2);
    const v2 = new Database(path);
    v2.exec(`UPDATE audit SET hash = lower(hex(hash)), prev_hash = lower(hex(prev_hash)), token_hash = lower(hex(token_hash));
      UPDATE transactions SET fingerprint = lower(hex(fingerprint));`);
    const hashes = v2.prepare('SELECT hash FROM audit ORDER BY seq').pluck().all() as string[];
    expect(hashes.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    v2.prepare('UPDATE audit SET hash = ? WHERE seq = 2').run(hashes[1]!.toUpperCase());
    v2.close();
    const hsm = await openHsm({ store: openSqliteStore(path, { migrate: true }), masterKey: MASTER });
    expect(await hsm.verifyAudit()).toMatchObject({ ok: false, firstBad: { reason: 'edited' } });
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'before-migration' })).reissued).toBe(true);
    expect((await hsm.auditRecords()).map((r) => r.hash)).toEqual([hashes[0], hashes[1]!.toUpperCase(), ...hashes.slice(2), expect.stringMatching(/^[0-9a-f]{64}$/)]);
    await hsm.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT typeof(hash) t, length(hash) n FROM audit ORDER BY id').all()).toEqual(
      hashes.map((_h, i) => (i === 1 ? { t: 'text', n: 64 } : { t: 'blob', n: 32 })).concat([{ t: 'blob', n: 32 }]));
    expect(db.prepare("SELECT DISTINCT typeof(prev_hash) || length(prev_hash) FROM audit").pluck().all()).toEqual(['blob32']);
    expect(db.prepare("SELECT DISTINCT typeof(fingerprint) || length(fingerprint) FROM audit WHERE sealed IS NOT NULL").pluck().all()).toEqual(['blob32']);
    db.close();
  });

  it('version 4 keeps a sale (transaction row and audit record) in one row, generated ids as 16 bytes, times as integers; the migration from 3 merges them and keeps other ids and a transaction row without a record as they are', async () => {
    const { hsm, path, advance } = await sqliteHsm();
    const generated = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    advance(60_000);
    const named = await hsm.vend({ ...CTX, pan: PAN, litres: 500, transactionId: 'till-7:0001' });
    await hsm.close();
    downgradeSqliteStore(path, 3);
    const v3 = new Database(path);
    // A transaction row with no audit record (the store interface allows one), between the two sales in time.
    v3.prepare('INSERT INTO transactions (id, fingerprint, kind, pan, at, sealed) VALUES (?,?,?,?,?,?)')
      .run('alone', Buffer.alloc(32, 7), 'vend', PAN, '2026-12-01T02:30:30.000Z', Buffer.from([1, 2, 3]));
    expect(v3.prepare('SELECT typeof(id) || length(id) FROM transactions ORDER BY at').pluck().all()).toEqual(['text36', 'text5', 'text11']);
    v3.close();
    const store = openSqliteStore(path, { migrate: true });
    const h = await openHsm({ store, masterKey: MASTER });
    expect(await h.verifyAudit()).toEqual({ ok: true, records: 5 });
    expect(await h.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: generated.transactionId })).toEqual({ ...generated, reissued: true });
    expect(await h.vend({ ...CTX, pan: PAN, litres: 500, transactionId: 'till-7:0001' })).toEqual({ ...named, reissued: true });
    expect(await store.transaction((tx) => tx.getTransaction('alone'))).toEqual({
      id: 'alone', fingerprint: '07'.repeat(32), kind: 'vend', pan: PAN, at: '2026-12-01T02:30:30.000Z', sealed: new Uint8Array([1, 2, 3]),
    });
    expect((await store.transaction((tx) => tx.listTransactions({ pan: PAN }))).map((t) => t.id)).toEqual([generated.transactionId, 'alone', 'till-7:0001']);
    expect((await store.transaction((tx) => tx.listTransactions({ pan: PAN, fromAt: '2026-12-01T02:30:30.000Z' }))).map((t) => t.id)).toEqual(['alone', 'till-7:0001']);
    const later = await h.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(await h.verifyAudit()).toEqual({ ok: true, records: 8 });
    await h.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare(`SELECT typeof(transaction_id) || length(transaction_id) AS form, typeof(at) AS at, outcome, sealed IS NOT NULL AS sale
      FROM audit WHERE kind = 'vend' ORDER BY audit.id`).all();
    expect(rows).toEqual([
      { form: 'blob16', at: 'integer', outcome: 'issued', sale: 1 },
      { form: 'text11', at: 'integer', outcome: 'issued', sale: 1 },
      { form: 'text5', at: 'integer', outcome: null, sale: 1 },
      { form: 'blob16', at: 'integer', outcome: 'reissued', sale: 0 },
      { form: 'text11', at: 'integer', outcome: 'reissued', sale: 0 },
      { form: 'blob16', at: 'integer', outcome: 'issued', sale: 1 },
    ]);
    expect(db.prepare('SELECT count(*) FROM sqlite_schema WHERE name = \'transactions\'').pluck().get()).toBe(0);
    expect(Buffer.from(db.prepare('SELECT transaction_id FROM audit ORDER BY id DESC LIMIT 1').pluck().get() as Buffer).toString('hex'))
      .toBe(later.transactionId.replace(/-/g, ''));
    db.close();
  });

  it('an unknown HSM format in the meta row is refused (STORE)', async () => {
    const { hsm, path } = await sqliteHsm();
    await hsm.close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = 'hydrosync-hsm/9' WHERE name = 'hsm_format'").run();
    db.close();
    expect(await errorCode(() => openHsm({ store: openSqliteStore(path), masterKey: MASTER }))).toBe('STORE');
  });

  it('damaged pages are reported as STORE, not a crash', async () => {
    const { hsm, path } = await sqliteHsm();
    for (let i = 0; i < 50; i++) await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    await hsm.close();
    const bytes = readFileSync(path);
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(path, bytes);
    const code = await errorCode(async () => {
      const h = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
      await h.verifyAudit();
      await h.vend({ ...CTX, pan: PAN, litres: 100 });
    });
    expect(code).toBe('STORE');
  });

  it('a missing store, or a missing directory: STORE with what to do', async () => {
    expect(() => openSqliteStore(join(tmp.dir, 'none.db'))).toThrow(/hsm init/);
    expect(errorCode(() => openSqliteStore(join(tmp.dir, 'no-dir', 'x.db'), { create: true }))).toBe('STORE');
    expect(await errorCode(() => openHsm({ store: openSqliteStore(newPath(), { create: true }), masterKey: MASTER }))).toBe('STORE');
  });

  it('an edited key row (e.g. issued-until extended) makes the key unusable instead of changing policy', async () => {
    const { hsm, path } = await sqliteHsm();
    await hsm.close();
    const db = new Database(path);
    db.prepare("UPDATE vending_keys SET active_from = '2019-01-01T00:00'").run();
    db.close();
    const h = await openHsm({ store: openSqliteStore(path), masterKey: MASTER, clock: makeClock().clock });
    expect(await errorCode(() => h.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('STORE');
    await h.close();
  });

  it('an edited key row is caught even when this instance has the key cached', async () => {
    const { hsm, path } = await sqliteHsm();
    await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const db = new Database(path);
    db.prepare("UPDATE vending_keys SET issued_until = '2099-01-01T00:00'").run();
    db.close();
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('STORE');
    await hsm.close();
  });

  it('synchronous FULL is available for deployments that prefer durability over throughput', async () => {
    const path = newPath();
    const s = await setup({ store: openSqliteStore(path, { create: true, synchronous: 'FULL' }) });
    expect((await s.hsm.vend({ ...CTX, pan: PAN, litres: 100 })).tokens).toHaveLength(1);
    await s.hsm.close();
  });
});

describe('memory store', () => {
  it('a failed transaction leaves no trace', async () => {
    const store = new MemoryStore();
    await store.transaction((tx) => tx.setMeta('a', '1'));
    await expect(store.transaction(async (tx) => {
      await tx.setMeta('a', '2');
      await tx.setMeta('b', '3');
      await tx.addToCounter('c', 5);
      await tx.appendAudit({ chain: 'main', seq: 1 } as never);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await store.transaction(async (tx) => [await tx.getMeta('a'), await tx.getMeta('b'), await tx.getCounter('c'), (await tx.readAudit()).length]))
      .toEqual(['1', undefined, 0, 0]);
  });

  it('a transaction handle is dead once its transaction ended; transactions run one at a time', async () => {
    const store = new MemoryStore();
    let kept: StoreTx | undefined;
    await store.transaction(async (tx) => { kept = tx; });
    expect(await errorCode(() => kept!.getMeta('a'))).toBe('STORE');
    const order: string[] = [];
    await Promise.all([1, 2, 3].map((n) => store.transaction(async (tx) => {
      order.push(`start ${n}`);
      await tx.addToCounter('n', 1);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${n}`);
    })));
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(await store.transaction((tx) => tx.getCounter('n'))).toBe(3);
  });

  it('snapshots round-trip (a browser app can persist the store)', async () => {
    const { hsm, store, clock } = await setup();
    const a = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const snap = JSON.parse(JSON.stringify((store as MemoryStore).snapshot()));
    const back = await openHsm({ store: MemoryStore.fromSnapshot(snap), masterKey: MASTER, clock });
    expect((await back.vend({ ...CTX, pan: PAN, litres: 100 })).tid).toBe(a.tid! + 1);
    expect((await back.verifyAudit()).ok).toBe(true);
    expect(errorCode(() => MemoryStore.fromSnapshot({ format: 'other' } as never))).toBe('STORE');
    expect(await errorCode(() => openHsm({ store: MemoryStore.fromSnapshot(snap), masterKey: parseMasterKey(OTHER_MASTER_HEX) }))).toBe('MASTER_KEY');
  });

  it('rows handed out are copies', async () => {
    const { hsm } = await setup();
    const m = await hsm.getMeter(PAN);
    m.lastTid = 999;
    expect((await hsm.getMeter(PAN)).lastTid).toBeNull();
    expect(await errorCode(() => hsm.getMeter(PAN2))).toBe('NOT_FOUND');
    expect((await hsm.listMeters({ supplyGroupCode: '201457' })).map((x) => x.pan)).toEqual([PAN]);
    expect(await hsm.listMeters({ supplyGroupCode: '999999' })).toEqual([]);
  });

  it('a closed module refuses work', async () => {
    const { hsm } = await setup();
    await hsm.close();
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('STORE');
    expect(await errorCode(() => hsm.listMeters())).toBe('STORE');
  });
});

describe('master key and initialisation', () => {
  it('parseMasterKey takes 64 hex digits and never echoes its input', async () => {
    expect(parseMasterKey(` 0x${MASTER_HEX.toUpperCase()} `)).toEqual(MASTER);
    for (const bad of [MASTER_HEX.slice(2), `${MASTER_HEX}00`, MASTER_HEX.replace('0a', 'zz'), '']) {
      let message = '';
      try {
        parseMasterKey(bad);
      } catch (e) {
        expect((e as { code: string }).code).toBe('MASTER_KEY');
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(bad.slice(0, 12) || '\u0000');
    }
    expect(errorCode(() => parseMasterKey(42 as never))).toBe('MASTER_KEY');
  });

  it('init validates the configuration first and writes nothing on error', async () => {
    const store = new MemoryStore();
    expect(await errorCode(() => initHsm(store, MASTER, { utcOffsetMinutes: 2000 }))).toBe('RANGE');
    expect((await store.transaction((tx) => tx.getMeta('hsm_format')))).toBeUndefined();
    expect(await errorCode(() => initHsm(store, new Uint8Array(32).subarray(1)))).toBe('MASTER_KEY');
    await initHsm(store, MASTER);
    expect(await errorCode(() => initHsm(store, MASTER))).toBe('CONFLICT');
    expect(await (await openHsm({ store, masterKey: MASTER })).config()).toMatchObject({ utcOffsetMinutes: 420, tariffs: [{ group: 'R1' }] });
  });

  it('vending key import validates and never echoes the key', async () => {
    const { hsm } = await setup({ meter: false });
    const imp = { id: 'k2', dkga: '04' as const, supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique' as const, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
    const secret = '5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a';
    let message = '';
    try {
      await hsm.importVendingKey({ ...imp, keyHex: secret }, OP);
    } catch (e) {
      message = (e as Error).message;
      expect((e as { code: string }).code).toBe('KEY');
    }
    expect(message).toMatch(/40 hex digits/);
    expect(message).not.toContain('5a5a');
    expect(await errorCode(() => hsm.importVendingKey({ ...imp, keyHex: `${secret}zz` }, OP))).toBe('KEY');
    expect(await errorCode(() => hsm.importVendingKey({ ...imp, dkga: '02', keyHex: '0123456789abcdef' }, OP))).toBe('KEY'); // DKGA02 + EA11
    expect(await errorCode(() => hsm.importVendingKey({ ...imp, id: 'sgc201457-krn1', keyHex: `${secret}5a` }, OP))).toBe('CONFLICT');
    expect(await errorCode(() => hsm.importVendingKey({ ...imp, keyHex: `${secret}5a`, activeFrom: '2027-01-01T00:00', issuedUntil: '2026-01-01T00:00' }, OP))).toBe('RANGE');
    const info = await hsm.importVendingKey({ ...imp, keyHex: `${secret}5a` }, OP);
    expect(info).toMatchObject({ id: 'k2', bits: 160, activeFrom: '2026-12-01T09:30', issuedUntil: null });
    expect(info.checkValue).toMatch(/^[0-9a-f]{6}$/);
    expect(Object.keys(info)).not.toContain('wrapped');
    expect((await hsm.listVendingKeys()).map((k) => k.id)).toEqual(['k2', 'sgc201457-krn1']);
  });
});

describe('the SQLite driver is an optional peer dependency', () => {
  it('a missing driver is a STORE error that names the install command', async () => {
    let caught: unknown;
    try {
      loadSqliteDriver('better-sqlite3-that-is-not-installed');
    } catch (e) {
      caught = e;
    }
    expect(errorCode(() => { throw caught; })).toBe('STORE');
    expect((caught as Error).message).toContain('npm install better-sqlite3@12');
    expect(typeof loadSqliteDriver()).toBe('function');
  });
});
