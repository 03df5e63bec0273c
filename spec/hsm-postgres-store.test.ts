// The PostgreSQL store against a real server (the run's throwaway cluster, spec/postgres-cluster.ts)
// beyond the store contract (spec/store-conformance.test.ts): what only a shared database has: row locks between concurrent
// transactions, retries after unique violations, migrations, connection failures.
import { afterAll, describe, expect, it } from 'vitest';
import { HydroSyncError } from '../src/errors';
import { POSTGRES_MIGRATIONS } from '../src/node/postgres/schema';
import { POSTGRES_SCHEMA_VERSION, loadPostgresDriver, openPostgresStore, openWithMigrations } from '../src/node/hsm-postgres-store';
import type { HsmStore, StoreTx } from '../src/hsm';
import { connectionString, describePostgres, superuserQuery } from './postgres-support';
import { auditRow, meterRow, txRow } from './store-contract';
import { MASTER, setup } from './hsm-support';
import { openHsm } from '../src/hsm';

const PAN = '600727000000000009';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<HydroSyncError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HydroSyncError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describePostgres('PostgreSQL store', import.meta.url, (ctx) => {
  const opened: HsmStore[] = [];
  let n = 0;
  /** A fresh store: its own PostgreSQL schema in the suite's database. */
  async function fresh(options: { maxConnections?: number } = {}): Promise<{ store: HsmStore; schema: string }> {
    const schema = `s${n++}`;
    const store = await openPostgresStore(ctx().url, { schema, ...options });
    opened.push(store);
    return { store, schema };
  }
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  describe('concurrent transactions (several vending nodes)', () => {
    it('getMeter with { lock: true } then update: two transactions serialize, no lost update (without the lock, one is lost)', async () => {
      const { store } = await fresh();
      await store.transaction((tx) => tx.insertMeter(meterRow(PAN, { lastTid: 100 })));
      const bump = (lock: boolean, delayMs: number) => store.transaction(async (tx) => {
        const m = (await tx.getMeter(PAN, { lock }))!;
        await sleep(delayMs);
        await tx.updateMeter({ ...m, lastTid: m.lastTid! + 1 });
        return m.lastTid;
      });
      const locked = await Promise.all([bump(true, 300), sleep(50).then(() => bump(true, 0))]);
      expect(locked).toEqual([100, 101]);
      expect((await store.transaction((tx) => tx.getMeter(PAN)))!.lastTid).toBe(102);
      // The same interleaving without the lock reads the same lastTid twice: the test can tell.
      const unlocked = await Promise.all([bump(false, 300), sleep(50).then(() => bump(false, 0))]);
      expect(unlocked).toEqual([102, 102]);
      expect((await store.transaction((tx) => tx.getMeter(PAN)))!.lastTid).toBe(103);
    });

    it('a locked read of a row that does not exist yet queues the second transaction (check-then-add stays under the limit)', async () => {
      const { store } = await fresh();
      const sellOnce = (delayMs: number) => store.transaction(async (tx) => {
        const sold = await tx.getCounter('day:till-1', { lock: true });
        await sleep(delayMs);
        if (sold >= 1) return 'refused';
        await tx.addToCounter('day:till-1', 1);
        return 'sold';
      });
      expect(await Promise.all([sellOnce(300), sleep(50).then(() => sellOnce(0))])).toEqual(['sold', 'refused']);
      expect(await store.transaction((tx) => tx.getCounter('day:till-1'))).toBe(1);
      const firstHead = (delayMs: number, value: string) => store.transaction(async (tx) => {
        const head = await tx.getMeta('audit_head:node-a', { lock: true });
        await sleep(delayMs);
        if (head === undefined) await tx.setMeta('audit_head:node-a', value);
        return head ?? 'created';
      });
      expect(await Promise.all([firstHead(300, 'A'), sleep(50).then(() => firstHead(0, 'B'))])).toEqual(['created', 'A']);
    });

    it('the same transaction id inserted by two transactions at once: one inserts, the other is run again and finds the row', async () => {
      const { store } = await fresh();
      let runs = 0;
      const vend = (delayMs: number) => store.transaction(async (tx) => {
        runs++;
        if (await tx.getTransaction('txn-1')) return 'reissued';
        await sleep(delayMs);
        await tx.insertTransaction(txRow('txn-1', PAN, '2026-12-01T02:30:00.000Z'));
        await tx.setMeta('sales', String(runs));
        return 'issued';
      });
      const results = await Promise.all([vend(200), vend(200)]);
      expect(results.sort()).toEqual(['issued', 'reissued']);
      expect(runs).toBe(3); // two first runs, one retry
      expect((await store.transaction((tx) => tx.listTransactions({ pan: PAN }))).map((t) => t.id)).toEqual(['txn-1']);
    });

    it('verifyAudit while other nodes sell reads one snapshot: never a false "appended outside the module" (read-only transactions are REPEATABLE READ)', async () => {
      const { store, schema } = await fresh();
      const { hsm } = await setup({ store });
      const seller = await openHsm({ store: await openPostgresStore(ctx().url, { schema }), masterKey: MASTER, node: 'node-b' });
      try {
        let selling = true;
        let sold = 0;
        const sell = (async () => {
          while (selling) {
            await Promise.all([0, 1, 2].map((k) => seller.vend({ operator: 'bench', vendingPoint: `vp-${k}`, pan: PAN, litres: 100 })));
            sold += 3;
          }
        })();
        const verdicts = [];
        for (let i = 0; i < 400 && (i < 20 || sold < 30); i++) verdicts.push(await hsm.verifyAudit());
        selling = false;
        await sell;
        expect(sold).toBeGreaterThanOrEqual(30);
        expect(verdicts.filter((v) => !v.ok)).toEqual([]);
        expect((await hsm.verifyAudit()).records).toBeGreaterThan(sold);
      } finally {
        await seller.close();
      }
    }, 60_000);

    it('a unique violation that persists is retried a bounded number of times, then CONFLICT; nothing of it is kept', async () => {
      const { store } = await fresh();
      await store.transaction((tx) => tx.insertMeter(meterRow(PAN)));
      let runs = 0;
      const e = await rejection(store.transaction(async (tx) => {
        runs++;
        await tx.setMeta('x', 'y');
        await tx.insertMeter(meterRow(PAN));
      }));
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toMatch(/meter is already registered/);
      expect(runs).toBe(10);
      expect(await store.transaction((tx) => tx.getMeta('x'))).toBeUndefined();
    });

    it('UNIQUE (meter, base date, TID) over issued tokens guards against a TID issued twice; reissues and key-change sets are exempt', async () => {
      const { store } = await fresh();
      await store.transaction((tx) => tx.insertMeter(meterRow(PAN)));
      const rec = (seq: number, over: Parameters<typeof auditRow>[3] = {}) => auditRow('main', seq, '2026-12-01T02:30:00.000Z', { pan: PAN, tid: 5000, ...over });
      await store.transaction(async (tx) => {
        await tx.appendAudit(rec(1));
        await tx.appendAudit(rec(2, { outcome: 'reissued' }));
        await tx.appendAudit(rec(3, { kind: 'keychange' }));
      });
      const e = await rejection(store.transaction((tx) => tx.appendAudit(rec(4))));
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toMatch(/TID was already issued/);
      // After a key change to another base date the meter's TIDs start again: the same number is a new TID.
      await store.transaction(async (tx) => {
        await tx.updateMeter(meterRow(PAN, { baseDate: 2035 }));
        await tx.appendAudit(rec(4));
      });
      expect((await store.transaction((tx) => tx.readAudit({ chain: 'main' }))).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    });

    it('an audit record whose (chain, seq) exists is AUDIT after the retries (records added outside the module)', async () => {
      const { store } = await fresh();
      await store.transaction((tx) => tx.appendAudit(auditRow('node-a', 1, '2026-12-01T02:30:00.000Z')));
      const e = await rejection(store.transaction((tx) => tx.appendAudit(auditRow('node-a', 1, '2026-12-01T02:31:00.000Z'))));
      expect(e.code).toBe('AUDIT');
      expect(e.message).toMatch(/hsm audit verify/);
    });
  });

  describe('failures inside a transaction', () => {
    const terminateIdleInTransaction = (schemaTag: string) => superuserQuery(ctx().url,
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'hydrosync' AND state = 'idle in transaction' AND query LIKE $1`, [`%${schemaTag}%`]);

    it('a connection lost mid-transaction: STORE, nothing recorded, and the store goes on with a new connection', async () => {
      const { store, schema } = await fresh();
      const e = await rejection(store.transaction(async (tx) => {
        await tx.insertMeter(meterRow(PAN));
        expect((await terminateIdleInTransaction(`"${schema}".meters`)).rows[0].n).toBe(1);
        await sleep(100);
        await tx.setMeta('after', 'x');
      }));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/connection .* was lost during a transaction.*nothing of it was recorded/);
      expect(await store.transaction((tx) => tx.getMeter(PAN))).toBeUndefined();
      expect(await store.transaction((tx) => tx.listMeters())).toEqual([]);
    });

    it('a connection lost before COMMIT: the failed COMMIT is reported (STORE, repeat with the same transaction id), never taken for success', async () => {
      const { store, schema } = await fresh();
      const e = await rejection(store.transaction(async (tx) => {
        await tx.insertTransaction(txRow('txn-9', PAN, '2026-12-01T02:30:00.000Z'));
        expect((await terminateIdleInTransaction(`"${schema}".transactions`)).rows[0].n).toBe(1);
        await sleep(100);
        return 'done';
      }));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/while committing.*same transaction id/);
      expect(await store.transaction((tx) => tx.getTransaction('txn-9'))).toBeUndefined();
    });

    it('a failed statement that fn swallowed: the server answers COMMIT with ROLLBACK, reported as STORE', async () => {
      const { store } = await fresh();
      const e = await rejection(store.transaction(async (tx) => {
        await tx.insertMeter(meterRow(PAN));
        await tx.insertMeter({ ...meterRow('600727111111111153'), customerGroup: null as unknown as string }).catch(() => {});
        return 'ok';
      }));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/rolled back by the server/);
      expect(await store.transaction((tx) => tx.listMeters())).toEqual([]);
    });

    it('a StoreTx used after its transaction ended is refused (STORE)', async () => {
      const { store } = await fresh();
      let kept: StoreTx | undefined;
      await store.transaction(async (tx) => { kept = tx; });
      const e = await rejection(kept!.getMeta('x'));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/used after it ended/);
    });
  });

  describe('schema versions and migrations', () => {
    const [m1] = POSTGRES_MIGRATIONS;
    const m2 = { version: 2, summary: 'a test migration', sql: (s: string) => `CREATE TABLE ${s}.extra (id INTEGER PRIMARY KEY)` };
    const opts = (schema: string, migrate = false) => ({ schema, maxConnections: 2, connectTimeoutMs: 5000, migrate });
    const versions = async (schema: string) => (await superuserQuery(ctx().url, `SELECT version FROM "${schema}".schema_version ORDER BY version`)).rows.map((r) => r.version);
    const hasTable = async (schema: string, table: string) => (await superuserQuery(ctx().url, 'SELECT to_regclass($1) IS NOT NULL AS ok', [`"${schema}".${table}`])).rows[0].ok;

    it('a fresh database gets the latest schema; reopening checks it', async () => {
      const { store, schema } = await fresh();
      await store.close();
      expect(await versions(schema)).toEqual([POSTGRES_SCHEMA_VERSION]);
      for (const t of ['meta', 'vending_keys', 'meters', 'transactions', 'counters', 'audit', 'report_state', 'reports']) expect(await hasTable(schema, t)).toBe(true);
      const again = await openPostgresStore(ctx().url, { schema });
      expect(await again.transaction((tx) => tx.listMeters())).toEqual([]);
      await again.close();
    });

    it('an older schema version is refused (STORE naming hydrosync hsm migrate) and left unchanged; { migrate: true } upgrades it', async () => {
      const schema = 'mig_old';
      await (await openWithMigrations(ctx().url, opts(schema), [m1!])).close();
      const e = await rejection(openWithMigrations(ctx().url, opts(schema), [m1!, m2]));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/schema version 1; this hydrosync needs version 2.*`hydrosync hsm migrate`/);
      expect(await versions(schema)).toEqual([1]);
      expect(await hasTable(schema, 'extra')).toBe(false);
      const migrated = await openWithMigrations(ctx().url, opts(schema, true), [m1!, m2]);
      await migrated.close();
      expect(await versions(schema)).toEqual([1, 2]);
      expect(await hasTable(schema, 'extra')).toBe(true);
    });

    it('a newer schema version (a newer hydrosync) is refused and never touched, even with { migrate: true }', async () => {
      const schema = 'mig_new';
      await (await openWithMigrations(ctx().url, opts(schema), [m1!, m2])).close();
      await superuserQuery(ctx().url, `INSERT INTO "${schema}".meta (name, value) VALUES ('marker', 'kept')`);
      for (const migrate of [false, true]) {
        const e = await rejection(openWithMigrations(ctx().url, opts(schema, migrate), [m1!]));
        expect(e.code).toBe('STORE');
        expect(e.message).toMatch(/schema version 2, written by a newer hydrosync; this one reads up to version 1/);
      }
      expect(await versions(schema)).toEqual([1, 2]);
      expect((await superuserQuery(ctx().url, `SELECT value FROM "${schema}".meta`)).rows).toEqual([{ value: 'kept' }]);
    });

    it('a schema holding another application\'s tables is refused (STORE) and left unchanged', async () => {
      await superuserQuery(ctx().url, 'CREATE SCHEMA app; CREATE TABLE app.customers (id INTEGER)');
      const e = await rejection(openPostgresStore(ctx().url, { schema: 'app' }));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/not a HydroSync store/);
      expect(await hasTable('app', 'meta')).toBe(false);
    });

    it('two nodes opening a fresh database at once: one creates the schema, both work', async () => {
      const url = ctx().url;
      const [a, b] = await Promise.all([openPostgresStore(url, { schema: 'race' }), openPostgresStore(url, { schema: 'race' })]);
      await a.transaction((tx) => tx.setMeta('from', 'a'));
      expect(await b.transaction((tx) => tx.getMeta('from'))).toBe('a');
      await a.close();
      await b.close();
      expect(await versions('race')).toEqual([POSTGRES_SCHEMA_VERSION]);
    });
  });

  describe('connecting', () => {
    it('a wrong password: STORE naming the login failure, never the password', async () => {
      const role = `hs_role_${process.pid}`;
      await superuserQuery(ctx().url, `CREATE ROLE ${role} LOGIN PASSWORD 'right-secret-9'`);
      const info = ctx().cluster;
      const e = await rejection(openPostgresStore(connectionString(info, ctx().name, role, 'wrong-secret-7')));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/refused the login .*password authentication failed.*check the user and password/);
      expect(e.message).not.toMatch(/secret/);
      expect(e.stack ?? '').not.toMatch(/wrong-secret-7/);
      const none = await rejection(openPostgresStore(connectionString(info, ctx().name, role)));
      expect(none.code).toBe('STORE');
    });

    it('no server listening (Unix socket, TCP port): STORE saying so', async () => {
      const socket = await rejection(openPostgresStore('postgresql://u:pw-123@/db?host=/nonexistent-hydrosync-dir'));
      expect(socket.code).toBe('STORE');
      expect(socket.message).toMatch(/no PostgreSQL server is listening there/);
      expect(socket.message).not.toMatch(/pw-123/);
      const tcp = await rejection(openPostgresStore('postgres://u:pw-456@127.0.0.1:1/db', { connectTimeoutMs: 3000 }));
      expect(tcp.code).toBe('STORE');
      expect(tcp.message).toMatch(/postgres:\/\/u@127\.0\.0\.1:1\/db.*(no PostgreSQL server is listening|connect)/);
      expect(tcp.message).not.toMatch(/pw-456/);
    });

    it('a database that does not exist: STORE naming createdb', async () => {
      const e = await rejection(openPostgresStore(connectionString(ctx().cluster, 'no_such_db_hydrosync')));
      expect(e.code).toBe('STORE');
      expect(e.message).toMatch(/createdb/);
    });

    it('bad arguments are USAGE; a missing driver is STORE naming the install command', async () => {
      expect((await rejection(openPostgresStore(''))).code).toBe('USAGE');
      expect((await rejection(openPostgresStore('host=db user=x password=secret'))).message).toMatch(/must be a URL/);
      expect((await rejection(openPostgresStore(ctx().url, { schema: 'Bad-Name' }))).code).toBe('USAGE');
      expect((await rejection(openPostgresStore(ctx().url, { maxConnections: 0 }))).code).toBe('USAGE');
      let e: unknown;
      try {
        loadPostgresDriver('pg-not-installed-hydrosync');
      } catch (x) {
        e = x;
      }
      expect((e as HydroSyncError).code).toBe('STORE');
      expect((e as HydroSyncError).message).toMatch(/npm install pg@8/);
    });
  });
});
