// Shared set-up of the multi-node specs (spec/multinode-*.test.ts): vending nodes as real processes
// (spec/fixtures/vend-node.mjs on the built package) against one PostgreSQL database, and what the
// parent, as the nodes' client, received from them.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeToken, decodeTransferAmount, deriveDecoderKey } from '../src/index';
import { type Hsm, type HsmStore, initHsm, openHsm } from '../src/hsm';
import { openPostgresStore } from '../src/node/hsm-postgres-store';
import { MASTER, MASTER_HEX, OP, VK04, panOf } from './hsm-support';

const root = join(__dirname, '..');
const SCRIPT = join(__dirname, 'fixtures', 'vend-node.mjs');

/** The node script imports dist/: a missing build is an error naming the command, never a skip. */
export function requireBuild(): void {
  for (const f of ['hsm.js', 'node.js']) {
    if (!existsSync(join(root, 'dist', f))) throw new Error(`dist/${f} is missing: the multi-node specs run the built package; run \`npm run build\` first (npm test does)`);
  }
}

export interface VendRequest {
  pan: string;
  transactionId: string;
  litres: number;
}

export interface Answer {
  transactionId: string;
  pan: string;
  token?: string;
  tid?: number;
  reissued?: boolean;
  error?: string;
  message?: string;
}

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  /** Answers printed so far, in order. */
  answers: Answer[];
  /** Resolves when the module is open (the node printed its ready line). */
  ready: Promise<void>;
  /** Resolves on exit: the exit code, or the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Send requests (ends stdin when `end`). */
  send(requests: readonly VendRequest[], end?: boolean): void;
}

/** Start a node process: its own pool, `name` as its audit chain. */
export function startNode(url: string, schema: string, name: string, concurrency = 1): NodeProcess {
  const child = spawn(process.execPath, [SCRIPT, url, schema, name, String(concurrency)], {
    cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HYDROSYNC_MASTER_KEY: MASTER_HEX },
  });
  const answers: Answer[] = [];
  let buf = '';
  let stderr = '';
  let onReady!: () => void;
  const ready = new Promise<void>((r) => { onReady = r; });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const o = JSON.parse(l) as Answer & { ready?: boolean };
      if (o.ready) onReady();
      else answers.push(o);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  child.stdin!.on('error', () => {}); // a killed node's stdin: EPIPE is expected
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => { onReady(); resolve({ code, signal, stderr }); });
  });
  return {
    name, child, answers, ready, exited,
    send(requests, end = false) {
      child.stdin!.write(requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
      if (end) child.stdin!.end();
    },
  };
}

/** Wait (bounded) until the node has printed `count` answers, or has ended. */
export async function waitForAnswers(n: NodeProcess, count: number, timeoutMs = 30_000): Promise<void> {
  let ended = false;
  void n.exited.then(() => { ended = true; });
  const deadline = Date.now() + timeoutMs;
  while (n.answers.length < count && !ended) {
    if (Date.now() > deadline) throw new Error(`node ${n.name} gave ${n.answers.length} of ${count} answers within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Run a node over a list of requests to its end; fails on a non-zero exit. */
export async function runNode(url: string, schema: string, name: string, requests: readonly VendRequest[], concurrency = 1): Promise<Answer[]> {
  const n = startNode(url, schema, name, concurrency);
  n.send(requests, true);
  const { code, signal, stderr } = await n.exited;
  if (code !== 0) throw new Error(`node ${name} ended with ${code ?? signal}: ${stderr}`);
  return n.answers;
}

/** A fresh security module in its own schema: the DKGA04 test key and `meters` meters (panOf(1…)). */
export async function freshModule(url: string, schema: string, meters: number): Promise<{ store: HsmStore; hsm: Hsm; pans: string[] }> {
  return populateModule(await openPostgresStore(url, { schema, maxConnections: 2 }), meters);
}

/** Initialise a store (any kind) with MASTER, the DKGA04 test key and `meters` meters (panOf(1…)). */
export async function populateModule(store: HsmStore, meters: number): Promise<{ store: HsmStore; hsm: Hsm; pans: string[] }> {
  await initHsm(store, MASTER, {});
  const hsm = await openHsm({ store, masterKey: MASTER });
  await hsm.importVendingKey({
    id: 'sgc201457-krn1', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique',
    baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00',
  }, OP);
  const pans = Array.from({ length: meters }, (_, i) => panOf(i + 1));
  for (const [i, pan] of pans.entries()) {
    await hsm.addMeter({ pan, customerReference: `CUST-${i}`, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
  }
  return { store, hsm, pans };
}

/** The meter's decoder key, derived here from the public test key (not read from the module). */
export function decoderKeyOf(pan: string): ReturnType<typeof deriveDecoderKey> {
  return deriveDecoderKey(VK04, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan, baseDate: 2014, encryptionAlgorithm: '11' });
}

/** The TID and litres a token carries, decrypted with the meter's key (throws if the key does not decrypt it). */
export function readToken(pan: string, token: string): { tid: number; kind: string; litres: number } {
  const t = decodeToken(token, decoderKeyOf(pan));
  if (t.kind !== 'transferCredit') return { tid: Number.NaN, kind: t.kind, litres: Number.NaN };
  return { tid: t.fields.tid, kind: t.kind, litres: decodeTransferAmount(t.fields.amount) * 100 };
}

/** SHA-256 (hex) of the token digits: the audit record's tokenHash, computed here independently. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Everything the database holds about the sales (read as one transaction). */
export async function readSales(store: HsmStore, pans: readonly string[]) {
  return store.transaction(async (tx) => {
    const meters = new Map<string, number | null>();
    const transactions: { id: string; pan: string | null }[] = [];
    for (const pan of pans) {
      meters.set(pan, (await tx.getMeter(pan))!.lastTid);
      transactions.push(...(await tx.listTransactions({ pan })).map((t) => ({ id: t.id, pan: t.pan })));
    }
    return { meters, transactions, audit: await tx.readAudit() };
  }, { readOnly: true });
}
