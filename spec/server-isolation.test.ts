// Isolation on every route of the API, enumerated from the OpenAPI document (a new route is walked
// without touching this file): (a) a customer's session, with its CSRF token, naming another
// customer's meter and number; (b) an agent key on every route agents are not admitted to; (c) no
// credentials. Each answer is a 401/403/404 problem+json, nothing the other customer owns appears,
// and nothing changed in the audit log or the server store. On SQLite and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP, PAN, PAN2 } from './hsm-support';
import { describePostgres } from './postgres-support';
import { type SignedIn, type TestServer, customerWithAccount, json, postgresServer, signIn, sqliteServer } from './server-support';

type Res = Awaited<ReturnType<TestServer['app']['inject']>>;
type Schema = Record<string, unknown>;

/** Routes anyone may call (written out by hand: a new public route must be added here on purpose). */
const PUBLIC = ['get /healthz', 'get /readyz', 'get /v1/openapi.json', 'post /v1/session', 'post /v1/accounts', 'post /v1/payments/notifications'];
/** Routes an agent key is admitted to (by hand, like PUBLIC). */
const AGENT = [
  'get /v1/meters/{pan}', 'post /v1/purchases', 'post /v1/reprints', 'get /v1/meters/{pan}/state', 'post /v1/meters/{pan}/reports',
  'get /v1/meters/{pan}/summary', 'post /v1/payments/quote', 'post /v1/payments', 'get /v1/payments/{id}',
  'get /v1/meters/{pan}/transactions', 'post /v1/meters/{pan}/reprints',
];
/** A customer's own routes: they answer about the signed-in customer only. DELETE /v1/session signs them out (tested elsewhere). */
const OWN = ['get /v1/me', 'get /v1/me/meters', 'get /v1/session'];
const SIGN_OUT = 'delete /v1/session';

const OTHER_NUMBER = 'ISO-B';
const OTHER_SALE = 'kiosk-7:iso-b-1';
const PASSWORD = 'isolation-password';

/** Values a request field takes in the walk: the other customer's where it names one. */
const VALUES: Record<string, unknown> = {
  pan: PAN2, number: OTHER_NUMBER, customerNumber: OTHER_NUMBER, transactionId: OTHER_SALE, purchaseId: 'iso-1', requestId: 'iso-1',
  rupiah: '50000', litres: '100', cubicMetres: '1', username: 'isolation', password: 'isolation-password-2', name: 'Isolation',
  code: '1234 5678 9012 3456 7890', reason: 'isolation test', action: 'clearTamper', role: 'agent', vendingPoint: 'iso',
};

function sample(doc: Schema, schema: Schema | undefined, name = ''): unknown {
  if (schema === undefined) return undefined;
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref.replace('#/components/schemas/', '');
    return sample(doc, ((doc.components as Schema).schemas as Record<string, Schema>)[ref], name);
  }
  if (name in VALUES) return VALUES[name];
  for (const k of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(schema[k])) return sample(doc, (schema[k] as Schema[])[0], name);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.type === 'object' || schema.properties !== undefined) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    return Object.fromEntries(((schema.required ?? []) as string[]).map((k) => [k, sample(doc, props[k], k)]));
  }
  if (schema.type === 'integer' || schema.type === 'number') return (schema.minimum as number | undefined) ?? 1;
  if (schema.type === 'boolean') return false;
  return 'x';
}

