#!/usr/bin/env node
// Regenerates vectors/hydrosync-reports.json (npm run build first):
//   node vectors/make-report-vectors.mjs > vectors/hydrosync-reports.json
// Written from docs/reports.md alone, independently of src/report: HKDF and HMAC come from
// node:crypto, the byte layout, credit field, digit packing and the class transposition are
// written out here with BigInt. Only two primitives come from the built library, each pinned by
// published vectors of its own: MISTY1 (RFC 2994, vectors/dev-misty1.json) and DKGA04
// (STS 531-1 suites, vectors/dev-keys.json), for the one case given as a key object.
import { createHmac, hkdfSync } from 'node:crypto';
import { createMisty1, keyFromObject, generateToken } from '../dist/index.js';

const hex = (b) => Buffer.from(b).toString('hex');
const PAN_A = '600727000000000009';
const PAN_B = '600727000000000181';
const DK_A = '0123456789abcdeffedcba9876543210';
const DK_A_KRN2 = '00112233445566778899aabbccddeeff';
const DK_DES = '0123456789abcdef';
const K11 = { dkga: '04', vendingKey: 'abababababababab949494949494949401234567', keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: PAN_A, baseDate: 2014, encryptionAlgorithm: '11', keyExpiryNumber: 255 };

function material(dkHex, pan) {
  return Buffer.from(hkdfSync('sha256', Buffer.from(dkHex, 'hex'), Buffer.from('HydroSync report key v1', 'ascii'), Buffer.from(pan, 'ascii'), 48));
}
const flagBits = (f) => (f.valveClosed ? 1 : 0) | (f.lowCredit ? 2 : 0) | (f.tamper ? 4 : 0) | (f.lowBattery ? 8 : 0) | (f.keyChangePending ? 16 : 0);

function frame(dkHex, r) {
  const okm = material(dkHex, r.pan);
  const b = Buffer.alloc(50);
  b[0] = 1;
  b[1] = flagBits(r.flags);
  b.writeBigUInt64BE(BigInt(r.pan), 2);
  b[10] = r.keyRevisionNumber;
  b.writeUInt32BE(r.counter, 11);
  b.writeUInt32BE(r.clockMinutes, 15);
  b.writeUIntBE(r.creditLitres, 19, 6);
  b.writeUIntBE(r.consumedLitres, 25, 6);
  b.writeUIntBE(r.lastTid, 31, 3);
  createHmac('sha256', okm.subarray(0, 32)).update(b.subarray(0, 34)).digest().copy(b, 34, 0, 16);
  return b;
}

function creditField(litres) {
  for (let e = 0; e < 4; e++) {
    const m = Math.floor(litres / 10 ** e);
    if (m < 2 ** 20) return { field: e * 2 ** 20 + m, litres: m * 10 ** e, step: 10 ** e };
  }
  return { field: 3 * 2 ** 20 + 2 ** 20 - 1, litres: (2 ** 20 - 1) * 1000, step: 1000 };
}

function tag27(macKey, pan, krn, counter, credit, flags) {
  const m = Buffer.alloc(18);
  m[0] = 0xc1;
  m.writeBigUInt64BE(BigInt(pan), 1);
  m[9] = krn;
  m.writeUInt32BE(counter, 10);
  m.writeUIntBE(credit, 14, 3);
  m[17] = flags;
  return createHmac('sha256', macKey).update(m).digest().readUInt32BE(0) >>> 5;
}

/** T66 from the 64-bit block and the class (IEC 62055-41 §1.3), as 20 digits. */
function transpose(e, cls) {
  const b28 = (e >> 27n) & 3n;
  const t = (e & ~(3n << 27n)) | (BigInt(cls) << 27n) | (b28 << 64n);
  return t.toString().padStart(20, '0');
}
function untranspose(digits) {
  const t = BigInt(digits);
  const cls = Number((t >> 27n) & 3n);
  const e = (t & ((1n << 64n) - 1n) & ~(3n << 27n)) | ((t >> 64n) << 27n);
  return { cls, e };
}
function misty(keyBytes, e, decrypt) {
  const c = createMisty1(Uint8Array.from(keyBytes));
  const blk = new Uint32Array([Number(e >> 32n), Number(e & 0xffffffffn)]);
  decrypt ? c.decrypt(blk) : c.encrypt(blk);
  return (BigInt(blk[0]) << 32n) | BigInt(blk[1]);
}

