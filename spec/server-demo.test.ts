// `npm start` (`hydrosync serve --demo`): a throwaway store with demo data whose passwords and keys
// are printed once, a server that sells with them at once, and nothing left behind on stop.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect, it } from 'vitest';
import { secretMatches } from '../src/server/password-hash';
import { startServer } from '../src/server/start-server';
import { openSqliteServerStore } from '../src/server/store/sqlite-server-store';

it('starts on a fresh demo store, prints working credentials, sells with the agent key, and deletes the store when it stops', async () => {
  const lines: string[] = [];
  const { app, url, stopped } = await startServer({
    demo: true, store: { path: '/nonexistent/ignored.sqlite', from: 'default' }, env: {}, host: '127.0.0.1', port: 0,
    clock: () => new Date(), version: 'test', out: (l) => lines.push(l), log: () => {}, signals: false,
  });
  const text = lines.join('\n');
  const field = (label: string) => new RegExp(`${label} +(\\S+)(?: / (\\S+))?`).exec(text);
  const agentKey = field('agent API key')![1]!;
  const adminKey = field('admin API key')![1]!;
  const [, adminUser, adminPassword] = field('admin sign-in')!;
  const [, customerUser, customerPassword] = field('customer sign-in')!;
  expect(text).toMatch(/PUBLIC STS compliance-test key/);
  const storePath = /store (\/\S+hsm\.sqlite)\)/.exec(text)![1]!;
  expect(existsSync(storePath)).toBe(true);

  const sale = await fetch(`${url}/v1/purchases`, {
    method: 'POST', headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ purchaseId: 'try-1', pan: '600727000000000009', rupiah: '50000' }),
  });
  expect(sale.status).toBe(201);
  expect(((await sale.json()) as { tokens: string[] }).tokens[0]).toMatch(/^[0-9]{20}$/);
  const customer = await fetch(`${url}/v1/customers/DEMO-0001`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(await customer.json()).toMatchObject({ number: 'DEMO-0001', meters: ['600727000000000009'] });
  // The printed passwords are the accounts' passwords (stored only as hashes).
  const store = openSqliteServerStore(storePath);
  try {
    expect(await secretMatches(adminPassword!, (await store.getUser(adminUser!))!.passwordHash)).toBe(true);
    expect(await secretMatches(customerPassword!, (await store.getUser(customerUser!))!.passwordHash)).toBe(true);
    expect((await store.getUser(customerUser!))!.customerNumber).toBe('DEMO-0001');
  } finally {
    await store.close();
  }
  await app.close();
  await stopped;
  expect(existsSync(dirname(storePath))).toBe(false);
}, 60_000);
