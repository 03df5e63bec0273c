#!/usr/bin/env node
// Security module: single vends per second on an on-disk SQLite store (WAL, synchronous=NORMAL),
// each vend its own BEGIN IMMEDIATE transaction (TID allocation, limits, token, registry, sealed
// reissue record, hash-chained audit record), and the bytes on disk each vend adds, as the
// registry grows: 1,000 / 10,000 / 100,000 / 1,000,000 meters (--quick: up to 100,000). One
// store; meters are added between the measurements (in batches of 50,000 per transaction, rows
// shaped as addMeter makes them); vends go to meters drawn uniformly from the whole registry.
// Also: vends per CPU second of this process (user + system; on a shared machine the wall-clock
// rate falls when other work takes the cores, this one much less). Bytes per vend: growth of the store file plus its WAL, each measured after a TRUNCATE
// checkpoint, over the measured vends. Checks a known answer first and the audit chain at the end.
// Figures are reported, not asserted.
// Run after a build: npx tsup --silent && node bench/hsm-vend.js [--quick] [--json] [--sizes=1000,10000]
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToken, describeToken, deriveDecoderKey, luhnCheckDigit, makeMeterPan } from '../dist/index.js';
import { initHsm, openHsm, parseMasterKey } from '../dist/hsm.js';
import { openSqliteStore } from '../dist/node.js';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const SECONDS = quick ? 0.5 : 2;
const sizesArg = process.argv.find((a) => a.startsWith('--sizes='));
const SIZES = sizesArg ? sizesArg.slice(8).split(',').map(Number) : quick ? [1000, 10000, 100000] : [1000, 10000, 100000, 1000000];
if (!SIZES.every((n) => Number.isSafeInteger(n) && n >= 1)) {
  console.error(`bench/hsm-vend.js: --sizes takes registry sizes as whole numbers ≥ 1, e.g. --sizes=1000,10000; got ${sizesArg}`);
  process.exit(2);
}
const BATCH = 50000;
const TARGET_RATE = 5000;
const TARGET_BYTES = 400;
const MASTER = parseMasterKey('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const VK04 = 'abababababababab949494949494949401234567'; // public STS compliance key: test use only
const KNOWN_PAN = '600727000000000009';
const Database = createRequire(import.meta.url)('better-sqlite3');

/** PAN of meter i (i ≥ 1): IIN 600727, DRN = 10-digit serial + its Luhn digit. */
function makePan(i) {
  const serial = String(i).padStart(10, '0');
  return makeMeterPan('600727', serial + luhnCheckDigit(serial));
}

/** Bytes of the store and its WAL after a TRUNCATE checkpoint (from a second connection; the store is idle). */
function bytesOnDisk(path) {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const wal = `${path}-wal`;
  return statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
}

async function setUp(path) {
  let t = Date.parse('2026-12-01T02:30:00Z');
  const clock = () => new Date(t);
  const store = openSqliteStore(path, { create: true });
  await initHsm(store, MASTER, {}, clock());
  const hsm = await openHsm({ store, masterKey: MASTER, clock });
  await hsm.importVendingKey({ id: 'k1', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, { operator: 'bench' });
  await hsm.addMeter({ pan: KNOWN_PAN, customerReference: 'C0', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, { operator: 'bench' });
  const model = await store.transaction((tx) => tx.getMeter(KNOWN_PAN), { readOnly: true });
  return { store, hsm, model, pans: [KNOWN_PAN], tick: () => { t += 1000; } };
}

/** Register meters up to n in all, in batches of BATCH per transaction, each row as addMeter makes it. */
async function growRegistry(store, model, pans, n) {
  while (pans.length < n) {
    const end = Math.min(n, pans.length + BATCH);
    const added = [];
    for (let i = pans.length; i < end; i++) added.push(makePan(i * 7919));
    await store.transaction(async (tx) => {
      for (let i = 0; i < added.length; i++) {
        await tx.insertMeter({ ...model, pan: added[i], customerReference: `C${pans.length + i}` });
      }
    });
    pans.push(...added);
  }
}

async function knownAnswer(hsm) {
  const issued = await hsm.vend({ operator: 'bench', vendingPoint: 'till-1', pan: KNOWN_PAN, litres: 2550 });
  const dk = deriveDecoderKey(VK04, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: KNOWN_PAN, baseDate: 2014, encryptionAlgorithm: '11' });
  const token = decodeToken(issued.tokens[0], dk);
  const meaning = describeToken(token, { baseDate: 2014 }).meaning;
  const again = await hsm.vend({ operator: 'bench', vendingPoint: 'till-1', pan: KNOWN_PAN, litres: 2550, transactionId: issued.transactionId });
  const ok = token.kind === 'transferCredit' && token.subclass === 1 && meaning.litres === 2600 && token.fields.tid === 6793050
    && issued.tid === 6793050 && meaning.dateTime === '2026-12-01T09:30'
    && JSON.stringify({ ...again, reissued: false }) === JSON.stringify(issued) && again.reissued === true;
  if (!ok) {
    console.error(`known-answer check failed: ${JSON.stringify({ issued, again, fields: token.fields, meaning })}`);
    process.exit(1);
  }
}

/** Best of 3 rounds of SECONDS each; meters drawn uniformly from the registry (a fixed LCG). */
async function measure(hsm, pans, tick) {
  let best = 0;
  let vends = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  let x = 12345;
  for (let round = 0; round < 3; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (let i = 0; i < 200; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        await hsm.vend({ operator: 'bench', vendingPoint: 'till-1', pan: pans[x % pans.length], litres: 1000 });
        if (++vends % 500 === 0) tick();
      }
      ops += 200;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < SECONDS);
    best = Math.max(best, ops / elapsed);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { best, vends, perCpuSecond: vends / cpuSeconds, cpuShare: cpuSeconds / (Number(process.hrtime.bigint() - wall0) / 1e9) };
}

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-bench-'));
const results = [];
try {
  const path = join(dir, 'bench.hsm');
  const { store, hsm, model, pans, tick } = await setUp(path);
  await knownAnswer(hsm);
  for (const n of SIZES) {
    const t0 = process.hrtime.bigint();
    await growRegistry(store, model, pans, n);
    const registerSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const before = bytesOnDisk(path);
    const { best, vends, perCpuSecond, cpuShare } = await measure(hsm, pans, tick);
    const bytesPerVend = Math.round((bytesOnDisk(path) - before) / vends);
    results.push({ name: `vend on SQLite, synchronous=NORMAL, ${n} meters`, meters: n, opsPerSec: Math.round(best), perCpuSecond: Math.round(perCpuSecond), cpuShare: Math.round(cpuShare * 100) / 100, target: TARGET_RATE, vends, bytesPerVend, bytesTarget: TARGET_BYTES, registerSeconds: Math.round(registerSeconds * 10) / 10 });
    if (!json) {
      const met = (ok) => (ok ? 'met' : 'NOT met');
      console.log(`single vend, SQLite WAL, NORMAL, ${n.toLocaleString('en-US').padStart(9)} meters ${Math.round(best).toLocaleString('en-US').padStart(7)} vends/s (≥ ${TARGET_RATE.toLocaleString('en-US')}: ${met(best >= TARGET_RATE)}; ${Math.round(perCpuSecond).toLocaleString('en-US')} per CPU second, CPU ${Math.round(cpuShare * 100)} % of wall)  ${String(bytesPerVend).padStart(5)} bytes/vend (≤ ${TARGET_BYTES}: ${met(bytesPerVend <= TARGET_BYTES)})`);
    }
  }
  const audit = await hsm.verifyAudit();
  if (!audit.ok) { console.error(`audit chain broken after the bench: ${JSON.stringify(audit.firstBad)}`); process.exit(1); }
  await hsm.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (json) console.log(JSON.stringify({ node: process.version, results }, null, 2));