function code(dkHex, r) {
  const okm = material(dkHex, r.pan);
  const c = creditField(r.creditLitres);
  const f = flagBits(r.flags);
  const t = tag27(okm.subarray(0, 32), r.pan, r.keyRevisionNumber, r.counter, c.field, f);
  const p = (BigInt(c.field) << 42n) | (BigInt(f) << 37n) | (BigInt(r.counter & 1023) << 27n) | BigInt(t);
  return transpose(misty(okm.subarray(32), p, false), 3);
}

/** What a correct reader says about a code (written from the document's rules). */
function readCode(dkHex, pan, krn, digits, last) {
  if (!/^\d{20}$/.test(digits) || BigInt(digits) >= 1n << 66n) return { error: 'FORMAT' };
  const { cls, e } = untranspose(digits);
  if (cls !== 3) return { error: 'FUNCTION' };
  const okm = material(dkHex, pan);
  const p = misty(okm.subarray(32), e, true);
  const credit = Number(p >> 42n);
  const flags = Number((p >> 37n) & 31n);
  const low = Number((p >> 27n) & 1023n);
  const tag = Number(p & 0x7ffffffn);
  const ahead = last + 1 + ((((low - (last + 1)) % 1024) + 1024) % 1024);
  for (const counter of [ahead, ahead - 1024]) {
    if (counter < 1 || counter > 0xffffffff) continue;
    if (tag27(okm.subarray(0, 32), pan, krn, counter, credit, flags) === tag) {
      if (counter <= last) return { error: counter === last ? 'USED' : 'OLD' };
      const step = 10 ** (credit >> 20);
      return { counter, creditLitres: (credit & 0xfffff) * step, creditStepLitres: step, flags: flags };
    }
  }
  return { error: 'MAC' };
}
const flagsObj = (b) => ({ valveClosed: !!(b & 1), lowCredit: !!(b & 2), tamper: !!(b & 4), lowBattery: !!(b & 8), keyChangePending: !!(b & 16) });

const NO_FLAGS = { valveClosed: false, lowCredit: false, tamper: false, lowBattery: false, keyChangePending: false };
const R1 = { pan: PAN_A, keyRevisionNumber: 1, counter: 1, clockMinutes: 6_845_130, creditLitres: 12_345, consumedLitres: 87_655, lastTid: 6_844_000, flags: NO_FLAGS };
const reports = [
  ['worked-example', 'the worked example of docs/reports.md', DK_A, R1],
  ['all-flags', 'every flag set, zero credit', DK_A, { ...R1, counter: 2, creditLitres: 0, flags: { valveClosed: true, lowCredit: true, tamper: true, lowBattery: true, keyChangePending: true } }],
  ['credit-exact-max', 'largest credit the code carries exactly (2^20 − 1 L)', DK_A, { ...R1, counter: 1023, creditLitres: 1_048_575 }],
  ['credit-10-litre-steps', 'credit 1,048,576 L: code rounds down to 10 L steps', DK_A, { ...R1, counter: 1024, creditLitres: 1_048_579 }],
  ['credit-100-litre-steps', 'credit 99,999,999 L (near the register cap): 100 L steps', DK_A, { ...R1, counter: 1025, creditLitres: 99_999_999, flags: { ...NO_FLAGS, tamper: true } }],
  ['credit-saturates', 'credit above 1,048,575,000 L: the code saturates; the frame carries it exactly', DK_A, { ...R1, counter: 5000, creditLitres: 2 ** 48 - 1, consumedLitres: 2 ** 48 - 1 }],
  ['counter-max', 'counter 2^32 − 1, clock 2^32 − 1, TID 2^24 − 1', DK_A, { ...R1, counter: 0xffffffff, clockMinutes: 0xffffffff, lastTid: 0xffffff }],
  ['des-decoder-key', 'an 8-byte (DES, EA09) decoder key', DK_DES, { ...R1, counter: 7, flags: { ...NO_FLAGS, lowBattery: true } }],
  ['key-revision-2', 'key revision 2 after a key change', DK_A_KRN2, { ...R1, keyRevisionNumber: 2, counter: 40 }],
];

