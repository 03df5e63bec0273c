// The vending server's routes in process (fastify inject) on a real SQLite store: every endpoint,
// its refusals, and problem+json for every error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAN, PAN2, panOf } from './hsm-support';
import { type TestServer, importKrn2Key, json, sqliteServer } from './server-support';

let s: TestServer;
beforeAll(async () => {
  s = await sqliteServer();
  await importKrn2Key(s.hsm);
}, 60_000);
afterAll(() => s.close());

type Res = Awaited<ReturnType<TestServer['app']['inject']>>;
/** `auth`: an Authorization header, or null for none. */
const post = (url: string, payload: unknown, auth: string | null = s.agent): Promise<Res> =>
  s.app.inject({ method: 'POST', url, payload: payload as object, headers: auth === null ? {} : { authorization: auth } });
const get = (url: string, auth: string | null = s.admin): Promise<Res> =>
  s.app.inject({ method: 'GET', url, headers: auth === null ? {} : { authorization: auth } });

/** An error answer: problem+json with the RFC 9457 members, the status in the body, and no stack. */
function expectProblem(res: Res, status: number, code: string, field?: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = json(res);
  expect(p).toMatchObject({ status, code, type: `urn:hydrosync:problem:${code.toLowerCase().replace(/_/g, '-')}`, instance: expect.stringMatching(/^\//) });
  expect(typeof p.title).toBe('string');
  expect(typeof p.detail).toBe('string');
  if (field !== undefined) expect(p.field).toBe(field);
  expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
  return p;
}

describe('purchases', () => {
  it('sells Rp 50,000 through the R1 block tariff (17.1 m³, change Rp 150); a retry returns the same token and sells nothing', async () => {
    const first = await post('/v1/purchases', { purchaseId: 'sale-1', pan: PAN, rupiah: '50000' });
    expect(first.statusCode, first.body).toBe(201);
    const a = json(first);
    expect(a).toMatchObject({ requestId: 'sale-1', transactionId: 'kiosk-7:sale-1', reissued: false, pan: PAN, creditedLitres: 17100, encoded: '17.1 m³' });
    expect(a.tariff).toMatchObject({ paidRupiah: 50000, chargedRupiah: 49850, changeRupiah: 150 });
    expect((a.tokens as string[])[0]).toMatch(/^[0-9]{20}$/);
    const again = await post('/v1/purchases', { purchaseId: 'sale-1', pan: PAN, rupiah: '50000' });
    expect(again.statusCode).toBe(200);
    expect(json(again)).toMatchObject({ reissued: true, tokens: a.tokens, tid: a.tid });
    const audit = json<{ records: { outcome: string; vendingPoint: string; operator: string }[] }>(await get('/v1/audit?transactionId=kiosk-7:sale-1'));
    expect(audit.records.map((r) => r.outcome)).toEqual(['issued', 'reissued']);
    expect(audit.records.every((r) => r.vendingPoint === 'kiosk-7' && r.operator === `apikey:${s.agentId}`)).toBe(true);
  });

  it('20 concurrent requests with one purchase id make one sale: one 201, nineteen 200 with the same token', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => post('/v1/purchases', { purchaseId: 'race-1', pan: PAN, cubicMetres: '1.5' })));
    expect(all.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(all.map((r) => JSON.stringify(json(r).tokens))).size).toBe(1);
    const audit = json<{ records: { outcome: string }[] }>(await get('/v1/audit?transactionId=kiosk-7:race-1&outcome=issued'));
    expect(audit.records).toHaveLength(1);
  });

  it('water in m³ or litres, exact: 2.55 m³ is carried as 2.6 m³ (rounded up), 2_500 L as 2500 L', async () => {
    expect(json(await post('/v1/purchases', { purchaseId: 'm3-1', pan: PAN, cubicMetres: '2.55' }))).toMatchObject({ creditedLitres: 2600 });
    expect(json(await post('/v1/purchases', { purchaseId: 'l-1', pan: PAN, litres: '2_500' }))).toMatchObject({ creditedLitres: 2500 });
  });

  it('the same purchase id with another amount is 409 CONFLICT; another vending point may use the same id', async () => {
    await post('/v1/purchases', { purchaseId: 'dup-1', pan: PAN, litres: '100' });
    expectProblem(await post('/v1/purchases', { purchaseId: 'dup-1', pan: PAN, litres: '200' }), 409, 'CONFLICT');
    const admin = await post('/v1/purchases', { purchaseId: 'dup-1', pan: PAN, litres: '200' }, s.admin);
    expect(admin.statusCode).toBe(201);
    expect(json(admin).transactionId).toBe('office:dup-1');
  });

  it('bad input names the field and the rule', async () => {
    expectProblem(await post('/v1/purchases', { purchaseId: 'has space', pan: PAN, litres: '1' }), 400, 'FORMAT', 'body.purchaseId');
    expect(json(await post('/v1/purchases', { purchaseId: 'has space', pan: PAN, litres: '1' })).rule).toBe('pattern');
    expect(expectProblem(await post('/v1/purchases', { purchaseId: 'x1', litres: '1' }), 400, 'FORMAT', 'body.pan').rule).toBe('required');
    expect(expectProblem(await post('/v1/purchases', { purchaseId: 'x1', pan: PAN, litres: '1', price: 5 }), 400, 'FORMAT', 'body.price').rule).toBe('additionalProperties');
    expectProblem(await post('/v1/purchases', { purchaseId: 'x1', pan: PAN }), 400, 'FORMAT', 'body.rupiah');
    expectProblem(await post('/v1/purchases', { purchaseId: 'x1', pan: PAN, litres: '1', rupiah: '5000' }), 400, 'FORMAT', 'body.litres');
    expectProblem(await post('/v1/purchases', { purchaseId: 'x1', pan: PAN, rupiah: '50.000,00' }), 400, 'FORMAT', 'body.rupiah');
    expectProblem(await post('/v1/purchases', { purchaseId: 'x1', pan: PAN, cubicMetres: '1.2345' }), 400, 'FORMAT', 'body.cubicMetres');
    expectProblem(await post('/v1/purchases', { purchaseId: 'x1', pan: '600727000000000001', litres: '1' }), 400, 'CHECK_DIGIT', 'body.pan');
  });

  it('the module\'s refusals: unknown meter 404, zero 422 RANGE; a refused id stays free for a corrected retry', async () => {
    expectProblem(await post('/v1/purchases', { purchaseId: 'nf-1', pan: panOf(999), litres: '1' }), 404, 'NOT_FOUND');
    expectProblem(await post('/v1/purchases', { purchaseId: 'zero-1', pan: PAN, litres: '0' }), 422, 'RANGE');
    expect((await post('/v1/purchases', { purchaseId: 'zero-1', pan: PAN, litres: '10' })).statusCode).toBe(201);
  });

  it('reprints: the same tokens by purchase id, only within the caller\'s vending point', async () => {
    const sale = json(await post('/v1/purchases', { purchaseId: 'rp-1', pan: PAN, litres: '300' }));
    const r = await post('/v1/reprints', { purchaseId: 'rp-1' });
    expect(r.statusCode, r.body).toBe(200);
    expect(json(r)).toMatchObject({ tokens: sale.tokens, reissued: true, requestId: 'rp-1' });
    expectProblem(await post('/v1/reprints', { purchaseId: 'rp-1' }, s.admin), 404, 'NOT_FOUND');
    expectProblem(await post('/v1/reprints', { purchaseId: 'never-sold' }), 404, 'NOT_FOUND');
  });
});

