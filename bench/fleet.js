#!/usr/bin/env node
// Fleet key change benchmark, end to end in the security module: Hsm.keyChangeFleet for a fleet of
// meters (4-token EA11 sets, two DKGA04 derivations each) on an on-disk SQLite store: every check,
// the set, its check on the token layer, and the recording (meter, sealed reissue record, audit
// record; one transaction per chunk). Checks the published C11 CTSA05-1 set through the same path
// first. Figures are reported, not asserted. Run after a build:
//   node bench/fleet.js [--quick] [--json] [--meters N] [--chunk N] [--dist DIR]
// Wall-clock and this process's CPU time are both reported (on a shared machine the CPU figure is
// the steadier one).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const quick = flag('--quick');
const json = flag('--json');
const METERS = Number(value('--meters', quick ? 20_000 : 100_000));
const CHUNK = value('--chunk', undefined);
const ROUNDS = quick ? 1 : 3;
const TARGET = 50_000;
const distDir = value('--dist', undefined);
const dist = distDir ? pathToFileURL(resolve(distDir) + '/') : new URL('../dist/', import.meta.url);

let modules;
try {
  modules = await Promise.all(['index.js', 'hsm.js', 'node.js'].map((f) => import(new URL(f, dist).href)));
} catch {
  console.error(`bench/fleet.js: no build in ${dist.pathname}; build first (npx tsup)`);
  process.exit(2);
}
const [{ decodeKeyChange, deriveDecoderKey, luhnCheckDigit, makeMeterPan }, { initHsm, openHsm, parseMasterKey }, { openSqliteStore }] = modules;

function check(what, ok, detail) {
  if (!ok) {
    console.error(`known-answer check failed: ${what}${detail ? `: ${detail}` : ''}`);
    process.exit(1);
  }
}

const VK_C11 = 'abababababababab949494949494949401234567';
const VK_KRN2 = '0123456789abcdef0123456789abcdef01234567';
const C11_KEY = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, baseDate: 2014, encryptionAlgorithm: '11' };
const C11_PAN = '600727000000000009';
const C11_TOKENS = ['03854447086453451911', '02791799436242461152', '67118070329353977190', '19019128690902932218'];
const master = parseMasterKey('5a'.repeat(32));
const at = () => new Date('2026-12-01T02:00:00Z');
const ctx = { operator: 'bench', vendingPoint: 'fleet' };
const dir = mkdtempSync(join(tmpdir(), 'hydrosync-fleet-bench-'));
const open = (path) => openHsm({ store: openSqliteStore(path), masterKey: master, clock: at });

/** A new store with the C11 key, a KRN 2 key and these meters (rows as addMeter makes them, 50,000 per transaction); returns its path. */
async function build(name, pans) {
  const path = join(dir, `${name}.sqlite`);
  const store = openSqliteStore(path, { create: true });
  await initHsm(store, master, {}, at());
  const hsm = await openHsm({ store, masterKey: master, clock: at });
  const op = { operator: 'bench' };
  const key = { dkga: '04', supplyGroupCode: '201457', vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' };
  await hsm.importVendingKey({ ...key, id: 'c11', keyHex: VK_C11, keyRevisionNumber: 1 }, op);
  await hsm.importVendingKey({ ...key, id: 'krn2', keyHex: VK_KRN2, keyRevisionNumber: 2 }, op);
  await hsm.addMeter({ pan: pans[0], customerReference: 'M0', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, op);
  const model = await store.transaction((tx) => tx.getMeter(pans[0]), { readOnly: true });
  for (let start = 1; start < pans.length; start += 50_000) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(pans.length, start + 50_000); i++) {
        await tx.insertMeter({ ...model, pan: pans[i], customerReference: `M${i}` });
      }
    });
  }
  await hsm.close();
  return path;
}

try {
  // Known answer through the security module: C11 CTSA05-1 (TI 01 → 02 under the same key).
  {
    const hsm = await open(await build('c11', [C11_PAN]));
    const r = await hsm.keyChangeFleet([{ pan: C11_PAN, newTariffIndex: '02', transactionId: 'kat:c11' }], ctx);
    check('C11 CTSA05-1 tokens (security module, end to end)', r.issued === 1 && JSON.stringify(r.outcomes[0].tokens) === JSON.stringify(C11_TOKENS), JSON.stringify(r.outcomes[0]));
    const again = await hsm.keyChange({ ...ctx, pan: C11_PAN, newTariffIndex: '02', transactionId: 'kat:c11' });
    check('C11 CTSA05-1 reissued from the sealed record', again.reissued && JSON.stringify(again.tokens) === JSON.stringify(C11_TOKENS));
    check('C11 CTSA05-1 audit chain and registry', (await hsm.verifyAudit()).ok && (await hsm.getMeter(C11_PAN)).tariffIndex === '02');
    await hsm.close();
  }

  const pans = Array.from({ length: METERS }, (_, i) => {
    const drn = '04' + String(i).padStart(8, '0');
    return makeMeterPan('600727', drn + luhnCheckDigit(drn));
  });
  const base = await build('fleet', pans);
  let best = { wall: Infinity, cpu: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    const path = join(dir, `round${round}.sqlite`);
    copyFileSync(base, path);
    const hsm = await open(path);
    const requests = pans.map((pan, i) => ({ pan, newKeyRevisionNumber: 2, transactionId: `r${round}:${i}` }));
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await hsm.keyChangeFleet(requests, ctx, CHUNK === undefined ? {} : { chunkSize: Number(CHUNK) });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuUsed = process.cpuUsage(cpu0);
    const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
    check('every meter issued', r.issued === METERS && r.refused === 0, `${r.issued} issued, ${r.refused} refused`);
    for (const i of [0, METERS >> 1, METERS - 1]) {
      const pan = pans[i];
      const { newKey } = decodeKeyChange(r.outcomes[i].tokens, deriveDecoderKey(VK_C11, { ...C11_KEY, pan }));
      const want = deriveDecoderKey(VK_KRN2, { ...C11_KEY, keyRevisionNumber: 2, pan });
      check(`meter ${i} decodes to its recorded key`, (await hsm.getMeter(pan)).keyRevisionNumber === 2 && newKey.exportHex() === want.exportHex());
    }
    if (round === 0) check('audit chain verifies', (await hsm.verifyAudit()).ok);
    await hsm.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    best = { wall: Math.min(best.wall, wall), cpu: Math.min(best.cpu, cpu) };
  }
  const rate = Math.round(METERS / best.wall);
  const cpuRate = Math.round(METERS / best.cpu);
  if (json) {
    console.log(JSON.stringify({ node: process.version, meters: METERS, rounds: ROUNDS, metersPerSecond: rate, metersPerCpuSecond: cpuRate, target: TARGET }, null, 2));
  } else {
    console.log(`fleet key change end to end (SQLite on disk): ${METERS.toLocaleString('en-US')} meters, 4-token EA11 sets (DKGA04 ×2), best of ${ROUNDS}`);
    console.log(`  ${rate.toLocaleString('en-US')} meters/s wall clock (${best.wall.toFixed(2)} s), ${cpuRate.toLocaleString('en-US')} meters per CPU second  (target ≥ ${TARGET.toLocaleString('en-US')}: ${rate >= TARGET ? 'met' : 'NOT met'})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