const cases = [];
const keyOf = (dk, pan, krn) => ({ decoderKey: dk, pan, keyRevisionNumber: krn });
for (const [id, description, dk, r] of reports) {
  cases.push({ id: `report-${id}`, kind: 'report', description, key: keyOf(dk, r.pan, r.keyRevisionNumber), report: r,
    expected: { reportKey: hex(material(dk, r.pan)), frame: hex(frame(dk, r)), code: code(dk, r) } });
}
// A key object: the decoder key comes from DKGA04 (pinned by vectors/dev-keys.json).
const dk11 = keyFromObject(K11).exportHex();
cases.push({ id: 'report-key-object', kind: 'report', description: 'key given as a DKGA04 key object (vending key)', key: K11,
  report: { ...R1, counter: 3 }, expected: { reportKey: hex(material(dk11, PAN_A)), frame: hex(frame(dk11, { ...R1, counter: 3 })), code: code(dk11, { ...R1, counter: 3 }) } });

// Frame checks.
const f1 = frame(DK_A, { ...R1, counter: 100 });
const kA = keyOf(DK_A, PAN_A, 1);
const fcase = (id, description, f, extra, expected, key = kA) => cases.push({ id: `frame-${id}`, kind: 'report', description, key, frame: hex(f), ...extra, expected });
const R100 = { ...R1, counter: 100 };
fcase('fresh', 'a fresh frame is accepted', f1, { state: { last: 99, seen: 0 } }, { report: R100 });
fcase('first', 'the first frame from a meter', f1, {}, { report: R100 });
const flip = (b, byte, bit) => { const c = Buffer.from(b); c[byte] ^= 1 << bit; return c; };
fcase('flip-version', 'bit flipped in the version byte', flip(f1, 0, 1), {}, { error: 'FORMAT' });
fcase('flip-reserved-flag', 'a reserved flag bit set', flip(f1, 1, 7), {}, { error: 'FORMAT' });
fcase('flip-flag', 'tamper flag bit flipped', flip(f1, 1, 2), {}, { error: 'MAC' });
fcase('flip-pan', 'lowest PAN bit flipped (check digit fails)', flip(f1, 9, 0), {}, { error: 'FORMAT' });
fcase('flip-krn', 'key revision bit flipped (1 → 3)', flip(f1, 10, 1), {}, { error: 'KEY' });
fcase('flip-counter', 'counter bit flipped', flip(f1, 14, 0), {}, { error: 'MAC' });
fcase('flip-credit', 'credit bit flipped', flip(f1, 24, 3), {}, { error: 'MAC' });
fcase('flip-tag', 'tag bit flipped', flip(f1, 49, 7), {}, { error: 'MAC' });
fcase('truncated', 'the last byte missing', f1.subarray(0, 49), {}, { error: 'FORMAT' });
fcase('extended', 'one byte too many', Buffer.concat([f1, Buffer.from([0])]), {}, { error: 'FORMAT' });
fcase('another-meter', 'a frame from another meter', frame(DK_A, { ...R100, pan: PAN_B }), {}, { error: 'KEY' });
fcase('wrong-key', 'a frame with the right PAN made under another decoder key', frame(DK_A_KRN2, R100), {}, { error: 'MAC' });
fcase('old-key-revision', 'a frame made under key revision 1 after the change to revision 2', f1, {}, { error: 'KEY' }, keyOf(DK_A_KRN2, PAN_A, 2));
fcase('replay', 'the same frame again', f1, { state: { last: 100, seen: 0 } }, { error: 'USED' });
fcase('replay-in-window', 'a frame accepted out of order, sent again', f1, { state: { last: 103, seen: 4 } }, { error: 'USED' });
fcase('out-of-order', 'three newer frames arrived first: within the window of 32', f1, { state: { last: 103, seen: 3 } }, { report: R100 });
fcase('window-edge', 'exactly 32 behind: still in the window', f1, { state: { last: 132, seen: 0 } }, { report: R100 });
fcase('old', '33 behind: older than the window', f1, { state: { last: 133, seen: 0 } }, { error: 'OLD' });
fcase('counter-jump', 'a counter far ahead is authentic and accepted (frames carry the full counter)', f1, { state: { last: 1, seen: 0 } }, { report: R100 });
fcase('random-bytes', '50 random bytes that happen to start with version 1', Buffer.from('01' + 'a5'.repeat(49).replace(/^a5/, '00'), 'hex'), {}, { error: 'FORMAT' });
fcase('empty', 'no bytes', Buffer.alloc(0), {}, { error: 'FORMAT' });