function suite(open: () => Promise<TestServer>): void {
  let s: TestServer;
  let ani: SignedIn;
  let doc: Schema;
  let otherTokens: string[] = [];
  let routes: { key: string; method: string; url: string; body: unknown }[];
  beforeAll(async () => {
    s = await open();
    await s.hsm.addMeter({ pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    await customerWithAccount(s, 'ISO-A', [PAN], 'ani', PASSWORD);
    await customerWithAccount(s, OTHER_NUMBER, [PAN2], 'budi', PASSWORD);
    const sale = await s.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: s.agent }, payload: { purchaseId: 'iso-b-1', pan: PAN2, litres: '1000' } });
    expect(sale.statusCode, sale.body).toBe(201);
    otherTokens = json<{ tokens: string[] }>(sale).tokens;
    ani = await signIn(s.app, 'ani', PASSWORD);
    doc = json<Schema>(await s.app.inject({ method: 'GET', url: '/v1/openapi.json' }));
    routes = Object.entries(doc.paths as Record<string, Record<string, Schema>>).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => m !== 'parameters').map(([method, op]) => {
      const url = path.replace(/\{(\w+)\}/g, (_m, p: string) => encodeURIComponent(String(p === 'id' ? s.agentId : VALUES[p] ?? 'x')));
      const content = ((op.requestBody as Schema | undefined)?.content as Record<string, Schema> | undefined)?.['application/json'];
      return { key: `${method} ${path}`, method: method.toUpperCase(), url, body: content === undefined ? undefined : sample(doc, content.schema as Schema) };
    }));
  }, 60_000);
  afterAll(() => s.close());

  const snapshot = async () => JSON.stringify({
    audit: (await s.hsm.queryAudit({ all: true })).records.length,
    customers: await s.store.listCustomers({ limit: 1000 }),
    links: [await s.store.customerMeters('ISO-A'), await s.store.customerMeters(OTHER_NUMBER)],
    users: await s.store.listUsers(),
    keys: await s.store.listApiKeys(),
    state: await s.store.getMeterState(PAN2),
  });

  const send = (r: { method: string; url: string; body: unknown }, headers: Record<string, string>): Promise<Res> =>
    s.app.inject({ method: r.method as 'GET', url: r.url, headers, ...(r.body !== undefined ? { payload: r.body as object } : {}) });

  function expectRefused(res: Res, statuses: number[], key: string): void {
    expect(statuses, `${key} answered ${res.statusCode}: ${res.body}`).toContain(res.statusCode);
    expect(res.headers['content-type'], key).toMatch(/^application\/problem\+json/);
    expect(json(res).status, key).toBe(res.statusCode);
  }

  it('walks every route in the OpenAPI document (and the hand-written lists name only real routes)', () => {
    const keys = routes.map((r) => r.key);
    expect(keys.length).toBeGreaterThan(40);
    for (const k of [...PUBLIC, ...AGENT, ...OWN, SIGN_OUT]) expect(keys, k).toContain(k);
  });

  it('(a) a customer session on another customer\'s meter and number: 403 or 404 everywhere, nothing of theirs shown, nothing changed', async () => {
    const before = await snapshot();
    const headers = { cookie: ani.cookie, 'x-csrf-token': ani.csrf };
    let walked = 0;
    for (const r of routes) {
      if (PUBLIC.includes(r.key) || r.key === SIGN_OUT) continue;
      const res = await send(r, headers);
      walked++;
      if (OWN.includes(r.key)) {
        expect(res.statusCode, `${r.key}: ${res.body}`).toBe(200);
      } else {
        expectRefused(res, [403, 404], r.key);
      }
      // The request names the other meter and number (a refusal may echo them); what they hold never appears.
      for (const secret of [`Customer ${OTHER_NUMBER}`, 'budi', ...otherTokens]) expect(res.body, r.key).not.toContain(secret);
    }
    expect(walked).toBeGreaterThan(35);
    expect(await snapshot()).toBe(before);
    expect((await s.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: ani.cookie } })).statusCode).toBe(200);
  });

  it('(b) an agent key on every route agents are not admitted to: 403, nothing changed', async () => {
    const before = await snapshot();
    for (const r of routes) {
      if (PUBLIC.includes(r.key) || AGENT.includes(r.key)) continue;
      expectRefused(await send(r, { authorization: s.agent }), [403], r.key);
    }
    expect(await snapshot()).toBe(before);
  });

  it('(c) no credentials (and a session cookie that is not one): 401 on every route but the public ones, nothing changed', async () => {
    const before = await snapshot();
    for (const r of routes) {
      if (PUBLIC.includes(r.key)) continue;
      expectRefused(await send(r, {}), [401], r.key);
      expectRefused(await send(r, { cookie: `hydrosync_session=${'B'.repeat(43)}`, 'x-csrf-token': ani.csrf }), [401], r.key);
    }
    expect(await snapshot()).toBe(before);
  });
}

describe('isolation on SQLite', () => {
  suite(() => sqliteServer());
});

describePostgres('isolation on PostgreSQL', import.meta.url, (ctx) => {
  suite(() => postgresServer(ctx().url));
});
