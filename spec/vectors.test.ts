import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { verifyCase, verifyVectors } from '../src/vectors';
import { HydroSyncError } from '../src/errors';
import { DecoderKey } from '../src/keys';
import { oracleToken } from './token-oracle';

// Every vector file shipped in vectors/ (the shared known answers and the project's own cases),
// each case as its own test, through the same verifier that `hydrosync vectors verify` uses.

const dir = new URL('../vectors/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('vector files', () => {
  it('include every shared known-answer file', () => {
    for (const f of ['dev-amount.json', 'dev-crc16.json', 'dev-des.json', 'dev-keys.json', 'dev-misty1.json', 'dev-sta-sample.json', 'dev-tid.json', 'dev-tokens.json']) {
      expect(files).toContain(f);
    }
  });
  for (const file of files) {
    const doc = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { format?: string; provenance?: string; cases: { id: string; kind: string }[] };
    describe(file, () => {
      it('has provenance, the known format and unique case ids', () => {
        expect(doc.provenance?.length ?? 0).toBeGreaterThan(20);
        expect(doc.format).toBe('hydrosync-vectors/1');
        expect(new Set(doc.cases.map((c) => c.id)).size).toBe(doc.cases.length);
      });
      // Each case is verified inside its own test (not while the tests are collected), so a
      // mutation run attributes what each case covers to that case.
      for (const c of doc.cases) {
        it(`${c.id} (${c.kind})`, () => expect(verifyCase(c).message ?? 'ok').toBe('ok'));
      }
    });
  }
});

describe('the verifier itself', () => {
  it('fails a case of an unknown kind (never passes it)', () => {
    const r = verifyCase({ id: 'x', kind: 'meterSequenceV9', expected: 1 });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/unknown case kind/);
  });
  it('fails an unknown kind even when it expects an error', () => {
    expect(verifyCase({ id: 'x', kind: 'nope', expected: { error: 'VECTOR' } }).ok).toBe(false);
  });
  it('rejects an unknown format', () => {
    expect(() => verifyVectors({ format: 'hydrosync-vectors/2', cases: [] })).toThrow(HydroSyncError);
    expect(() => verifyVectors({ cases: [] })).toThrow(/format/);
    expect(() => verifyVectors([])).toThrow(HydroSyncError);
  });
  it('fails a case whose expected value is wrong', () => {
    const r = verifyCase({ id: 'bad', kind: 'crc16', data: '00004a2d900ff2', variant: 'standard', expected: '0ffb' });
    expect(r).toMatchObject({ ok: false });
    expect(r.message).toMatch(/0ffa/);
  });
  it('passes an expected error only with the same code', () => {
    expect(verifyCase({ id: 'e1', kind: 'tid', dateTime: '1992-12-31T23:59', baseDate: 1993, expected: { error: 'TID' } }).ok).toBe(true);
    expect(verifyCase({ id: 'e2', kind: 'tid', dateTime: '1992-12-31T23:59', baseDate: 1993, expected: { error: 'RANGE' } }).ok).toBe(false);
    expect(verifyCase({ id: 'e3', kind: 'tid', dateTime: '2000-01-01T00:00', baseDate: 1993, expected: { error: 'TID' } }).ok).toBe(false);
  });
  it('decode cases compare fields and errors', () => {
    const key = { decoderKey: '929bd3a415c9420a05ec5ee9f3ce91c3' };
    expect(verifyCase({ id: 'd1', kind: 'decode', token: '58625789986991357486', key, encryptionAlgorithm: '11', expected: { class: 0, subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } } }).ok).toBe(true);
    expect(verifyCase({ id: 'd2', kind: 'decode', token: '58625789986991357486', key, encryptionAlgorithm: '11', expected: { class: 0, subclass: 0, fields: { rnd: 5, tid: 85741, amount: 1 } } }).ok).toBe(false);
    expect(verifyCase({ id: 'd3', kind: 'decode', token: '58625789986991357487', key, encryptionAlgorithm: '11', expected: { error: 'CRC' } }).ok).toBe(true);
    // The rejection is compared by code; a different code or an unexpected rejection fails with it named.
    expect(verifyCase({ id: 'd4', kind: 'decode', token: '58625789986991357487', key, encryptionAlgorithm: '11', expected: { error: 'FORMAT' } }))
      .toEqual({ id: 'd4', kind: 'decode', ok: false, message: 'expected error FORMAT, got CRC: CRC check failed: the token was mistyped, or it is for another meter or another key' });
    expect(verifyCase({ id: 'd5', kind: 'decode', token: '5862578998699135748', key, encryptionAlgorithm: '11', expected: { class: 0, subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } } }))
      .toEqual({ id: 'd5', kind: 'decode', ok: false, message: 'FORMAT: token must be exactly 20 digits after removing spaces and dashes; got 19' });
  });
  it('a case that names unloaded STA tables fails with a hint', () => {
    const r = verifyCase({ id: 't', kind: 'cipher', algorithm: 'STA', tables: 'production', key: '0000000000000000', plaintext: '0000000000000000', expected: '0000000000000000' });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/--sta-tables/);
  });
  it('duplicate ids fail', () => {
    const c = { id: 'same', kind: 'crc16', data: '00004a2d900ff2', variant: 'standard', expected: '0ffa' };
    const rep = verifyVectors({ format: 'hydrosync-vectors/1', cases: [c, c] });
    expect(rep.failed).toBe(1);
  });
});