// Code checks: expected results computed by the reader written above from the document.
const c100 = code(DK_A, R100);
const ccase = (id, description, digits, last, key = kA, dk = DK_A) => {
  const want = readCode(dk, key.pan, key.keyRevisionNumber, digits.replace(/[ -]/g, ''), last);
  const expected = want.error ? want : { ...want, flags: flagsObj(want.flags) };
  cases.push({ id: `code-${id}`, kind: 'report', description, key, code: digits, lastCounter: last, expected });
};
ccase('fresh', 'a fresh code', c100, 99);
ccase('first', 'the first code from a meter', c100, 0);
ccase('grouped', 'grouped in fours with spaces', c100.replace(/(\d{4})(?!$)/g, '$1 '), 99);
ccase('jump-1023', 'the meter made 1023 reports since the last accepted', code(DK_A, { ...R1, counter: 1123 }), 100);
ccase('jump-1025', 'more than 1024 reports since the last accepted: cannot be rebuilt', code(DK_A, { ...R1, counter: 1125 }), 100);
ccase('replay', 'the same code again', c100, 100);
ccase('stale', 'a code older than the last accepted', c100, 105);
for (let i = 0; i < 20; i += 4) {
  const d = c100.split('');
  d[i] = String((Number(d[i]) + 1 + i) % 10 === Number(d[i]) ? (Number(d[i]) + 1) % 10 : (Number(d[i]) + 1 + i) % 10);
  ccase(`mistype-${i + 1}`, `digit ${i + 1} mistyped`, d.join(''), 99);
}
for (const i of [0, 9, 18]) {
  const d = c100.split('');
  if (d[i] === d[i + 1]) continue;
  [d[i], d[i + 1]] = [d[i + 1], d[i]];
  ccase(`swap-${i + 1}-${i + 2}`, `digits ${i + 1} and ${i + 2} swapped`, d.join(''), 99);
}
ccase('another-meter', 'a code from another meter (same decoder key bits, other PAN)', code(DK_A, { ...R100, pan: PAN_B }), 99);
ccase('old-key', 'a code made under the old key after a key change', c100, 99, keyOf(DK_A_KRN2, PAN_A, 2), DK_A_KRN2);
ccase('token', 'a credit token typed in as a report code', generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 6844000, amount: 100 } }, keyFromObject(K11)), 0);
cases.push({ id: 'code-above-max', kind: 'report', description: 'above 2^66 − 1', key: kA, code: '73786976294838206464', lastCounter: 0, expected: { error: 'FORMAT' } });
cases.push({ id: 'code-19-digits', kind: 'report', description: 'a digit missing', key: kA, code: c100.slice(0, 19), lastCounter: 0, expected: { error: 'FORMAT' } });
cases.push({ id: 'code-21-digits', kind: 'report', description: 'a digit too many', key: kA, code: `${c100}0`, lastCounter: 0, expected: { error: 'FORMAT' } });

const doc = {
  format: 'hydrosync-vectors/1',
  title: 'HydroSync meter reports: report key (HKDF-SHA-256), 50-byte frame (HMAC-SHA-256/128), 20-digit report code (MISTY1, 27-bit tag), counter rules',
  provenance: 'HydroSync protocol (docs/reports.md). Expected values computed by vectors/make-report-vectors.mjs from the document with node:crypto (HKDF, HMAC) and BigInt, independently of src/report; MISTY1 and DKGA04 from the library, pinned by RFC 2994 and STS 531-1 vectors.',
  cases,
};
process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
