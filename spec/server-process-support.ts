// Vending servers as real processes (`hydrosync serve` of the built CLI) and the test client that
// buys from them over HTTP with its own purchase ids, as an agent's till does: it keeps every answer
// it received, sends a purchase whose answer was lost again with the same id, and checks that an
// answer to a retry carries the same tokens as any answer received before. Then the store is
// checked against everything the client received (spec/server-kill.test.ts,
// spec/server-postgres-two-nodes.test.ts; the multi-node specs' support does the reading).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { HsmStore } from '../src/hsm';
import { readSales, readToken, sha256Hex } from './multinode-support';

const root = join(__dirname, '..');
export const BIN = join(root, 'bin', 'hydrosync.js');

/** The specs run the built CLI: a missing build is an error naming the command, never a skip. */
export function requireCli(): void {
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: these specs run the built CLI; run `npx tsup` (npm test does)');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves on exit: the exit code or the signal, and the end of stderr (the JSON logs). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `hydrosync serve` on 127.0.0.1, any free port, no rate limit; resolves with the URL its first stdout line prints. */
export async function startServe(args: readonly string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--rate-limit', '0', ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no line within 30 s: ${stderr}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.includes('\n')) return;
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const m = /^HydroSync server on (http:\/\/127\.0\.0\.1:\d+) /.exec(out.slice(0, nl));
      if (m) resolve(m[1]!);
      else reject(new Error(`the first line of serve is not its URL: ${out.slice(0, nl)}`));
    });
    void exited.then((e) => reject(new Error(`serve ended before it listened (${e.code ?? e.signal}): ${e.stderr}`)));
  });
  return { url, child, exited };
}

/** An API key made with `hydrosync serve key create` (the key is printed once, in the JSON). */
export function createKeyWithCli(store: string, role: 'agent' | 'admin', vendingPoint: string): string {
  const r = spawnSync(process.execPath, [BIN, 'serve', 'key', 'create', '--role', role, '--vending-point', vendingPoint, '--store', store, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`serve key create: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { key: string }).key;
}

interface Purchase {
  pan: string;
  litres: number;
  /** Times sent. */
  sent: number;
  /** What the first answer carried. */
  tokens?: string[];
  tid?: number;
  /** The server that gave the first answer. */
  answeredBy?: string;
}

/** The till: purchases with its own ids, every answer it received, the ones whose answer it lost. */
export class PurchaseClient {
  readonly purchases = new Map<string, Purchase>();
  /** Sent, never answered (the server died first): to be sent again. */
  readonly unanswered = new Set<string>();
  /** Answered, in order. */
  readonly answered: string[] = [];
  /** Requests awaiting an answer right now. */
  inFlight = 0;
  /** Retries answered with the same tokens as an earlier answer; first answers that were 200 (sold before a crash took the answer). */
  sameAgain = 0;
  soldBeforeCrash = 0;
  #next = 0;

  constructor(private readonly agentKey: string, private readonly pans: readonly string[], private readonly prefix: string) {}

  /** A new purchase id (a different meter and amount each time). */
  newPurchase(): string {
    const n = this.#next++;
    const id = `${this.prefix}-${n}`;
    this.purchases.set(id, { pan: this.pans[n % this.pans.length]!, litres: 100 * (1 + (n % 20)), sent: 0 });
    return id;
  }

  /** POST the purchase; false when no answer came (connection refused or cut). An answer is checked against any earlier one. */
  async buy(url: string, id: string): Promise<boolean> {
    const p = this.purchases.get(id)!;
    p.sent++;
    this.unanswered.add(id);
    this.inFlight++;
    let status: number;
    let body: { tokens?: string[]; tid?: number; reissued?: boolean; pan?: string };
    try {
      const res = await fetch(`${url}/v1/purchases`, {
        method: 'POST', headers: { authorization: `Bearer ${this.agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ purchaseId: id, pan: p.pan, litres: String(p.litres) }), signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      body = await res.json() as typeof body;
    } catch {
      return false;
    } finally {
      this.inFlight--;
    }
    expect([200, 201], `${id}: ${status} ${JSON.stringify(body)}`).toContain(status);
    expect(body.pan).toBe(p.pan);
    if (p.tokens !== undefined) {
      expect([status, body.reissued, body.tokens, body.tid], `retry of ${id}`).toEqual([200, true, p.tokens, p.tid]);
      this.sameAgain++;
    } else {
      // A first answer that is a reissue: the sale was committed, then the server died before its answer arrived.
      if (status === 200) {
        expect(p.sent, `${id} answered 200 on its first sending`).toBeGreaterThan(1);
        this.soldBeforeCrash++;
      }
      p.tokens = body.tokens;
      p.tid = body.tid;
      p.answeredBy = url;
      this.answered.push(id);
    }
    this.unanswered.delete(id);
    return true;
  }

  /** Send new purchases one after another until `stop()` or the server stops answering. */
  async load(url: string, stop: () => boolean): Promise<void> {
    while (!stop() && await this.buy(url, this.newPurchase()));
  }

  /** Send again every purchase whose answer was lost, and the `recent` last answered ones; each must be answered now. */
  async retryAfterCrash(url: string, recent: number): Promise<void> {
    for (const id of [...this.unanswered, ...this.answered.slice(-recent)]) {
      expect(await this.buy(url, id), `retry of ${id} answered`).toBe(true);
    }
  }
}

/**
 * The store after the runs against everything the client received: every purchase sold exactly
 * once (one issued audit record and one transaction row under `<vending point>:<id>`), each
 * received token in the audit log (its hash, TID and meter) and decrypting with the meter's key to
 * its TID, nothing sold that the client did not ask for, no TID twice on a meter.
 */
export async function checkStore(store: HsmStore, pans: readonly string[], client: PurchaseClient, vendingPoint: string) {
  expect(client.unanswered.size, 'purchases never answered').toBe(0);
  const db = await readSales(store, pans);
  const issued = db.audit.filter((r) => r.kind === 'vend' && r.outcome === 'issued');
  const byId = new Map<string, typeof issued>();
  for (const r of issued) byId.set(r.transactionId, [...(byId.get(r.transactionId) ?? []), r]);
  expect(new Set(db.transactions.map((t) => t.id))).toEqual(new Set(byId.keys()));
  expect(byId.size).toBe(client.purchases.size);
  for (const [id, p] of client.purchases) {
    const records = byId.get(`${vendingPoint}:${id}`);
    expect(records?.length, `issued records of ${id}`).toBe(1);
    const r = records![0]!;
    expect(p.tokens?.length).toBe(1);
    expect([r.tokenHash, r.tid, r.pan]).toEqual([sha256Hex(p.tokens![0]!), p.tid, p.pan]);
    expect(readToken(p.pan, p.tokens![0]!)).toMatchObject({ tid: p.tid, kind: 'transferCredit', litres: p.litres });
  }
  for (const pan of pans) {
    const tids = issued.filter((r) => r.pan === pan).map((r) => r.tid!);
    expect(new Set(tids).size, `TIDs of ${pan}`).toBe(tids.length);
    expect(db.meters.get(pan)).toBe(Math.max(...tids));
  }
  expect(db.audit.filter((r) => r.outcome === 'refused')).toEqual([]);
  return { db, issued };
}

/** `hydrosync hsm audit verify` on the store: exit 0 and every record verified. */
export function auditVerifyWithCli(store: string, masterKeyFile: string, records: number): void {
  const r = spawnSync(process.execPath, [BIN, 'hsm', 'audit', 'verify', '--store', store, '--master-key-file', masterKeyFile, '--json'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, records });
}
