import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { type Field, oracleToken } from './token-oracle';

// The fields of an entry result (EntryResult) and of a history record: class, subclass and TID
// wherever they are known, and no field at all (not even an undefined one) where they are not, so
// a reader that lists the fields (JSON, a UI table, `'tid' in r`) sees what happened. Also the
// CRC of a reserved class 0 subclass (8–15: plain CRC, not CRC_C) and a register that reaches
// exactly 2^53 − 1. Tokens built by the spec oracle, expected values worked out by hand.

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
const meter = (profile: Record<string, unknown> = {}) => new Meter({ profile: { pan: PAN, lockout: null, ...profile }, key: KEY, initialTid: 1000 });
/** Class 0 or 2 with a 16-bit field at bits 31..16: sub, rnd, TID, field. */
const tok = (cls: 0 | 2, sub: number, tid: number, field: number, opts: { currency?: boolean } = {}) =>
  oracleToken(cls, [[sub, 60, 4], [1, 56, 4], [tid, 32, 24], [field, 16, 16]], { cipher: KEY.cipher, ...opts });
/** Class 0 sub 4–7: the 20-bit currency field over bits 59..56 and 31..16, CRC_C. */
const currency = (sub: number, tid: number, field20: number) => {
  const fields: Field[] = [[sub, 60, 4], [field20 >>> 16, 56, 4], [tid, 32, 24], [field20 & 0xffff, 16, 16]];
  return oracleToken(0, fields, { cipher: KEY.cipher, currency: true });
};
const fieldsOf = (o: object) => Object.keys(o).sort();

describe('entry result fields', () => {
  it('a malformed entry has no class, subclass or TID field (the class is unknown)', () => {
    const m = meter();
    const r = m.enter('1234 5678', 0);
    expect(r.result).toBe('FORMAT');
    expect(fieldsOf(r)).toEqual(['creditLitres', 'detail', 'message', 'result', 'status']);
  });

  it('a class 0 rejection names class 0, its subclass and its TID', () => {
    const m = meter();
    const t = tok(0, 1, 5000, 2);
    expect(m.enter(t, 0)).toMatchObject({ result: 'ACCEPT', class: 0, subclass: 1, tid: 5000, litres: 200 });
    const used = m.enter(t, 1);
    expect(used).toMatchObject({ result: 'USED', class: 0, subclass: 1, tid: 5000 });
    expect(fieldsOf(used)).toEqual(['class', 'creditLitres', 'detail', 'message', 'result', 'status', 'subclass', 'tid']);
    expect(m.enter(tok(0, 1, 999, 2), 2)).toMatchObject({ result: 'OLD', class: 0, subclass: 1, tid: 999 });
  });

  it('a rejection before the TID is read (CRC) has a class but no subclass or TID field', () => {
    const m = meter();
    const r = m.enter(oracleToken(0, [[1, 60, 4], [1, 56, 4], [5000, 32, 24], [2, 16, 16]], { cipher: KEY.cipher, crcDelta: 1 }), 0);
    expect(r).toMatchObject({ result: 'CRC', class: 0 });
    expect(fieldsOf(r)).toEqual(['class', 'creditLitres', 'detail', 'message', 'result', 'status']);
  });

  it('an accepted token that adds no water has no litres field, in the result and in the history', () => {
    const m = meter({ historyDepth: 5, subclasses: { 0: [1], 2: [0, 5] } });
    const r = m.enter(tok(2, 5, 5000, 0), 10); // ClearTamper
    expect(r).toMatchObject({ result: 'ACCEPT', class: 2, subclass: 5, tid: 5000, creditLitres: 0 });
    expect(fieldsOf(r)).toEqual(['class', 'creditLitres', 'message', 'result', 'status', 'subclass', 'tid']);
    m.enter(tok(2, 5, 5000, 0), 20); // USED
    expect(m.history).toHaveLength(2);
    for (const e of m.history) expect(fieldsOf(e)).toEqual(['at', 'creditLitres', 'event', 'result', 'token']);
    expect(m.history.map((e) => e.result)).toEqual(['ACCEPT', 'USED']);
  });
});

describe('reserved class 0 subclasses (8–15)', () => {
  it('carry the plain CRC (CRC_C is for 4–7 only): a plain-CRC sub 8 token passes the CRC and is FUNCTION', () => {
    const m = meter();
    expect(m.enter(tok(0, 8, 5000, 1), 0)).toMatchObject({ result: 'FUNCTION', class: 0, subclass: 8 });
    expect(m.enter(tok(0, 15, 5001, 1), 0)).toMatchObject({ result: 'FUNCTION', class: 0, subclass: 15 });
  });
  it('a sub 8 token with CRC_C fails the CRC', () => {
    const m = meter();
    expect(m.enter(tok(0, 8, 5000, 1, { currency: true }), 0).result).toBe('CRC');
  });
});

describe('register bound', () => {
  it('a credit that brings a register to exactly 2^53 − 1 is accepted; one unit more is OVERFLOW', () => {
    const m = meter({ subclasses: { 0: [1, 4], 2: [1] } });
    // The register as a state file may hold it: 100 units below the largest exact integer.
    m.registers[4] = 9_007_199_254_740_891;
    // e 0, m 100 → 100 units: 9007199254740891 + 100 = 9007199254740991 = 2^53 − 1.
    expect(m.enter(currency(4, 5000, 100), 0)).toMatchObject({ result: 'ACCEPT', subclass: 4, tid: 5000 });
    expect(m.registers[4]).toBe(9_007_199_254_740_991);
    expect(m.enter(currency(4, 5001, 1), 1)).toMatchObject({ result: 'OVERFLOW', subclass: 4, tid: 5001 });
    expect(m.registers[4]).toBe(9_007_199_254_740_991);
    expect(m.tidMemory.has(5001)).toBe(false);
  });
});
