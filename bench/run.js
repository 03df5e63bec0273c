#!/usr/bin/env node
// HydroSync benchmarks (issue #2 §9). Each bench first checks a known answer, then times the
// operation on one core. Figures are reported, not asserted. Run: npm run bench [-- --quick] [--cpu]
import {
  DecoderKey, DecodedToken, VendingKey, decodeToken, decodeTokenInto, deriveDecoderKey, dkga02, dkga04, generateToken,
  tryDecodeToken, bytesToHex,
} from '../dist/index.js';
import { Meter } from '../dist/meter.js';
import { MeterStateFile } from '../dist/node.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
// --cpu: rates per second of this process's CPU time (user + system) instead of wall-clock time, for
// a machine shared with other work (on an idle machine the two agree within a few percent).
const cpu = process.argv.includes('--cpu');
const seconds = cpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; } : () => Number(process.hrtime.bigint()) / 1e9;
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
    const start = seconds();
    let elapsed = 0;
    do {
      for (let i = 0; i < batch; i++) sink += fn(i);
      ops += batch;
      elapsed = seconds() - start;
    } while (elapsed < SECONDS);
    best = Math.max(best, ops / elapsed);
  }
  if (sink === 0.5) console.log('');
  return best;
}

/**
 * Heap bytes allocated per call of fn: the median growth of the heap over chunks of calls (a chunk
 * in which the garbage collector ran shrinks the heap and falls out of the median). No --expose-gc needed.
 */
function bytesPerCall(fn, chunk = 500, chunks = 401) {
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += fn(i); // warm up (optimized code)
  const deltas = [];
  for (let c = 0; c < chunks; c++) {
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < chunk; i++) sink += fn(i);
    deltas.push(process.memoryUsage().heapUsed - before);
  }
  if (sink === 0.5) console.log('');
  deltas.sort((a, b) => a - b);
  return Math.max(0, deltas[chunks >> 1] / chunk);
}

const VK04 = 'abababababababab949494949494949401234567';
const C11 = { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11' };
const results = [];
const report = (name, opsPerSec, target) => {
  results.push({ name, opsPerSec: Math.round(opsPerSec), target });
  const t = target ? `  (target ≥ ${target.toLocaleString('en-US')}: ${opsPerSec >= target ? 'met' : 'NOT met'})` : '';
  console.log(`${name.padEnd(52)} ${Math.round(opsPerSec).toLocaleString('en-US').padStart(12)} ops/s${t}`);
};

// --- decode EA11: accepted and rejected, by each of the three decode APIs (issue #14) ---
{
  const key = deriveDecoderKey(VK04, C11);
  const otherMeter = deriveDecoderKey(VK04, { ...C11, pan: '000001000000000082' });
  const published = { kind: 'transferCredit', class: 0, subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } };
  assertEqual('EA11 decode (C11 CTSA01-1)', decodeToken('58625789986991357486', key), published);
  assertEqual('EA11 tryDecodeToken (C11 CTSA01-1)', tryDecodeToken('58625789986991357486', key), { ok: true, token: published });
  const out = new DecodedToken();
  assertEqual('EA11 decodeTokenInto (C11 CTSA01-1)', [decodeTokenInto('58625789986991357486', key, out), out.field('tid'), out.field('amount')], ['OK', 85740, 1]);
  const tokens = [];
  for (let i = 0; i < 1024; i++) tokens.push(generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: i & 15, tid: 100000 + i * 2, amount: i } }, key));
  // A mistyped digit: the first +1..+9 change from position i mod 20 on that the CRC catches (some
  // changes make a class 3 token or go past 2^66 − 1 instead).
  const mistyped = tokens.map((t, i) => {
    for (let p = 0; p < 20; p++) {
      const pos = (i + p) % 20;
      for (let d = 1; d < 10; d++) {
        const s = t.slice(0, pos) + String((Number(t[pos]) + d) % 10) + t.slice(pos + 1);
        const r = tryDecodeToken(s, key);
        if (!r.ok && r.code === 'CRC') return s;
      }
    }
    throw new Error(`no CRC-failing variant of ${t}`);
  });
  // Wrong key: tokens for another meter, decoded with this meter's key (one key object in every row,
  // so no row pays for a call site that has seen two keys).
  const forOtherMeter = tokens.map((t, i) => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: i & 15, tid: 100000 + i * 2, amount: i } }, otherMeter));
  // Bad format: the letter O typed for a digit, at position i mod 20.
  const badFormat = tokens.map((t, i) => t.slice(0, i % 20) + 'O' + t.slice((i % 20) + 1));
  const codeOf = (f) => { try { f(); return 'OK'; } catch (e) { return e.code; } };
  assertEqual('rejections', [codeOf(() => decodeToken(mistyped[7], key)), codeOf(() => decodeToken(forOtherMeter[7], key)), codeOf(() => decodeToken(badFormat[7], key))], ['CRC', 'CRC', 'FORMAT']);
  const inputs = [
    ['accepted', tokens, key],
    ['mistyped digit → CRC', mistyped, key],
    ['wrong key → CRC', forOtherMeter, key],
    ['bad format → FORMAT', badFormat, key],
  ];
  // Each result is kept (stored outside the loop), as real code keeps what it decoded: otherwise
  // the optimizer drops decodeToken's token object altogether in a loop that reads one field.
  let kept;
  const apis = [
    ['decodeToken (throws)', (t, k) => { try { kept = decodeToken(t, k); return kept.fields.amount; } catch (e) { kept = e; return e.code.length; } }],
    ['tryDecodeToken (result)', (t, k) => { const r = (kept = tryDecodeToken(t, k)); return r.ok ? r.token.fields.amount : r.code.length; }],
    ['decodeTokenInto (reused)', (t, k) => { kept = out; return decodeTokenInto(t, k, out) === 'OK' ? out.field('amount') : out.code.length; }],
  ];
  const matrix = [];
  for (const [input, texts, k] of inputs) {
    const row = [input];
    for (const [api, fn] of apis) {
      const rate = measure((i) => fn(texts[i & 1023], k));
      report(`decode EA11 ${input}: ${api}`, rate, input === 'accepted' && api === apis[0][0] ? 2_000_000 : undefined);
      row.push(Math.round(rate));
    }
    matrix.push(row);
  }
  // Heap bytes per decode (results kept, as above).
  const bytes = apis.map(([, fn]) => bytesPerCall((i) => fn(tokens[i & 1023], key)));
  const rejectBytes = apis.map(([, fn]) => bytesPerCall((i) => fn(mistyped[i & 1023], key)));
  if (kept === undefined) console.log('');
  for (let a = 0; a < apis.length; a++) {
    for (const [what, b] of [['accepted', bytes[a]], ['mistyped digit → CRC', rejectBytes[a]]]) {
      const name = `decode EA11 ${what}: ${apis[a][0]}, heap bytes per decode`;
      console.log(`${name.padEnd(52)} ${b.toFixed(1).padStart(12)}`);
      results.push({ name, bytesPerCall: b });
    }
  }
  console.log(`\n| decode EA11, ops/s | ${apis.map(([api]) => api).join(' | ')} |\n|---|${apis.map(() => '---:|').join('')}`);
  for (const [input, ...rates] of matrix) console.log(`| ${input} | ${rates.map((r) => r.toLocaleString('en-US')).join(' | ')} |`);
  console.log(`| heap bytes per decode, accepted | ${bytes.map((b) => Math.round(b)).join(' | ')} |`);
  console.log(`| heap bytes per decode, mistyped digit | ${rejectBytes.map((b) => Math.round(b)).join(' | ')} |\n`);
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
