// Website accounts, sign-in, sessions, CSRF and lockout over the API, on SQLite and on PostgreSQL:
// admin users, invitations (one-time, expiring), self-registration with a linked meter's PAN as
// proof, the session cookie's attributes, a new session id on every sign-in, idle and absolute
// expiry, the CSRF token on every cookie-authenticated change, lockout per username and address
// without revealing whether a username exists, and what a customer session may reach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP, PAN, PAN2, panOf } from './hsm-support';
import { describePostgres } from './postgres-support';
import { type SignedIn, type TestServer, customerWithAccount, json, postgresServer, sessionCookieOf, signIn, sqliteServer } from './server-support';

type Res = Awaited<ReturnType<TestServer['app']['inject']>>;

function expectProblem(res: Res, status: number, code: string, field?: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = json(res);
  expect(p).toMatchObject({ status, code });
  if (field !== undefined) expect(p.field).toBe(field);
  return p;
}

const START = Date.parse('2026-12-01T02:30:00Z');
const PASSWORD = 'kata-sandi-rahasia';

function suite(open: (extras: Parameters<typeof sqliteServer>[0]) => Promise<TestServer>): void {
  let s: TestServer;
  let t = START;
  beforeAll(async () => {
    s = await open({ now: () => new Date(t), trustProxy: true });
    await s.hsm.addMeter({ pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    await customerWithAccount(s, 'C-A', [PAN], 'ani', PASSWORD);
    await customerWithAccount(s, 'C-B', [PAN2], 'budi', PASSWORD);
  }, 60_000);
  afterAll(() => s.close());
  type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
  const call = (method: Method, url: string, opts: { body?: unknown; auth?: string; session?: SignedIn; csrf?: string | null; headers?: Record<string, string> } = {}): Promise<Res> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== undefined) headers.authorization = opts.auth;
    if (opts.session !== undefined) {
      headers.cookie = opts.session.cookie;
      if (opts.csrf !== null) headers['x-csrf-token'] = opts.csrf ?? opts.session.csrf;
    }
    return s.app.inject({ method, url, headers, ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });
  };

  describe('admin users', () => {
    it('an admin creates an admin user (201, no hash shown); the password rule and the username pattern are named; a taken name is 409', async () => {
      const res = await call('POST', '/v1/users', { auth: s.admin, body: { username: 'Dewi', password: 'x' } });
      expectProblem(res, 400, 'FORMAT', 'body.username');
      expect(json(await call('POST', '/v1/users', { auth: s.admin, body: { username: 'dewi', password: 'short' } })).rule).toBe('minLength');
      expect(json(await call('POST', '/v1/users', { auth: s.admin, body: { username: 'dewi', password: 'xxdewi-is-me' } })).rule).toBe('notUsername');
      const made = await call('POST', '/v1/users', { auth: s.admin, body: { username: 'dewi', password: PASSWORD } });
      expect(made.statusCode, made.body).toBe(201);
      expect(json(made)).toMatchObject({ username: 'dewi', role: 'admin', customerNumber: null, createdBy: `apikey:${s.adminId}` });
      expect(made.body).not.toContain('scrypt');
      expectProblem(await call('POST', '/v1/users', { auth: s.admin, body: { username: 'dewi', password: PASSWORD } }), 409, 'CONFLICT');
      expectProblem(await call('POST', '/v1/users', { auth: s.agent, body: { username: 'eko', password: PASSWORD } }), 403, 'FORBIDDEN');
      const users = json<{ username: string }[]>(await call('GET', '/v1/users', { auth: s.admin }));
      expect(users.map((u) => u.username)).toEqual(['ani', 'budi', 'dewi']);
      expect(JSON.stringify(users)).not.toContain('scrypt');
    });
  });

  describe('sign-in and sessions', () => {
    it('sets an httpOnly, SameSite=Lax, Path=/ cookie (Secure only over TLS, as a trusted proxy says) and says who is signed in', async () => {
      const res = await call('POST', '/v1/session', { body: { username: 'Dewi ', password: PASSWORD } });
      expect(res.statusCode, res.body).toBe(200);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^hydrosync_session=[A-Za-z0-9_-]{43};/);
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Lax/);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).not.toMatch(/Secure/);
      const body = json(res);
      expect(body).toMatchObject({ username: 'dewi', role: 'admin', customerNumber: null, expiresAt: new Date(t + 12 * 3_600_000).toISOString(), idleExpiresAt: new Date(t + 30 * 60_000).toISOString() });
      const tls = await call('POST', '/v1/session', { body: { username: 'dewi', password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
      expect(String(tls.headers['set-cookie'])).toMatch(/; Secure/);
      const session: SignedIn = { id: sessionCookieOf(res)!, cookie: `hydrosync_session=${sessionCookieOf(res)!}`, csrf: body.csrfToken as string };
      expect(json(await call('GET', '/v1/session', { session }))).toMatchObject({ username: 'dewi', role: 'admin', csrfToken: session.csrf });
      expectProblem(await call('GET', '/v1/session', { auth: s.admin }), 403, 'FORBIDDEN');
      expectProblem(await call('GET', '/v1/session'), 401, 'UNAUTHORIZED');
    });

    it('a wrong password and an unknown username get the same answer', async () => {
      const wrong = expectProblem(await call('POST', '/v1/session', { body: { username: 'dewi', password: 'not-the-password' } }), 401, 'UNAUTHORIZED');
      const unknown = expectProblem(await call('POST', '/v1/session', { body: { username: 'nobody', password: 'not-the-password' } }), 401, 'UNAUTHORIZED');
      expect(unknown.detail).toBe(wrong.detail);
      expect(unknown.field).toBe(wrong.field);
    });

    it('every sign-in gets a new session id; the id sent with the sign-in stops working (session fixation)', async () => {
      const first = await signIn(s.app, 'ani', PASSWORD);
      const res = await call('POST', '/v1/session', { body: { username: 'ani', password: PASSWORD }, headers: { cookie: first.cookie } });
      const second = sessionCookieOf(res)!;
      expect(second).not.toBe(first.id);
      expectProblem(await call('GET', '/v1/session', { session: first }), 401, 'UNAUTHORIZED');
      // An id planted by someone else is never adopted: sign-in always makes its own.
      const planted = 'A'.repeat(43);
      const res2 = await call('POST', '/v1/session', { body: { username: 'ani', password: PASSWORD }, headers: { cookie: `hydrosync_session=${planted}` } });
      expect(sessionCookieOf(res2)).not.toBe(planted);
      expectProblem(await call('GET', '/v1/session', { headers: { cookie: `hydrosync_session=${planted}` } }), 401, 'UNAUTHORIZED');
    });

    it('a state-changing request with the cookie needs the CSRF token: missing or wrong → 403 and nothing happens; right → done', async () => {
      const admin = await signIn(s.app, 'dewi', PASSWORD);
      const body = { number: 'CSRF-1', name: 'Lina' };
      expectProblem(await call('POST', '/v1/customers', { session: admin, csrf: null, body }), 403, 'CSRF', 'header.x-csrf-token');
      expectProblem(await call('POST', '/v1/customers', { session: admin, csrf: 'x'.repeat(43), body }), 403, 'CSRF');
      const other = await signIn(s.app, 'dewi', PASSWORD);
      expectProblem(await call('POST', '/v1/customers', { session: admin, csrf: other.csrf, body }), 403, 'CSRF');
      expect((await call('GET', '/v1/customers/CSRF-1', { session: admin })).statusCode).toBe(404);
      expect((await call('POST', '/v1/customers', { session: admin, body })).statusCode).toBe(201);
      // API keys carry no cookie and need no token.
      expect((await call('POST', '/v1/customers', { auth: s.admin, body: { number: 'CSRF-2', name: 'Rudi' } })).statusCode).toBe(201);
      expectProblem(await call('DELETE', '/v1/session', { session: admin, csrf: null }), 403, 'CSRF');
      expect(json(await call('DELETE', '/v1/session', { session: admin }))).toEqual({ signedOut: true });
      expectProblem(await call('GET', '/v1/session', { session: admin }), 401, 'UNAUTHORIZED');
      expect((await call('GET', '/v1/session', { session: other })).statusCode).toBe(200);
    });

    it('an admin user\'s work is attributed to user:<name> in the audit log', async () => {
      const admin = await signIn(s.app, 'dewi', PASSWORD);
      const res = await call('POST', `/v1/meters/${PAN2}/management-tokens`, { session: admin, body: { requestId: 'web-mt-1', action: 'clearTamper' } });
      expect(res.statusCode, res.body).toBe(201);
      expect(json(res).transactionId).toBe('user.dewi:web-mt-1');
      const audit = json<{ records: { operator: string; vendingPoint: string }[] }>(await call('GET', '/v1/audit?transactionId=user.dewi:web-mt-1', { auth: s.admin }));
      expect(audit.records).toEqual([expect.objectContaining({ operator: 'user:dewi', vendingPoint: 'user.dewi' })]);
    });

    it('ends after 30 idle minutes, and 12 hours after sign-in whatever the activity', async () => {
      const idle = await signIn(s.app, 'ani', PASSWORD);
      t += 29 * 60_000;
      expect((await call('GET', '/v1/session', { session: idle })).statusCode).toBe(200);
      t += 29 * 60_000;
      expect((await call('GET', '/v1/session', { session: idle })).statusCode).toBe(200);
      t += 31 * 60_000;
      expectProblem(await call('GET', '/v1/session', { session: idle }), 401, 'UNAUTHORIZED');
      const busy = await signIn(s.app, 'ani', PASSWORD);
      for (let i = 0; i < 36; i++) {
        t += 20 * 60_000;
        if ((await call('GET', '/v1/me', { session: busy })).statusCode !== 200) break;
      }
      expect(t - START).toBeGreaterThan(12 * 3_600_000);
      expectProblem(await call('GET', '/v1/me', { session: busy }), 401, 'UNAUTHORIZED');
    });
  });

  describe('lockout', () => {
    it('5 wrong passwords lock a username for 15 minutes (the right password too, 429 with Retry-After); an unknown username alike; then it opens', async () => {
      for (const name of ['budi', 'ghost']) {
        for (let i = 0; i < 5; i++) expectProblem(await call('POST', '/v1/session', { body: { username: name, password: `wrong-${i}-password` } }), 401, 'UNAUTHORIZED');
        const locked = expectProblem(await call('POST', '/v1/session', { body: { username: name, password: PASSWORD } }), 429, 'TOO_MANY_REQUESTS');
        expect(locked.detail).toMatch(/try again in 15 minute/);
      }
      const res = await call('POST', '/v1/session', { body: { username: 'budi', password: PASSWORD } });
      expect(Number(res.headers['retry-after'])).toBe(900);
      t += 15 * 60_000 + 1000;
      expect((await call('POST', '/v1/session', { body: { username: 'budi', password: PASSWORD } })).statusCode).toBe(200);
    });

    it('20 failures from one address lock that address for every username; another address is not locked', async () => {
      const from = { 'x-forwarded-for': '203.0.113.9' };
      for (let i = 0; i < 20; i++) {
        expect((await call('POST', '/v1/session', { body: { username: `spray${i}`, password: 'wrong-password' }, headers: from })).statusCode).toBe(401);
      }
      expectProblem(await call('POST', '/v1/session', { body: { username: 'ani', password: PASSWORD }, headers: from }), 429, 'TOO_MANY_REQUESTS');
      expect((await call('POST', '/v1/session', { body: { username: 'ani', password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.10' } })).statusCode).toBe(200);
      t += 16 * 60_000;
    });
  });

  describe('customer accounts', () => {
    it('an invitation: a one-time code for a registered customer without an account; it makes one account, once, until it expires', async () => {
      await call('POST', '/v1/customers', { auth: s.admin, body: { number: 'C-C', name: 'Citra' } });
      await call('POST', '/v1/customers', { auth: s.admin, body: { number: 'C-D', name: 'Dian' } });
      expectProblem(await call('POST', '/v1/customers/C-Z/invitations', { auth: s.admin, body: {} }), 404, 'NOT_FOUND');
      expectProblem(await call('POST', '/v1/customers/C-A/invitations', { auth: s.admin, body: {} }), 409, 'CONFLICT');
      const inv = await call('POST', '/v1/customers/C-C/invitations', { auth: s.admin, body: { validDays: 2 } });
      expect(inv.statusCode, inv.body).toBe(201);
      const { code, expiresAt } = json<{ code: string; expiresAt: string }>(inv);
      expect(code).toMatch(/^inv_[A-Za-z0-9_-]{32}$/);
      expect(expiresAt).toBe(new Date(t + 2 * 86_400_000).toISOString());
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'citra', password: 'short', invitation: code } }), 400, 'FORMAT', 'body.password');
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'ani', password: PASSWORD, invitation: code } }), 409, 'CONFLICT');
      const made = await call('POST', '/v1/accounts', { body: { username: 'citra', password: PASSWORD, invitation: code } });
      expect(made.statusCode, made.body).toBe(201);
      expect(json(made)).toMatchObject({ username: 'citra', role: 'customer', customerNumber: 'C-C', createdBy: 'invitation' });
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'citra2', password: PASSWORD, invitation: code } }), 403, 'FORBIDDEN', 'body.invitation');
      const late = json<{ code: string }>(await call('POST', '/v1/customers/C-D/invitations', { auth: s.admin, body: { validDays: 1 } })).code;
      t += 86_400_000 + 1000;
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'dian', password: PASSWORD, invitation: late } }), 403, 'FORBIDDEN');
      expect((await signIn(s.app, 'citra', PASSWORD)).csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('self-registration: the customer number with the PAN of a meter linked to it; another customer\'s PAN or a wrong number is refused alike; 5 misses lock it', async () => {
      const pans = [panOf(3)];
      await s.hsm.addMeter({ pan: pans[0]!, customerReference: 'CUST-E', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
      await call('POST', '/v1/customers', { auth: s.admin, body: { number: 'C-E', name: 'Eka' } });
      await call('POST', '/v1/customers/C-E/meters', { auth: s.admin, body: { pan: pans[0] } });
      const other = expectProblem(await call('POST', '/v1/accounts', { body: { username: 'eka', password: PASSWORD, customerNumber: 'C-E', pan: PAN2 } }), 403, 'FORBIDDEN', 'body.pan');
      const ghost = expectProblem(await call('POST', '/v1/accounts', { body: { username: 'eka', password: PASSWORD, customerNumber: 'C-NONE', pan: pans[0] } }), 403, 'FORBIDDEN');
      expect(ghost.detail).toBe(other.detail);
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'eka', password: PASSWORD, customerNumber: 'C-E' } }), 400, 'FORMAT', 'body.pan');
      const made = await call('POST', '/v1/accounts', { body: { username: 'eka', password: PASSWORD, customerNumber: 'C-E', pan: pans[0] } });
      expect(made.statusCode, made.body).toBe(201);
      expect(json(made)).toMatchObject({ username: 'eka', customerNumber: 'C-E', createdBy: 'self-registration' });
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'eka2', password: PASSWORD, customerNumber: 'C-E', pan: pans[0] } }), 409, 'CONFLICT');
      for (let i = 0; i < 5; i++) await call('POST', '/v1/accounts', { body: { username: 'budi2', password: PASSWORD, customerNumber: 'C-B', pan: PAN } });
      expectProblem(await call('POST', '/v1/accounts', { body: { username: 'budi2', password: PASSWORD, customerNumber: 'C-B', pan: PAN2 } }), 429, 'TOO_MANY_REQUESTS');
      t += 16 * 60_000;
    });
  });

  describe('what a customer session reaches', () => {
    it('their own record and meters; their meter\'s look-up, history and reprints; another customer\'s meter is 404 as if unregistered', async () => {
      const ani = await signIn(s.app, 'ani', PASSWORD);
      const me = json(await call('GET', '/v1/me', { session: ani }));
      expect(me).toMatchObject({ number: 'C-A', username: 'ani', meters: [PAN] });
      expect(json<{ pan: string }[]>(await call('GET', '/v1/me/meters', { session: ani })).map((m) => m.pan)).toEqual([PAN]);
      expect(json(await call('GET', `/v1/meters/${PAN}`, { session: ani })).pan).toBe(PAN);
      const unregistered = expectProblem(await call('GET', `/v1/meters/${panOf(9)}`, { auth: s.admin }), 404, 'NOT_FOUND');
      const others = expectProblem(await call('GET', `/v1/meters/${PAN2}`, { session: ani }), 404, 'NOT_FOUND', 'params.pan');
      expect(others.detail).toBe(String(unregistered.detail).replace(panOf(9), PAN2));
      // An agent sells to Ani; she sees it in her meter's history and reprints it.
      const sale = json<{ tokens: string[]; transactionId: string }>(await call('POST', '/v1/purchases', { auth: s.agent, body: { purchaseId: 'ani-1', pan: PAN, litres: '1000' } }));
      const history = json<{ transactionId: string }[]>(await call('GET', `/v1/meters/${PAN}/transactions`, { session: ani }));
      expect(history.map((h) => h.transactionId)).toContain('kiosk-7:ani-1');
      const again = await call('POST', `/v1/meters/${PAN}/reprints`, { session: ani, body: { transactionId: 'kiosk-7:ani-1' } });
      expect(again.statusCode, again.body).toBe(200);
      expect(json(again)).toMatchObject({ tokens: sale.tokens, reissued: true });
      const audit = json<{ records: { operator: string; kind: string }[] }>(await call('GET', '/v1/audit?transactionId=kiosk-7:ani-1', { auth: s.admin }));
      expect(audit.records.map((r) => r.operator)).toEqual([`apikey:${s.agentId}`, 'customer:C-A']);
      // Budi's meter's history and a reprint of Ani's sale through Budi's meter: 404.
      expectProblem(await call('GET', `/v1/meters/${PAN2}/transactions`, { session: ani }), 404, 'NOT_FOUND');
      const budi = await signIn(s.app, 'budi', PASSWORD);
      expectProblem(await call('POST', `/v1/meters/${PAN2}/reprints`, { session: budi, body: { transactionId: 'kiosk-7:ani-1' } }), 404, 'NOT_FOUND');
      expectProblem(await call('POST', `/v1/meters/${PAN}/reprints`, { session: budi, body: { transactionId: 'kiosk-7:ani-1' } }), 404, 'NOT_FOUND');
      // Agent and admin routes are 403 for a customer; customer routes are 403 for keys and admin users.
      expectProblem(await call('POST', '/v1/purchases', { session: ani, body: { purchaseId: 'ani-2', pan: PAN, litres: '1000' } }), 403, 'FORBIDDEN');
      expectProblem(await call('GET', '/v1/meters', { session: ani }), 403, 'FORBIDDEN');
      expectProblem(await call('GET', '/v1/me', { auth: s.agent }), 403, 'FORBIDDEN');
      expectProblem(await call('GET', '/v1/me', { session: await signIn(s.app, 'dewi', PASSWORD) }), 403, 'FORBIDDEN');
      // An agent reprints through the meter only its own vending point's sales.
      expect((await call('POST', `/v1/meters/${PAN}/reprints`, { auth: s.agent, body: { transactionId: 'kiosk-7:ani-1' } })).statusCode).toBe(200);
      await call('POST', '/v1/purchases', { auth: s.admin, body: { purchaseId: 'office-1', pan: PAN, litres: '1000' } });
      expectProblem(await call('POST', `/v1/meters/${PAN}/reprints`, { auth: s.agent, body: { transactionId: 'office:office-1' } }), 404, 'NOT_FOUND');
    });
  });
}

describe('accounts and sessions on SQLite', () => {
  suite((extras) => sqliteServer(extras));
});

describePostgres('accounts and sessions on PostgreSQL', import.meta.url, (ctx) => {
  suite((extras) => postgresServer(ctx().url, extras));
});
