// Vending nodes killed with SIGKILL mid-vend, over and over, and connections cut by the server
// (pg_terminate_backend) mid-transaction, on one PostgreSQL database. The parent is the nodes'
// client: it keeps what they printed, sends what was never answered again with the same
// transaction id (as a till does), and then checks the database: every token a client received is
// recorded (audit log and transactions table), no half sale, no TID twice on a meter, the log verifies.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HsmStore, StoreTx } from '../src/hsm';
import { openHsm } from '../src/hsm';
import { HydroSyncError } from '../src/errors';
import { describePostgres, superuserQuery } from './postgres-support';
import { MASTER } from './hsm-support';
import {
  type Answer, type VendRequest, freshModule, readSales, readToken, requireBuild, runNode, sha256Hex, startNode, waitForAnswers,
} from './multinode-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LANES = 4;
const MIN_KILLS = 100;
const STREAM = 60; // requests a node is given before it is killed (it answers only some of them)

/** The database state after the runs, checked against everything the client received. */
async function checkRecorded(store: HsmStore, pans: readonly string[], sentIds: ReadonlySet<string>, received: readonly Answer[]) {
  const db = await readSales(store, pans);
  const issued = db.audit.filter((r) => r.kind === 'vend' && r.outcome === 'issued');
  const issuedById = new Map<string, typeof issued>();
  for (const r of issued) issuedById.set(r.transactionId, [...(issuedById.get(r.transactionId) ?? []), r]);
  const rows = new Set(db.transactions.map((t) => t.id));
  // No half sale: a transaction row has exactly one issued record, an issued record has its row.
  expect(db.transactions.length).toBe(rows.size);
  for (const id of rows) expect(issuedById.get(id)?.length, `issued records of ${id}`).toBe(1);
  for (const id of issuedById.keys()) expect(rows.has(id), `transaction row of ${id}`).toBe(true);
  // Nothing sold that no client asked for.
  for (const id of rows) expect(sentIds.has(id)).toBe(true);
  // Every token a client received: recorded under its id, with its hash, and decrypting to its TID.
  const tokenOf = new Map<string, string>();
  for (const a of received) {
    expect(a.error, `${a.transactionId}: ${a.message}`).toBeUndefined();
    const r = issuedById.get(a.transactionId)?.[0];
    expect(r, `audit record of received ${a.transactionId}`).toBeDefined();
    expect(rows.has(a.transactionId)).toBe(true);
    expect([r!.tokenHash, r!.tid, r!.pan]).toEqual([sha256Hex(a.token!), a.tid, a.pan]);
    expect(readToken(a.pan, a.token!).tid).toBe(a.tid);
    expect(tokenOf.get(a.transactionId) ?? a.token).toBe(a.token); // a reissue is the same token
    tokenOf.set(a.transactionId, a.token!);
  }
  // TIDs unique per meter; the meter's lastTid is its largest.
  for (const pan of pans) {
    const tids = issued.filter((r) => r.pan === pan).map((r) => r.tid!);
    expect(new Set(tids).size).toBe(tids.length);
    if (tids.length > 0) expect(db.meters.get(pan)).toBe(Math.max(...tids));
  }
  return { db, issued, rows };
}

