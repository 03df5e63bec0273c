import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecoderKey } from '../src/keys';
import { decodeToken, generateToken } from '../src/tokens';
import { LAYOUTS } from '../src/tokens/layout';
import type { TokenInput } from '../src/tokens';
import { HydroSyncError } from '../src/errors';

// Property tests for the token layer (issue #2 §8).

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const anyKey = fc.oneof(
  hex(16).map((h) => DecoderKey.fromHex(h, { encryptionAlgorithm: '11' })),
  hex(8).map((h) => DecoderKey.fromHex(h, { encryptionAlgorithm: '07' })),
  hex(8).map((h) => DecoderKey.fromHex(h, { encryptionAlgorithm: '09' })),
);

const uint = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
// Any TID except the reserved 00:01 minute (the generator refuses those by default).
const tid = uint(24).filter((t) => t % 1440 !== 1);

/** Random token of every kind, class and subclass the library issues. */
const anyToken: fc.Arbitrary<TokenInput> = fc.oneof(
  fc.record({ kind: fc.constant('transferCredit' as const), subclass: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>, fields: fc.record({ rnd: uint(4), tid, amount: uint(16) }) }),
  fc.record({ kind: fc.constant('transferCurrency' as const), subclass: fc.constantFrom(4, 5, 6, 7) as fc.Arbitrary<4 | 5 | 6 | 7>, fields: fc.record({ tid, currencyAmount: uint(20) }) }),
  fc.record({ kind: fc.constant('meterTest' as const), subclass: fc.constant(0 as const), fields: fc.record({ control: uint(36), manufacturerCode: uint(8) }) }),
  fc.record({ kind: fc.constant('meterTest' as const), subclass: fc.constant(1 as const), fields: fc.record({ control: uint(28), manufacturerCode: uint(16) }) }),
  fc.record({ kind: fc.constant('setMaximumPowerLimit' as const), subclass: fc.constant(0 as const), fields: fc.record({ rnd: uint(4), tid, maximumPowerLimit: uint(16) }) }),
  fc.record({ kind: fc.constant('clearCredit' as const), subclass: fc.constant(1 as const), fields: fc.record({ rnd: uint(4), tid, register: uint(16) }) }),
  fc.record({ kind: fc.constant('setTariffRate' as const), subclass: fc.constant(2 as const), fields: fc.record({ rnd: uint(4), tid, rate: uint(16) }) }),
  fc.record({ kind: fc.constant('clearTamperCondition' as const), subclass: fc.constant(5 as const), fields: fc.record({ rnd: uint(4), tid, pad: uint(16) }) }),
  fc.record({ kind: fc.constant('setMaximumPhasePowerUnbalanceLimit' as const), subclass: fc.constant(6 as const), fields: fc.record({ rnd: uint(4), tid, maximumPhasePowerUnbalanceLimit: uint(16) }) }),
  fc.record({ kind: fc.constant('setWaterMeterFactor' as const), subclass: fc.constant(7 as const), fields: fc.record({ rnd: uint(4), tid, waterMeterFactor: uint(16) }) }),
  fc.record({ kind: fc.constant('set1stSectionDecoderKey' as const), subclass: fc.constant(3 as const), fields: fc.record({ keyExpiryNumberHigh: uint(4), keyRevisionNumber: uint(4), rollover: uint(1), threeTokenSet: uint(1), keyType: uint(2), newKeyHigh: uint(32) }) }),
  fc.record({ kind: fc.constant('set2ndSectionDecoderKey' as const), subclass: fc.constant(4 as const), fields: fc.record({ keyExpiryNumberLow: uint(4), tariffIndex: uint(8), newKeyLow: uint(32) }) }),
  // A 4-token NKMO2 whose bits 35..16 are all zero reads as a 3KCT token in 'auto' mode (p = 2^-20): keep them apart.
  fc.record({ kind: fc.constant('set3rdSectionDecoderKey' as const), subclass: fc.constant(8 as const), fields: fc.record({ supplyGroupCodeLow: uint(12), newKeyMiddle2: uint(32).filter((v) => (v & 0xfffff) !== 0) }) }),
  fc.record({ kind: fc.constant('setSupplyGroupCode' as const), subclass: fc.constant(8 as const), fields: fc.record({ supplyGroupCode: uint(24) }) }),
  fc.record({ kind: fc.constant('set4thSectionDecoderKey' as const), subclass: fc.constant(9 as const), fields: fc.record({ supplyGroupCodeHigh: uint(12), newKeyMiddle1: uint(32) }) }),
) as fc.Arbitrary<TokenInput>;

