#!/usr/bin/env node
// Meter report benchmarks (issue #11): report verification with the key derivation cached and
// uncached, report code encode/decode, and the security module's verifyReport end to end. Each
// bench checks a known answer first (the worked example of docs/reports.md). One core.
// Run: npm run build && node bench/reports.js [--quick]
import { readFileSync } from 'node:fs';
import { deriveDecoderKey, bytesToHex, hexToBytes, Meter, tidFromWallClock } from '../dist/index.js';
import {
  deriveReportKey, encodeReportFrame, verifyReportFrame, reportCode, readReportCode, checkReportCounter, NO_REPORT_YET,
} from '../dist/report.js';
import { MemoryStore, initHsm, openHsm, parseMasterKey } from '../dist/hsm.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 0.3 : 1.5;

function assertEqual(what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    console.error(`known-answer check failed for ${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    process.exit(1);
  }
}

function measure(fn, batch = 1000) {
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
const line = (name, ops) => console.log(`${name.padEnd(60)} ${Math.round(ops).toLocaleString('en-US').padStart(10)} ops/s`);

// Known answer: the worked example (vectors/hydrosync-reports.json, written by an independent generator).
const doc = JSON.parse(readFileSync(new URL('../vectors/hydrosync-reports.json', import.meta.url), 'utf8'));
const ex = doc.cases.find((c) => c.id === 'report-worked-example');
const key = deriveReportKey(hexToBytes(ex.key.decoderKey), ex.key.pan, 1);
assertEqual('worked example frame', bytesToHex(encodeReportFrame(ex.report, key)), ex.expected.frame);
assertEqual('worked example code', reportCode(ex.report, key), ex.expected.code);

const reports = Array.from({ length: 1024 }, (_, i) => ({ ...ex.report, counter: i + 1, creditLitres: 1000 + i * 37 }));
const codes = reports.map((r) => reportCode(r, key));
const frames = reports.map((r) => encodeReportFrame(r, key));
const badCodes = codes.map((c) => c.slice(0, 19) + String((Number(c[19]) + 1) % 10));

line('report code encode (report → 20 digits)', measure((i) => reportCode(reports[i & 1023], key).length));
line('report code decode + verify (20 digits → content)', measure((i) => readReportCode(codes[i & 1023], key, i & 1023).value.counter));
line('report code, one digit mistyped → rejected (MAC/FUNCTION)', measure((i) => (readReportCode(badCodes[i & 1023], key, i & 1023).ok ? 0 : 1)));
line('frame encode (report → 50 bytes, HMAC-SHA-256)', measure((i) => encodeReportFrame(reports[i & 1023], key).length));

// Verification with the report key cached vs derived for every report (vending key → DKGA04 → HKDF).
const VK04 = 'abababababababab949494949494949401234567';
const params = { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11' };
const dk = deriveDecoderKey(VK04, params);
const mkey = deriveReportKey(dk.exportBytes(), params.pan, 1);
const mframes = reports.map((r) => encodeReportFrame(r, mkey));
line('frame verify + counter rule, report key cached', measure((i) => {
  const r = verifyReportFrame(mframes[i & 1023], mkey);
  return checkReportCounter(NO_REPORT_YET, r.value.counter, 32).ok ? 1 : 0;
}));
line('frame verify + counter rule, key derived each time (DKGA04+HKDF)', measure((i) => {
  const k = deriveReportKey(deriveDecoderKey(VK04, params).exportBytes(), params.pan, 1);
  const r = verifyReportFrame(mframes[i & 1023], k);
  return checkReportCounter(NO_REPORT_YET, r.value.counter, 32).ok ? 1 : 0;
}, 200));

// The security module end to end (MemoryStore): verify, counter rule, store, audit (hash chain).
{
  const n = quick ? 2000 : 10000;
  const store = new MemoryStore();
  let t = Date.parse('2026-12-01T02:30:00Z');
  const clock = () => new Date(t);
  const master = parseMasterKey('11'.repeat(32));
  await initHsm(store, master, {}, clock());
  const hsm = await openHsm({ store, masterKey: master, clock });
  await hsm.importVendingKey({ id: 'k1', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, { operator: 'bench' });
  await hsm.addMeter({ pan: params.pan, customerReference: 'B', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, { operator: 'bench' });
  const meter = new Meter({ profile: { pan: params.pan }, key: dk, initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
  const made = Array.from({ length: n }, () => meter.report('2026-12-01T10:00'));
  assertEqual('module accepts the first report', (await hsm.verifyReport({ pan: params.pan, frame: made[0].frame }, { operator: 'bench' })).ok, true);
  for (const [form, pick] of [['frame', (m) => ({ frame: m.frame })], ['code', (m) => ({ code: m.code })]]) {
    const start = process.hrtime.bigint();
    let ok = 0;
    const half = form === 'frame' ? [1, n / 2] : [n / 2, n];
    for (let i = half[0]; i < half[1]; i++) ok += (await hsm.verifyReport({ pan: params.pan, ...pick(made[i]) }, { operator: 'bench' })).ok ? 1 : 0;
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    assertEqual(`module accepted every ${form}`, ok, half[1] - half[0]);
    line(`hsm.verifyReport (${form}; verify, store, audit; MemoryStore)`, (half[1] - half[0]) / secs);
  }
}
