#!/usr/bin/env node
// HydroSync benchmarks (issue #2 §9). Each bench first checks a known answer, then times the
// operation on one core. Figures are reported, not asserted. Run: npm run bench [-- --quick]
import {
  DecoderKey, VendingKey, decodeToken, deriveDecoderKey, dkga02, dkga04, generateToken, bytesToHex,
} from '../dist/index.js';
import { Meter } from '../dist/meter.js';
import { MeterStateFile } from '../dist/node.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 0.3 : 1.5;

function assertEqual(what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    console.error(`known-answer check failed for ${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    process.exit(1);
  }
}

/** Run fn(i) in batches until SECONDS have passed; best of 3 rounds, in operations per second. */
function measure(fn, batch = 10000) {
  let best = 0;
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (let i = 0; i < batch; i++) sink += fn(i);
      ops += batch;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < SECONDS);
    best = Math.max(best, ops / elapsed);
  }
  if (sink === 0.5) console.log('');
  return best;
}

const VK04 = 'abababababababab949494949494949401234567';
const C11 = { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11' };
const results = [];
const report = (name, opsPerSec, target) => {
  results.push({ name, opsPerSec: Math.round(opsPerSec), target });
  const t = target ? `  (target ≥ ${target.toLocaleString('en-US')}: ${opsPerSec >= target ? 'met' : 'NOT met'})` : '';
  console.log(`${name.padEnd(52)} ${Math.round(opsPerSec).toLocaleString('en-US').padStart(12)} ops/s${t}`);
};

// --- decode EA11 ---
{
  const key = deriveDecoderKey(VK04, C11);
  assertEqual('EA11 decode (C11 CTSA01-1)', decodeToken('58625789986991357486', key).fields, { rnd: 5, tid: 85740, amount: 1 });
  const tokens = [];
  for (let i = 0; i < 1024; i++) tokens.push(generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: i & 15, tid: 100000 + i * 2, amount: i } }, key));
  report('decode EA11 (20 digits → verified fields)', measure((i) => decodeToken(tokens[i & 1023], key).fields.amount), 2_000_000);
}
// --- decode EA07 (sample tables) ---
{
  const key = DecoderKey.fromHex('e653341f9d5bf36f', { encryptionAlgorithm: '07', baseDate: 1993 });
  assertEqual('EA07 decode (tok-018-sample)', decodeToken('49557971313645619756', key).fields, { rnd: 5, tid: 5867275, amount: 1 });
  const tokens = [];
  for (let i = 0; i < 1024; i++) tokens.push(generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: i & 15, tid: 100000 + i * 2, amount: i } }, key));
  report('decode EA07 (20 digits → verified fields)', measure((i) => decodeToken(tokens[i & 1023], key).fields.amount), 2_000_000);
}
// --- generate ---
{
  const key = deriveDecoderKey(VK04, C11);
  assertEqual('EA11 generate (C11 CTSA01-1)', generateToken({ kind: 'transferCredit', subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } }, key), '58625789986991357486');
  report('generate EA11 (fields → 20 digits)', measure((i) => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 100000 + ((i & 0x7fff) << 1), amount: i & 0x3fff } }, key).length));
  const sta = DecoderKey.fromHex('e653341f9d5bf36f', { encryptionAlgorithm: '07', baseDate: 1993 });
  assertEqual('EA07 generate (tok-018-sample)', generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 5867275, amount: 1 } }, sta), '49557971313645619756');
  report('generate EA07 (fields → 20 digits)', measure((i) => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 100000 + ((i & 0x7fff) << 1), amount: i & 0x3fff } }, sta).length));
}
// --- DKGA02 ---
{
  const vk = VendingKey.fromHex('abababababababab');
  const p = { keyType: 2, supplyGroupCode: '123456', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 1993, encryptionAlgorithm: '07' };
  assertEqual('DKGA02 (N02)', bytesToHex(dkga02(vk, p)), 'e653341f9d5bf36f');
  const pans = ['600727000000000009', '000001000000000082', '600727111111111153'];
  report('DKGA02 (VK prepared, new PAN each time)', measure((i) => dkga02(vk, { ...p, pan: pans[i % 3] })[0], 2000));
}
// --- DKGA04 ---
{
  const vk = VendingKey.fromHex(VK04);
  assertEqual('DKGA04 (C11)', bytesToHex(dkga04(vk, C11)), '929bd3a415c9420a05ec5ee9f3ce91c3');
  const pans = ['600727000000000009', '000001000000000082', '600727111111111153'];
  report('DKGA04 (VK prepared, new PAN each time)', measure((i) => dkga04(vk, { ...C11, pan: pans[i % 3] })[0], 2000), 200_000);
}

// --- meter enter (in memory): decode, every check, state update ---
{
  const key = deriveDecoderKey(VK04, C11);
  const pan = C11.pan;
  const fresh = () => new Meter({ profile: { pan, lockout: null, creditCapLitres: Number.MAX_SAFE_INTEGER }, key, initialTid: 1000 });
  const check = fresh();
  assertEqual('meter enter (C11 CTSA01-1: TID 85740, 0.1 m³)', check.enter('58625789986991357486', 0).result, 'FUNCTION'); // subclass 0 = electricity: not on a water meter
  const water = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 85740, amount: 10 } }, key);
  assertEqual('meter enter: 1 m³ accepted', [check.enter(water, 0).result, check.creditLitres], ['ACCEPT', 1000]);
  assertEqual('meter enter: replay is Used', check.enter(water, 1).result, 'USED');
  const n = quick ? 1 << 17 : 1 << 20;
  const tokens = new Array(n);
  for (let i = 0; i < n; i++) tokens[i] = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: i & 15, tid: 2000 + 2 * i, amount: 1 + (i & 255) } }, key);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const m = fresh();
    const start = process.hrtime.bigint();
    let accepted = 0;
    for (let i = 0; i < n; i++) if (m.enter(tokens[i], i).status === 1) accepted++;
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    if (accepted !== n) { console.error(`meter bench: only ${accepted} of ${n} accepted`); process.exit(1); }
    best = Math.max(best, n / elapsed);
  }
  report('meter enter EA11 (in memory, all checks, accepted)', best, 1_000_000);
  const m = fresh();
  for (let i = 0; i < 50; i++) m.enter(tokens[i], i);
  report('meter enter EA11 (replayed token → Used)', measure((i) => m.enter(tokens[i % 50], i).status), 1_000_000);

  // Persisted: each token is one locked, atomic, fsynced update of the state file.
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-bench-'));
  try {
    const file = new MeterStateFile(join(dir, 'meter.json'));
    await file.create(fresh());
    const first = await file.update((meter) => meter.enter(tokens[0], 0).result);
    assertEqual('persisted enter: accepted and on disk', [first.result, file.load().meter.creditLitres], ['ACCEPT', 100 * (1 + 0)]);
    const count = quick ? 200 : 1000;
    const start = process.hrtime.bigint();
    for (let i = 1; i <= count; i++) await file.update((meter) => meter.enter(tokens[i], i));
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    assertEqual('persisted enter: every token on disk', file.load().revision, count + 1);
    report('meter enter EA11, persisted (lock, fsync, rename)', count / elapsed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--json')) console.log(JSON.stringify({ node: process.version, results }, null, 2));
