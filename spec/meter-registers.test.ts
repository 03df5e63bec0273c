import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { type Field, oracleToken } from './token-oracle';

// Class 0 credit registers other than water (electricity, gas, time; currency sub 4–7), the
// register cap, ClearCredit per register and the class 2 settings. Every token is built by the
// spec oracle from hand-placed fields; every expected amount is worked out by hand from the
// reference's formulas (§3.1 TransferAmount, §3.2 currency amount).

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
const ALL_CLASS0 = { 0: [0, 1, 2, 3, 4, 5, 6, 7], 2: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
const meter = (profile: Record<string, unknown> = {}, creditLitres = 0) =>
  new Meter({ profile: { pan: PAN, lockout: null, subclasses: ALL_CLASS0, ...profile }, key: KEY, initialTid: 1000, creditLitres });

let nextTid = 2000;
/** Class 0 sub 0–3 (and class 2 with a 16-bit value): sub, rnd, TID, 16-bit field. */
const transfer = (cls: 0 | 2, sub: number, field: number, tid = nextTid++) =>
  oracleToken(cls, [[sub, 60, 4], [7, 56, 4], [tid, 32, 24], [field, 16, 16]], { cipher: KEY.cipher });
/** Class 0 sub 4–7: the 20-bit currency field split over bits 59..56 and 31..16, CRC_C. */
const currency = (sub: number, field20: number, opts: { crcC?: boolean } = {}) => {
  const fields: Field[] = [[sub, 60, 4], [field20 >>> 16, 56, 4], [nextTid++, 32, 24], [field20 & 0xffff, 16, 16]];
  return oracleToken(0, fields, { cipher: KEY.cipher, currency: opts.crcC ?? true });
};

describe('non-water credit registers (class 0 sub 0, 2, 3)', () => {
  it('sub 0 (electricity) adds its TransferAmount to register 0 and never to the water register', () => {
    const m = meter();
    const r = m.enter(transfer(0, 0, 123), 0); // e = 0, m = 123 → 123 tenths
    expect(r).toMatchObject({ result: 'ACCEPT', class: 0, subclass: 0, creditLitres: 0 });
    expect(r.litres).toBeUndefined();
    expect(m.creditLitres).toBe(0);
    expect(m.registers).toEqual([123, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('sub 2 and sub 3 decode the exponent: (e 1, m 5) → 5·10 + 16384 = 16434; (e 3, m 2) → 2000 + 1818624', () => {
    const m = meter();
    expect(m.enter(transfer(0, 2, (1 << 14) | 5), 0).result).toBe('ACCEPT');
    expect(m.enter(transfer(0, 3, (3 << 14) | 2), 0).result).toBe('ACCEPT');
    expect(m.enter(transfer(0, 2, 6), 0).result).toBe('ACCEPT');
    expect(m.registers).toEqual([0, 0, 16440, 1820624, 0, 0, 0, 0]);
    expect(m.creditLitres).toBe(0);
  });
});

describe('currency registers (class 0 sub 4–7, CRC_C)', () => {
  it('sub 4 and sub 7 (both ends of the CRC_C range) are accepted with CRC_C and credit their own register', () => {
    const m = meter();
    expect(m.enter(currency(4, 12345), 0)).toMatchObject({ result: 'ACCEPT', subclass: 4, creditLitres: 0 }); // e 0: 12345 units
    // e 2, m 3: 3·100 + 16384 + 163840 = 180524 units
    expect(m.enter(currency(7, (2 << 14) | 3), 0)).toMatchObject({ result: 'ACCEPT', subclass: 7, creditLitres: 0 });
    expect(m.registers).toEqual([0, 0, 0, 0, 12345, 0, 0, 180524]);
    expect(m.creditLitres).toBe(0);
  });
  it('the field bits 19..16 come from block bits 59..56: (e 4, m 7) → 70000 + 16384·1111 = 18272624', () => {
    const m = meter();
    expect(m.enter(currency(5, (4 << 14) | 7), 0).result).toBe('ACCEPT');
    expect(m.registers[5]).toBe(18272624);
  });
  it('a currency token under the plain CRC, or a sub 0–3 token under CRC_C, fails the CRC', () => {
    const m = meter();
    expect(m.enter(currency(4, 100, { crcC: false }), 0).result).toBe('CRC');
    expect(m.enter(currency(7, 100, { crcC: false }), 0).result).toBe('CRC');
    const sub3WithCrcC = oracleToken(0, [[3, 60, 4], [7, 56, 4], [nextTid++, 32, 24], [10, 16, 16]], { cipher: KEY.cipher, currency: true });
    expect(m.enter(sub3WithCrcC, 0).result).toBe('CRC');
    expect(m.registers).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('a debit (sign bit 19) is taken off; one that would go below zero is RANGE and not consumed', () => {
    const m = meter();
    expect(m.enter(currency(6, 500), 0).result).toBe('ACCEPT');
    expect(m.enter(currency(6, 0x80000 | 200), 0).result).toBe('ACCEPT');
    expect(m.registers[6]).toBe(300);
    const tooMuch = currency(6, 0x80000 | 301);
    expect(m.enter(tooMuch, 0)).toMatchObject({ result: 'RANGE', subclass: 6 });
    expect(m.registers[6]).toBe(300);
    expect(m.enter(currency(6, 0x80000 | 300), 0).result).toBe('ACCEPT'); // exactly to zero
    expect(m.registers[6]).toBe(0);
  });
});

describe('the water register cap', () => {
  it('a credit that exactly fills the cap is accepted; one litre-step more is OVERFLOW', () => {
    const m = meter({ creditCapLitres: 5000 }, 1000);
    const fill = m.enter(transfer(0, 1, 40), 0); // 40 tenths of m³ = 4000 L
    expect(fill).toMatchObject({ result: 'ACCEPT', litres: 4000, creditLitres: 5000 });
    const over = transfer(0, 1, 1);
    expect(m.enter(over, 0)).toMatchObject({ result: 'OVERFLOW', creditLitres: 5000 });
    m.consume(100, 1);
    expect(m.enter(over, 2)).toMatchObject({ result: 'ACCEPT', litres: 100, creditLitres: 5000 });
  });
});

describe('ClearCredit (class 2 sub 1) per register', () => {
  const loaded = () => {
    const m = meter({}, 700);
    for (const [sub, v] of [[0, 10], [2, 20], [3, 30]] as const) expect(m.enter(transfer(0, sub, v), 0).result).toBe('ACCEPT');
    expect(m.enter(currency(4, 40), 0).result).toBe('ACCEPT');
    return m;
  };
  it('register 4 clears only register 4', () => {
    const m = loaded();
    expect(m.enter(transfer(2, 1, 4), 0).result).toBe('ACCEPT');
    expect(m.registers).toEqual([10, 0, 20, 30, 0, 0, 0, 0]);
    expect(m.creditLitres).toBe(700);
  });
  it('register 1 clears only the water credit', () => {
    const m = loaded();
    expect(m.enter(transfer(2, 1, 1), 0)).toMatchObject({ result: 'ACCEPT', creditLitres: 0 });
    expect(m.registers).toEqual([10, 0, 20, 30, 40, 0, 0, 0]);
  });
  it('register 65535 clears every register and the water credit', () => {
    const m = loaded();
    expect(m.enter(transfer(2, 1, 0xffff), 0)).toMatchObject({ result: 'ACCEPT', creditLitres: 0 });
    expect(m.registers).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('a register the meter does not have is FUNCTION and changes nothing', () => {
    const m = new Meter({ profile: { pan: PAN, lockout: null }, key: KEY, initialTid: 1000, creditLitres: 700 }); // water only
    expect(m.enter(transfer(2, 1, 4), 0)).toMatchObject({ result: 'FUNCTION', subclass: 1, creditLitres: 700 });
    expect(m.enter(transfer(2, 1, 1), 0)).toMatchObject({ result: 'ACCEPT', creditLitres: 0 });
  });
});

describe('class 2 settings', () => {
  it('each setting token stores its own 16-bit value; ClearTamper clears the flag', () => {
    const m = meter();
    m.raiseTamper(0);
    expect(m.enter(transfer(2, 0, 501), 0).result).toBe('ACCEPT');
    expect(m.enter(transfer(2, 2, 502), 0).result).toBe('ACCEPT');
    expect(m.enter(transfer(2, 6, 506), 0).result).toBe('ACCEPT');
    expect(m.enter(transfer(2, 7, 507), 0).result).toBe('ACCEPT');
    expect(m.settings).toEqual({ maximumPowerLimit: 501, tariffRate: 502, maximumPhasePowerUnbalanceLimit: 506, waterMeterFactor: 507 });
    expect(m.tamper).toBe(true);
    expect(m.enter(transfer(2, 5, 0), 0).result).toBe('ACCEPT');
    expect(m.tamper).toBe(false);
    expect(m.enter(transfer(2, 7, 0), 0)).toMatchObject({ result: 'RANGE', subclass: 7 });
    expect(m.settings.waterMeterFactor).toBe(507);
  });
});
