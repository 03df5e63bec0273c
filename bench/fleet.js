#!/usr/bin/env node
// Fleet key change benchmark (issue #4 §7): 4-token EA11 sets (two DKGA04 derivations each) for a
// 100,000-meter fleet, in this thread and on 2 worker threads. Checks a published known answer
// first. Figures are reported, not asserted. Run after a build:
//   node bench/fleet.js [--quick] [--json] [--meters N] [--workers N] [--dist DIR] [--store [--e2e-workers N]]
// --store adds the end-to-end figure: a temporary SQLite security-module store with N meters,
// then what `hsm keychange --fleet` does apart from reading and writing files: prepare (every
// check, bulk reads), the sets on worker threads each checked on the reference path, and the
// recording (registry, sealed reissue record, audit record) in one transaction per chunk while the
// workers go on. Its known answer (C11 CTSA05-1) goes through the same path first.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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
const store = flag('--store');
// The CLI's default: one core is left to the thread that records.
const E2E_WORKERS = Number(value('--e2e-workers', Math.max(1, availableParallelism() - 1)));
const METERS = Number(value('--meters', quick ? 20_000 : 100_000));
const WORKERS = Number(value('--workers', 2));
const ROUNDS = quick ? 1 : 3;
const TARGET = 50_000;
const distDir = value('--dist', undefined);
const dist = distDir ? pathToFileURL(resolve(distDir) + '/') : new URL('../dist/', import.meta.url);

/** The first of `files` in dist/ that exports `name`. */
async function load(name, files) {
  for (const f of files) {
    let m;
    try {
      m = await import(new URL(f, dist).href);
    } catch {
      continue;
    }
    if (typeof m[name] === 'function') return m[name];
  }
  console.error(`bench/fleet.js: no module in ${dist.pathname} exports ${name} (looked in ${files.join(', ')}); build first (npx tsup)`);
  process.exit(2);
}

const keyChangeBatch = await load('keyChangeBatch', ['hsm.js', 'index.js', 'fleet.js']);
const runFleetKeyChange = await load('runFleetKeyChange', ['node.js']);
const { decodeKeyChange, deriveDecoderKey, hexToBytes, luhnCheckDigit, makeMeterPan } = await import(new URL('index.js', dist).href);

function check(what, ok, detail) {
  if (!ok) {
    console.error(`known-answer check failed: ${what}${detail ? `: ${detail}` : ''}`);
    process.exit(1);
  }
}

// --- known answer: C11 CTSA05-1 (STS 531-1 compliance suite), 4-token set, TI 01 → 02 ---
const VK_C11 = 'abababababababab949494949494949401234567';
const C11_KEY = { dkga: '04', vendingKeyId: 'c11', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, baseDate: 2014, encryptionAlgorithm: '11' };
const C11_ITEM = { pan: '600727000000000009', current: C11_KEY, next: { ...C11_KEY, tariffIndex: '02' }, rollover: false, threeTokenSet: false };
const C11_TOKENS = ['03854447086453451911', '02791799436242461152', '67118070329353977190', '19019128690902932218'];
{
  const keys = new Map([['c11', hexToBytes(VK_C11)]]);
  const [o] = keyChangeBatch([C11_ITEM], keys);
  check('C11 CTSA05-1 tokens (in-thread)', o.ok && JSON.stringify(o.tokens) === JSON.stringify(C11_TOKENS), JSON.stringify(o));
  const current = deriveDecoderKey(VK_C11, { ...C11_KEY, pan: C11_ITEM.pan });
  const { newKey } = decodeKeyChange([...o.tokens].reverse(), current);
  const want = deriveDecoderKey(VK_C11, { ...C11_ITEM.next, pan: C11_ITEM.pan });
  check('C11 CTSA05-1 decodes to the new key', newKey.tariffIndex === '02' && newKey.keyRevisionNumber === 1 && newKey.exportHex() === want.exportHex());
  const [w] = await runFleetKeyChange([C11_ITEM], keys, { workers: 1, inThreadBelow: 0 });
  check('C11 CTSA05-1 tokens (worker thread)', w.ok && JSON.stringify(w.tokens) === JSON.stringify(C11_TOKENS), JSON.stringify(w));
}

