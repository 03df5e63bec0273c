// The server store (API keys) on SQLite and on a real PostgreSQL server, one contract for both:
// its own tables and migration track beside the security module's, so both open the same
// database; a newer server schema is refused and left alone.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore, openSqliteStore } from '../src/node';
import { apiKeyMatches, createApiKey } from '../src/server/api-key';
import { openPostgresServerStore } from '../src/server/store/postgres-server-store';
import { type ServerStore, SERVER_MIGRATIONS, SERVER_SCHEMA_VERSION } from '../src/server/store/server-store';
import { openSqliteServerStore } from '../src/server/store/sqlite-server-store';
import { MASTER, setup, tempDir } from './hsm-support';
import { describePostgres, superuserQuery } from './postgres-support';
import { openHsm } from '../src/hsm';

const NOW = new Date('2026-12-01T02:30:00Z');

function contract(open: () => Promise<ServerStore>): void {
  it('keeps API keys: insert, get, list oldest first, revoke once (the first time stays), CONFLICT on a taken id', async () => {
    const store = await open();
    try {
      expect(await store.schemaVersion()).toBe(SERVER_SCHEMA_VERSION);
      const a = await createApiKey({ role: 'agent', vendingPoint: 'kiosk-1', label: 'Toko A' }, NOW);
      const b = await createApiKey({ role: 'admin', vendingPoint: 'office' }, new Date('2026-12-02T00:00:00Z'));
      await store.insertApiKey(b.row);
      await store.insertApiKey(a.row);
      expect(await store.getApiKey(a.row.id)).toEqual(a.row);
      expect(await store.getApiKey('ffffffffffff')).toBeUndefined();
      expect((await store.listApiKeys()).map((r) => r.id)).toEqual([a.row.id, b.row.id]);
      await expect(store.insertApiKey({ ...a.row, label: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });
      const r1 = await store.revokeApiKey(a.row.id, '2026-12-03T00:00:00.000Z');
      expect(r1?.revokedAt).toBe('2026-12-03T00:00:00.000Z');
      expect((await store.revokeApiKey(a.row.id, '2026-12-04T00:00:00.000Z'))?.revokedAt).toBe('2026-12-03T00:00:00.000Z');
      expect(await store.revokeApiKey('ffffffffffff', '2026-12-04T00:00:00.000Z')).toBeUndefined();
      const stored = (await store.getApiKey(b.row.id))!;
      expect(stored.hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(stored.hash).not.toContain(b.key.slice(17));
      expect(await apiKeyMatches(b.key, stored)).toBe(true);
      expect(await apiKeyMatches(a.key, stored)).toBe(false);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('keeps meter states: deactivation and a pending key-change set, each set and cleared without touching the other', async () => {
    const store = await open();
    try {
      const pan = '600727000000000009';
      expect(await store.getMeterState(pan)).toBeUndefined();
      const off = await store.setMeterDeactivation(pan, { at: '2026-12-01T03:00:00.000Z', by: 'user:ani', reason: 'house demolished' });
      expect(off).toEqual({ pan, deactivatedAt: '2026-12-01T03:00:00.000Z', deactivatedBy: 'user:ani', deactivationReason: 'house demolished', pendingKeyChange: null, pendingKeyChangeAt: null });
      const pending = await store.setPendingKeyChange(pan, { transactionId: 'office:kc-1', at: '2026-12-01T04:00:00.000Z' });
      expect(pending).toMatchObject({ deactivatedAt: '2026-12-01T03:00:00.000Z', pendingKeyChange: 'office:kc-1', pendingKeyChangeAt: '2026-12-01T04:00:00.000Z' });
      expect(await store.setMeterDeactivation(pan, null)).toMatchObject({ deactivatedAt: null, deactivatedBy: null, deactivationReason: null, pendingKeyChange: 'office:kc-1' });
      expect(await store.setPendingKeyChange(pan, null)).toMatchObject({ pendingKeyChange: null, pendingKeyChangeAt: null });
      expect(await store.getMeterState(pan)).toEqual({ pan, deactivatedAt: null, deactivatedBy: null, deactivationReason: null, pendingKeyChange: null, pendingKeyChangeAt: null });
      // A pending key change on a meter with no row yet creates one, active.
      expect(await store.setPendingKeyChange('600727000000000017', { transactionId: 'office:kc-2', at: '2026-12-01T05:00:00.000Z' }))
        .toMatchObject({ deactivatedAt: null, pendingKeyChange: 'office:kc-2' });
    } finally {
      await store.close();
    }
  });

  it('keeps customers and meter links: CONFLICT for a taken number or a meter linked already; prefix search with LIKE characters taken literally', async () => {
    const store = await open();
    try {
      const at = '2026-12-01T02:30:00.000Z';
      const c = { number: 'S-1', name: 'Ani 50%_off', phone: null, email: null, address: null, createdAt: at, updatedAt: at };
      await store.insertCustomer(c);
      await store.insertCustomer({ ...c, number: 'S-2', name: 'Ani Lestari' });
      await expect(store.insertCustomer({ ...c, name: 'again' })).rejects.toMatchObject({ code: 'CONFLICT', message: 'customer S-1 is registered already' });
      expect(await store.getCustomer('S-1')).toEqual(c);
      expect((await store.listCustomers({ prefix: 'ani 50%_', limit: 10 })).map((r) => r.number)).toEqual(['S-1']);
      expect((await store.listCustomers({ prefix: 'ani 5_', limit: 10 })).map((r) => r.number)).toEqual([]);
      expect((await store.listCustomers({ prefix: 'ANI', limit: 10 })).map((r) => r.number)).toEqual(['S-1', 'S-2']);
      expect((await store.listCustomers({ prefix: 's-', after: 'S-1', limit: 10 })).map((r) => r.number)).toEqual(['S-2']);
      expect(await store.updateCustomer('S-1', { email: 'ani@example.id' }, '2026-12-02T00:00:00.000Z')).toEqual({ ...c, email: 'ani@example.id', updatedAt: '2026-12-02T00:00:00.000Z' });
      expect(await store.updateCustomer('S-9', { name: 'x' }, at)).toBeUndefined();
      await store.linkMeter({ pan: '600727000000000009', customerNumber: 'S-1', linkedAt: at });
      await expect(store.linkMeter({ pan: '600727000000000009', customerNumber: 'S-2', linkedAt: at })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.meterLink('600727000000000009')).toEqual({ pan: '600727000000000009', customerNumber: 'S-1', linkedAt: at });
      expect(await store.unlinkMeter('600727000000000009', 'S-2')).toBe(false);
      expect((await store.customerMeters('S-1')).map((l) => l.pan)).toEqual(['600727000000000009']);
      expect(await store.unlinkMeter('600727000000000009', 'S-1')).toBe(true);
      expect(await store.meterLink('600727000000000009')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('keeps accounts, invitations, sessions and sign-in failures: a failed redemption changes nothing; failure counts restart after the window', async () => {
    const store = await open();
    try {
      const at = '2026-12-01T02:30:00.000Z';
      await store.insertCustomer({ number: 'U-1', name: 'Uni', phone: null, email: null, address: null, createdAt: at, updatedAt: at });
      await store.insertCustomer({ number: 'U-2', name: 'Dua', phone: null, email: null, address: null, createdAt: at, updatedAt: at });
      const admin = { username: 'adm1', role: 'admin' as const, customerNumber: null, passwordHash: 'scrypt$x', createdAt: at, createdBy: 'cli' };
      await store.insertUser(admin);
      await expect(store.insertUser({ ...admin })).rejects.toMatchObject({ code: 'CONFLICT', message: 'the username adm1 is taken' });
      expect(await store.getUser('adm1')).toEqual(admin);
      const inv = { codeHash: 'a'.repeat(64), customerNumber: 'U-1', createdBy: 'user:adm1', createdAt: at, expiresAt: '2026-12-08T02:30:00.000Z', usedAt: null };
      await store.insertInvitation(inv);
      const user = { username: 'uni', role: 'customer' as const, passwordHash: 'scrypt$y', createdAt: at, createdBy: 'invitation' };
      // A taken username: CONFLICT, and the invitation stays unused.
      await expect(store.redeemInvitation(inv.codeHash, { ...user, username: 'adm1' }, at)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.redeemInvitation(inv.codeHash, user, '2026-12-08T02:30:00.000Z')).toBeUndefined(); // expired at that instant
      expect(await store.redeemInvitation(inv.codeHash, user, at)).toEqual({ ...user, customerNumber: 'U-1' });
      expect(await store.redeemInvitation(inv.codeHash, { ...user, username: 'uni2' }, at)).toBeUndefined(); // used
      expect((await store.customerUser('U-1'))?.username).toBe('uni');
      await expect(store.insertUser({ ...user, username: 'uni3', customerNumber: 'U-1' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.listUsers()).map((u) => u.username)).toEqual(['adm1', 'uni']);

      const session = { idHash: 'b'.repeat(64), username: 'uni', createdAt: at, lastSeenAt: at, expiresAt: '2026-12-01T14:30:00.000Z' };
      await store.insertSession(session);
      await store.touchSession(session.idHash, '2026-12-01T02:40:00.000Z');
      await store.touchSession(session.idHash, '2026-12-01T02:35:00.000Z'); // never moves back
      expect(await store.getSession(session.idHash)).toEqual({ ...session, lastSeenAt: '2026-12-01T02:40:00.000Z' });
      await store.deleteExpiredSessions('2026-12-01T03:00:00.000Z', '2026-12-01T02:30:00.000Z');
      expect(await store.getSession(session.idHash)).toBeDefined();
      await store.deleteExpiredSessions('2026-12-01T03:20:00.000Z', '2026-12-01T02:50:00.000Z'); // idle since 02:40
      expect(await store.getSession(session.idHash)).toBeUndefined();

      const key = 'user:uni';
      expect(await store.getSignInFailures(key)).toBeUndefined();
      expect((await store.countSignInFailure(key, at, '2026-12-01T02:15:00.000Z')).failures).toBe(1);
      expect((await store.countSignInFailure(key, '2026-12-01T02:31:00.000Z', '2026-12-01T02:16:00.000Z')).failures).toBe(2);
      // The first failure left the 15-minute window: the count starts again.
      expect(await store.countSignInFailure(key, '2026-12-01T02:50:00.000Z', '2026-12-01T02:35:00.000Z')).toEqual({ failures: 1, firstAt: '2026-12-01T02:50:00.000Z', lockedUntil: null });
      await store.lockSignIn(key, '2026-12-01T03:05:00.000Z');
      expect(await store.getSignInFailures(key)).toEqual({ failures: 0, firstAt: '2026-12-01T02:50:00.000Z', lockedUntil: '2026-12-01T03:05:00.000Z' });
      await store.clearSignInFailures(key);
      expect(await store.getSignInFailures(key)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('opens again without migrating twice, and keeps what it holds', async () => {
    const first = await open();
    const k = await createApiKey({ role: 'agent', vendingPoint: 'kiosk-2' }, NOW);
    await first.insertApiKey(k.row);
    await first.close();
    const second = await open();
    try {
      expect(await second.schemaVersion()).toBe(SERVER_SCHEMA_VERSION);
      expect(await second.getApiKey(k.row.id)).toEqual(k.row);
    } finally {
      await second.close();
    }
  });
}

describe('server store on SQLite (the security module\'s file)', () => {
  const t = tempDir();
  afterAll(t.cleanup);
  let n = 0;
  const fresh = async () => {
    const path = join(t.dir, `s${++n}.sqlite`);
    const { hsm } = await setup({ store: openSqliteStore(path, { create: true }) });
    await hsm.close();
    return path;
  };
  let shared: string | undefined;
  contract(async () => openSqliteServerStore(shared ??= await fresh()));

  it('lives beside the module: its tables and server_schema_version in the same file; the module still opens, sells and verifies', async () => {
    const path = await fresh();
    await (openSqliteServerStore(path)).close();
    const db = new Database(path, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'server_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const userVersion = db.pragma('user_version', { simple: true });
    db.close();
    expect(tables).toEqual(['server_api_keys', 'server_customer_meters', 'server_customers', 'server_invitations', 'server_meter_states', 'server_payment_events', 'server_payments', 'server_schema_version', 'server_sessions', 'server_sign_in_failures', 'server_users']);
    expect(userVersion).toBe(4); // the module's version track is untouched
    const hsm = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    expect((await hsm.vend({ operator: 'a', vendingPoint: 'b', pan: '600727000000000009', litres: 100 })).tokens).toHaveLength(1);
    expect((await hsm.verifyAudit()).ok).toBe(true);
    await hsm.close();
  });

  it('refuses a file whose server schema is newer than this hydrosync, and changes nothing', async () => {
    const path = await fresh();
    await (openSqliteServerStore(path)).close();
    const db = new Database(path);
    db.prepare("INSERT INTO server_schema_version (version, applied_at, summary) VALUES (99, 'x', 'future')").run();
    db.close();
    expect(() => openSqliteServerStore(path)).toThrow(/server schema version 99, written by a newer hydrosync/);
  });
});

describePostgres('server store on PostgreSQL (the security module\'s database)', import.meta.url, (ctx) => {
  contract(() => openPostgresServerStore(ctx().url));

  it('lives in its own schema hydrosync_server with its own schema_version; the module\'s schema and versions are untouched', async () => {
    const { hsm } = await setup({ store: await openPostgresStore(ctx().url) });
    await hsm.close();
    await (await openPostgresServerStore(ctx().url)).close();
    const server = await superuserQuery(ctx().url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'hydrosync_server' ORDER BY table_name");
    expect(server.rows.map((r) => r.table_name)).toEqual(['api_keys', 'customer_meters', 'customers', 'invitations', 'meter_states', 'payment_events', 'payments', 'schema_version', 'sessions', 'sign_in_failures', 'users']);
    const module = await superuserQuery(ctx().url, "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'hydrosync' AND table_name LIKE '%api%'");
    expect(module.rows[0].n).toBe(0);
    const reopened = await openHsm({ store: await openPostgresStore(ctx().url), masterKey: MASTER });
    expect((await reopened.verifyAudit()).ok).toBe(true);
    await reopened.close();
  });

  it('two servers starting at once create the schema once', async () => {
    const db = `${ctx().url}`;
    const stores = await Promise.all([openPostgresServerStore(db), openPostgresServerStore(db), openPostgresServerStore(db)]);
    for (const s of stores) expect(await s.schemaVersion()).toBe(SERVER_SCHEMA_VERSION);
    await Promise.all(stores.map((s) => s.close()));
    const rows = await superuserQuery(ctx().url, 'SELECT version FROM hydrosync_server.schema_version');
    expect(rows.rows.map((r) => r.version)).toEqual(SERVER_MIGRATIONS.map((m) => m.version));
  });

  it('refuses a newer server schema and changes nothing', async () => {
    await superuserQuery(ctx().url, "INSERT INTO hydrosync_server.schema_version (version, summary) VALUES (99, 'future')");
    await expect(openPostgresServerStore(ctx().url)).rejects.toThrow(/server schema version 99, written by a newer hydrosync/);
    await superuserQuery(ctx().url, 'DELETE FROM hydrosync_server.schema_version WHERE version = 99');
  });
});
