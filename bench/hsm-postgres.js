#!/usr/bin/env node
// Security module on PostgreSQL: vends per second of one vending node, then of 2 and 4 node
// processes side by side in one run, each selling on meters of its own (one database, each node
// its own pool and audit chain), with p50/p99 latency of a vend. Each node sells one request at a
// time (one till). Starts its own throwaway PostgreSQL cluster (bench/postgres-cluster.js, fsync
// off) and deletes it after. Figures are reported, not asserted; target (issue #9): 2 nodes ≥ 1.6×
// one node. Run after a build: npx tsup --silent && node bench/hsm-postgres.js [--quick] [--json]
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { luhnCheckDigit, makeMeterPan } from '../dist/index.js';
import { initHsm, openHsm, parseMasterKey } from '../dist/hsm.js';
import { openPostgresStore } from '../dist/node.js';

const MASTER_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const VK04 = 'abababababababab949494949494949401234567'; // public STS compliance key: test use only
const METERS_PER_NODE = 8;
const SCHEMA = 'bench';
const args = process.argv.slice(2);

/** PAN of meter i: IIN 600727, DRN = 10-digit serial + its Luhn digit. */
function makePan(i) {
  const serial = String(i).padStart(10, '0');
  return makeMeterPan('600727', serial + luhnCheckDigit(serial));
}
const pansOf = (node) => Array.from({ length: METERS_PER_NODE }, (_, k) => makePan(1000 + node * METERS_PER_NODE + k));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

if (args[0] === '--node') {
  // A node: warm up, say ready, wait for "go", vend for the given seconds, print its figures.
  const [, url, name, index, seconds] = args;
  const store = await openPostgresStore(url, { schema: SCHEMA, maxConnections: 2 });
  const hsm = await openHsm({ store, masterKey: parseMasterKey(MASTER_HEX), node: name });
  const pans = pansOf(Number(index));
  let n = 0;
  const sell = () => hsm.vend({ operator: 'bench', vendingPoint: name, pan: pans[n++ % pans.length], litres: 1000 });
  for (let i = 0; i < 30; i++) await sell();
  process.stdout.write('ready\n');
  await new Promise((r) => createInterface({ input: process.stdin }).once('line', r));
  const latencies = [];
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(Number(seconds) * 1e9));
  let now = start;
  while (now < end) {
    const t0 = now;
    await sell();
    now = process.hrtime.bigint();
    latencies.push(Number(now - t0) / 1e6);
  }
  const elapsed = Number(now - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ vends: latencies.length, elapsed, latencies, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  await store.close();
  process.exit(0);
}

const quick = args.includes('--quick');
const json = args.includes('--json');
const SECONDS = quick ? 1.5 : 4;
const { startCluster } = await import('./postgres-cluster.js');
let cluster;
try {
  cluster = startCluster();
} catch (e) {
  // A benchmark reports; on a machine without the PostgreSQL server it says so loudly and skips.
  console.error(`!!! SKIPPED bench/hsm-postgres.js: ${e.message}`);
  process.exit(0);
}
const script = fileURLToPath(import.meta.url);

/** Run `count` node processes side by side; all start vending at the same moment. */
async function runNodes(url, count, round) {
  const children = Array.from({ length: count }, (_, i) => {
    const child = spawn(process.execPath, [script, '--node', url, `node-${round}-${i}`, String(i), String(SECONDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = [];
    const rl = createInterface({ input: child.stdout });
    let onLine;
    rl.on('line', (l) => { lines.push(l); onLine?.(); });
    const next = async () => { while (lines.length === 0) await new Promise((r) => { onLine = r; }); return lines.shift(); };
    const exited = new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench node exited ${code}`)))));
    return { child, next, exited };
  });
  for (const c of children) if ((await c.next()) !== 'ready') throw new Error('a bench node did not start');
  // While they sell: how often a backend of the bench waits on a lock (another node's row lock).
  const probe = new pg.Client(url);
  await probe.connect();
  let samples = 0;
  let lockWaits = 0;
  let selling = true;
  const sampling = (async () => {
    while (selling) {
      const r = await probe.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'hydrosync' AND wait_event_type = 'Lock'");
      samples++;
      if (r.rows[0].n > 0) lockWaits++;
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  for (const c of children) c.child.stdin.write('go\n');
  const results = [];
  for (const c of children) results.push(JSON.parse(await c.next()));
  selling = false;
  await sampling;
  await probe.end();
  await Promise.all(children.map((c) => c.exited));
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const perSecond = results.reduce((s, r) => s + r.vends / r.elapsed, 0);
  const nodeCpuMsPerVend = results.reduce((s, r) => s + r.cpuMs, 0) / latencies.length;
  return {
    nodes: count, vendsPerSecond: Math.round(perSecond), p50Ms: +quantile(latencies, 0.5).toFixed(2), p99Ms: +quantile(latencies, 0.99).toFixed(2),
    vends: latencies.length, nodeCpuMsPerVend: +nodeCpuMsPerVend.toFixed(2), lockWaitSamples: `${lockWaits}/${samples}`,
  };
}

let rows;
try {
  const url = cluster.url('postgres');
  const store = await openPostgresStore(url, { schema: SCHEMA, maxConnections: 2 });
  const master = parseMasterKey(MASTER_HEX);
  await initHsm(store, master, {});
  const hsm = await openHsm({ store, masterKey: master });
  await hsm.importVendingKey({ id: 'k1', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, { operator: 'bench' });
  for (let node = 0; node < 4; node++) {
    for (const pan of pansOf(node)) await hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, { operator: 'bench' });
  }
  rows = [];
  let round = 0;
  for (const count of [1, 2, 4]) rows.push(await runNodes(url, count, round++));
  const verified = await hsm.verifyAudit();
  if (!verified.ok) throw new Error(`the audit log does not verify after the bench: ${JSON.stringify(verified.firstBad)}`);
  await store.close();
} finally {
  cluster.stop();
}

const one = rows[0].vendsPerSecond;
const two = rows[1].vendsPerSecond;
const summary = { seconds: SECONDS, cores: availableParallelism(), loadAverage1m: +loadavg()[0].toFixed(2), rows, twoNodesOverOne: +(two / one).toFixed(2), target: 1.6, met: two / one >= 1.6 };
if (json) {
  console.log(JSON.stringify(summary));
} else {
  console.log(`Security module on PostgreSQL (throwaway cluster, fsync off), each node one vend at a time on meters of its own, ${SECONDS} s per run:`);
  for (const r of rows) console.log(`  ${r.nodes} node${r.nodes > 1 ? 's' : ' '}: ${String(r.vendsPerSecond).padStart(6)} vends/s in total   p50 ${r.p50Ms} ms   p99 ${r.p99Ms} ms   node CPU ${r.nodeCpuMsPerVend} ms/vend   lock waits seen in ${r.lockWaitSamples} samples`);
  console.log(`  machine: ${summary.cores} cores, 1-minute load average ${summary.loadAverage1m} at the end`);
  console.log(`  2 nodes / 1 node: ${summary.twoNodesOverOne}× (target ≥ 1.6×: ${summary.met ? 'met' : 'not met'})`);
}