// --- the synthetic fleet: two 160-bit vending keys from a fixed pattern, valid Luhn PANs ---
const pattern = (seed, step) => Uint8Array.from({ length: 20 }, (_, i) => (seed + step * i) & 0xff);
const keys = new Map([['sgc201457-krn1', pattern(0x5a, 7)], ['sgc201457-krn2', pattern(0xa5, 13)]]);
const current = { ...C11_KEY, vendingKeyId: 'sgc201457-krn1' };
const next = { ...C11_KEY, vendingKeyId: 'sgc201457-krn2', keyRevisionNumber: 2 };
const items = new Array(METERS);
for (let i = 0; i < METERS; i++) {
  const drn = '04' + String(i).padStart(8, '0');
  // Objects per meter, as a security module building jobs from its records would make them.
  items[i] = { pan: makeMeterPan('600727', drn + luhnCheckDigit(drn)), current: { ...current }, next: { ...next }, rollover: false, threeTokenSet: false };
}

function verify(outcomes, what) {
  check(`${what}: one outcome per meter`, outcomes.length === METERS);
  for (let i = 0; i < METERS; i++) {
    const o = outcomes[i];
    if (!o.ok || o.tokens.length !== 4 || o.pan !== items[i].pan) check(`${what}: meter ${i}`, false, JSON.stringify(o));
  }
  for (const i of [0, 1, METERS >> 1, METERS - 1]) {
    const cur = deriveDecoderKey(keys.get(current.vendingKeyId), { ...current, pan: items[i].pan });
    const want = deriveDecoderKey(keys.get(next.vendingKeyId), { ...next, pan: items[i].pan });
    const { newKey } = decodeKeyChange(outcomes[i].tokens, cur);
    check(`${what}: meter ${i} decodes to KRN 2`, newKey.keyRevisionNumber === 2 && newKey.exportHex() === want.exportHex());
  }
}

async function best(run) {
  let rate = 0;
  let outcomes;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    outcomes = await run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rate = Math.max(rate, METERS / seconds);
  }
  return { rate, outcomes };
}

const results = [];
const report = (name, rate, target) => {
  results.push({ name, metersPerSecond: Math.round(rate), target });
  const t = target ? `  (target ≥ ${target.toLocaleString('en-US')}: ${rate >= target ? 'met' : 'NOT met'})` : '';
  console.log(`${name.padEnd(52)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} meters/s${t}`);
};

