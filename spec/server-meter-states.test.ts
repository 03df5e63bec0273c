// The server's side of a meter (issue #10): deactivation (no sales, earlier sales still reprinted),
// a key-change set handed out before every credit token until a report verifies under the new
// key, meter reports and the remaining volume, and the Prometheus metrics of all of it. A real
// meter simulator enters what the server hands out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tidFromWallClock } from '../src/codec';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { PAN, PAN2, VK04, OP } from './hsm-support';
import { type TestServer, importKrn2Key, json, sqliteServer } from './server-support';

let s: TestServer;
beforeAll(async () => {
  s = await sqliteServer();
  await importKrn2Key(s.hsm);
  await s.hsm.addMeter({ pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
}, 60_000);
afterAll(() => s.close());

type Res = Awaited<ReturnType<TestServer['app']['inject']>>;
const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, auth: string | null, payload?: unknown): Promise<Res> =>
  s.app.inject({ method, url, headers: auth === null ? {} : { authorization: auth }, ...(payload !== undefined ? { payload: payload as object } : {}) });
const buy = (purchaseId: string, pan: string, litres = '1000') => call('POST', '/v1/purchases', s.agent, { purchaseId, pan, litres });

const meterParams = (pan: string) => ({ supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan, baseDate: 2014 as const, encryptionAlgorithm: '11' as const });
const newMeter = (pan: string) => new Meter({ profile: { pan }, key: deriveDecoderKey(VK04, meterParams(pan)), initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });

describe('deactivation', () => {
  it('a deactivated meter is refused 422 DEACTIVATED; a retry of a sale made before still returns its token; reactivated, it sells again', async () => {
    const before = await buy('d-1', PAN2);
    expect(before.statusCode, before.body).toBe(201);
    const off = await call('PUT', `/v1/meters/${PAN2}/deactivation`, s.admin, { reason: 'house demolished' });
    expect(off.statusCode, off.body).toBe(200);
    expect(json(off)).toMatchObject({ active: false, deactivationReason: 'house demolished', deactivatedBy: `apikey:${s.adminId}`, deactivatedAt: expect.stringMatching(/^2026-/) });
    expect(json(await call('GET', `/v1/meters/${PAN2}/state`, s.agent))).toMatchObject({ active: false });
    const refused = await buy('d-2', PAN2);
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(json(refused)).toMatchObject({ code: 'DEACTIVATED', field: 'body.pan', detail: expect.stringContaining('house demolished') });
    const retry = await buy('d-1', PAN2);
    expect(retry.statusCode).toBe(200);
    expect(json(retry)).toMatchObject({ reissued: true, tokens: json(before).tokens });
    // Nothing was sold while it was off.
    expect(json<{ matched: number }>(await call('GET', '/v1/audit?transactionId=kiosk-7:d-2&outcome=issued', s.admin)).matched).toBe(0);
    const on = await call('DELETE', `/v1/meters/${PAN2}/deactivation`, s.admin);
    expect(json(on)).toMatchObject({ active: true, deactivatedAt: null, deactivationReason: null });
    expect((await buy('d-2', PAN2)).statusCode).toBe(201);
  });

  it('only admins deactivate; an unknown meter is 404; a reason is required', async () => {
    expect((await call('PUT', `/v1/meters/${PAN2}/deactivation`, s.agent, { reason: 'x' })).statusCode).toBe(403);
    expect(json(await call('PUT', '/v1/meters/600727000000000181/deactivation', s.admin, { reason: 'x' }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(json(await call('PUT', `/v1/meters/${PAN2}/deactivation`, s.admin, {}))).toMatchObject({ status: 400, field: 'body.reason', rule: 'required' });
    expect(json(await call('GET', `/v1/meters/${PAN2}/state`, s.agent))).toMatchObject({ active: true });
  });
});

describe('a key change the meter has not confirmed, and meter reports', () => {
  it('purchases return the key-change set first until a report verifies under the new key; the meter takes them in that order', async () => {
    const meter = newMeter(PAN);
    const kc = await call('POST', `/v1/meters/${PAN}/key-changes`, s.admin, { requestId: 'kc-1', newVendingKeyId: 'sgc201457-krn2', newKeyRevisionNumber: 2 });
    expect(kc.statusCode, kc.body).toBe(201);
    const set = json<{ tokens: string[]; transactionId: string }>(kc);
    expect(json(await call('GET', `/v1/meters/${PAN}/state`, s.agent))).toMatchObject({ active: true, pendingKeyChange: set.transactionId });

    const sale = await buy('k-1', PAN, '2000');
    expect(sale.statusCode, sale.body).toBe(201);
    const a = json<{ tokens: string[]; pendingKeyChange: { tokens: string[]; instruction: string; transactionId: string } }>(sale);
    expect(a.pendingKeyChange).toMatchObject({ transactionId: set.transactionId, tokens: set.tokens, instruction: expect.stringContaining('first') });
    // The meter, still on the old key, refuses the credit token alone, and takes set + credit in order.
    expect(meter.enter(a.tokens[0]!, '2026-12-01T10:00').result).not.toBe('ACCEPT');
    const results = a.pendingKeyChange.tokens.map((t) => meter.enter(t, '2026-12-01T10:01').result);
    expect(results.slice(0, -1).every((r) => r.startsWith('KCT_'))).toBe(true);
    expect(results.at(-1)).toBe('ACCEPT');
    expect(meter.enter(a.tokens[0]!, '2026-12-01T10:02')).toMatchObject({ result: 'ACCEPT', litres: 2000 });
    // A retry of the sale carries the set too (the answer is the same answer).
    expect(json(await buy('k-1', PAN, '2000'))).toMatchObject({ reissued: true, pendingKeyChange: { tokens: set.tokens } });

    // The meter's report verifies under the new key: the set is confirmed and no longer handed out.
    const report = meter.report('2026-12-01T10:05');
    const posted = await call('POST', `/v1/meters/${PAN}/reports`, s.agent, { code: report.code });
    expect(posted.statusCode, posted.body).toBe(201);
    expect(json(posted)).toMatchObject({ form: 'code', keyChangeConfirmed: true, summary: { pan: PAN, creditLitres: 2000 } });
    expect(json(await call('GET', `/v1/meters/${PAN}/state`, s.agent))).toMatchObject({ pendingKeyChange: null });
    const next = json<Record<string, unknown>>(await buy('k-2', PAN));
    expect(next.pendingKeyChange).toBeUndefined();
    expect(meter.enter((next.tokens as string[])[0]!, '2026-12-01T10:06').result).toBe('ACCEPT');
  });

  it('an admin may clear a pending set by hand', async () => {
    await call('POST', `/v1/meters/${PAN2}/key-changes`, s.admin, { requestId: 'kc-2', newVendingKeyId: 'sgc201457-krn2', newKeyRevisionNumber: 2 });
    expect(json(await call('GET', `/v1/meters/${PAN2}/state`, s.agent))).toMatchObject({ pendingKeyChange: 'office:kc-2' });
    expect((await call('DELETE', `/v1/meters/${PAN2}/pending-key-change`, s.agent)).statusCode).toBe(403);
    expect(json(await call('DELETE', `/v1/meters/${PAN2}/pending-key-change`, s.admin))).toMatchObject({ pendingKeyChange: null });
    expect(json<Record<string, unknown>>(await buy('k-3', PAN2)).pendingKeyChange).toBeUndefined();
  });

  it('reports: frames and codes verify, the summary shows the remaining volume; bad reports answer problem+json with the module\'s code', async () => {
    const meter = newMeter(PAN2); // still on the old key: the module has moved PAN2 to KRN 2
    const stale = await call('POST', `/v1/meters/${PAN2}/reports`, s.agent, { code: meter.report('2026-12-01T11:00').code });
    expect(stale.statusCode).toBe(422);
    expect(json(stale)).toMatchObject({ code: 'MAC', field: 'body.code' });
    expect(json(await call('POST', `/v1/meters/${PAN}/reports`, s.agent, { code: '1234' }))).toMatchObject({ status: 400, code: 'FORMAT', field: 'body.code' });
    expect(json(await call('POST', `/v1/meters/${PAN}/reports`, s.agent, {}))).toMatchObject({ status: 400, code: 'FORMAT', rule: 'oneOf' });
    expect(json(await call('POST', `/v1/meters/${PAN}/reports`, s.agent, { frame: 'zz' }))).toMatchObject({ status: 400, field: 'body.frame', rule: 'pattern' });
    expect(json(await call('POST', '/v1/meters/600727000000000181/reports', s.agent, { code: '12345678901234567890' }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const summary = json(await call('GET', `/v1/meters/${PAN}/summary`, s.agent));
    expect(summary).toMatchObject({ pan: PAN, reports: 1, creditCubicMetres: expect.any(String), alerts: expect.any(Array) });
    expect(json(await call('GET', `/v1/meters/${PAN2}/summary`, s.agent))).toMatchObject({ reports: 0, creditLitres: null, daysLeft: null });
    expect((await call('GET', `/v1/meters/${PAN}/summary`, null)).statusCode).toBe(401);
  });
});

describe('/metrics', () => {
  it('counts sales, litres and rupiah (not reissues), refusals by code, latency by route; admins only', async () => {
    const text = async () => {
      const res = await call('GET', '/metrics', s.admin);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      return res.body;
    };
    const value = (body: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} ([0-9.e+]+)$`, 'm').exec(body)?.[1] ?? 0);
    const before = await text();
    const sold = await call('POST', '/v1/purchases', s.agent, { purchaseId: 'm-1', pan: PAN, rupiah: '50000' });
    expect(sold.statusCode).toBe(201);
    const { creditedLitres, tariff } = json<{ creditedLitres: number; tariff: { chargedRupiah: number } }>(sold);
    expect(creditedLitres).toBeGreaterThan(10_000);
    expect((await call('POST', '/v1/purchases', s.agent, { purchaseId: 'm-1', pan: PAN, rupiah: '50000' })).statusCode).toBe(200);
    expect((await call('POST', '/v1/purchases', s.agent, { purchaseId: 'm-2', pan: PAN, litres: '0' })).statusCode).toBe(422);
    expect((await call('GET', '/nowhere', null)).statusCode).toBe(404);
    const after = await text();
    expect(value(after, 'hydrosync_sales_total{kind="vend"}') - value(before, 'hydrosync_sales_total{kind="vend"}')).toBe(1);
    expect(value(after, 'hydrosync_sold_litres_total') - value(before, 'hydrosync_sold_litres_total')).toBe(creditedLitres);
    expect(value(after, 'hydrosync_sold_rupiah_total') - value(before, 'hydrosync_sold_rupiah_total')).toBe(tariff.chargedRupiah);
    expect(value(after, 'hydrosync_refusals_total{code="RANGE",status="422"}') - value(before, 'hydrosync_refusals_total{code="RANGE",status="422"}')).toBe(1);
    expect(value(after, 'hydrosync_refusals_total{code="NOT_FOUND",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/^hydrosync_http_request_duration_seconds_count\{method="POST",route="\/v1\/purchases",status="201"\} [1-9]/m);
    expect(after).toMatch(/route="unmatched"/);
    expect(after).not.toMatch(/route="\/nowhere"/);
    expect(after).toMatch(/^hydrosync_process_cpu_seconds_total /m);
    expect((await call('GET', '/metrics', s.agent)).statusCode).toBe(403);
    expect((await call('GET', '/metrics', null)).statusCode).toBe(401);
  });
});

describe('audit export', () => {
  it('the whole log as CSV (header, CRLF) or NDJSON, the same records as the audit pages; admins only', async () => {
    const csv = await call('GET', '/v1/audit/export', s.admin);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="hydrosync-audit.csv"');
    const rows = csv.body.split('\r\n');
    expect(rows.at(-1)).toBe('');
    expect(rows[0]).toBe('chain,seq,at,operator,vendingPoint,transactionId,pan,kind,outcome,errorCode,amount,tid,tokenHash,prevHash,hash');
    const total = json<{ matched: number }>(await call('GET', '/v1/audit?limit=1', s.admin)).matched;
    expect(rows.length - 2).toBe(total);
    const nd = await call('GET', '/v1/audit/export?format=ndjson', s.admin);
    expect(nd.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const records = nd.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { transactionId: string; outcome: string; hash: string });
    expect(records).toHaveLength(total);
    expect(records.some((r) => r.transactionId === 'kiosk-7:d-1' && r.outcome === 'issued')).toBe(true);
    expect(new Set(records.map((r) => r.hash)).size).toBe(total);
    expect(json(await call('GET', '/v1/audit/export?format=xml', s.admin))).toMatchObject({ status: 400, field: 'query.format' });
    expect((await call('GET', '/v1/audit/export', s.agent)).statusCode).toBe(403);
  });
});

describe('API key limits', () => {
  it('a key\'s own daily litres and rupiah limits refuse a sale past them (422 LIMIT, nothing sold); other keys are not limited by them', async () => {
    const made = await call('POST', '/v1/api-keys', s.admin, { role: 'agent', vendingPoint: 'kiosk-limited', dailyLimitLitres: 3000, dailyLimitRupiah: 20000 });
    expect(made.statusCode, made.body).toBe(201);
    const { key, dailyLimitLitres, dailyLimitRupiah } = json<{ key: string; dailyLimitLitres: number; dailyLimitRupiah: number }>(made);
    expect([dailyLimitLitres, dailyLimitRupiah]).toEqual([3000, 20000]);
    const limited = `Bearer ${key}`;
    const sell = (id: string, body: Record<string, string>, auth = limited) => call('POST', '/v1/purchases', auth, { purchaseId: id, pan: PAN2, ...body });
    expect((await sell('l-1', { litres: '2000' })).statusCode).toBe(201);
    const over = await sell('l-2', { litres: '1500' });
    expect(over.statusCode).toBe(422);
    expect(json(over)).toMatchObject({ code: 'LIMIT', detail: expect.stringContaining('3000 L') });
    expect((await sell('l-3', { litres: '1000' })).statusCode).toBe(201);
    const moneyKey = json<{ key: string }>(await call('POST', '/v1/api-keys', s.admin, { role: 'agent', vendingPoint: 'kiosk-money', dailyLimitRupiah: 20000 })).key;
    expect((await sell('l-4', { rupiah: '15000' }, `Bearer ${moneyKey}`)).statusCode).toBe(201);
    const money = await sell('l-5', { rupiah: '10000' }, `Bearer ${moneyKey}`);
    expect(json(money)).toMatchObject({ status: 422, code: 'LIMIT', detail: expect.stringContaining('daily limit of Rp 20000') });
    expect((await sell('l-6', { litres: '1500' }, s.agent)).statusCode).toBe(201);
    expect(json<{ matched: number }>(await call('GET', '/v1/audit?transactionId=kiosk-limited:l-2&outcome=refused', s.admin)).matched).toBe(1);
    const listed = json<{ id: string; dailyLimitLitres: number | null }[]>(await call('GET', '/v1/api-keys', s.admin));
    expect(listed.find((k) => k.id === s.agentId)?.dailyLimitLitres).toBeNull();
    expect(json(await call('POST', '/v1/api-keys', s.admin, { role: 'agent', vendingPoint: 'x', dailyLimitLitres: 0 }))).toMatchObject({ status: 400, field: 'body.dailyLimitLitres', rule: 'minimum' });
  });
});