describePostgres('vending nodes killed mid-vend on one PostgreSQL database', import.meta.url, (ctx) => {
  const opened: HsmStore[] = [];
  beforeAll(requireBuild);
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it(`${LANES} nodes side by side, killed with SIGKILL mid-vend ${MIN_KILLS}+ times and restarted: every received token recorded, no half sale, TIDs unique, log verifies`, async () => {
    const m = await freshModule(ctx().url, 'kill9', 4);
    opened.push(m.store);
    const received: Answer[] = [];
    const sentIds = new Set<string>();
    let kills = 0;
    let attempts = 0;
    let nextId = 0;
    const newRequest = (lane: number): VendRequest => {
      const k = nextId++;
      const r = { pan: m.pans[k % 4]!, transactionId: `k-${lane}-${k}`, litres: 100 * (1 + (k % 50)) };
      sentIds.add(r.transactionId);
      return r;
    };
    const lane = async (i: number): Promise<VendRequest[]> => {
      let pending: VendRequest[] = [];
      while (kills < MIN_KILLS && attempts < MIN_KILLS * 2) {
        attempts++;
        const batch = [...pending];
        while (batch.length < STREAM) batch.push(newRequest(i));
        const node = startNode(ctx().url, 'kill9', `lane-${i}`);
        await node.ready;
        node.send(batch);
        await waitForAnswers(node, 1 + Math.floor(Math.random() * 3)); // it is selling
        await sleep(Math.random() * 25);
        node.child.kill('SIGKILL');
        const end = await node.exited;
        expect(end.signal, end.stderr).toBe('SIGKILL');
        received.push(...node.answers);
        const answered = new Set(node.answers.map((a) => a.transactionId));
        pending = batch.filter((r) => !answered.has(r.transactionId));
        if (node.answers.length < batch.length) kills++; // killed with requests unanswered: mid-vend
      }
      return pending;
    };
    const left = await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    // Each till sends what was never answered once more, to a node that is left to finish.
    const finals = await Promise.all(left.map((pending, i) => runNode(ctx().url, 'kill9', `lane-${i}`, pending)));
    const lastAnswers = finals.flat();
    received.push(...lastAnswers);
    expect(new Set(received.map((a) => a.transactionId))).toEqual(sentIds);

    const { db, issued } = await checkRecorded(m.store, m.pans, sentIds, received);
    expect(issued.length).toBe(sentIds.size); // every request sold exactly once
    expect(db.audit.filter((r) => r.outcome === 'refused')).toEqual([]);
    const v = await m.hsm.verifyAudit();
    expect(v).toMatchObject({ ok: true, records: db.audit.length });
    expect(new Set(db.audit.map((r) => r.chain))).toEqual(new Set(['main', ...Array.from({ length: LANES }, (_, i) => `lane-${i}`)]));
    // Sales committed by a node that was killed before it printed them come back as reissues.
    const reissued = received.filter((a) => a.reissued).length;
    console.log(`kill -9: ${kills} kills mid-vend in ${attempts} runs, ${sentIds.size} requests, ${received.length - reissued} answered sales, ${reissued} committed-but-unanswered sales reissued on resend`);
  }, 150_000);

  it('a connection terminated by the server (pg_terminate_backend) at each step of a vend: nothing recorded, STORE; the same transaction id then sells once', async () => {
    const m = await freshModule(ctx().url, 'terminate', 1);
    opened.push(m.store);
    const pan = m.pans[0]!;
    let cutAfter: string | undefined;
    let cuts = 0;
    const terminate = async () => {
      const r = await superuserQuery(ctx().url, `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'hydrosync' AND state = 'idle in transaction'`);
      expect(r.rows[0].n).toBe(1);
      cuts++;
      await sleep(50);
    };
    // The same store, with the connection cut right after the named row method of the sale's transaction.
    const cutting: HsmStore = {
      kind: m.store.kind,
      close: () => m.store.close(),
      transaction: (fn, options) => m.store.transaction((tx) => fn(new Proxy(tx, {
        get(target, prop) {
          const f = Reflect.get(target, prop) as unknown;
          if (typeof f !== 'function') return f;
          return async (...args: unknown[]) => {
            const result = await (f as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            if (prop === cutAfter) {
              cutAfter = undefined;
              await terminate();
            }
            return result;
          };
        },
      }) as StoreTx), options),
    };
    const hsm = await openHsm({ store: cutting, masterKey: MASTER, node: 'cut' });
    const steps = ['getTransaction', 'getMeter', 'getVendingKey', 'updateMeter', 'insertTransaction', 'appendAudit', 'setMeta'];
    for (const [k, step] of steps.entries()) {
      const transactionId = `cut-${k}`;
      const before = await readSales(m.store, [pan]);
      cutAfter = step;
      let error: unknown;
      try {
        await hsm.vend({ operator: 'alice', vendingPoint: 'till-1', transactionId, pan, litres: 500 });
      } catch (e) {
        error = e;
      }
      expect(cutAfter, `the vend reached ${step}`).toBeUndefined();
      expect(error, step).toBeInstanceOf(HydroSyncError);
      expect((error as HydroSyncError).code).toBe('STORE');
      // Nothing of it: no row, no issued record, the meter's TID unchanged.
      const after = await readSales(m.store, [pan]);
      expect(after.transactions).toEqual(before.transactions);
      expect(after.audit.filter((r) => r.outcome === 'issued').length).toBe(before.audit.filter((r) => r.outcome === 'issued').length);
      expect(after.meters.get(pan)).toBe(before.meters.get(pan));
      // The till repeats the request: one sale, complete.
      const sold = await hsm.vend({ operator: 'alice', vendingPoint: 'till-1', transactionId, pan, litres: 500 });
      expect(sold.reissued).toBe(false);
      expect(readToken(pan, sold.tokens[0]!)).toEqual({ tid: sold.tid, kind: 'transferCredit', litres: 500 });
    }
    expect(cuts).toBe(steps.length);
    const sentIds = new Set(steps.map((_, k) => `cut-${k}`));
    const { issued } = await checkRecorded(m.store, [pan], sentIds, []);
    expect(issued.map((r) => r.transactionId).sort()).toEqual([...sentIds].sort());
    expect((await m.hsm.verifyAudit()).ok).toBe(true);
  });

  it('a node process whose connections the server terminates at random moments while it sells: each sale complete or absent, repeats sell once', async () => {
    const m = await freshModule(ctx().url, 'terminate_proc', 2);
    opened.push(m.store);
    const node = startNode(ctx().url, 'terminate_proc', 'cut-node');
    await node.ready;
    let stop = false;
    let terminated = 0;
    const terminator = (async () => {
      for (let i = 0; i < 400 && !stop; i++) {
        await sleep(2 + Math.random() * 15);
        const r = await superuserQuery(ctx().url, `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'hydrosync' AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()`);
        terminated += r.rows[0].n as number;
      }
    })();
    const sentIds = new Set<string>();
    const received: Answer[] = [];
    let storeErrors = 0;
    try {
      for (let k = 0; k < 80; k++) {
        const r: VendRequest = { pan: m.pans[k % 2]!, transactionId: `t-${k}`, litres: 100 * (1 + k) };
        sentIds.add(r.transactionId);
        for (let attempt = 0; ; attempt++) {
          expect(attempt).toBeLessThan(20);
          node.send([r]);
          await waitForAnswers(node, node.answers.length + 1);
          const a = node.answers[node.answers.length - 1]!;
          if (a.error === undefined) {
            received.push(a);
            break;
          }
          expect(a.error, a.message).toBe('STORE'); // the connection was lost: the till repeats the same id
          storeErrors++;
        }
      }
    } finally {
      stop = true;
      await terminator;
      node.send([], true);
    }
    expect((await node.exited).code).toBe(0);
    expect(terminated).toBeGreaterThan(0);
    const { issued } = await checkRecorded(m.store, m.pans, sentIds, received);
    expect(issued.length).toBe(sentIds.size);
    expect((await m.hsm.verifyAudit()).ok).toBe(true);
    const reissued = received.filter((a) => a.reissued).length;
    console.log(`pg_terminate_backend: ${terminated} connections terminated, ${storeErrors} STORE answers, ${reissued} of them had committed (reissued on repeat)`);
  }, 100_000);
});