describe('token cases that expect a refusal', () => {
  const key = { dkga: '04', vendingKey: 'abababababababab949494949494949401234567', keyType: 2, supplyGroupCode: '201460', tariffIndex: '01', keyRevisionNumber: 7, pan: '600727111111111153', baseDate: 2014, encryptionAlgorithm: '11', keyExpiryNumber: 85 };
  it('a TID past KEN gives KEY_EXPIRED (like C11 CTSA16 rows 1–3)', () => {
    // 2032-10-27 with base date 2014: TID >> 16 = 151 > 85.
    const c = { id: 'ken', kind: 'token', key, encryptionAlgorithm: '11', class: 0, subclass: 0, fields: { rnd: 5, tid: 151 * 65536, amount: 10 }, expected: { error: 'KEY_EXPIRED' } };
    expect(verifyCase(c)).toEqual({ id: 'ken', kind: 'token', ok: true });
  });
  it('the reserved minute gives TID', () => {
    const c = { id: 'res', kind: 'token', key: { ...key, keyExpiryNumber: 255 }, encryptionAlgorithm: '11', class: 0, subclass: 1, fields: { rnd: 5, tid: 1441, amount: 10 }, expected: { error: 'TID' } };
    expect(verifyCase(c).ok).toBe(true);
  });
});

describe('verifier leniency on input forms (never on expected values)', () => {
  it('exponent notation for currency amounts is expanded exactly', async () => {
    const { expandExponent } = await import('../src/vectors/verify');
    expect(expandExponent('1.82044E+29')).toBe('182044000000000000000000000000');
    expect(expandExponent('-1.82044E+14')).toBe('-182044000000000');
    expect(expandExponent('1.5e-3')).toBe('0.0015');
    expect(expandExponent('12')).toBe('12');
    expect(verifyCase({ id: 'x', kind: 'amount', encoding: 'currency', value: '1.82044E+29', expected: 507904 }).ok).toBe(true);
  });
  it('a token case without fields.tid takes it from dateTime and the key\'s base date', () => {
    const key = { dkga: '04', vendingKey: 'abababababababab949494949494949401234567', keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11', keyExpiryNumber: 255 };
    expect(verifyCase({ id: 'c11', kind: 'token', key, encryptionAlgorithm: '11', class: 0, subclass: 0, fields: { rnd: 5, amount: 1 }, dateTime: '2014-03-01T13:00', expected: '58625789986991357486' })).toEqual({ id: 'c11', kind: 'token', ok: true });
  });
  it('individual key-change tokens with hex key halves round-trip, whatever their low bits', () => {
    const key = { decoderKey: '929bd3a415c9420a05ec5ee9f3ce91c3' };
    const fields = { supplyGroupCodeLow: 0x2f1, newKeyMiddle2: '12300000' };
    // The expected token from the spec oracle: class 2 sub 8 laid out by hand (4-token layout:
    // SGC low 59..48, key bits 47..16), encrypted with that decoder key.
    const cipher = DecoderKey.fromHex(key.decoderKey, { encryptionAlgorithm: '11' }).cipher;
    const token = oracleToken(2, [[8, 60, 4], [0x2f1, 48, 12], [0x12300000, 16, 32]], { cipher });
    // newKeyMiddle2 0x12300000 has bits 35..16 of the block zero: decoding must still use the 4-token layout.
    expect(verifyCase({ id: 'k', kind: 'token', key, encryptionAlgorithm: '11', class: 2, subclass: 8, fields, expected: token })).toEqual({ id: 'k', kind: 'token', ok: true });
    const other = oracleToken(2, [[8, 60, 4], [0x2f0, 48, 12], [0x12300000, 16, 32]], { cipher });
    expect(verifyCase({ id: 'k', kind: 'token', key, encryptionAlgorithm: '11', class: 2, subclass: 8, fields, expected: other }).ok).toBe(false);
  });
  it('crc16 expected may be a number', () => {
    expect(verifyCase({ id: 'n', kind: 'crc16', data: '00004a2d900ff2', variant: 'standard', expected: 0x0ffa }).ok).toBe(true);
  });
});