if (!json) console.log(`fleet key change: ${METERS.toLocaleString('en-US')} meters, 4-token EA11 sets (DKGA04 ×2), best of ${ROUNDS}`);
{
  const { rate, outcomes } = await best(async () => keyChangeBatch(items, keys));
  verify(outcomes, 'in-thread');
  report('in this thread (keyChangeBatch)', rate);
}
{
  const { rate, outcomes } = await best(() => runFleetKeyChange(items, keys, { workers: WORKERS }));
  verify(outcomes, 'workers');
  report(`${WORKERS} worker threads (runFleetKeyChange, incl. start-up)`, rate, TARGET);
}
if (store) {
  const { initHsm, openHsm, parseMasterKey } = await import(new URL('hsm.js', dist).href);
  const { openSqliteStore } = await import(new URL('node.js', dist).href);
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-fleet-bench-'));
  try {
    const master = parseMasterKey('5a'.repeat(32));
    const at = () => new Date('2026-12-01T02:00:00Z');
    const ctx = { operator: 'bench', vendingPoint: 'fleet' };
    /** A new store with the C11 key, a KRN 2 key and `n` meters (panOf-style PANs); returns its path. */
    const build = (name, n) => {
      const path = join(dir, `${name}.sqlite`);
      initHsm(openSqliteStore(path, { create: true }), master, {}, at());
      const hsm = openHsm({ store: openSqliteStore(path), masterKey: master, clock: at });
      const op = { operator: 'bench' };
      hsm.importVendingKey({ id: 'c11', keyHex: VK_C11, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, op);
      hsm.importVendingKey({ id: 'krn2', keyHex: '0123456789abcdef0123456789abcdef01234567', dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, op);
      const pans = n === 1 ? [C11_ITEM.pan] : items.slice(0, n).map((it) => it.pan);
      for (const [i, pan] of pans.entries()) {
        hsm.addMeter({ pan, customerReference: `M${i}`, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, op);
      }
      hsm.close();
      return { path, pans };
    };
    /** prepare → runFleetKeyChange (verify, chunks recorded as they finish) → the refusals; what the CLI does. */
    const fleetRun = async (path, requests) => {
      const hsm = openHsm({ store: openSqliteStore(path), masterKey: master, clock: at });
      try {
        const started = process.hrtime.bigint();
        const plan = hsm.prepareFleetKeyChange(requests);
        const prepared = process.hrtime.bigint();
        let committed = 0;
        let refused = 0;
        const outcomes = [];
        const record = (chunk) => {
          const r = hsm.commitFleetKeyChange(chunk, ctx);
          committed += r.committed;
          refused += r.refused;
          outcomes.push(...chunk);
        };
        await runFleetKeyChange(plan.items, plan.vendingKeys, { workers: E2E_WORKERS, verify: true, onOutcomes: record });
        if (plan.refused.length > 0) record(plan.refused);
        for (const k of plan.vendingKeys.values()) k.fill(0);
        const done = process.hrtime.bigint();
        return { hsm, outcomes, committed, refused, seconds: Number(done - started) / 1e9, prepareSeconds: Number(prepared - started) / 1e9 };
      } catch (e) {
        hsm.close();
        throw e;
      }
    };
    // Known answer through the security module: C11 CTSA05-1 (TI 01 → 02 under the same key).
    {
      const { path } = build('c11', 1);
      const r = await fleetRun(path, [{ ...ctx, pan: C11_ITEM.pan, newTariffIndex: '02', transactionId: 'kat:c11' }]);
      const o = r.outcomes[0];
      check('C11 CTSA05-1 tokens (security module, end to end)', r.committed === 1 && o.ok && JSON.stringify(o.tokens) === JSON.stringify(C11_TOKENS), JSON.stringify(o));
      const again = r.hsm.keyChange({ ...ctx, pan: C11_ITEM.pan, newTariffIndex: '02', transactionId: 'kat:c11' });
      check('C11 CTSA05-1 reissued from the sealed record', again.reissued && JSON.stringify(again.tokens) === JSON.stringify(C11_TOKENS));
      check('C11 CTSA05-1 audit chain', r.hsm.verifyAudit().ok && r.hsm.getMeter(C11_ITEM.pan).tariffIndex === '02');
      r.hsm.close();
    }
    const base = build('fleet', METERS);
    let rate = 0;
    let phases;
    for (let round = 0; round < ROUNDS; round++) {
      const path = join(dir, `round${round}.sqlite`);
      copyFileSync(base.path, path);
      const r = await fleetRun(path, base.pans.map((pan, i) => ({ ...ctx, pan, newKeyRevisionNumber: 2, transactionId: `r${round}:${i}` })));
      check('end to end: every meter committed', r.committed === METERS && r.refused === 0, `${r.committed} committed, ${r.refused} refused`);
      for (const i of [0, METERS - 1]) {
        const pan = base.pans[i];
        const m = r.hsm.getMeter(pan);
        const o = r.outcomes.find((x) => x.pan === pan);
        const { newKey } = decodeKeyChange(o.tokens, deriveDecoderKey(VK_C11, { ...C11_KEY, pan }));
        check(`end to end: meter ${i} decodes to its recorded key`, m.keyRevisionNumber === 2 && newKey.exportHex() === deriveDecoderKey('0123456789abcdef0123456789abcdef01234567', { ...C11_KEY, keyRevisionNumber: 2, pan }).exportHex());
      }
      if (round === 0) check('end to end: audit chain verifies', r.hsm.verifyAudit().ok);
      r.hsm.close();
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      if (METERS / r.seconds > rate) {
        rate = METERS / r.seconds;
        phases = { prepare: r.prepareSeconds, runAndRecord: r.seconds - r.prepareSeconds };
      }
    }
    report(`end to end with SQLite (${E2E_WORKERS} worker${E2E_WORKERS === 1 ? '' : 's'})`, rate, TARGET);
    results.at(-1).phases = { prepareSeconds: Number(phases.prepare.toFixed(3)), runAndRecordSeconds: Number(phases.runAndRecord.toFixed(3)) };
    if (!json) console.log(`  (best round: prepare ${phases.prepare.toFixed(2)} s, sets + check + record ${phases.runAndRecord.toFixed(2)} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (json) console.log(JSON.stringify({ node: process.version, meters: METERS, workers: WORKERS, ...(store ? { e2eWorkers: E2E_WORKERS } : {}), results }, null, 2));
