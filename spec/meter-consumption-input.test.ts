import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { refusal } from './support';

// The simulator's water use: consume(litres) and flow(rate, minutes). Zero is a valid amount; a
// bad amount is a RANGE error whose message names the argument and the value given (the person
// at the simulator fixes that one argument); decimals up to 3 places, surrounding spaces ignored;
// a value of the wrong type is the same RANGE error, never a TypeError. Amounts worked out by hand.

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
const meter = (creditLitres = 1000) => new Meter({ profile: { pan: PAN, lockout: null }, key: KEY, creditLitres });

describe('consume', () => {
  it('0 litres is allowed: nothing flows, nothing changes', () => {
    const m = meter();
    expect(m.consume(0, 0)).toBe(0);
    expect(m).toMatchObject({ creditLitres: 1000, consumedLitres: 0, clock: 0 });
  });
  it('a negative or fractional amount is RANGE, naming the value, and changes nothing', () => {
    const m = meter();
    const neg = refusal(() => m.consume(-1, 0));
    expect(neg.code).toBe('RANGE');
    expect(neg.message).toMatch(/litres must be a whole, non-negative number/);
    expect(neg.message).toMatch(/-1\b/);
    expect(refusal(() => m.consume(2.5, 0)).message).toMatch(/2\.5/);
    expect(m).toMatchObject({ creditLitres: 1000, consumedLitres: 0 });
  });
});

describe('flow', () => {
  it('rates and durations with 1, 2 or 3 decimals: ⌊rate × minutes⌋ litres', () => {
    const m = meter();
    expect(m.flow('1.25', 4, 0)).toBe(5); // 1.25 × 4 = 5
    expect(m.flow('2.125', '2', 1)).toBe(4); // 4.25 → 4
    expect(m.flow(3, '0.75', 2)).toBe(2); // 2.25 → 2
    expect(m.flow(0.5, 3, 3)).toBe(1); // 1.5 → 1
    expect(m.consumedLitres).toBe(12);
  });
  it('spaces around a decimal string are ignored', () => {
    const m = meter();
    expect(m.flow(' 7.5 ', ' 2 ', 0)).toBe(15);
    expect(m.creditLitres).toBe(985);
  });
  it('a bad rate or duration is RANGE, and the message names which one and what was given', () => {
    const m = meter();
    const rate = refusal(() => m.flow('1.2345', 1, 0));
    expect(rate.code).toBe('RANGE');
    expect(rate.message).toMatch(/^flow rate \(litres per minute\) must be a non-negative decimal number with at most 3 decimals/);
    expect(rate.message).toContain('"1.2345"');
    const minutes = refusal(() => m.flow(1, '-3', 0));
    expect(minutes.code).toBe('RANGE');
    expect(minutes.message).toMatch(/^minutes must be a non-negative decimal number with at most 3 decimals/);
    expect(minutes.message).toContain('"-3"');
    expect(m).toMatchObject({ creditLitres: 1000, consumedLitres: 0 });
  });
  it('a value that is neither a number nor a string is the same RANGE error, not a crash', () => {
    const m = meter();
    expect(refusal(() => m.flow(undefined as never, 1, 0)).code).toBe('RANGE');
    expect(refusal(() => m.flow(1, null as never, 0)).code).toBe('RANGE');
    expect(refusal(() => m.flow({} as never, 1, 0)).code).toBe('RANGE');
    expect(refusal(() => m.flow(Number.NaN, 1, 0)).code).toBe('RANGE');
    expect(refusal(() => m.flow(1, Number.POSITIVE_INFINITY, 0)).code).toBe('RANGE');
  });
});