describe('meters', () => {
  it('registers a meter (admin), refuses it twice (409), looks it up (agent), lists a page at a time', async () => {
    const body = { pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 };
    const created = await post('/v1/meters', body, s.admin);
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created)).toMatchObject({ pan: PAN2, customerReference: 'CUST-2', keyType: 2, keyExpiryNumber: 255, vendingKeyId: 'sgc201457-krn1', lastTid: null });
    expectProblem(await post('/v1/meters', body, s.admin), 409, 'CONFLICT');
    expect(json(await get(`/v1/meters/${PAN2}`, s.agent))).toMatchObject({ pan: PAN2 });
    const page1 = json<{ items: { pan: string }[]; next: string | null }>(await get('/v1/meters?limit=1'));
    expect(page1.items.map((m) => m.pan)).toEqual([PAN]);
    expect(page1.next).toBe(PAN);
    const page2 = json<{ items: { pan: string }[]; next: string | null }>(await get(`/v1/meters?limit=1&after=${page1.next}`));
    expect(page2).toEqual({ items: [expect.objectContaining({ pan: PAN2 })], next: null });
  });

  it('refuses bad registrations and look-ups with the field named', async () => {
    const body = { pan: panOf(5), customerReference: 'C', supplyGroupCode: '20145', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 };
    expectProblem(await post('/v1/meters', body, s.admin), 400, 'FORMAT', 'body.supplyGroupCode');
    expectProblem(await post('/v1/meters', { ...body, supplyGroupCode: '201457', baseDate: 2000 }, s.admin), 400, 'FORMAT', 'body.baseDate');
    expectProblem(await post('/v1/meters', { ...body, supplyGroupCode: '999999' }, s.admin), 404, 'NOT_FOUND'); // no vending key for it
    expectProblem(await get(`/v1/meters/${panOf(77)}`, s.agent), 404, 'NOT_FOUND');
    expectProblem(await get('/v1/meters/600727000000000001', s.agent), 400, 'CHECK_DIGIT', 'params.pan');
    expectProblem(await get('/v1/meters?limit=0'), 400, 'FORMAT', 'query.limit');
  });
});

