// Payments end to end over real HTTP on loopback: the vending server and the payment simulator
// (the Midtrans shape) both listening on port 0, the simulator's signed notifications to the
// server, on SQLite and on PostgreSQL. Every callback fault (duplicate, late, forged,
// out-of-order, amount mismatch), a vend the module refuses (attention, an admin's retry), a lost
// notification, and every refusal of the payment routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { midtransSignature } from '../src/server/payments/midtrans-signature';
import { MidtransGateway } from '../src/server/payments/midtrans-gateway';
import { PaymentSimulator } from '../src/server/payment-simulator/payment-simulator';
import { listen } from '../src/server/run-server';
import { OP, PAN, PAN2 } from './hsm-support';
import { describePostgres } from './postgres-support';
import { type ServerExtras, type TestServer, customerWithAccount, postgresServer, signIn, sqliteServer } from './server-support';

const SERVER_KEY = 'SB-Mid-server-test-0123456789abcdef';

type Reply = { status: number; type: string; body: Record<string, unknown> };

function journey(make: (extras: ServerExtras) => Promise<TestServer>): void {
  let s: TestServer;
  let sim: PaymentSimulator;
  let base: string;
  const call = async (method: string, path: string, auth: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(`${path.startsWith('http') ? '' : base}${path}`, {
      method, headers: { ...(auth !== null ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : { text } };
  };
  const create = async (rupiah = '50000'): Promise<Record<string, unknown>> => {
    const r = await call('POST', '/v1/payments', s.agent, { pan: PAN, rupiah });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const read = async (id: string, auth = s.agent) => (await call('GET', `/v1/payments/${id}`, auth)).body;
  const events = async (id: string) => (await call('GET', `/v1/payments/${id}/events`, s.admin)).body.events as { source: string; fromStatus: string | null; toStatus: string; gatewayStatus: string | null; note: string | null }[];
  const issuedRecords = async (id: string) => ((await call('GET', `/v1/audit?transactionId=payment:${id}&outcome=issued`, s.admin)).body.records as unknown[]).length;
  /** A notification signed with the server key (what only the gateway can send). */
  const signed = (orderId: string, status: string, gross: string, statusCode = status === 'settlement' ? '200' : status === 'pending' ? '201' : '202') => ({
    order_id: orderId, status_code: statusCode, gross_amount: gross, transaction_status: status, fraud_status: 'accept',
    signature_key: midtransSignature(orderId, statusCode, gross, SERVER_KEY),
  });

  /** Settle at the gateway without its notification reaching the server (a lost or delayed callback). */
  const settleSilently = async (orderId: string) => {
    const callback = sim.callbackUrl;
    sim.callbackUrl = undefined;
    try {
      await sim.settle(orderId);
    } finally {
      sim.callbackUrl = callback;
    }
  };

  beforeAll(async () => {
    sim = await PaymentSimulator.start({ serverKey: SERVER_KEY });
    s = await make({ payments: { gateway: new MidtransGateway({ apiBaseUrl: sim.url, serverKey: SERVER_KEY }), expiryMinutes: 30 } });
    base = await listen(s.app, '127.0.0.1', 0);
    sim.callbackUrl = `${base}/v1/payments/notifications`;
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    await s?.close();
  });

  it('Rp 50,000: the breakdown before paying, the pay page, the settlement notification, one token (17.1 m³, charged Rp 49,850, change Rp 150)', async () => {
    const quote = await call('POST', '/v1/payments/quote', s.agent, { pan: PAN, rupiah: '50_000' });
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ pan: PAN, rupiah: 50000, creditedLitres: 17100, tariff: { group: 'R1', monthToDateLitres: 0, paidRupiah: 50000, chargedRupiah: 49850, changeRupiah: 150 } });
    const p = await create();
    expect(p).toMatchObject({ status: 'pending', pan: PAN, rupiah: 50000, gateway: 'midtrans', vendingPoint: 'online', transactionId: `payment:${p.id as string}`, quote: quote.body, paidAt: null, late: false });
    expect(p.id).toMatch(/^pay_[0-9a-f]{24}$/);
    expect(p.payUrl).toMatch(new RegExp(`^${sim.url}/pay/[0-9a-f]{32}$`));
    expect(Date.parse(p.expiresAt as string) - Date.parse(p.createdAt as string)).toBe(30 * 60_000);
    const page = await call('GET', p.payUrl as string, null);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body.text).toContain('Pay Rp 50000');
    expect((await read(p.id as string)).status).toBe('pending');

    const paid = await call('POST', `${p.payUrl as string}/settle`, null, undefined, { accept: 'application/json' });
    expect(paid.body.transaction_status).toBe('settlement');
    expect(sim.deliveries.filter((d) => d.orderId === p.id).map((d) => d.httpStatus)).toEqual([200]);
    const after = await read(p.id as string);
    expect(after).toMatchObject({ status: 'issued', creditedLitres: 17100, chargedRupiah: 49850, late: false });
    const issued = after.issued as { tokens: string[]; requestId: string; transactionId: string; tariff: { changeRupiah: number } };
    expect(issued.tokens).toHaveLength(1);
    expect(issued.tokens[0]).toMatch(/^[0-9]{20}$/);
    expect(issued).toMatchObject({ requestId: p.id, transactionId: `payment:${p.id as string}`, tariff: { changeRupiah: 150 } });
    expect(await issuedRecords(p.id as string)).toBe(1);
    const audit = (await call('GET', `/v1/audit?transactionId=payment:${p.id as string}&outcome=issued`, s.admin)).body.records as { vendingPoint: string; operator: string; amount: string }[];
    expect(audit[0]).toMatchObject({ vendingPoint: 'online', operator: `apikey:${s.agentId}`, amount: '17.1 m³' });
    expect((await events(p.id as string)).map((e) => `${e.source}:${e.fromStatus}>${e.toStatus}`)).toEqual(['create:null>pending', 'notification:pending>paid', 'vend:paid>issued']);
  });

  it('duplicate notifications (4 copies) and a stale pending after the settlement: one token, the state never moves back', async () => {
    const p = await create('20000');
    sim.faults = { duplicates: 3, outOfOrder: true };
    try {
      await sim.settle(p.id as string);
    } finally {
      sim.faults = {};
    }
    const sent = sim.deliveries.filter((d) => d.orderId === p.id);
    expect(sent.map((d) => `${d.transactionStatus}:${d.httpStatus}`)).toEqual([...Array(4).fill('settlement:200'), ...Array(4).fill('pending:200')]);
    expect((await read(p.id as string)).status).toBe('issued');
    expect(await issuedRecords(p.id as string)).toBe(1);
    // A signed stale `pending` sent again directly: still issued.
    expect((await call('POST', '/v1/payments/notifications', null, signed(p.id as string, 'pending', '20000.00'))).body).toEqual({ id: p.id, status: 'issued' });
    const ev = await events(p.id as string);
    expect(ev.filter((e) => e.toStatus === 'paid' && e.fromStatus === 'pending')).toHaveLength(1);
    expect(ev.filter((e) => e.fromStatus === 'paid' && e.toStatus === 'issued')).toHaveLength(1);
    expect(ev.filter((e) => e.note?.startsWith('no change'))).toHaveLength(3 + 4 + 1);
  });

  it('forged notifications are 403 problem+json and change nothing; a signed "settlement" the gateway does not confirm changes nothing either', async () => {
    const p = await create('10000');
    const id = p.id as string;
    const before = (await events(id)).length;
    const forged = { ...signed(id, 'settlement', '10000.00'), signature_key: midtransSignature(id, '200', '10000.00', 'not-the-server-key') };
    const r = await call('POST', '/v1/payments/notifications', null, forged);
    expect(r.status).toBe(403);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ code: 'FORBIDDEN', field: 'body.signature_key' });
    expect((await call('POST', '/v1/payments/notifications', null, { ...forged, signature_key: 'x' })).status).toBe(403);
    expect((await call('POST', '/v1/payments/notifications', null, { ...signed(id, 'settlement', '10000.00'), gross_amount: '10000' })).status).toBe(403);
    expect((await events(id)).length).toBe(before);
    // Correctly signed, but the gateway's status API says pending: the server acts on the gateway.
    expect((await call('POST', '/v1/payments/notifications', null, signed(id, 'settlement', '10000.00'))).body).toEqual({ id, status: 'pending' });
    expect((await read(id)).status).toBe('pending');
    // The simulator's forged switch: a forged copy first (403), then the real one (200).
    sim.faults = { forged: true };
    try {
      await sim.settle(id);
    } finally {
      sim.faults = {};
    }
    expect(sim.deliveries.filter((d) => d.orderId === id).map((d) => `${d.forged}:${d.httpStatus}`)).toEqual(['true:403', 'false:200']);
    expect((await read(id)).status).toBe('issued');
    expect(await issuedRecords(id)).toBe(1);
  });

  it('10 concurrent copies of the settlement notification: all answered, one vend, one issued audit record', async () => {
    const p = await create('35000');
    const id = p.id as string;
    await settleSilently(id);
    const all = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v1/payments/notifications', null, signed(id, 'settlement', '35000.00'))));
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(all.every((r) => r.body.status === 'issued' || r.body.status === 'paid')).toBe(true);
    expect((await read(id)).status).toBe('issued');
    expect(await issuedRecords(id)).toBe(1);
    const ev = await events(id);
    expect(ev.filter((e) => e.toStatus === 'paid' && e.fromStatus === 'pending')).toHaveLength(1);
    expect(ev.filter((e) => e.toStatus === 'issued' && e.fromStatus !== 'issued')).toHaveLength(1);
  });

  it('a late settlement (after the payment expired) still issues the token and is marked late', async () => {
    const p = await create('15000');
    const id = p.id as string;
    await sim.expire(id);
    expect((await read(id)).status).toBe('expired');
    await sim.settle(id);
    const after = await read(id);
    expect(after).toMatchObject({ status: 'issued', late: true });
    expect(await issuedRecords(id)).toBe(1);
    const ev = await events(id);
    expect(ev.find((e) => e.fromStatus === 'expired' && e.toStatus === 'paid')?.note).toMatch(/^late/);
  });

  it('a notification with another amount is refused (409) and recorded; nothing is issued', async () => {
    const p = await create('12000');
    const id = p.id as string;
    const r = await call('POST', '/v1/payments/notifications', null, signed(id, 'settlement', '1200.00'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'CONFLICT', field: 'body.gross_amount' });
    expect((await events(id)).at(-1)).toMatchObject({ source: 'notification', note: 'refused: amount mismatch, Rp 1200', toStatus: 'pending' });
    expect(await issuedRecords(id)).toBe(0);
  });

  it('a settlement whose vend the module refuses is kept as attention; an admin retries it after the cause is fixed', async () => {
    await s.hsm.setConfig({ dailyLimitRupiahPerVendingPoint: 1000 }, OP);
    const p = await create('30000');
    const id = p.id as string;
    try {
      await sim.settle(id);
      const after = await read(id);
      expect(after).toMatchObject({ status: 'attention', attentionCode: 'LIMIT' });
      expect(after.paidAt).not.toBeNull();
      expect(await issuedRecords(id)).toBe(0);
      expect((await call('POST', `/v1/payments/${id}/retry`, s.agent)).status).toBe(403);
      // Still over the limit: the retry is refused again and the payment stays in attention.
      const again = await call('POST', `/v1/payments/${id}/retry`, s.admin);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'attention', attentionCode: 'LIMIT' });
    } finally {
      await s.hsm.setConfig({ dailyLimitRupiahPerVendingPoint: null }, OP);
    }
    const retried = await call('POST', `/v1/payments/${id}/retry`, s.admin);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ status: 'issued', attentionCode: null });
    expect((retried.body.issued as { tokens: string[] }).tokens).toHaveLength(1);
    expect(await issuedRecords(id)).toBe(1);
    expect((await call('POST', `/v1/payments/${id}/retry`, s.admin)).status).toBe(409);
    expect((await events(id)).map((e) => `${e.source}:${e.toStatus}`)).toEqual(['create:pending', 'notification:paid', 'vend:attention', 'retry:attention', 'retry:issued']);
  });

  it('a lost notification: reading the payment asks the gateway and issues the token', async () => {
    const p = await create('25000');
    const id = p.id as string;
    await settleSilently(id);
    expect((await read(id)).status).toBe('issued');
    expect((await events(id)).map((e) => e.source)).toEqual(['create', 'status', 'vend']);
  });

  it('a declined payment is failed; it cannot be retried; its notification again changes nothing', async () => {
    const p = await create('11000');
    const id = p.id as string;
    await sim.fail(id, 'deny');
    expect((await read(id)).status).toBe('failed');
    await sim.notify(id);
    expect((await read(id)).status).toBe('failed');
    expect((await call('POST', `/v1/payments/${id}/retry`, s.admin)).status).toBe(409);
  });

  it('refusals: no key, bad amounts, unknown meter or payment, another agent\'s payment, malformed notifications', async () => {
    expect((await call('POST', '/v1/payments', null, { pan: PAN, rupiah: '50000' })).status).toBe(401);
    expect((await call('POST', '/v1/payments', s.agent, { pan: PAN, rupiah: '50.5' })).body).toMatchObject({ status: 400, field: 'body.rupiah' });
    expect((await call('POST', '/v1/payments', s.agent, { pan: PAN, rupiah: '0' })).body).toMatchObject({ status: 422, code: 'RANGE', field: 'body.rupiah' });
    expect((await call('POST', '/v1/payments', s.agent, { pan: PAN, rupiah: '100' })).body).toMatchObject({ status: 422, code: 'RANGE' });
    expect((await call('POST', '/v1/payments/quote', s.agent, { pan: PAN, rupiah: '999999999999' })).body).toMatchObject({ status: 422, code: 'RANGE' });
    expect((await call('POST', '/v1/payments', s.agent, { pan: PAN2, rupiah: '50000' })).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await call('POST', '/v1/payments', s.agent, { pan: PAN })).body).toMatchObject({ status: 400, field: 'body.rupiah', rule: 'required' });
    expect((await call('GET', '/v1/payments/pay_000000000000000000000000', s.agent)).status).toBe(404);
    expect((await call('GET', '/v1/payments/nope', s.agent)).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await call('GET', '/v1/payments/no%20pe', s.agent)).body).toMatchObject({ status: 400, field: 'params.id' });
    expect((await call('GET', '/v1/payments/pay_000000000000000000000000/events', s.agent)).status).toBe(403);
    const mine = await call('POST', '/v1/payments', s.admin, { pan: PAN, rupiah: '9000' });
    expect(mine.status).toBe(201);
    expect((await call('GET', `/v1/payments/${mine.body.id as string}`, s.agent)).status).toBe(404);
    expect((await call('GET', `/v1/payments/${mine.body.id as string}`, s.admin)).status).toBe(200);
    expect((await call('POST', '/v1/payments/notifications', null, signed('pay_000000000000000000000000', 'settlement', '1.00'))).status).toBe(404);
    expect((await call('POST', '/v1/payments/notifications', null, { order_id: 'x' })).body).toMatchObject({ status: 400, rule: 'required' });
  });

  it('a customer pays for a meter linked to them (session and CSRF token), and for no other; reads only payments for their meters', async () => {
    await customerWithAccount(s, 'C-PAY-A', [PAN], 'pay-ani', 'ani-password-123');
    await customerWithAccount(s, 'C-PAY-B', [PAN2], 'pay-budi', 'budi-password-123');
    const ani = await signIn(s.app, 'pay-ani', 'ani-password-123');
    const budi = await signIn(s.app, 'pay-budi', 'budi-password-123');
    const as = (who: { cookie: string; csrf: string }, csrf = true) => ({ cookie: who.cookie, ...(csrf ? { 'x-csrf-token': who.csrf } : {}) });
    const quote = await call('POST', '/v1/payments/quote', null, { pan: PAN, rupiah: '50000' }, as(ani));
    expect(quote.status).toBe(200);
    expect(quote.body.tariff).toBeDefined();
    const created = await call('POST', '/v1/payments', null, { pan: PAN, rupiah: '16000' }, as(ani));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ createdBy: 'customer:C-PAY-A', vendingPoint: 'online' });
    const id = created.body.id as string;
    // Another customer's meter answers as a meter that does not exist; so does their payment.
    expect((await call('POST', '/v1/payments', null, { pan: PAN, rupiah: '16000' }, as(budi))).body).toMatchObject({ status: 404, field: 'body.pan' });
    expect((await call('POST', '/v1/payments/quote', null, { pan: PAN, rupiah: '16000' }, as(budi))).status).toBe(404);
    expect((await call('GET', `/v1/payments/${id}`, null, undefined, as(budi))).status).toBe(404);
    expect((await call('POST', '/v1/payments', null, { pan: PAN, rupiah: '16000' }, as(ani, false))).body).toMatchObject({ status: 403, code: 'CSRF' });
    expect((await call('GET', `/v1/payments/${id}/events`, null, undefined, as(ani))).status).toBe(403);
    expect((await call('POST', `/v1/payments/${id}/retry`, null, undefined, as(ani))).status).toBe(403);
    expect((await call('GET', '/v1/reconciliation', null, undefined, as(ani))).status).toBe(403);
    await call('POST', `${created.body.payUrl as string}/settle`, null, undefined, { accept: 'application/json' });
    const mine = await call('GET', `/v1/payments/${id}`, null, undefined, as(ani));
    expect(mine.body).toMatchObject({ status: 'issued' });
    expect((mine.body.issued as { tokens: string[] }).tokens[0]).toMatch(/^[0-9]{20}$/);
    const audit = (await call('GET', `/v1/audit?transactionId=payment:${id}&outcome=issued`, s.admin)).body.records as { operator: string; vendingPoint: string }[];
    expect(audit).toEqual([expect.objectContaining({ operator: 'customer:C-PAY-A', vendingPoint: 'online' })]);
  });

  it('daily reconciliation per vending point: sales, litres and rupiah from the audit and the module\'s counters agree with the payments; a paid payment without a token is listed', async () => {
    type Rec = { rows: { date: string; vendingPoint: string; sales: number; litres: number; rupiah: number; counterLitres: number; payments: { sales: number; rupiah: number } | null; ok: boolean }[]; totals: { sales: number; litres: number; rupiah: number }; paidWithoutToken: { id: string; status: string }[]; ok: boolean; utcOffsetMinutes: number };
    const day = '2026-12-01'; // the test module's clock: 2026-12-01T02:30Z, 09:30 in Jakarta
    const rec = async (q = `from=${day}&to=${day}`) => (await call('GET', `/v1/reconciliation?${q}`, s.admin)).body as unknown as Rec;
    const before = await rec();
    expect(before.utcOffsetMinutes).toBe(420);
    const kioskBefore = before.rows.find((r) => r.vendingPoint === 'kiosk-7') ?? { sales: 0, litres: 0, rupiah: 0 };
    const sale = (await call('POST', '/v1/purchases', s.agent, { purchaseId: 'rec-1', pan: PAN, rupiah: '40000' })).body as { creditedLitres: number; tariff: { chargedRupiah: number } };
    await call('POST', '/v1/purchases', s.agent, { purchaseId: 'rec-2', pan: PAN, litres: '2_500' });
    await call('POST', '/v1/purchases', s.agent, { purchaseId: 'rec-2', pan: PAN, litres: '2_500' }); // a retry: no second sale
    const after = await rec();
    const kiosk = after.rows.find((r) => r.vendingPoint === 'kiosk-7')!;
    expect(kiosk).toMatchObject({
      date: day, sales: kioskBefore.sales + 2, litres: kioskBefore.litres + sale.creditedLitres + 2500, rupiah: kioskBefore.rupiah + sale.tariff.chargedRupiah,
      payments: null, ok: true,
    });
    expect(kiosk.counterLitres).toBe(kiosk.litres);
    // Payments issued in this journey: Rp 50,000, 20,000, 10,000, 35,000, 15,000, 30,000 (after the retry), 25,000, 16,000 (the customer's).
    const online = after.rows.find((r) => r.vendingPoint === 'online')!;
    expect(online).toMatchObject({ sales: 8, ok: true, payments: { sales: 8 } });
    expect(online.payments!.rupiah).toBe(online.rupiah);
    expect(online.rupiah).toBeGreaterThan(0);
    expect(after.totals).toEqual({
      sales: after.rows.reduce((n, r) => n + r.sales, 0), litres: after.rows.reduce((n, r) => n + r.litres, 0), rupiah: after.rows.reduce((n, r) => n + r.rupiah, 0),
    });
    expect(after).toMatchObject({ paidWithoutToken: [], ok: true });
    expect((await rec(`from=${day}&to=${day}&vendingPoint=kiosk-7`)).rows.map((r) => r.vendingPoint)).toEqual(['kiosk-7']);
    expect((await rec('from=2026-11-30&to=2026-11-30')).rows).toEqual([]);

    // A paid payment the module refuses (over the daily limit): listed, and the day is not ok.
    await s.hsm.setConfig({ dailyLimitRupiahPerVendingPoint: 1 }, OP);
    const p = await create('10000');
    try {
      await sim.settle(p.id as string);
    } finally {
      await s.hsm.setConfig({ dailyLimitRupiahPerVendingPoint: null }, OP);
    }
    const stuck = await rec();
    expect(stuck.paidWithoutToken).toEqual([expect.objectContaining({ id: p.id, status: 'attention', attentionCode: 'LIMIT' })]);
    expect(stuck.ok).toBe(false);
    await call('POST', `/v1/payments/${p.id as string}/retry`, s.admin);
    expect((await rec()).ok).toBe(true);

    expect((await call('GET', `/v1/reconciliation?from=${day}`, s.agent)).status).toBe(403);
    expect((await call('GET', '/v1/reconciliation?from=2026-13-01', s.admin)).body).toMatchObject({ status: 400, code: 'FORMAT' });
    expect((await call('GET', '/v1/reconciliation?from=2026-12-02&to=2026-12-01', s.admin)).body).toMatchObject({ status: 400, code: 'FORMAT' });
    expect((await call('GET', '/v1/reconciliation?from=2026-01-01&to=2026-12-01', s.admin)).body).toMatchObject({ status: 400, code: 'FORMAT' });
    expect((await call('GET', '/v1/reconciliation?from=2026-12-01&x=1', s.admin)).body).toMatchObject({ status: 400, field: 'query.x' });
  });
}

