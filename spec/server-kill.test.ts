// The vending server killed with SIGKILL under load, over and over, on one SQLite store (issue #10,
// "Faults"). Each run starts `hydrosync serve` (the built CLI, a real process on a loopback port),
// sends the purchases whose answers the last kill took again (and a few answered ones: a retry after
// a crash returns the same tokens, 200 reissued), puts it under load from four concurrent
// connections with new purchase ids, and kills it at a random moment. After the last run, the
// store holds exactly what the client received: every received token in the audit log under its
// purchase, no TID twice on a meter, `hydrosync hsm audit verify` passes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqliteStore } from '../src/node';
import { MASTER_HEX, tempDir } from './hsm-support';
import { populateModule } from './multinode-support';
import {
  PurchaseClient, type ServerProcess, auditVerifyWithCli, checkStore, createKeyWithCli, requireCli, sleep, startServe,
} from './server-process-support';

const MIN_KILLS = 50;
const MAX_RUNS = 90;
const LANES = 4;

const t = tempDir();
const store = join(t.dir, 'hsm.sqlite');
const masterKeyFile = join(t.dir, 'master.key');
let running: ServerProcess | undefined;

beforeAll(requireCli);
afterAll(() => {
  running?.child.kill('SIGKILL');
  t.cleanup();
});

it(`hydrosync serve killed with SIGKILL under load ${MIN_KILLS}+ times and restarted: lost answers retried return the same tokens, every received token is in the audit log, TIDs unique, the log verifies`, async () => {
  const m = await populateModule(openSqliteStore(store, { create: true }), 4);
  await m.hsm.close();
  writeFileSync(masterKeyFile, `${MASTER_HEX}\n`, { mode: 0o600 });
  const client = new PurchaseClient(createKeyWithCli(store, 'agent', 'kiosk-7'), m.pans, 'kill');
  createKeyWithCli(store, 'admin', 'office');
  const args = ['--store', store, '--master-key-file', masterKeyFile];
  const started = Date.now();
  let kills = 0;
  let killedInFlight = 0;
  for (let run = 0; kills < MIN_KILLS && run < MAX_RUNS; run++) {
    running = await startServe(args, {});
    const s = running;
    await client.retryAfterCrash(s.url, 3);
    let stopped = false;
    const lanes = Array.from({ length: LANES }, () => client.load(s.url, () => stopped));
    await sleep(50 + Math.random() * 250);
    if (client.inFlight > 0) killedInFlight++;
    s.child.kill('SIGKILL');
    const end = await s.exited;
    expect(end.signal, end.stderr).toBe('SIGKILL');
    stopped = true;
    await Promise.all(lanes);
    kills++;
  }
  expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
  expect(killedInFlight, 'kills with purchases in flight').toBeGreaterThanOrEqual(MIN_KILLS * 0.8);

  // The last start: every lost answer fetched again, then every answered purchase retried once more
  // (the same tokens each time), then a graceful stop.
  running = await startServe(args, {});
  const last = running;
  await client.retryAfterCrash(last.url, 0);
  const answered = [...client.answered];
  let next = 0;
  await Promise.all(Array.from({ length: LANES }, async () => {
    while (next < answered.length) expect(await client.buy(last.url, answered[next++]!)).toBe(true);
  }));
  last.child.kill('SIGTERM');
  expect((await last.exited).code).toBe(0);
  running = undefined;

  const reopened = openSqliteStore(store);
  try {
    const { db } = await checkStore(reopened, m.pans, client, 'kiosk-7');
    auditVerifyWithCli(store, masterKeyFile, db.audit.length);
  } finally {
    await reopened.close();
  }
  console.log(`server kill -9: ${kills} kills (${killedInFlight} with purchases in flight) in ${((Date.now() - started) / 1000).toFixed(1)} s, ${client.purchases.size} purchases, ${client.soldBeforeCrash} sold before a crash took the answer, ${client.sameAgain} retries answered with the same tokens`);
}, 900_000);
