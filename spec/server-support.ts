// Shared set-up for the vending server specs (spec/server-*.test.ts): a security module with the
// compliance key and one meter on a real store (SQLite in a temporary directory, or PostgreSQL),
// the server tables beside it, an admin and an agent key, and the server built around them.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openPostgresStore, openSqliteStore } from '../src/node';
import { createApiKey } from '../src/server/api-key';
import { type ServerOptions, buildServer } from '../src/server/build-server';
import { openPostgresServerStore } from '../src/server/store/postgres-server-store';
import type { ServerStore } from '../src/server/store/server-store';
import { openSqliteServerStore } from '../src/server/store/sqlite-server-store';
import { VK04_KRN2, setup, tempDir } from './hsm-support';

export interface TestServer {
  app: FastifyInstance;
  store: ServerStore;
  hsm: Awaited<ReturnType<typeof setup>>['hsm'];
  /** `Authorization` header values. */
  admin: string;
  agent: string;
  adminKey: string;
  agentKey: string;
  agentId: string;
  adminId: string;
  close: () => Promise<void>;
}

export type ServerExtras = Partial<Omit<ServerOptions, 'hsm' | 'store'>>;

async function finish(hsmStore: Awaited<ReturnType<typeof openPostgresStore>>, store: ServerStore, extras: ServerExtras, cleanup: () => void): Promise<TestServer> {
  const { hsm } = await setup({ store: hsmStore });
  const now = new Date('2026-12-01T02:30:00Z');
  const admin = await createApiKey({ role: 'admin', vendingPoint: 'office', label: 'test admin' }, now);
  const agent = await createApiKey({ role: 'agent', vendingPoint: 'kiosk-7', label: 'test agent' }, now);
  await store.insertApiKey(admin.row);
  await store.insertApiKey(agent.row);
  const app = await buildServer({ hsm, store, logger: false, rateLimit: false, ...extras });
  await app.ready();
  return {
    app, store, hsm, admin: `Bearer ${admin.key}`, agent: `Bearer ${agent.key}`, adminKey: admin.key, agentKey: agent.key,
    adminId: admin.row.id, agentId: agent.row.id,
    close: async () => {
      await app.close();
      cleanup();
    },
  };
}

/** A server on a fresh SQLite store file. */
export async function sqliteServer(extras: ServerExtras = {}): Promise<TestServer & { path: string }> {
  const t = tempDir();
  const path = join(t.dir, 'hsm.sqlite');
  const hsmStore = openSqliteStore(path, { create: true });
  const store = openSqliteServerStore(path);
  return { ...(await finish(hsmStore, store, extras, t.cleanup)), path };
}

/** A server on a fresh PostgreSQL database (spec/postgres-support.ts). */
export async function postgresServer(url: string, extras: ServerExtras = {}): Promise<TestServer> {
  const hsmStore = await openPostgresStore(url);
  const store = await openPostgresServerStore(url);
  return finish(hsmStore, store, extras, () => {});
}

/** The vending key for KRN 2 of the test supply group (a key change's target). */
export async function importKrn2Key(hsm: TestServer['hsm']): Promise<void> {
  await hsm.importVendingKey({
    id: 'sgc201457-krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique',
    baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00',
  }, { operator: 'alice' });
}

/** A JSON body of an inject response. */
export function json<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}

/** A website session: the Cookie header value and the CSRF token. */
export interface SignedIn {
  cookie: string;
  csrf: string;
  /** The session id (the cookie's value). */
  id: string;
}

/** The session cookie's value from a Set-Cookie answer, or undefined. */
export function sessionCookieOf(res: { headers: Record<string, unknown> }): string | undefined {
  const set = res.headers['set-cookie'];
  const all = Array.isArray(set) ? set as string[] : typeof set === 'string' ? [set] : [];
  for (const c of all) {
    const m = /^hydrosync_session=([^;]*)/.exec(c);
    if (m) return m[1];
  }
  return undefined;
}

/** Sign in over the API (POST /v1/session); throws unless it answers 200. */
export async function signIn(app: FastifyInstance, username: string, password: string, extraHeaders: Record<string, string> = {}): Promise<SignedIn> {
  const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { username, password }, headers: extraHeaders });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${username} answered ${res.statusCode}: ${res.body}`);
  const id = sessionCookieOf(res)!;
  return { cookie: `hydrosync_session=${id}`, csrf: json<{ csrfToken: string }>(res).csrfToken, id };
}

/** Register a customer with meters and a website account straight in the store (set-up, not under test). */
export async function customerWithAccount(s: TestServer, number: string, pans: string[], username: string, password: string): Promise<void> {
  const { accountRow } = await import('../src/server/accounts');
  const at = '2026-12-01T02:30:00.000Z';
  await s.store.insertCustomer({ number, name: `Customer ${number}`, phone: null, email: null, address: null, createdAt: at, updatedAt: at });
  for (const pan of pans) await s.store.linkMeter({ pan, customerNumber: number, linkedAt: at });
  await s.store.insertUser(await accountRow({ username, password, role: 'customer', customerNumber: number, createdBy: 'test' }, new Date(at)));
}