describe('generate → decode is the identity on fields, for every kind and any key', () => {
  it('round trip', () => {
    fc.assert(fc.property(anyToken, anyKey, (t, key) => {
      const token = generateToken(t, key, { allowExpiredKey: true });
      expect(token).toMatch(/^\d{20}$/);
      const d = decodeToken(token, key);
      expect({ kind: d.kind, subclass: d.subclass, fields: d.fields }).toEqual({ kind: t.kind, subclass: t.subclass, fields: t.fields });
    }), { numRuns: 3000 });
  });
  it('every kind in the layout table is covered by the generator', () => {
    const kinds = new Set(LAYOUTS.filter((l) => l !== undefined).map((l) => l!.kind));
    kinds.add('setSupplyGroupCode');
    const seen = new Set<string>();
    fc.assert(fc.property(anyToken, (t) => { seen.add(t.kind); }), { numRuns: 2000 });
    expect([...seen].sort()).toEqual([...kinds].sort());
  });
});

describe('decode never crashes', () => {
  const key = DecoderKey.fromHex('00112233445566778899aabbccddeeff', { encryptionAlgorithm: '11' });
  const check = (s: unknown) => {
    try {
      decodeToken(s as string, key);
    } catch (e) {
      expect(e).toBeInstanceOf(HydroSyncError);
      expect((e as HydroSyncError).code).toMatch(/^(FORMAT|CRC|FUNCTION|KEY)$/);
    }
  };
  it('on random strings', () => fc.assert(fc.property(fc.string({ maxLength: 40 }), check), { numRuns: 5000 }));
  it('on random digit strings of length 18..22 with spaces and dashes', () => {
    const digitString = fc.array(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', '-'), { minLength: 18, maxLength: 26 }).map((a) => a.join(''));
    fc.assert(fc.property(digitString, check), { numRuns: 5000 });
  });
  it('on any value', () => fc.assert(fc.property(fc.anything(), check), { numRuns: 2000 }));
});

/** Deterministic xorshift32 so the measured rate is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

describe('a single mistyped digit is rejected', () => {
  it('rate of single-digit changes that still decode ≈ 2^-16 (the CRC bound)', () => {
    const key = DecoderKey.fromHex('929bd3a415c9420a05ec5ee9f3ce91c3', { encryptionAlgorithm: '11' });
    const next = rng(20261128);
    let variants = 0;
    let accepted = 0;
    const tokens = 3000;
    for (let i = 0; i < tokens; i++) {
      let t = next() & 0xffffff;
      if (t % 1440 === 1) t += 1;
      const token = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: next() & 15, tid: t, amount: next() & 0xffff } }, key);
      for (let pos = 0; pos < 20; pos++) {
        for (let d = 0; d < 10; d++) {
          const c = String(d);
          if (token[pos] === c) continue;
          variants++;
          try {
            decodeToken(token.slice(0, pos) + c + token.slice(pos + 1), key);
            accepted++;
          } catch (e) {
            expect((e as HydroSyncError).code).toMatch(/^(CRC|FORMAT|FUNCTION)$/);
          }
        }
      }
    }
    const rate = accepted / variants;
    // 540,000 variants; the CRC lets through about 2^-16 of them (≈ 8 expected). Fail only far beyond that.
    console.log(`single-digit changes accepted: ${accepted} of ${variants} (${rate.toExponential(2)}; 2^-16 = ${(2 ** -16).toExponential(2)})`);
    expect(variants).toBe(tokens * 180);
    expect(rate).toBeLessThan(4 * 2 ** -16);
  });
});
