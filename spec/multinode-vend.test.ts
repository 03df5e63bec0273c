// Several vending nodes as real processes (spec/fixtures/vend-node.mjs on the built package), each
// with its own pool and audit chain, selling at the same time on one PostgreSQL database (issue #9).
// What the parent receives, as the nodes' client, is checked against the meters' own keys (derived
// here from the public test key) and against the database: no TID twice on a meter, every token
// decrypts to its TID and volume, no sale lost or doubled, every chain verifies.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HsmStore } from '../src/hsm';
import { describePostgres } from './postgres-support';
import { type Answer, type VendRequest, freshModule, readSales, readToken, requireBuild, runNode, sha256Hex, startNode, waitForAnswers } from './multinode-support';

const PER_NODE = 20;
const litresOf = (k: number) => 100 * (1 + (k % 90)); // whole 0.1 m³: carried exactly by a token

describePostgres('several vending nodes on one PostgreSQL database', import.meta.url, (ctx) => {
  const opened: HsmStore[] = [];
  let schemas = 0;
  beforeAll(requireBuild);
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  async function module(meters: number) {
    const schema = `mn${schemas++}`;
    const m = await freshModule(ctx().url, schema, meters);
    opened.push(m.store);
    return { ...m, schema };
  }

  /** The checks every run must pass; `sent` holds each node's requests. */
  async function checkSales(m: Awaited<ReturnType<typeof module>>, sent: Map<string, VendRequest[]>, answers: Map<string, Answer[]>) {
    const requests = new Map<string, VendRequest>();
    for (const list of sent.values()) for (const r of list) requests.set(r.transactionId, r);
    const all = [...answers.values()].flat();
    expect(all.filter((a) => a.error !== undefined)).toEqual([]);
    for (const [name, list] of sent) expect(answers.get(name)!.map((a) => a.transactionId).sort()).toEqual(list.map((r) => r.transactionId).sort());

    // The first answer of each id is its sale; any other answer of it is a reissue of the same token.
    const sale = new Map<string, Answer>();
    for (const a of all) if (!a.reissued) {
      expect(sale.has(a.transactionId), `two sales for ${a.transactionId}`).toBe(false);
      sale.set(a.transactionId, a);
    }
    expect(sale.size).toBe(requests.size);
    for (const a of all) expect(a.token).toBe(sale.get(a.transactionId)!.token);

    const pairs = new Set<string>();
    const maxTid = new Map<string, number>();
    for (const a of sale.values()) {
      const key = `${a.pan}/${a.tid}`;
      expect(pairs.has(key), `TID ${a.tid} issued twice on meter ${a.pan}`).toBe(false);
      pairs.add(key);
      const t = readToken(a.pan, a.token!);
      expect(t).toEqual({ tid: a.tid, kind: 'transferCredit', litres: requests.get(a.transactionId)!.litres });
      maxTid.set(a.pan, Math.max(maxTid.get(a.pan) ?? 0, a.tid!));
    }

    const db = await readSales(m.store, m.pans);
    for (const [pan, tid] of maxTid) expect(db.meters.get(pan)).toBe(tid);
    const issued = db.audit.filter((r) => r.kind === 'vend' && r.outcome === 'issued');
    expect(issued.length).toBe(requests.size);
    expect(new Set(issued.map((r) => r.transactionId)).size).toBe(requests.size);
    for (const r of issued) {
      const a = sale.get(r.transactionId)!;
      expect([r.pan, r.tid, r.tokenHash]).toEqual([a.pan, a.tid, sha256Hex(a.token!)]);
    }
    expect(db.transactions.map((t) => t.id).sort()).toEqual([...requests.keys()].sort());
    expect(db.audit.filter((r) => r.outcome === 'refused')).toEqual([]);

    const v = await m.hsm.verifyAudit();
    expect(v.ok).toBe(true);
    expect(v.records).toBe(db.audit.length);
    // verifyAudit checks every chain it finds; AuditVerification.chains is not filled in yet, so count them here.
    const chains = new Map<string, number>();
    for (const r of db.audit) chains.set(r.chain, (chains.get(r.chain) ?? 0) + 1);
    expect([...chains.keys()].sort()).toEqual(['main', ...sent.keys()].sort());
    for (const [name, list] of answers) expect(chains.get(name)).toBe(list.length); // one record per answer
    return { sale, db };
  }

  async function runNodes(m: Awaited<ReturnType<typeof module>>, sent: Map<string, VendRequest[]>) {
    const results = await Promise.all([...sent].map(([name, list]) => runNode(ctx().url, m.schema, name, list)));
    return new Map([...sent.keys()].map((name, i) => [name, results[i]!]));
  }

  const names = (n: number) => Array.from({ length: n }, (_, i) => `node-${i + 1}`);

  for (const nodes of [2, 4, 8]) {
    it(`${nodes} nodes selling on the same 3 meters at once: no TID twice, every token decrypts to its TID, no sale lost or doubled, ${nodes + 1} chains verify`, async () => {
      const m = await module(3);
      const sent = new Map(names(nodes).map((name, i) => [name, Array.from({ length: PER_NODE }, (_, k): VendRequest => ({
        pan: m.pans[(i + k) % 3]!, transactionId: `${name}-${k}`, litres: litresOf(i * PER_NODE + k),
      }))]));
      const answers = await runNodes(m, sent);
      const { sale } = await checkSales(m, sent, answers);
      expect([...sale.values()].every((a) => a.reissued === false)).toBe(true);
      // Every meter sold nodes × PER_NODE / 3 tokens (± rounding), all with distinct TIDs.
      expect(new Set([...sale.values()].map((a) => `${a.pan}/${a.tid}`)).size).toBe(nodes * PER_NODE);
    }, 100_000);

    it(`${nodes} nodes each selling on meters of its own: the same checks`, async () => {
      const m = await module(nodes * 2);
      const sent = new Map(names(nodes).map((name, i) => [name, Array.from({ length: PER_NODE }, (_, k): VendRequest => ({
        pan: m.pans[i * 2 + (k % 2)]!, transactionId: `${name}-${k}`, litres: litresOf(k),
      }))]));
      const answers = await runNodes(m, sent);
      await checkSales(m, sent, answers);
      // A meter's tokens were all sold by its node.
      for (const [name, list] of answers) for (const a of list) expect(sent.get(name)!.some((r) => r.pan === a.pan)).toBe(true);
    }, 100_000);
  }

  it('the same transaction ids sent to two nodes at once (2 pairs × 30 ids, in step): one sale per id, the other answer a reissue of the same token, one issued record per id', async () => {
    const m = await module(4);
    const pairIds = [0, 1].map((p) => Array.from({ length: 30 }, (_, k): VendRequest => ({
      pan: m.pans[(p * 2 + k) % 4]!, transactionId: `pair-${p}-${k}`, litres: litresOf(k + p),
    })));
    const sent = new Map([['node-a', pairIds[0]!], ['node-b', pairIds[0]!], ['node-c', pairIds[1]!], ['node-d', pairIds[1]!]]);
    const nodes = [...sent.keys()].map((name) => startNode(ctx().url, m.schema, name));
    await Promise.all(nodes.map((n) => n.ready));
    // Each id goes to both nodes of its pair at the same moment; the next id once both answered.
    await Promise.all([0, 1].map(async (p) => {
      const pair = [nodes[p * 2]!, nodes[p * 2 + 1]!];
      for (const [k, r] of pairIds[p]!.entries()) {
        for (const n of pair) n.send([r]);
        for (const n of pair) await waitForAnswers(n, k + 1);
      }
      for (const n of pair) n.send([], true);
    }));
    for (const n of nodes) expect((await n.exited).code).toBe(0);
    const answers = new Map(nodes.map((n) => [n.name, n.answers]));
    const { sale, db } = await checkSales(m, sent, answers);
    expect(sale.size).toBe(60);
    const all = [...answers.values()].flat();
    for (const id of sale.keys()) {
      const both = all.filter((a) => a.transactionId === id);
      expect(both.map((a) => a.reissued).sort()).toEqual([false, true]);
      expect(both[0]!.token).toBe(both[1]!.token);
      expect(db.audit.filter((r) => r.transactionId === id).map((r) => r.outcome).sort()).toEqual(['issued', 'reissued']);
    }
    const wins = nodes.map((n) => n.answers.filter((a) => !a.reissued).length);
    console.log(`same ids on two nodes: sales won per node ${nodes.map((n, i) => `${n.name} ${wins[i]}`).join(', ')}`);
    expect(Math.min(...wins)).toBeGreaterThan(0); // every node won some races: they really raced
  }, 100_000);
});