describe('payments on SQLite', () => {
  journey((extras) => sqliteServer(extras));

  it('without a payment gateway the payment routes answer 503 problem+json', async () => {
    const s = await sqliteServer();
    try {
      const r = await s.app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: s.agent }, payload: { pan: PAN, rupiah: '50000' } });
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'UNAVAILABLE' });
      // The quote needs no gateway.
      expect((await s.app.inject({ method: 'POST', url: '/v1/payments/quote', headers: { authorization: s.agent }, payload: { pan: PAN, rupiah: '50000' } })).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('a gateway that cannot be reached', () => {
  it('creating a payment is 503 IO and stores nothing; a pending payment still reads from the store', async () => {
    const sim = await PaymentSimulator.start({ serverKey: SERVER_KEY });
    const s = await sqliteServer({ payments: { gateway: new MidtransGateway({ apiBaseUrl: sim.url, serverKey: SERVER_KEY, timeoutMs: 2000 }) } });
    try {
      const created = await s.app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: s.agent }, payload: { pan: PAN, rupiah: '50000' } });
      expect(created.statusCode).toBe(201);
      const id = (JSON.parse(created.body) as { id: string }).id;
      await sim.close(); // the gateway goes away
      const down = await s.app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: s.agent }, payload: { pan: PAN, rupiah: '50000' } });
      expect(down.statusCode).toBe(503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(down.body)).toMatchObject({ code: 'IO' });
      const read = await s.app.inject({ method: 'GET', url: `/v1/payments/${id}`, headers: { authorization: s.agent } });
      expect(read.statusCode).toBe(200);
      expect(JSON.parse(read.body)).toMatchObject({ id, status: 'pending' });
      expect((await s.store.paymentEvents(id)).map((e) => e.source)).toEqual(['create']);
    } finally {
      await s.close();
      await sim.close().catch(() => {});
    }
  });

  it('the wrong server key: the simulator refuses the adapter (401), which is 503 IO, never a 500', async () => {
    const sim = await PaymentSimulator.start({ serverKey: SERVER_KEY });
    const s = await sqliteServer({ payments: { gateway: new MidtransGateway({ apiBaseUrl: sim.url, serverKey: 'another-key' }) } });
    try {
      const r = await s.app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: s.agent }, payload: { pan: PAN, rupiah: '50000' } });
      expect(r.statusCode).toBe(503);
      expect(JSON.parse(r.body).detail).toMatch(/refused to create payment pay_[0-9a-f]{24} \(HTTP 401/);
      expect(r.body).not.toContain('another-key');
    } finally {
      await s.close();
      await sim.close();
    }
  });
});

