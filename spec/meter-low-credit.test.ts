import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';

// The low-credit flag is on while credit ≤ the profile's threshold (profile.ts), on at exactly the
// threshold and off one litre above it; the valve is open while credit > 0.

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
const meter = (creditLitres: number) => new Meter({ profile: { pan: PAN, lowCreditLitres: 200 }, key: KEY, creditLitres });

describe('low credit', () => {
  it('is on at exactly the threshold, off one litre above, on at zero', () => {
    expect(meter(200).lowCredit).toBe(true);
    expect(meter(201).lowCredit).toBe(false);
    expect(meter(199).lowCredit).toBe(true);
    expect(meter(0).lowCredit).toBe(true);
  });

  it('consuming down to the threshold turns it on', () => {
    const m = meter(250);
    expect(m.lowCredit).toBe(false);
    m.consume(50, 0);
    expect(m.creditLitres).toBe(200);
    expect(m.lowCredit).toBe(true);
  });

  it('the valve is open at 1 litre, closed at 0', () => {
    expect(meter(1).valveOpen).toBe(true);
    expect(meter(0).valveOpen).toBe(false);
  });
});
