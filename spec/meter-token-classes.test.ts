import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { oracleToken } from './token-oracle';

// Class 1 (meter test: CRC, manufacturer code of 8 or 16 bits, subclass), class 3 (reserved), and
// the key-change sections a 64-bit key cannot take. Tokens come from the spec oracle with the
// fields placed by hand (reference §2: class 1 sub 0 = control 59..24, MfrCode 23..16; sub 1 =
// control 59..32, MfrCode 31..16).

const PAN = '600727000000000009'; // DRN 00000000000: manufacturer code 00
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
const meter = (profile: Record<string, unknown> = {}) => new Meter({ profile: { pan: PAN, ...profile }, key: KEY, initialTid: 1000 });
const test0 = (control: number, mfr: number, crcDelta = 0) => oracleToken(1, [[0, 60, 4], [control, 24, 36], [mfr, 16, 8]], { crcDelta });
const test1 = (control: number, mfr: number, crcDelta = 0) => oracleToken(1, [[1, 60, 4], [control, 32, 28], [mfr, 16, 16]], { crcDelta });

describe('class 1 (InitiateMeterTest/Display)', () => {
  it('a test token with a good CRC and the meter\'s manufacturer code is accepted and changes nothing', () => {
    const m = meter();
    expect(m.enter(test0(0xff, 0), 0)).toMatchObject({ result: 'ACCEPT', class: 1, subclass: 0, kind: 'meterTest', creditLitres: 0 });
    expect(m.enter(test1(0xfff, 0), 0)).toMatchObject({ result: 'ACCEPT', class: 1, subclass: 1, kind: 'meterTest' });
    expect(m.tidMemory.toArray().every((t) => t === 1000)).toBe(true);
  });
  it('a single wrong CRC bit is CRC, in either subclass, and does not count toward the lockout', () => {
    const m = meter({ lockout: { rejects: 1, firstSeconds: 10, maxSeconds: 10 } });
    for (const delta of [1, 0x8000]) {
      expect(m.enter(test0(3, 0, delta), 0)).toMatchObject({ result: 'CRC', class: 1 });
      expect(m.enter(test1(3, 0, delta), 0)).toMatchObject({ result: 'CRC', class: 1 });
    }
    expect(m.rejects).toBe(0);
    expect(m.enter(test0(3, 0), 0).result).toBe('ACCEPT');
  });
  it('subclass 0 carries an 8-bit manufacturer code: control bits above it are not part of it', () => {
    const m = meter({ manufacturerCode: 42 });
    // bits 31..16 would read 0x012A = 298 if taken as 16 bits.
    expect(m.enter(test0(0x1, 42), 0).result).toBe('ACCEPT');
    expect(m.enter(test0(0x1, 43), 0)).toMatchObject({ result: 'MFR_CODE', class: 1, subclass: 0 });
  });
  it('subclass 1 carries a 16-bit manufacturer code (4 digits of a 13-digit DRN)', () => {
    const m = meter({ manufacturerCode: 1234 }); // 0x04D2: its low byte alone is 210
    expect(m.enter(test1(0, 1234), 0).result).toBe('ACCEPT');
    expect(m.enter(test1(0, 210), 0)).toMatchObject({ result: 'MFR_CODE', subclass: 1 });
    expect(m.enter(test1(0, 1234 + 0x1000), 0)).toMatchObject({ result: 'MFR_CODE', subclass: 1 });
  });
  it('a reserved class 1 subclass is FUNCTION; so is a subclass the profile leaves out', () => {
    const m = meter({ subclasses: { 1: [1] } });
    expect(m.enter(oracleToken(1, [[2, 60, 4], [0, 16, 44]]), 0)).toMatchObject({ result: 'FUNCTION', class: 1, subclass: 2 });
    expect(m.enter(test0(0, 0), 0)).toMatchObject({ result: 'FUNCTION', class: 1, subclass: 0 });
    expect(m.enter(test1(0, 0), 0).result).toBe('ACCEPT');
  });
  it('class 1 tokens still work while class 0/2 entry is locked out', () => {
    const m = meter({ lockout: { rejects: 1, firstSeconds: 100, maxSeconds: 100 } });
    expect(m.enter(oracleToken(0, [[1, 60, 4], [5, 32, 24]], { cipher: KEY.cipher, crcDelta: 1 }), 0).result).toBe('CRC');
    expect(m.enter(oracleToken(0, [[1, 60, 4], [1001, 32, 24], [1, 16, 16]], { cipher: KEY.cipher }), 50).result).toBe('LOCKOUT');
    expect(m.enter(test0(0, 0), 50).result).toBe('ACCEPT');
  });
});

describe('class 3 (reserved)', () => {
  it('is FUNCTION whatever its content, with a good CRC or not, and is never decrypted into a credit', () => {
    const m = meter();
    for (const fields of [[[1, 60, 4], [1001, 32, 24], [10, 16, 16]], [[0, 16, 48]]] as const) {
      const plain = oracleToken(3, fields);
      const enc = oracleToken(3, fields, { cipher: KEY.cipher });
      for (const t of [plain, enc]) expect(m.enter(t, 0)).toMatchObject({ result: 'FUNCTION', class: 3, creditLitres: 0 });
    }
    expect(m.enter('73786976294838206463', 0)).toMatchObject({ result: 'FUNCTION', class: 3 }); // 2^66 − 1: bits 28..27 = 11
  });
});

describe('key-change sections a 64-bit key cannot take', () => {
  const KEY64 = deriveDecoderKey('abababababababab', {
    supplyGroupCode: '123457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '09',
  });
  const m64 = () => new Meter({ profile: { pan: PAN, lockout: null }, key: KEY64, initialTid: 1000 });
  /** Class 2 sub 8 of a 3-token set: SGC at 59..36, bits 35..16 must be zero. */
  const sgcSection = (low20: number) => oracleToken(2, [[8, 60, 4], [123457, 36, 24], [low20, 16, 20]], { cipher: KEY64.cipher });

  it('a supply group code section with bits 35..16 zero is held (KCT_1)', () => {
    const m = m64();
    expect(m.enter(sgcSection(0), 0)).toMatchObject({ result: 'KCT_1', class: 2, subclass: 8 });
    expect(m.pendingKeyChange?.subclasses).toEqual([8]);
  });
  it('any bit set in 35..16 is FORMAT and nothing is held', () => {
    const m = m64();
    for (const low of [1, 0x80000, 0xfffff]) {
      expect(m.enter(sgcSection(low), 0)).toMatchObject({ result: 'FORMAT', class: 2, subclass: 8 });
      expect(m.pendingKeyChange).toBeNull();
    }
  });
  it('a 4th section (sub 9) is FUNCTION for a 64-bit key', () => {
    const m = m64();
    const t = oracleToken(2, [[9, 60, 4], [0x123, 48, 12], [0xdeadbeef, 16, 32]], { cipher: KEY64.cipher });
    expect(m.enter(t, 0)).toMatchObject({ result: 'FUNCTION', class: 2, subclass: 9 });
    expect(m.pendingKeyChange).toBeNull();
  });
});