describe('management tokens and key changes (admins)', () => {
  it('clear tamper, clear credit and meter factor tokens; a retried request id reissues', async () => {
    const tamper = await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-1', action: 'clearTamper' }, s.admin);
    expect(tamper.statusCode, tamper.body).toBe(201);
    expect(json(tamper)).toMatchObject({ kind: 'manage:clearTamper', tokens: [expect.stringMatching(/^[0-9]{20}$/)] });
    expect(json(await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-1', action: 'clearTamper' }, s.admin))).toMatchObject({ reissued: true, tokens: json(tamper).tokens });
    expect((await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-2', action: 'clearCredit' }, s.admin)).statusCode).toBe(201);
    expect(json(await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-3', action: 'setWaterMeterFactor', factor: 1000 }, s.admin))).toMatchObject({ kind: 'manage:setWaterMeterFactor' });
    expectProblem(await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-4', action: 'setWaterMeterFactor' }, s.admin), 400, 'FORMAT', 'body.factor');
    expectProblem(await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-5', action: 'clearTamper', factor: 3 }, s.admin), 400, 'FORMAT', 'body.factor');
    expectProblem(await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'mt-6', action: 'selfDestruct' }, s.admin), 400, 'FORMAT', 'body.action');
  });

  it('a key change to KRN 2 issues the set in entry order and moves the meter; a request that changes nothing is 400 USAGE', async () => {
    const kc = await post(`/v1/meters/${PAN}/key-changes`, { requestId: 'kc-1', newVendingKeyId: 'sgc201457-krn2', newKeyRevisionNumber: 2 }, s.admin);
    expect(kc.statusCode, kc.body).toBe(201);
    const body = json<{ tokens: string[]; keyChange: { from: { keyRevisionNumber: number }; to: { keyRevisionNumber: number } } }>(kc);
    expect(body.tokens.length).toBeGreaterThanOrEqual(2);
    expect(body.keyChange.from.keyRevisionNumber).toBe(1);
    expect(body.keyChange.to.keyRevisionNumber).toBe(2);
    expect(json(await get(`/v1/meters/${PAN}`, s.agent))).toMatchObject({ keyRevisionNumber: 2, vendingKeyId: 'sgc201457-krn2' });
    expectProblem(await post(`/v1/meters/${PAN}/key-changes`, { requestId: 'kc-2', newVendingKeyId: 'sgc201457-krn2', newKeyRevisionNumber: 2 }, s.admin), 400, 'USAGE');
    expectProblem(await post(`/v1/meters/${PAN}/key-changes`, { requestId: 'kc-3', newKeyRevisionNumber: 12 }, s.admin), 400, 'FORMAT', 'body.newKeyRevisionNumber');
  });
});

describe('audit', () => {
  it('pages and filters the log by meter, transaction, operator, outcome and date; verify says ok', async () => {
    const refused = json<{ records: { errorCode: string }[]; matched: number }>(await get(`/v1/audit?outcome=refused&pan=${PAN}`));
    expect(refused.records.map((r) => r.errorCode)).toContain('RANGE');
    const page = json<{ records: unknown[]; matched: number; older: number }>(await get(`/v1/audit?operator=apikey:${s.agentId}&limit=2&from=2026-12-01&to=2026-12-01`));
    expect(page.records).toHaveLength(2);
    expect(page.older).toBe(page.matched - 2);
    expect(json(await get('/v1/audit?from=2026-11-30&to=2026-11-30')).records).toEqual([]);
    expectProblem(await get('/v1/audit?from=01-12-2026'), 400, 'FORMAT', 'query.from');
    expectProblem(await get('/v1/audit?outcome=lost'), 400, 'FORMAT', 'query.outcome');
    expect(json(await get('/v1/audit/verify'))).toMatchObject({ ok: true });
  });
});

describe('auth', () => {
  it('401 without a key, with a malformed one, with a wrong secret; 403 for an agent on an admin route', async () => {
    const none = expectProblem(await get('/v1/meters', null), 401, 'UNAUTHORIZED', 'header.authorization');
    expect(none.detail).toContain('Bearer');
    expect((await get('/v1/meters', null)).headers['www-authenticate']).toBe('Bearer realm="hydrosync"');
    expectProblem(await get('/v1/meters', 'Bearer nope'), 401, 'UNAUTHORIZED');
    const forged = s.agentKey.slice(0, -4) + (s.agentKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expectProblem(await get(`/v1/meters/${PAN}`, `Bearer ${forged}`), 401, 'UNAUTHORIZED');
    expectProblem(await get('/v1/meters', s.agent), 403, 'FORBIDDEN');
    expectProblem(await post(`/v1/meters/${PAN}/management-tokens`, { requestId: 'a-1', action: 'clearTamper' }), 403, 'FORBIDDEN');
    expectProblem(await get('/v1/audit', s.agent), 403, 'FORBIDDEN');
    expectProblem(await post('/v1/api-keys', { role: 'admin', vendingPoint: 'x' }), 403, 'FORBIDDEN');
  });

  it('API keys: created once (the key only in that answer), listed without secrets, revoked: 401 at once', async () => {
    const created = await post('/v1/api-keys', { role: 'agent', vendingPoint: 'kiosk-9', label: 'Toko Sari' }, s.admin);
    expect(created.statusCode, created.body).toBe(201);
    const k = json<{ id: string; key: string }>(created);
    expect(k.key).toMatch(new RegExp(`^hsk_${k.id}_[A-Za-z0-9_-]{43}$`));
    const auth = `Bearer ${k.key}`;
    expect((await post('/v1/purchases', { purchaseId: 'k9-1', pan: PAN2, litres: '100' }, auth)).statusCode).toBe(201);
    const list = await get('/v1/api-keys');
    expect(list.body).not.toContain(k.key.slice(17));
    expect(list.body).not.toContain('scrypt');
    expect(json<{ id: string; vendingPoint: string; revokedAt: null }[]>(list as never)).toContainEqual(expect.objectContaining({ id: k.id, vendingPoint: 'kiosk-9', revokedAt: null }));
    const revoked = await s.app.inject({ method: 'DELETE', url: `/v1/api-keys/${k.id}`, headers: { authorization: s.admin } });
    expect(revoked.statusCode).toBe(200);
    expect(json(revoked).revokedAt).toEqual(expect.any(String));
    expectProblem(await post('/v1/purchases', { purchaseId: 'k9-2', pan: PAN2, litres: '100' }, auth), 401, 'UNAUTHORIZED');
    expectProblem(await s.app.inject({ method: 'DELETE', url: '/v1/api-keys/000000000000', headers: { authorization: s.admin } }), 404, 'NOT_FOUND', 'params.id');
    expectProblem(await post('/v1/api-keys', { role: 'root', vendingPoint: 'x' }, s.admin), 400, 'FORMAT', 'body.role');
    expectProblem(await post('/v1/api-keys', { role: 'agent', vendingPoint: 'has space' }, s.admin), 400, 'FORMAT', 'body.vendingPoint');
  });
});

describe('HTTP refusals are problem+json too', () => {
  it('404 for an unknown route, 405 with Allow for another method, 415 for a body that is not JSON, 400 for malformed JSON', async () => {
    expectProblem(await get('/v2/anything'), 404, 'NOT_FOUND');
    const m = await s.app.inject({ method: 'DELETE', url: '/v1/purchases', headers: { authorization: s.agent } });
    expectProblem(m, 405, 'METHOD_NOT_ALLOWED');
    expect(m.headers.allow).toBe('POST');
    expectProblem(await s.app.inject({ method: 'PUT', url: `/v1/meters/${PAN}` }), 405, 'METHOD_NOT_ALLOWED');
    expectProblem(await s.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: s.agent, 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await s.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: s.agent, 'content-type': 'application/json' }, payload: '{"purchaseId":' }), 400, 'FORMAT', 'body');
  });

  it('413 for a body over the limit, 429 past the rate limit (with Retry-After)', async () => {
    const small = await sqliteServer({ bodyLimit: 256, rateLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      const big = await small.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: small.agent }, payload: { purchaseId: 'b', pan: PAN, litres: '1', pad: 'x'.repeat(500) } });
      expectProblem(big, 413, 'BODY_TOO_LARGE');
      for (let i = 0; i < 3; i++) expect((await small.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const limited = await small.app.inject({ method: 'GET', url: '/healthz' });
      expectProblem(limited, 429, 'TOO_MANY_REQUESTS');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Each key has its own allowance, and naming another client's key id from elsewhere does not use it up.
      const asAgent = () => small.app.inject({ method: 'GET', url: `/v1/meters/${PAN}`, headers: { authorization: small.agent } });
      const fake = `Bearer hsk_${small.agentId}_${'A'.repeat(43)}`;
      for (let i = 0; i < 3; i++) await small.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.9', headers: { authorization: fake } });
      expectProblem(await small.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.9', headers: { authorization: fake } }), 429, 'TOO_MANY_REQUESTS');
      expect((await asAgent()).statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('operations', () => {
  it('/healthz and /readyz answer without a key; /readyz is 503 problem+json once the store is gone', async () => {
    expect(json(await get('/healthz', null))).toEqual({ status: 'ok' });
    expect(json(await get('/readyz', null))).toEqual({ status: 'ready', checks: { store: 'ok', serverStore: 'ok', masterKey: 'loaded' } });
    const other = await sqliteServer();
    await other.hsm.close();
    expectProblem(await other.app.inject({ method: 'GET', url: '/readyz' }), 503, 'UNAVAILABLE');
    expectProblem(await other.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: other.agent }, payload: { purchaseId: 'c', pan: PAN, litres: '1' } }), 503, 'STORE');
    await other.store.close();
    await other.close();
  });
});
