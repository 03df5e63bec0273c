// Customers over the API (admins), on SQLite and on PostgreSQL: register, change, look up,
// search and page, link and unlink meters, list a customer's meters; validation names the field
// and the rule; agents and callers without a key are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP, PAN, PAN2, panOf } from './hsm-support';
import { describePostgres } from './postgres-support';
import { type TestServer, json, postgresServer, sqliteServer } from './server-support';

type Res = Awaited<ReturnType<TestServer['app']['inject']>>;

function expectProblem(res: Res, status: number, code: string, field?: string, rule?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = json(res);
  expect(p).toMatchObject({ status, code });
  if (field !== undefined) expect(p.field).toBe(field);
  if (rule !== undefined) expect(p.rule).toBe(rule);
}

function suite(open: () => Promise<TestServer>): void {
  let s: TestServer;
  beforeAll(async () => {
    s = await open();
    await s.hsm.addMeter({ pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
  }, 60_000);
  afterAll(() => s.close());
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, auth: string | null = s.admin): Promise<Res> =>
    s.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}), headers: auth === null ? {} : { authorization: auth } });

  it('registers a customer (201), refuses the same number again (409), shows it with its meters and account', async () => {
    const res = await call('POST', '/v1/customers', { number: '01-0001234', name: 'Siti Rahayu', phone: '+62 812-3456-7890', address: 'Jl. Merdeka 5, Bandung' });
    expect(res.statusCode, res.body).toBe(201);
    expect(json(res)).toMatchObject({ number: '01-0001234', name: 'Siti Rahayu', phone: '+62 812-3456-7890', email: null, address: 'Jl. Merdeka 5, Bandung' });
    expectProblem(await call('POST', '/v1/customers', { number: '01-0001234', name: 'Someone Else' }), 409, 'CONFLICT');
    const shown = json(await call('GET', '/v1/customers/01-0001234'));
    expect(shown).toMatchObject({ number: '01-0001234', name: 'Siti Rahayu', meters: [], account: null });
    expectProblem(await call('GET', '/v1/customers/01-9999999'), 404, 'NOT_FOUND', 'params.number');
  });

  it('validation names the field and the rule', async () => {
    expectProblem(await call('POST', '/v1/customers', { number: 'bad number', name: 'X' }), 400, 'FORMAT', 'body.number', 'pattern');
    expectProblem(await call('POST', '/v1/customers', { number: '02-1' }), 400, 'FORMAT', 'body.name', 'required');
    expectProblem(await call('POST', '/v1/customers', { number: '02-1', name: '   ' }), 400, 'FORMAT', 'body.name', 'pattern');
    expectProblem(await call('POST', '/v1/customers', { number: '02-1', name: 'A', email: 'not-an-address' }), 400, 'FORMAT', 'body.email', 'pattern');
    expectProblem(await call('POST', '/v1/customers', { number: '02-1', name: 'A', phone: 'call me' }), 400, 'FORMAT', 'body.phone', 'pattern');
    expectProblem(await call('POST', '/v1/customers', { number: '02-1', name: 'A', nik: '3273' }), 400, 'FORMAT', 'body.nik', 'additionalProperties');
    expectProblem(await call('PATCH', '/v1/customers/01-0001234', {}), 400, 'FORMAT', 'body', 'minProperties');
    expectProblem(await call('GET', '/v1/customers?limit=0'), 400, 'FORMAT', 'query.limit', 'minimum');
    expect((await call('GET', '/v1/customers/02-1')).statusCode).toBe(404); // nothing was registered by the refusals
  });

  it('changes name and contact fields; null removes one; unknown customer is 404', async () => {
    const res = await call('PATCH', '/v1/customers/01-0001234', { email: 'siti@example.id', phone: null });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toMatchObject({ name: 'Siti Rahayu', email: 'siti@example.id', phone: null, address: 'Jl. Merdeka 5, Bandung' });
    expect(json(await call('GET', '/v1/customers/01-0001234'))).toMatchObject({ email: 'siti@example.id', phone: null });
    expectProblem(await call('PATCH', '/v1/customers/01-404', { name: 'Nobody' }), 404, 'NOT_FOUND');
  });

  it('links a registered meter (201), refuses an unknown meter (404), a second customer for it (409); lists and unlinks', async () => {
    await call('POST', '/v1/customers', { number: '01-0005678', name: 'Budi Santoso' });
    const link = await call('POST', '/v1/customers/01-0001234/meters', { pan: '6007 2700 0000 0000 09' });
    expect(link.statusCode, link.body).toBe(201);
    expect(json(link)).toMatchObject({ customerNumber: '01-0001234', pan: PAN });
    expectProblem(await call('POST', '/v1/customers/01-0005678/meters', { pan: PAN }), 409, 'CONFLICT', 'body.pan');
    expectProblem(await call('POST', '/v1/customers/01-0001234/meters', { pan: PAN }), 409, 'CONFLICT');
    expectProblem(await call('POST', '/v1/customers/01-0001234/meters', { pan: panOf(5) }), 404, 'NOT_FOUND');
    expectProblem(await call('POST', '/v1/customers/01-0001234/meters', { pan: '600727000000000008' }), 400, 'CHECK_DIGIT', 'body.pan');
    expectProblem(await call('POST', '/v1/customers/01-404/meters', { pan: PAN2 }), 404, 'NOT_FOUND', 'params.number');
    expect((await call('POST', '/v1/customers/01-0001234/meters', { pan: PAN2 })).statusCode).toBe(201);
    const meters = json<{ pan: string }[]>(await call('GET', '/v1/customers/01-0001234/meters'));
    expect(meters.map((m) => m.pan)).toEqual([PAN, PAN2]);
    expect(json(await call('GET', '/v1/customers/01-0001234')).meters).toEqual([PAN, PAN2]);
    expectProblem(await call('DELETE', `/v1/customers/01-0005678/meters/${PAN2}`), 404, 'NOT_FOUND', 'params.pan');
    expect(json(await call('DELETE', `/v1/customers/01-0001234/meters/${PAN2}`))).toEqual({ customerNumber: '01-0001234', pan: PAN2, unlinked: true });
    expect(json(await call('GET', '/v1/customers/01-0001234')).meters).toEqual([PAN]);
    expect((await call('POST', '/v1/customers/01-0005678/meters', { pan: PAN2 })).statusCode).toBe(201);
    expect(json<unknown[]>(await call('GET', '/v1/customers/01-0005678/meters'))).toHaveLength(1);
  });

  it('searches by number or name prefix (case-insensitive, % and _ taken literally) and pages by number', async () => {
    for (const [number, name] of [['02-0001', 'Agus Salim'], ['02-0002', 'agustina'], ['02-0003', 'Dewi 100%'], ['03-0001', 'Sri_Wahyuni']]) {
      expect((await call('POST', '/v1/customers', { number, name })).statusCode).toBe(201);
    }
    const numbers = async (q: string) => json<{ items: { number: string }[] }>(await call('GET', `/v1/customers?${q}`)).items.map((c) => c.number);
    expect(await numbers('q=agus')).toEqual(['02-0001', '02-0002']);
    expect(await numbers('q=02-')).toEqual(['02-0001', '02-0002', '02-0003']);
    expect(await numbers(`q=${encodeURIComponent('Dewi 100%')}`)).toEqual(['02-0003']);
    expect(await numbers('q=%25')).toEqual([]);
    expect(await numbers('q=Sri_')).toEqual(['03-0001']);
    expect(await numbers('q=Sri%25')).toEqual([]);
    expect(await numbers('q=S_i')).toEqual([]);
    const first = json<{ items: { number: string }[]; next: string | null }>(await call('GET', '/v1/customers?limit=2'));
    expect(first.items.map((c) => c.number)).toEqual(['01-0001234', '01-0005678']);
    expect(first.next).toBe('01-0005678');
    const rest = json<{ items: { number: string }[]; next: string | null }>(await call('GET', `/v1/customers?limit=10&after=${first.next}`));
    expect(rest.items.map((c) => c.number)).toEqual(['02-0001', '02-0002', '02-0003', '03-0001']);
    expect(rest.next).toBeNull();
  });

  it('an agent key is 403 and no key is 401 on every customer route, and nothing changes', async () => {
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['POST', '/v1/customers', { number: '09-1', name: 'X' }], ['GET', '/v1/customers'], ['GET', '/v1/customers/01-0001234'],
      ['PATCH', '/v1/customers/01-0001234', { name: 'Hacked' }], ['GET', '/v1/customers/01-0001234/meters'],
      ['POST', '/v1/customers/01-0005678/meters', { pan: PAN }], ['DELETE', `/v1/customers/01-0001234/meters/${PAN}`],
    ];
    for (const [method, url, body] of routes) {
      expectProblem(await call(method, url, body, s.agent), 403, 'FORBIDDEN');
      expectProblem(await call(method, url, body, null), 401, 'UNAUTHORIZED');
    }
    expect(json(await call('GET', '/v1/customers/01-0001234'))).toMatchObject({ name: 'Siti Rahayu', meters: [PAN] });
    expect((await call('GET', '/v1/customers/09-1')).statusCode).toBe(404);
  });
}

describe('customers on SQLite', () => {
  suite(() => sqliteServer());
});

describePostgres('customers on PostgreSQL', import.meta.url, (ctx) => {
  suite(() => postgresServer(ctx().url));
});
