// End to end: a real server listening on 127.0.0.1, real HTTP requests (node's fetch and http),
// on SQLite and on PostgreSQL: a sale, its retry, concurrent requests with one purchase id (one sale), a reprint, a refused key, the OpenAPI document,
// and a graceful close that lets a request in flight finish. Then the built CLI: `hydrosync serve`
// on a fresh embedded install, stopped by SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listen } from '../src/server/run-server';
import { PAN, tempDir } from './hsm-support';
import { describePostgres } from './postgres-support';
import { type TestServer, postgresServer, sqliteServer } from './server-support';

async function call(base: string, method: string, path: string, auth: string | undefined, body?: unknown): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() as Record<string, unknown> };
}

/** POST a purchase whose body arrives in two parts, `gap` apart; resolves with the status. */
function slowPurchase(base: string, auth: string, purchaseId: string, sent: () => void): Promise<{ status: number; body: string }> {
  const url = new URL(`${base}/v1/purchases`);
  const payload = JSON.stringify({ purchaseId, pan: PAN, litres: '250' });
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.write(payload.slice(0, 10));
    setTimeout(() => {
      sent();
      setTimeout(() => req.end(payload.slice(10)), 300);
    }, 200);
  });
}

function journey(make: () => Promise<TestServer>): void {
  it('sells over HTTP, retries safely, reprints, refuses a bad key, serves OpenAPI, and closes gracefully', async () => {
    const s = await make();
    const base = await listen(s.app, '127.0.0.1', 0);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sale = await call(base, 'POST', '/v1/purchases', s.agent, { purchaseId: 'e2e-1', pan: PAN, rupiah: '50000' });
    expect(sale.status).toBe(201);
    expect(sale.body).toMatchObject({ creditedLitres: 17100, reissued: false });
    const retry = await call(base, 'POST', '/v1/purchases', s.agent, { purchaseId: 'e2e-1', pan: PAN, rupiah: '50000' });
    expect(retry).toMatchObject({ status: 200, body: { reissued: true, tokens: sale.body.tokens } });
    expect((await call(base, 'POST', '/v1/reprints', s.agent, { purchaseId: 'e2e-1' })).body.tokens).toEqual(sale.body.tokens);
    // The same new purchase id from 10 connections at once: one sale, nine reissues of its token.
    const race = await Promise.all(Array.from({ length: 10 }, () => call(base, 'POST', '/v1/purchases', s.agent, { purchaseId: 'e2e-race', pan: PAN, litres: '500' })));
    expect(race.map((r) => r.status).sort()).toEqual([...Array(9).fill(200), 201]);
    expect(new Set(race.map((r) => JSON.stringify(r.body.tokens))).size).toBe(1);
    expect((await call(base, 'GET', '/v1/audit?transactionId=kiosk-7:e2e-race&outcome=issued', s.admin)).body.matched).toBe(1);
    const bad = await call(base, 'GET', `/v1/meters/${PAN}`, 'Bearer hsk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(bad.status).toBe(401);
    expect(bad.type).toMatch(/^application\/problem\+json/);
    expect((await call(base, 'GET', '/v1/openapi.json', undefined)).body.openapi).toBe('3.1.0');
    expect((await call(base, 'GET', '/readyz', undefined)).status).toBe(200);

    // Close while a purchase is half sent: it still completes; new connections are refused.
    let closing: Promise<void> | undefined;
    const inFlight = slowPurchase(base, s.agent, 'e2e-2', () => { closing = s.app.close(); });
    const done = await inFlight;
    expect(done.status, done.body).toBe(201);
    await closing;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 60_000);
}

describe('end to end on SQLite', () => {
  journey(() => sqliteServer());
});

describePostgres('end to end on PostgreSQL', import.meta.url, (ctx) => {
  journey(() => postgresServer(ctx().url));
});

const BIN = join(__dirname, '..', 'bin', 'hydrosync.js');
describe.skipIf(!existsSync(join(__dirname, '..', 'dist', 'cli.js')))('hydrosync serve (the built CLI)', () => {
  it('first start of a fresh install creates the master key and store, prints the URL, serves, and exits 0 on SIGTERM', async () => {
    const t = tempDir();
    try {
      const env = { ...process.env, HOME: t.dir, XDG_DATA_HOME: join(t.dir, 'data'), XDG_CONFIG_HOME: join(t.dir, 'config'), HYDROSYNC_STORE: '', HYDROSYNC_MASTER_KEY: '', HYDROSYNC_MASTER_KEY_FILE: '' };
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out} ${err}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /HydroSync server on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) { clearTimeout(timer); resolve(m[1]!); }
        });
      });
      expect(out).toContain(`Created a new master key in ${join(t.dir, 'config', 'hydrosync', 'master.key')}`);
      expect(out).toContain(`Created the security module store ${join(t.dir, 'data', 'hydrosync', 'hsm.sqlite')}`);
      expect((await call(base, 'GET', '/readyz', undefined)).status).toBe(200);
      expect((await call(base, 'GET', '/v1/meters', undefined)).status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('Stopped.');
      for (const line of err.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      t.cleanup();
    }
  }, 60_000);
});
