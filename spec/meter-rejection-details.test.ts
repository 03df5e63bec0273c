import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { type Field, oracleToken } from './token-oracle';

// Every rejection says why, with the numbers support staff need (EntryResult.detail). Tokens from
// the spec oracle; numbers in the expected texts worked out by hand.

const PAN = '600727000000000009';
const attrs = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', attrs);
const meter = (profile: Record<string, unknown> = {}, key = KEY) =>
  new Meter({ profile: { pan: PAN, lockout: null, ...profile }, key, initialTid: 1000 });
const tok = (cls: 0 | 2, sub: number, tid: number, field: number, key = KEY) =>
  oracleToken(cls, [[sub, 60, 4], [1, 56, 4], [tid, 32, 24], [field, 16, 16]], { cipher: key.cipher });
const currency = (sub: number, tid: number, field20: number) => {
  const fields: Field[] = [[sub, 60, 4], [field20 >>> 16, 56, 4], [tid, 32, 24], [field20 & 0xffff, 16, 16]];
  return oracleToken(0, fields, { cipher: KEY.cipher, currency: true });
};
const detail = (m: Meter, token: string, at = 0) => {
  const r = m.enter(token, at);
  return `${r.result}: ${r.detail}`;
};

describe('rejection details', () => {
  it('format, class 3, CRC, unsupported subclass', () => {
    const m = meter();
    expect(detail(m, '2371 6100 5011 8319 419')).toBe('FORMAT: token must be exactly 20 digits after removing spaces and dashes; got 19');
    expect(detail(m, oracleToken(3, [[0, 16, 48]]))).toBe('FUNCTION: token class 3 is reserved');
    expect(detail(m, oracleToken(0, [[1, 60, 4], [2000, 32, 24], [1, 16, 16]], { cipher: KEY.cipher, crcDelta: 4 })))
      .toBe('CRC: CRC check failed: the token is for another meter or key, or was mistyped');
    expect(detail(m, tok(0, 2, 2001, 1))).toBe('FUNCTION: class 0 subclass 2 is not supported by the water profile');
    expect(detail(m, tok(2, 1, 2002, 4))).toBe('FUNCTION: ClearCredit for register 4: this meter has no such register (1 water, 65535 all)');
  });
  it('key expiry, default key, Old, Used', () => {
    const m = meter({}, deriveDecoderKey('abababababababab949494949494949401234567', { ...attrs, keyExpiryNumber: 3 }));
    // TID 262144 = 4 · 65536: TID >> 16 = 4 > KEN 3.
    const k3 = deriveDecoderKey('abababababababab949494949494949401234567', { ...attrs, keyExpiryNumber: 3 });
    expect(detail(m, tok(0, 1, 262144, 1, k3))).toBe("KEY_EXPIRED: the token's TID 262144 is past the key's KeyExpiryNumber 3: the meter needs a key change");
    const ddtkKey = deriveDecoderKey('abababababababab949494949494949401234567', { ...attrs, keyType: 1 });
    expect(detail(meter({}, ddtkKey), tok(0, 1, 2000, 1, ddtkKey))).toBe('DDTK: credit tokens are refused while the meter holds a default key (DDTK, KT 1)');
    const m2 = meter();
    expect(detail(m2, tok(0, 1, 999, 1))).toBe("OLD: TID 999 is older than the oldest TID in the meter's memory (1000)");
    const t = tok(0, 1, 3000, 1);
    expect(m2.enter(t, 0).result).toBe('ACCEPT');
    expect(detail(m2, t)).toBe("USED: TID 3000 is in the meter's memory: this token was entered before");
  });
  it('overflow, a full register, a debit below zero, a zero water meter factor', () => {
    const m = meter({ creditCapLitres: 1000, subclasses: { 0: [1, 4, 6], 2: [1, 7] } });
    expect(detail(m, tok(0, 1, 2000, 11))).toBe('OVERFLOW: 1100 litres would take the register past its cap of 1000 litres; enter the token again after using some water');
    // e 31, m 1: far beyond 2^53 units.
    expect(detail(m, currency(4, 2001, (31 << 14) | 1))).toBe('OVERFLOW: register 4 is full');
    expect(m.registers[4]).toBe(0);
    expect(detail(m, currency(6, 2002, 0x80000 | 5))).toBe('RANGE: a debit of 5 units would take register 6 below zero');
    expect(detail(m, tok(2, 7, 2003, 0))).toBe('RANGE: a water meter factor of 0 would stop all metering');
  });
  it('lockout', () => {
    const m = meter({ lockout: { rejects: 1, firstSeconds: 30, maxSeconds: 30 } });
    m.enter(tok(0, 1, 999, 1), 100);
    expect(detail(m, tok(0, 1, 2000, 1), 110)).toBe('LOCKOUT: token entry is locked for 20 more seconds after 1 rejected tokens');
  });
  it('class 1 and the key-change sections', () => {
    const m = meter({ manufacturerCode: 42, subclasses: { 1: [1] } });
    expect(detail(m, oracleToken(1, [[0, 60, 4], [0, 24, 36], [42, 16, 8]], { crcDelta: 1 }))).toBe('CRC: CRC check failed: the token was mistyped');
    expect(detail(m, oracleToken(1, [[2, 60, 4], [0, 16, 44]]))).toBe('FUNCTION: class 1 subclass 2 is reserved or not supported');
    expect(detail(m, oracleToken(1, [[1, 60, 4], [0, 32, 28], [43, 16, 16]]))).toBe("MFR_CODE: the test token is for manufacturer code 43; this meter's is 42");
    expect(detail(m, oracleToken(1, [[0, 60, 4], [0, 24, 36], [42, 16, 8]]))).toBe('FUNCTION: class 1 subclass 0 is not supported by the water profile');
    const k64 = deriveDecoderKey('abababababababab', { ...attrs, encryptionAlgorithm: '09' });
    const m64 = meter({}, k64);
    expect(detail(m64, oracleToken(2, [[8, 60, 4], [201457, 36, 24], [1, 16, 20]], { cipher: k64.cipher })))
      .toBe('FORMAT: the supply group code token of a 3-token set must have bits 35..16 zero');
    expect(detail(m64, oracleToken(2, [[9, 60, 4], [0, 16, 44]], { cipher: k64.cipher })))
      .toBe('FUNCTION: a 4th key-change section exists only for 128-bit keys; this meter has a 64-bit key');
  });
});