describePostgres('payments on PostgreSQL', import.meta.url, (ctx) => {
  journey((extras) => postgresServer(ctx().url, extras));
});

describe('hydrosync serve --demo / --payment-simulator (startServer)', () => {
  it('runs the payment simulator in process: a payment created, paid on its pay page, and its token read back over real HTTP', async () => {
    const out: string[] = [];
    const { startServer } = await import('../src/server/start-server');
    const { app, url } = await startServer({
      store: { path: 'unused (the demo makes its own)', from: 'default' }, env: {}, host: '127.0.0.1', port: 0, clock: () => new Date(), version: 'test',
      out: (l) => out.push(l), log: () => {}, signals: false, demo: true,
    });
    try {
      const line = out.find((l) => l.startsWith('Payments: the local payment simulator on '));
      expect(line, out.join('\n')).toBeDefined();
      const agent = /agent API key\s+(\S+)/.exec(out.join('\n'))![1]!;
      const pan = /meter ([0-9]{18})/.exec(out.join('\n'))![1]!;
      const created = await fetch(`${url}/v1/payments`, { method: 'POST', headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' }, body: JSON.stringify({ pan, rupiah: '50000' }) });
      expect(created.status).toBe(201);
      const p = await created.json() as { id: string; payUrl: string; quote: { creditedLitres: number } };
      expect(p.quote.creditedLitres).toBe(17100);
      expect((await fetch(`${p.payUrl}/settle`, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200);
      const read = await (await fetch(`${url}/v1/payments/${p.id}`, { headers: { authorization: `Bearer ${agent}` } })).json() as { status: string; issued: { tokens: string[] } };
      expect(read.status).toBe('issued');
      expect(read.issued.tokens[0]).toMatch(/^[0-9]{20}$/);
    } finally {
      await app.close();
    }
  });

  it('a gateway from the environment needs both its URL and its server key', async () => {
    const { setUpPayments } = await import('../src/server/payments/payment-setup');
    await expect(setUpPayments({ simulator: false, env: { HYDROSYNC_PAYMENT_API_URL: 'https://api.sandbox.midtrans.com' } })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(setUpPayments({ simulator: false, env: { HYDROSYNC_PAYMENT_API_URL: 'ftp://x', HYDROSYNC_PAYMENT_SERVER_KEY: 'k' } })).rejects.toMatchObject({ code: 'USAGE' });
    expect((await setUpPayments({ simulator: false, env: {} })).options).toBeUndefined();
    const secrets: string[] = [];
    const set = await setUpPayments({ simulator: false, env: { HYDROSYNC_PAYMENT_API_URL: 'https://api.sandbox.midtrans.com', HYDROSYNC_PAYMENT_SERVER_KEY: 'SB-Mid-server-xyz' }, secret: (k) => secrets.push(k) });
    expect(set.options?.gateway.name).toBe('midtrans');
    expect(set.description).not.toContain('SB-Mid-server-xyz');
    expect(JSON.stringify(set.options)).not.toContain('SB-Mid-server-xyz');
    expect(secrets).toEqual(['SB-Mid-server-xyz']);
  });
});
