// Two vending servers (`hydrosync serve --node a|b`, the built CLI, real processes) on one
// PostgreSQL database behind the same test client (issue #10, "Faults"): purchases alternate between
// them, a purchase retried on the other node returns the same tokens, node a is killed with SIGKILL
// under load and its lost answers are fetched from node b, then a restarts and both sell again.
// After all: every received token is in the audit log under its purchase, no TID twice on a meter,
// `hydrosync hsm audit verify` passes with each node's own audit chain.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresStore } from '../src/node';
import { MASTER_HEX, tempDir } from './hsm-support';
import { freshModule } from './multinode-support';
import { describePostgres } from './postgres-support';
import {
  PurchaseClient, type ServerProcess, auditVerifyWithCli, checkStore, createKeyWithCli, requireCli, sleep, startServe,
} from './server-process-support';

const LANES = 4;

describePostgres('two vending servers on one PostgreSQL database', import.meta.url, (ctx) => {
  const t = tempDir();
  const masterKeyFile = join(t.dir, 'master.key');
  const running = new Set<ServerProcess>();
  beforeAll(requireCli);
  afterAll(() => {
    for (const s of running) s.child.kill('SIGKILL');
    t.cleanup();
  });

  it('purchases alternating between two servers, retries crossing nodes, one node killed with SIGKILL under load and restarted: the same guarantees', async () => {
    const url = ctx().url;
    const m = await freshModule(url, 'hydrosync', 4);
    await m.hsm.close();
    writeFileSync(masterKeyFile, `${MASTER_HEX}\n`, { mode: 0o600 });
    const client = new PurchaseClient(createKeyWithCli(url, 'agent', 'kiosk-7'), m.pans, 'two');
    const start = async (node: string) => {
      const s = await startServe(['--store', url, '--master-key-file', masterKeyFile, '--node', node], {});
      running.add(s);
      return s;
    };
    /** Lanes sending new purchases to the live servers in turn (a server that stops answering is left out) until `stop()`. */
    const load = (live: Set<string>, stop: () => boolean) => Promise.all(Array.from({ length: LANES }, async (_, lane) => {
      for (let n = lane; !stop() && live.size > 0; n++) {
        const urls = [...live];
        const target = urls[n % urls.length]!;
        if (!(await client.buy(target, client.newPurchase()))) live.delete(target);
      }
    }));
    const answeredBy = (url: string) => client.answered.filter((id) => client.purchases.get(id)!.answeredBy === url).length;
    /** Wait (bounded) until each server has answered `count` more purchases. */
    const whileEachSells = async (urls: string[], count: number) => {
      const target = urls.map((u) => answeredBy(u) + count);
      const deadline = Date.now() + 60_000;
      while (urls.some((u, i) => answeredBy(u) < target[i]!)) {
        if (Date.now() > deadline) throw new Error(`the servers answered ${urls.map(answeredBy).join(' and ')} purchases, not ${target.join(' and ')}`);
        await sleep(10);
      }
    };
    /** Answered purchases sent again to the other server: the same tokens, 200 reissued. */
    const retryCrossing = async (from: string, to: string, count: number) => {
      const ids = client.answered.filter((id) => client.purchases.get(id)!.answeredBy === from).slice(-count);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(await client.buy(to, id)).toBe(true);
    };

    let [a, b] = await Promise.all([start('a'), start('b')]);
    let stopped = false;
    let live = new Set([a.url, b.url]);
    let lanes = load(live, () => stopped);
    await whileEachSells([a.url, b.url], 20);
    await retryCrossing(a.url, b.url, 10);
    await retryCrossing(b.url, a.url, 10);
    // Kill a under load: the lanes carry on with b alone.
    const inFlight = client.inFlight;
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    running.delete(a);
    await whileEachSells([b.url], 20);
    stopped = true;
    await lanes;
    expect(inFlight).toBeGreaterThan(0);
    // Every purchase whose answer a's death took, sent to b: sold once, by whichever node committed it.
    expect(client.unanswered.size).toBeGreaterThan(0);
    await client.retryAfterCrash(b.url, 0);
    await retryCrossing(a.url, b.url, 10);

    // a again, under its own name: both sell, retries cross again.
    a = await start('a');
    stopped = false;
    live = new Set([a.url, b.url]);
    lanes = load(live, () => stopped);
    await whileEachSells([a.url, b.url], 20);
    stopped = true;
    await lanes;
    expect(live.size).toBe(2);
    await retryCrossing(a.url, b.url, 10);
    await retryCrossing(b.url, a.url, 10);
    for (const s of [a, b]) {
      s.child.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
      running.delete(s);
    }

    const store = await openPostgresStore(url);
    try {
      const { db, issued } = await checkStore(store, m.pans, client, 'kiosk-7');
      expect(new Set(issued.map((r) => r.chain))).toEqual(new Set(['a', 'b']));
      auditVerifyWithCli(url, masterKeyFile, db.audit.length);
    } finally {
      await store.close();
    }
    console.log(`two servers on PostgreSQL: ${client.purchases.size} purchases, ${client.soldBeforeCrash} sold by the killed node before its answer was lost, ${client.sameAgain} retries answered with the same tokens`);
  }, 300_000);
});
