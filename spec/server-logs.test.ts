// Structured JSON logs (pino) without secrets: after purchases, key changes, API key creation and
// refused requests, no captured log line holds an API key, an Authorization header, a token, the
// master key or a vending key; a payment flow logs no gateway server key or notification signature.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MidtransGateway } from '../src/server/payments/midtrans-gateway';
import { midtransSignature } from '../src/server/payments/midtrans-signature';
import { PaymentSimulator } from '../src/server/payment-simulator/payment-simulator';
import { MASTER_HEX, PAN, VK04 } from './hsm-support';
import { type TestServer, json, signIn, sqliteServer } from './server-support';

const lines: string[] = [];
let s: TestServer;
beforeAll(async () => {
  s = await sqliteServer({ logger: { level: 'trace', stream: { write: (l: string) => { lines.push(l); } } } });
}, 60_000);
afterAll(() => s.close());

it('logs every request as JSON with its id and status, and never a secret', async () => {
  const secrets: string[] = [s.agentKey, s.adminKey, MASTER_HEX, VK04, s.agentKey.slice(17), s.adminKey.slice(17)];
  const sale = json<{ tokens: string[]; grouped: string[] }>(await s.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: s.agent }, payload: { purchaseId: 'log-1', pan: PAN, rupiah: '20000' } }));
  secrets.push(...sale.tokens, ...sale.grouped);
  const again = json<{ tokens: string[] }>(await s.app.inject({ method: 'POST', url: '/v1/reprints', headers: { authorization: s.agent }, payload: { purchaseId: 'log-1' } }));
  expect(again.tokens).toEqual(sale.tokens);
  const mt = json<{ tokens: string[] }>(await s.app.inject({ method: 'POST', url: `/v1/meters/${PAN}/management-tokens`, headers: { authorization: s.admin }, payload: { requestId: 'log-2', action: 'clearTamper' } }));
  secrets.push(...mt.tokens);
  const created = json<{ key: string }>(await s.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: s.admin }, payload: { role: 'agent', vendingPoint: 'kiosk-1' } }));
  secrets.push(created.key, created.key.slice(17));
  const forged = `Bearer ${s.agentKey.slice(0, -1)}${s.agentKey.endsWith('x') ? 'y' : 'x'}`;
  secrets.push(forged.slice(7));
  expect((await s.app.inject({ method: 'GET', url: '/v1/meters', headers: { authorization: forged } })).statusCode).toBe(401);
  expect((await s.app.inject({ method: 'POST', url: '/v1/purchases', headers: { authorization: s.agent }, payload: { purchaseId: 'log-3', pan: PAN, litres: 'x' } })).statusCode).toBe(400);

  expect(lines.length).toBeGreaterThan(10);
  const records = lines.map((l) => JSON.parse(l) as { reqId?: string; res?: { statusCode: number }; msg: string });
  expect(records.filter((r) => r.msg === 'request completed').map((r) => r.res?.statusCode)).toEqual([201, 200, 201, 201, 401, 400]);
  expect(records.filter((r) => r.msg === 'request completed').every((r) => typeof r.reqId === 'string')).toBe(true);
  const all = lines.join('\n');
  for (const secret of secrets) expect(all.includes(secret), `a log line holds ${secret.slice(0, 8)}…`).toBe(false);
  expect(all.toLowerCase()).not.toContain('bearer');
});

it('redacts credentials and tokens that code logs on purpose (pino redact paths)', () => {
  lines.length = 0;
  s.app.log.info({ key: s.agentKey, req: { headers: { authorization: s.admin } }, result: { tokens: ['12345678901234567890'], apiKey: s.adminKey } }, 'careless');
  const line = lines.join('');
  expect(line).toContain('careless');
  expect(line).toContain('[redacted]');
  for (const secret of [s.agentKey, s.adminKey, '12345678901234567890']) expect(line).not.toContain(secret);
});

