// `hydrosync serve key create|list|revoke` in process: a key printed once that the server accepts,
// a list without secrets, a revocation the server honours at once; usage errors for bad options.
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openHsm } from '../src/hsm';
import { openSqliteStore } from '../src/node';
import { buildServer } from '../src/server/build-server';
import { openSqliteServerStore } from '../src/server/store/sqlite-server-store';
import { MASTER, setup, tempDir } from './hsm-support';
import { runCapture } from './support';

const t = tempDir();
afterAll(t.cleanup);

it('creates a key (shown once), lists it without the secret, revokes it; the server refuses it at once', async () => {
  const store = join(t.dir, 'hsm.sqlite');
  const { hsm: made } = await setup({ store: openSqliteStore(store, { create: true }) });
  await made.close();
  const created = await runCapture(['serve', 'key', 'create', '--role', 'agent', '--vending-point', 'kiosk-7', '--label', 'Toko Sari', '--store', store, '--json']);
  expect(created.code, created.stderr).toBe(0);
  const key = JSON.parse(created.stdout) as { id: string; key: string; role: string; vendingPoint: string; label: string; createdAt: string };
  expect(key).toMatchObject({ role: 'agent', vendingPoint: 'kiosk-7', label: 'Toko Sari', createdAt: '2026-12-01T02:30:00.000Z' });
  expect(key.key).toMatch(new RegExp(`^hsk_${key.id}_[A-Za-z0-9_-]{43}$`));
  const human = await runCapture(['serve', 'key', 'create', '--vending-point', 'office', '--role', 'admin', '--store', store]);
  expect(human.stdout).toMatch(/^Created admin key [0-9a-f]{12} for vending point office\. It is shown only now; the store keeps only a hash:\nhsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);

  const list = await runCapture(['serve', 'key', 'list', '--store', store]);
  expect(list.code).toBe(0);
  expect(list.stdout).toContain(key.id);
  expect(list.stdout).toContain('kiosk-7');
  expect(list.stdout).not.toContain(key.key.slice(17));

  const hsm = await openHsm({ store: openSqliteStore(store), masterKey: MASTER });
  const app = await buildServer({ hsm, store: openSqliteServerStore(store), logger: false, rateLimit: false });
  try {
    const buy = () => app.inject({ method: 'GET', url: '/v1/meters/600727000000000009', headers: { authorization: `Bearer ${key.key}` } });
    expect((await buy()).statusCode).toBe(200);
    const revoked = await runCapture(['serve', 'key', 'revoke', key.id, '--store', store]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`Revoked API key ${key.id} (at 2026-12-01T02:30:00.000Z); it stops working at once.\n`);
    expect((await buy()).statusCode).toBe(401);
  } finally {
    await app.close();
  }
  const unknown = await runCapture(['serve', 'key', 'revoke', '000000000000', '--store', store]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('NOT_FOUND: no API key 000000000000');
});

it('refuses bad options before touching anything', async () => {
  const store = join(t.dir, 'none.sqlite');
  const noStore = await runCapture(['serve', 'key', 'list', '--store', store]);
  expect(noStore.code).toBe(2);
  expect(noStore.stderr).toContain(`no store at ${store}`);
  const badPoint = await runCapture(['serve', 'key', 'create', '--vending-point', 'has space', '--store', join(t.dir, 'hsm.sqlite')]);
  expect(badPoint.code).toBe(2);
  expect(badPoint.stderr).toContain('the vending point must be 1 to 40 characters from A-Z a-z 0-9 . _ -');
  expect((await runCapture(['serve', 'key', 'create', '--vending-point', 'x', '--role', 'root'])).code).toBe(2);
  const port = await runCapture(['serve', '--port', '70000']);
  expect(port.code).toBe(2);
  expect(port.stderr).toContain('--port must be a whole number 0 to 65535');
});

it('serve user create: the first admin user, password from stdin or HYDROSYNC_PASSWORD, never printed; it signs in; bad input exits 2', async () => {
  const store = join(t.dir, 'users.sqlite');
  const { hsm: made } = await setup({ store: openSqliteStore(store, { create: true }) });
  await made.close();
  const password = 'first-admin-password';
  const made1 = await runCapture(['serve', 'user', 'create', '--role', 'admin', '--username', 'Ani', '--store', store], { stdin: [`${password}\n`, 'ignored second line\n'] });
  expect(made1.code, made1.stderr).toBe(0);
  expect(made1.stdout).toBe('Created admin user ani; sign in to the website with it. The store keeps only a hash of the password.\n');
  const made2 = await runCapture(['serve', 'user', 'create', '--username', 'budi', '--store', store, '--json'], { env: { HYDROSYNC_PASSWORD: 'second-admin-password' } });
  expect(made2.code, made2.stderr).toBe(0);
  expect(JSON.parse(made2.stdout)).toEqual({ username: 'budi', role: 'admin', createdAt: '2026-12-01T02:30:00.000Z' });
  for (const r of [made1, made2]) expect(r.stdout + r.stderr).not.toMatch(/admin-password/);

  const short = await runCapture(['serve', 'user', 'create', '--username', 'eko', '--store', store], { stdin: ['short\n'] });
  expect(short.code).toBe(2);
  expect(short.stderr).toMatch(/the password must have at least 10 characters/);
  expect(short.stderr).not.toContain('short\n');
  const none = await runCapture(['serve', 'user', 'create', '--username', 'eko', '--store', store]);
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/HYDROSYNC_PASSWORD/);
  const taken = await runCapture(['serve', 'user', 'create', '--username', 'ani', '--store', store], { stdin: [`${password}\n`] });
  expect(taken.code).not.toBe(0);
  expect(taken.stderr).toMatch(/the username ani is taken/);
  expect((await runCapture(['serve', 'user', 'create', '--role', 'customer', '--username', 'x1x', '--store', store], { stdin: [`${password}\n`] })).code).toBe(2);

  const hsm = await openHsm({ store: openSqliteStore(store), masterKey: MASTER });
  const app = await buildServer({ hsm, store: openSqliteServerStore(store), logger: false, rateLimit: false });
  try {
    const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { username: 'ani', password } });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ username: 'ani', role: 'admin' });
  } finally {
    await app.close();
  }
}, 30_000);
