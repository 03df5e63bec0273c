#!/usr/bin/env node
// Security module: single vends per second on an on-disk SQLite store, each vend its own
// BEGIN IMMEDIATE transaction (TID allocation, limits, token, registry, sealed reissue record,
// hash-chained audit record). Checks a known answer first. Figures are reported, not asserted.
// Run after a build: npx tsup --silent && node bench/hsm-vend.js [--quick] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToken, describeToken, deriveDecoderKey, luhnCheckDigit, makeMeterPan } from '../dist/index.js';
import { initHsm, openHsm, parseMasterKey } from '../dist/hsm.js';
import { openSqliteStore } from '../dist/node.js';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const SECONDS = quick ? 0.5 : 2;
const MASTER = parseMasterKey('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const VK04 = 'abababababababab949494949494949401234567'; // public STS compliance key: test use only
const METERS = 100;

/** PAN of meter i: IIN 600727, DRN = 10-digit serial + its Luhn digit. */
function makePan(i) {
  const serial = String(i).padStart(10, '0');
  return makeMeterPan('600727', serial + luhnCheckDigit(serial));
}

async function setUp(dir, synchronous) {
  const path = join(dir, `bench-${synchronous}.db`);
  let t = Date.parse('2026-12-01T02:30:00Z');
  const clock = () => new Date(t);
  const store = openSqliteStore(path, { create: true, synchronous });
  await initHsm(store, MASTER, {}, clock());
  const hsm = await openHsm({ store, masterKey: MASTER, clock });
  await hsm.importVendingKey({ id: 'k1', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, { operator: 'bench' });
  const pans = [];
  for (let i = 0; i < METERS; i++) {
    const pan = i === 0 ? '600727000000000009' : makePan(i * 7919);
    pans.push(pan);
    await hsm.addMeter({ pan, customerReference: `C${i}`, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, { operator: 'bench' });
  }
  return { hsm, pans, tick: () => { t += 1000; } };
}

async function knownAnswer(hsm) {
  const issued = await hsm.vend({ operator: 'bench', vendingPoint: 'till-1', pan: '600727000000000009', litres: 2550 });
  const dk = deriveDecoderKey(VK04, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11' });
  const token = decodeToken(issued.tokens[0], dk);
  const meaning = describeToken(token, { baseDate: 2014 }).meaning;
  const ok = token.kind === 'transferCredit' && token.subclass === 1 && meaning.litres === 2600 && token.fields.tid === 6793050
    && issued.tid === 6793050 && meaning.dateTime === '2026-12-01T09:30';
  if (!ok) {
    console.error(`known-answer check failed: ${JSON.stringify({ issued, fields: token.fields, meaning })}`);
    process.exit(1);
  }
}

async function measure(hsm, pans, tick) {
  let best = 0;
  let n = 0;
  for (let round = 0; round < 3; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (let i = 0; i < 200; i++) {
        await hsm.vend({ operator: 'bench', vendingPoint: 'till-1', pan: pans[n++ % pans.length], litres: 1000 });
        if (n % 500 === 0) tick();
      }
      ops += 200;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < SECONDS);
    best = Math.max(best, ops / elapsed);
  }
  return { best, total: n };
}

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-bench-'));
const results = [];
try {
  for (const synchronous of ['NORMAL', 'FULL']) {
    const { hsm, pans, tick } = await setUp(dir, synchronous);
    await knownAnswer(hsm);
    const { best, total } = await measure(hsm, pans, tick);
    const audit = await hsm.verifyAudit();
    if (!audit.ok) { console.error(`audit chain broken after the bench: ${JSON.stringify(audit.firstBad)}`); process.exit(1); }
    await hsm.close();
    const target = synchronous === 'NORMAL' ? 5000 : undefined;
    results.push({ name: `vend on SQLite, synchronous=${synchronous}`, opsPerSec: Math.round(best), target, vends: total });
    if (!json) {
      const t = target ? `  (target ≥ ${target.toLocaleString('en-US')}: ${best >= target ? 'met' : 'NOT met'})` : '';
      console.log(`${`single vend, SQLite WAL, synchronous=${synchronous}`.padEnd(44)} ${Math.round(best).toLocaleString('en-US').padStart(10)} vends/s${t}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (json) console.log(JSON.stringify({ node: process.version, results }, null, 2));
