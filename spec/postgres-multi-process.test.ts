// Several processes ("vending nodes"), each with its own pool, on one PostgreSQL store, at the store
// level (the built package's openPostgresStore): each transaction locks the meter row, takes the
// next TID, records a transaction row and an audit record in the node's own chain and moves the
// chain's head. Nodes are killed with SIGKILL mid-run and restarted. Afterwards: no TID twice, no
// gap (every committed transaction is whole, every rolled-back one left nothing), every TID a
// node printed (after its COMMIT) is in the audit log, and each chain's head matches its records.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openPostgresStore } from '../src/node/hsm-postgres-store';
import { describePostgres } from './postgres-support';
import { meterRow } from './store-contract';

const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'node.js'));
const PAN = '600727000000000009';

const NODE_SCRIPT = `
import { openPostgresStore } from '../dist/node.js';
const [url, schema, pan, node, count] = process.argv.slice(1);
const store = await openPostgresStore(url, { schema, maxConnections: 2 });
for (let i = 0; i < Number(count); i++) {
  const tid = await store.transaction(async (tx) => {
    const m = await tx.getMeter(pan, { lock: true });
    const tid = m.lastTid + 1;
    await tx.updateMeter({ ...m, lastTid: tid });
    await tx.insertTransaction({ id: node + '-' + process.pid + '-' + i, fingerprint: 'f', kind: 'vend', pan, at: new Date().toISOString(), sealed: new Uint8Array([1]) });
    const head = Number((await tx.getMeta('audit_head:' + node, { lock: true })) ?? '0');
    await tx.appendAudit({ chain: node, seq: head + 1, at: new Date().toISOString(), operator: 'op', vendingPoint: node, transactionId: node + '-' + process.pid + '-' + i,
      pan, kind: 'vend', outcome: 'issued', errorCode: null, amount: '100 L', tid, tokenHash: null, prevHash: '0', hash: String(tid) });
    await tx.setMeta('audit_head:' + node, String(head + 1));
    return tid;
  });
  process.stdout.write(tid + '\\n');
}
await store.close();
`;

interface Node {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** TIDs this process printed (after their COMMIT). */
  printed: number;
}

describePostgres('several processes on one PostgreSQL store', import.meta.url, (ctx) => {
  it.skipIf(!built)('4 node processes, killed 20 times with SIGKILL while vending: no TID twice or lost, every printed TID audited, heads match', async () => {
    const schema = 'nodes';
    const setup = await openPostgresStore(ctx().url, { schema });
    await setup.transaction((tx) => tx.insertMeter(meterRow(PAN, { lastTid: 1000 })));
    const received: number[] = [];
    const start = (name: string, count: number): Node => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', NODE_SCRIPT, ctx().url, schema, PAN, name, String(count)], {
        cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let buf = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) received.push(Number(l));
        node.printed += lines.length;
      });
      child.stderr!.on('data', (d: Buffer) => { err += d; });
      const exited = new Promise<number | null>((resolve, reject) => child.on('close', (code, signal) => {
        if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`node ${name} failed (${code ?? signal}): ${err}`));
        else resolve(code);
      }));
      const node: Node = { name, child, exited, printed: 0 };
      return node;
    };
    const names = ['node-a', 'node-b', 'node-c', 'node-d'];
    const nodes = names.map((n) => start(n, 1_000_000)); // run until killed, then a final bounded run
    let kills = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    while (kills < 20) {
      const i = kills % nodes.length;
      // Kill a node that is vending: after it committed a few, at a random moment (often mid-transaction).
      for (let w = 0; w < 300 && nodes[i]!.printed < 3; w++) await sleep(20);
      await sleep(Math.floor(Math.random() * 40));
      nodes[i]!.child.kill('SIGKILL');
      await nodes[i]!.exited;
      kills++;
      nodes[i] = start(nodes[i]!.name, 1_000_000);
    }
    for (const n of nodes) {
      n.child.kill('SIGKILL');
      await n.exited;
    }
    // A last clean run per node: the store is healthy after the kills.
    const finals = names.map((n) => start(n, 5));
    for (const n of finals) expect(await n.exited).toBe(0);

    const state = await setup.transaction(async (tx) => ({
      meter: (await tx.getMeter(PAN))!,
      audit: await tx.readAudit(),
      heads: await tx.listMeta('audit_head:'),
      txns: (await tx.listTransactions({ pan: PAN })).length,
    }));
    await setup.close();
    const tids = state.audit.map((r) => r.tid!).sort((a, b) => a - b);
    const last = state.meter.lastTid!;
    expect(last).toBeGreaterThanOrEqual(1000 + 20 * 3 + 4 * 5);
    // Every committed transaction advanced lastTid by one and left one audit record and one transaction row.
    expect(tids).toEqual(Array.from({ length: last - 1000 }, (_, k) => 1001 + k));
    expect(state.txns).toBe(tids.length);
    for (const t of received) expect(tids).toContain(t);
    for (const [name, head] of state.heads) {
      const chain = state.audit.filter((r) => `audit_head:${r.chain}` === name).map((r) => r.seq).sort((a, b) => a - b);
      expect(chain).toEqual(Array.from({ length: Number(head) }, (_, k) => k + 1));
    }
    expect(state.heads.map(([n]) => n)).toEqual(names.map((n) => `audit_head:${n}`));
  }, 120_000);
});
