import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { oracleToken } from './token-oracle';

// The token lockout (reference §8.4): consecutive rejected class 0 AND class 2 entries count; the
// lockout starts at `rejects`, doubles with each further reject, stops at maxSeconds; an accepted
// token (or a held key-change section) resets the count. Times are worked out by hand.

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
const policy = { rejects: 2, firstSeconds: 10, maxSeconds: 35 };
const meter = () => new Meter({ profile: { pan: PAN, lockout: policy }, key: KEY, initialTid: 1000 });
let tid = 5000;
const clearTamper = () => oracleToken(2, [[5, 60, 4], [1, 56, 4], [tid++, 32, 24], [0, 16, 16]], { cipher: KEY.cipher });
const water = (tenths = 1) => oracleToken(0, [[1, 60, 4], [1, 56, 4], [tid++, 32, 24], [tenths, 16, 16]], { cipher: KEY.cipher });

describe('lockout', () => {
  it('class 2 rejections count toward it (a replayed ClearTamper token)', () => {
    const m = meter();
    const t = clearTamper();
    expect(m.enter(t, 0).result).toBe('ACCEPT');
    expect(m.enter(t, 1)).toMatchObject({ result: 'USED', class: 2 });
    expect(m.rejects).toBe(1);
    expect(m.enter(t, 2)).toMatchObject({ result: 'USED', lockedUntil: 12 });
    expect(m.enter(water(), 11)).toMatchObject({ result: 'LOCKOUT', status: 15, lockedUntil: 12 });
    expect(m.enter(water(), 12).result).toBe('ACCEPT');
  });

  it('starts at the policy\'s count, doubles per further reject, stops at the maximum', () => {
    const m = meter();
    const used = water();
    expect(m.enter(used, 0).result).toBe('ACCEPT');
    const first = m.enter(used, 100);
    expect(first.result).toBe('USED');
    expect(first.lockedUntil).toBeUndefined();
    expect(m.lockedUntil).toBe(Number.NEGATIVE_INFINITY);
    expect(m.enter(used, 101).lockedUntil).toBe(111); // 2nd: 10 s
    expect(m.enter(used, 111).lockedUntil).toBe(131); // 3rd: 20 s
    expect(m.enter(used, 131).lockedUntil).toBe(166); // 4th: 40 s, capped at 35
    expect(m.enter(used, 166).lockedUntil).toBe(201);
    expect(m.enter(water(), 200).lockedUntil).toBe(201); // LOCKOUT does not extend it
    expect(m.rejects).toBe(5);
  });

  it('an accepted token resets the count', () => {
    const m = meter();
    const used = water();
    expect(m.enter(used, 0).result).toBe('ACCEPT');
    expect(m.enter(used, 1).result).toBe('USED');
    expect(m.enter(water(), 2).result).toBe('ACCEPT');
    expect(m.rejects).toBe(0);
    expect(m.enter(used, 3).lockedUntil).toBeUndefined();
    expect(m.enter(water(), 4).result).toBe('ACCEPT');
  });

  it('a held key-change section resets the count', () => {
    const m = meter();
    const used = water();
    expect(m.enter(used, 0).result).toBe('ACCEPT');
    expect(m.enter(used, 1).result).toBe('USED');
    const section1 = oracleToken(2, [[3, 60, 4], [0, 56, 4], [2, 52, 4], [0, 51, 1], [0, 50, 1], [2, 48, 2], [0x12345678, 16, 32]], { cipher: KEY.cipher });
    expect(m.enter(section1, 2).result).toBe('KCT_1');
    expect(m.rejects).toBe(0);
    expect(m.enter(used, 3).lockedUntil).toBeUndefined();
  });

  it('FORMAT (unparseable) entries never count', () => {
    const m = meter();
    for (let i = 0; i < 5; i++) expect(m.enter('1234567890123456789a', i).result).toBe('FORMAT');
    expect(m.rejects).toBe(0);
  });
});