it('a payment flow logs neither the gateway\'s server key nor a notification\'s signature, and logs a forged notification', async () => {
  const serverKey = 'SB-Mid-server-logtest-9f8e7d6c5b4a';
  const sim = await PaymentSimulator.start({ serverKey });
  const own: string[] = [];
  const p = await sqliteServer({
    logger: { level: 'trace', stream: { write: (l: string) => { own.push(l); } } },
    payments: { gateway: new MidtransGateway({ apiBaseUrl: sim.url, serverKey }) },
  });
  try {
    const created = json<{ id: string }>(await p.app.inject({ method: 'POST', url: '/v1/payments', headers: { authorization: p.agent }, payload: { pan: PAN, rupiah: '20000' } }));
    await sim.settle(created.id); // no callback URL: the notification is sent by hand below
    const good = { order_id: created.id, status_code: '200', gross_amount: '20000.00', transaction_status: 'settlement', signature_key: midtransSignature(created.id, '200', '20000.00', serverKey) };
    const forged = { ...good, signature_key: midtransSignature(created.id, '200', '20000.00', 'guess') };
    expect((await p.app.inject({ method: 'POST', url: '/v1/payments/notifications', payload: forged })).statusCode).toBe(403);
    expect((await p.app.inject({ method: 'POST', url: '/v1/payments/notifications', payload: good })).statusCode).toBe(200);
    const read = json<{ status: string; issued: { tokens: string[] } }>(await p.app.inject({ method: 'GET', url: `/v1/payments/${created.id}`, headers: { authorization: p.agent } }));
    expect(read.status).toBe('issued');
    p.app.log.info({ serverKey, signature_key: good.signature_key }, 'careless');
    const all = own.join('\n');
    expect(all).toContain('payment notification refused: the signature does not match');
    expect(all).toContain(created.id);
    for (const secret of [serverKey, good.signature_key, forged.signature_key, Buffer.from(`${serverKey}:`).toString('base64'), ...read.issued.tokens]) {
      expect(all.includes(secret), `a log line holds ${secret.slice(0, 8)}…`).toBe(false);
    }
  } finally {
    await p.close();
    await sim.close();
  }
});

it('never logs a password, session id, CSRF token or invitation code; sign-in refusals name the username and address, and requests their operator', async () => {
  lines.length = 0;
  const password = 'log-test-password-1';
  const secrets: string[] = [password, 'wrong-password-zz'];
  const admin = { authorization: s.admin };
  expect((await s.app.inject({ method: 'POST', url: '/v1/customers', headers: admin, payload: { number: 'LOG-1', name: 'Log Customer' } })).statusCode).toBe(201);
  const inv = json<{ code: string }>(await s.app.inject({ method: 'POST', url: '/v1/customers/LOG-1/invitations', headers: admin, payload: {} }));
  secrets.push(inv.code);
  expect((await s.app.inject({ method: 'POST', url: '/v1/accounts', payload: { username: 'logger', password, invitation: inv.code } })).statusCode).toBe(201);
  expect((await s.app.inject({ method: 'POST', url: '/v1/accounts', payload: { username: 'logger2', password, invitation: inv.code } })).statusCode).toBe(403);
  expect((await s.app.inject({ method: 'POST', url: '/v1/session', payload: { username: 'logger', password: 'wrong-password-zz' } })).statusCode).toBe(401);
  const session = await signIn(s.app, 'logger', password);
  secrets.push(session.id, session.csrf);
  expect((await s.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: session.cookie } })).statusCode).toBe(200);
  expect((await s.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: session.cookie } })).statusCode).toBe(403);
  expect((await s.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } })).statusCode).toBe(200);
  const all = lines.join('\n');
  for (const secret of secrets) expect(all.includes(secret), `a log line holds ${secret.slice(0, 6)}…`).toBe(false);
  expect(all.toLowerCase()).not.toContain('hydrosync_session=');
  const records = lines.map((l) => JSON.parse(l) as { msg: string; username?: string; address?: string; operator?: string; res?: { statusCode: number } });
  expect(records.find((r) => r.msg === 'sign-in refused: wrong username or password')).toMatchObject({ username: 'logger', address: '127.0.0.1' });
  expect(records.filter((r) => r.msg === 'request completed' && r.res?.statusCode === 200).map((r) => r.operator)).toContain('customer:LOG-1');
});
