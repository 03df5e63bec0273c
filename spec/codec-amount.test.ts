import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  TRANSFER_AMOUNT_MAX_TENTHS,
  CURRENCY_MAX_UNITS,
  encodeTransferAmount,
  decodeTransferAmount,
  encodeCurrencyUnits,
  decodeCurrencyUnits,
  parseCurrencyAmount,
  formatCurrencyAmount,
  encodeCurrencyAmount,
  litresToTenths,
  cubicMetresToTenths,
  tenthsToLitres,
} from '../src/codec/index';
import { errorCode } from './support';

/**
 * dev-amount.json (shared/vectors), embedded. Provenance: the check tables of sts-reference §3.1 and
 * §3.2; every value occurs in a published STS 531-1 compliance token (N02/C07/C11 CTSA10, CTSA12,
 * CTSA13, CTSA20-23, CTSA21) that reproduces with it.
 * Transfer: [requested tenths, field, decoded tenths].
 */
const TRANSFER_VECTORS: [number, number, number][] = [
  [0, 0, 0], // amount-transfer-0: N02 CTSA21 water 0.0 m³
  [10, 10, 10], // amount-transfer-10: water 1.0 m³
  [256, 256, 256], // amount-transfer-256
  [1230, 1230, 1230], // amount-transfer-1230
  [1825, 1825, 1825], // amount-transfer-1825
  [16383, 16383, 16383], // amount-transfer-16383
  [16384, 16384, 16384], // amount-transfer-16384
  [16738, 16420, 16744], // amount-transfer-16738: rounded up
  [20000, 16746, 20004], // amount-transfer-20000: rounded up
  [156714, 30417, 156714], // amount-transfer-156714
  [163830, 31129, 163834], // amount-transfer-163830: rounded up
  [163840, 31130, 163844], // amount-transfer-163840: rounded up
  [176543, 32400, 176544], // amount-transfer-176543: rounded up
  [180223, 32768, 180224], // amount-transfer-180223: carry: m = 16384 at e = 1 becomes e = 2, m = 0
  [180224, 32768, 180224], // amount-transfer-180224
  [1802240, 48989, 1802324], // amount-transfer-1802240: rounded up
  [1818623, 49152, 1818624], // amount-transfer-1818623: carry again
  [1818624, 49152, 1818624], // amount-transfer-1818624
  [1820240, 49154, 1820624], // amount-transfer-1820240: rounded up
  [1822620, 49156, 1822624], // amount-transfer-1822620: rounded up
  [1822640, 49157, 1823624], // amount-transfer-1822640: rounded up
  [18186240, 65520, 18186624], // amount-transfer-18186240: rounded up
  [18201624, 65535, 18201624], // amount-transfer-18201624: maximum
];

/** Currency: [amount in currency units, 20-bit field]. */
const CURRENCY_VECTORS: [string, number][] = [
  ['1', 0x060aa], // amount-currency-1: (s, e, m) = (0, 1, 8362)
  ['16383', 0x178e3], // amount-currency-16383: (s, e, m) = (0, 5, 14563)
  ['16384', 0x178e4], // amount-currency-16384: (s, e, m) = (0, 5, 14564)
  ['180224', 0x1bf4a], // amount-currency-180224: (s, e, m) = (0, 6, 16202)
  ['1818624', 0x1ffee], // amount-currency-1818624: (s, e, m) = (0, 7, 16366)
  ['18202624', 0x23fff], // amount-currency-18202624: (s, e, m) = (0, 8, 16383)
  ['182042624', 0x28000], // amount-currency-182042624: (s, e, m) = (0, 10, 0)
  ['1820442624', 0x2c000], // amount-currency-1820442624: (s, e, m) = (0, 11, 0)
  ['18204442624', 0x30000], // amount-currency-18204442624: (s, e, m) = (0, 12, 0)
  ['182044000000000', 0x40000], // amount-currency-1.82044E+14: (s, e, m) = (0, 16, 0)
  ['182044000000000000000', 0x58000], // amount-currency-1.82044E+20: (s, e, m) = (0, 22, 0)
  ['182044000000000000000000000000', 0x7c000], // amount-currency-1.82044E+29: (s, e, m) = (0, 31, 0)
  ['-1', 0x860a9], // amount-currency-minus-1: (s, e, m) = (1, 1, 8361)
  ['-180224', 0x9bf49], // amount-currency-minus-180224: (s, e, m) = (1, 6, 16201)
  ['-182044000000000', 0xbffff], // amount-currency-minus-1.82044E+14: (s, e, m) = (1, 15, 16383)
];

/** Magnitude of a 20-bit field from §3.2, computed independently of the implementation. */
function refMagnitude(field: number): bigint {
  const e = BigInt((field >> 14) & 31);
  const m = BigInt(field & 0x3fff);
  let offset = 0n;
  for (let n = 1n; n <= e; n++) offset += 16384n * 10n ** (n - 1n);
  return m * 10n ** e + offset;
}

describe('16-bit TransferAmount (sts-reference §3.1)', () => {
  for (const [value, field, decoded] of TRANSFER_VECTORS) {
    it(`vector: ${value} tenths → 0x${field.toString(16).padStart(4, '0')} → ${decoded}`, () => {
      expect(encodeTransferAmount(value)).toBe(field);
      expect(decodeTransferAmount(field)).toBe(decoded);
    });
  }

  it('every field decodes to a strictly increasing value and re-encodes to itself', () => {
    let previous = -1;
    for (let f = 0; f <= 0xffff; f++) {
      const v = decodeTransferAmount(f);
      expect(v).toBeGreaterThan(previous);
      expect(encodeTransferAmount(v)).toBe(f);
      previous = v;
    }
    expect(previous).toBe(TRANSFER_AMOUNT_MAX_TENTHS);
  });

  it('encode is the smallest code whose value is ≥ the request (random requests)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TRANSFER_AMOUNT_MAX_TENTHS }), (v) => {
        const code = encodeTransferAmount(v);
        expect(decodeTransferAmount(code)).toBeGreaterThanOrEqual(v);
        if (code > 0) expect(decodeTransferAmount(code - 1)).toBeLessThan(v);
      }),
      { numRuns: 20000 },
    );
  });

  it('RANGE above the maximum, for negatives and non-integers; FORMAT for non-numbers', () => {
    expect(() => encodeTransferAmount(TRANSFER_AMOUNT_MAX_TENTHS + 1)).toThrow(/from 0 to 18201624/);
    for (const v of [TRANSFER_AMOUNT_MAX_TENTHS + 1, -1, 0.5, NaN, Infinity, 2 ** 60]) {
      expect(errorCode(() => encodeTransferAmount(v))).toBe('RANGE');
    }
    for (const f of [-1, 65536, 1.5, NaN]) expect(errorCode(() => decodeTransferAmount(f))).toBe('RANGE');
    expect(errorCode(() => encodeTransferAmount('10' as unknown as number))).toBe('FORMAT');
    expect(errorCode(() => decodeTransferAmount(10n as unknown as number))).toBe('FORMAT');
  });
});

describe('20-bit currency amount (sts-reference §3.2)', () => {
  for (const [amount, field] of CURRENCY_VECTORS) {
    it(`vector: ${amount} → 0x${field.toString(16).padStart(5, '0')}`, () => {
      expect(encodeCurrencyAmount(amount)).toBe(field);
      expect(encodeCurrencyUnits(parseCurrencyAmount(amount))).toBe(field);
      expect(decodeCurrencyUnits(field)).toBe((field & 0x80000 ? -1n : 1n) * refMagnitude(field));
    });
  }

  it('CURRENCY_MAX_UNITS is the magnitude of (e = 31, m = 16383)', () => {
    expect(CURRENCY_MAX_UNITS).toBe(refMagnitude(0x7ffff));
    expect(encodeCurrencyUnits(CURRENCY_MAX_UNITS)).toBe(0x7ffff);
    expect(encodeCurrencyUnits(-CURRENCY_MAX_UNITS)).toBe(0xfffff);
    expect(errorCode(() => encodeCurrencyUnits(CURRENCY_MAX_UNITS + 1n))).toBe('RANGE');
    expect(errorCode(() => encodeCurrencyUnits(-CURRENCY_MAX_UNITS - 1n))).toBe('RANGE');
    expect(() => encodeCurrencyUnits(CURRENCY_MAX_UNITS + 1n)).toThrow(/at most 1820344444444444444444444444444\.42624/);
  });

  it('decode matches the reference for every exponent, both signs; encode inverts it', () => {
    for (let e = 0; e < 32; e++) {
      for (const m of [0, 1, 2, 8361, 16382, 16383]) {
        for (const sign of [0, 0x80000]) {
          const field = sign | (e << 14) | m;
          const units = decodeCurrencyUnits(field);
          expect(units).toBe((sign ? -1n : 1n) * refMagnitude(field));
          // "-0" (sign set, magnitude 0) is 0 and encodes without the sign bit
          expect(encodeCurrencyUnits(units)).toBe(units === 0n ? 0 : field);
        }
      }
    }
  });

  const units = fc.oneof(
    fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
    fc.bigInt({ min: -CURRENCY_MAX_UNITS, max: CURRENCY_MAX_UNITS }),
    fc.integer({ min: 0, max: 31 }).chain((e) => {
      const base = refMagnitude(e << 14);
      return fc.bigInt({ min: base - 20n, max: base + 20n }).map((v) => (v < 0n ? 0n : v));
    }),
  );

  it('rounding in the customer\'s favour: credit up, debit magnitude down, the nearest code either way', () => {
    fc.assert(
      fc.property(units, fc.boolean(), (u, negate) => {
        const v = negate ? -u : u;
        const field = encodeCurrencyUnits(v);
        const back = decodeCurrencyUnits(field);
        const magnitude = field & 0x7ffff;
        if (v >= 0n) {
          expect(field & 0x80000).toBe(0);
          expect(back).toBeGreaterThanOrEqual(v); // credit never less than asked
          if (magnitude > 0) expect(decodeCurrencyUnits(field - 1)).toBeLessThan(v); // smallest such code
        } else {
          expect(field & 0x80000).toBe(0x80000);
          expect(-back).toBeLessThanOrEqual(-v); // debit never more than asked
          if (magnitude < 0x7ffff) expect(-decodeCurrencyUnits(field + 1)).toBeGreaterThan(-v); // largest such code
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('monotone: a larger amount never encodes to a smaller value', () => {
    fc.assert(
      fc.property(units, units, fc.boolean(), fc.boolean(), (a, b, na, nb) => {
        const x = na ? -a : a;
        const y = nb ? -b : b;
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        expect(decodeCurrencyUnits(encodeCurrencyUnits(lo))).toBeLessThanOrEqual(
          decodeCurrencyUnits(encodeCurrencyUnits(hi)),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('encodeCurrencyUnits accepts safe-integer numbers; rejects other types', () => {
    expect(encodeCurrencyUnits(100000 as unknown as bigint)).toBe(0x060aa);
    expect(errorCode(() => encodeCurrencyUnits(0.5 as unknown as bigint))).toBe('FORMAT');
    expect(errorCode(() => encodeCurrencyUnits('1' as unknown as bigint))).toBe('FORMAT');
    for (const f of [-1, 0x100000, 0.5]) expect(errorCode(() => decodeCurrencyUnits(f))).toBe('RANGE');
  });
});

describe('currency decimal text', () => {
  it('parses plain decimals exactly', () => {
    expect(parseCurrencyAmount('12')).toBe(1200000n);
    expect(parseCurrencyAmount('-1')).toBe(-100000n);
    expect(parseCurrencyAmount('0.5')).toBe(50000n);
    expect(parseCurrencyAmount('3.25')).toBe(325000n);
    expect(parseCurrencyAmount('25_000')).toBe(2500000000n);
    expect(parseCurrencyAmount(' 0.00001 ')).toBe(1n);
    expect(parseCurrencyAmount('-0.00001')).toBe(-1n);
    expect(parseCurrencyAmount('182044000000000000000000000000')).toBe(18204400000000000000000000000000000n);
    expect(parseCurrencyAmount('-0')).toBe(0n);
  });

  it('rejects what it cannot represent, saying what is allowed', () => {
    expect(() => parseCurrencyAmount('0.000001')).toThrow(/6 fraction digits; the smallest step is 0\.00001/);
    for (const t of ['', '-', '.', '.5', '+3', '1.500000', '1e5', '1.82044E+29', '1,000', '1 000', '--1', '0x10', 'abc', '1.2.3']) {
      expect(errorCode(() => parseCurrencyAmount(t))).toBe('FORMAT');
    }
    expect(errorCode(() => parseCurrencyAmount('9'.repeat(61)))).toBe('RANGE');
    expect(errorCode(() => parseCurrencyAmount(12 as unknown as string))).toBe('FORMAT');
    expect(errorCode(() => formatCurrencyAmount(12 as unknown as bigint))).toBe('FORMAT');
  });

  it('formats the shortest exact decimal', () => {
    expect(formatCurrencyAmount(100000n)).toBe('1');
    expect(formatCurrencyAmount(150000n)).toBe('1.5');
    expect(formatCurrencyAmount(-1n)).toBe('-0.00001');
    expect(formatCurrencyAmount(0n)).toBe('0');
    expect(formatCurrencyAmount(18204400000000000000000000000000000n)).toBe('182044000000000000000000000000');
  });

  it('format and parse are inverse', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (u) => {
        expect(parseCurrencyAmount(formatCurrencyAmount(u))).toBe(u);
      }),
    );
  });

  it('arbitrary input never throws anything but HydroSyncError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-+]?[0-9]{0,8}(\.[0-9]{0,8})?$/), fc.anything()), (t) => {
        for (const f of [
          () => encodeCurrencyAmount(t as string),
          () => cubicMetresToTenths(t as string),
          () => encodeTransferAmount(t as number),
          () => litresToTenths(t as number),
        ]) {
          errorCode(f); // rethrows anything that is not a HydroSyncError
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('water helpers (class 0 sub 1: 0.1 m³ = 100 litres)', () => {
  it('litres → tenths rounds up; tenths → litres is exact', () => {
    expect(litresToTenths(0)).toBe(0);
    expect(litresToTenths(1)).toBe(1);
    expect(litresToTenths(100)).toBe(1);
    expect(litresToTenths(101)).toBe(2);
    expect(litresToTenths(1000)).toBe(10);
    expect(tenthsToLitres(10)).toBe(1000);
    expect(tenthsToLitres(TRANSFER_AMOUNT_MAX_TENTHS)).toBe(1820162400);
    for (const v of [-1, 0.5, NaN]) expect(errorCode(() => litresToTenths(v))).toBe('RANGE');
    expect(errorCode(() => tenthsToLitres(2 ** 52))).toBe('RANGE');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (l) => {
        const t = litresToTenths(l);
        expect(tenthsToLitres(t)).toBeGreaterThanOrEqual(l);
        expect(tenthsToLitres(t) - l).toBeLessThan(100);
      }),
    );
  });

  it('cubic metres (decimal string) → tenths rounds up', () => {
    expect(cubicMetresToTenths('1.25')).toBe(13);
    expect(cubicMetresToTenths('1.2')).toBe(12);
    expect(cubicMetresToTenths('1.200')).toBe(12);
    expect(cubicMetresToTenths('0.001')).toBe(1);
    expect(cubicMetresToTenths('0.05')).toBe(1);
    expect(cubicMetresToTenths('25.6')).toBe(256); // C11 label "WATER tenths 256 (25.6 m3)"
    expect(cubicMetresToTenths('3')).toBe(30);
    expect(cubicMetresToTenths('1_000')).toBe(10000);
    expect(cubicMetresToTenths('0')).toBe(0);
    for (const t of ['', '.', '.1', '-1', '1.0001', '1e3', 'one', '1,5']) expect(errorCode(() => cubicMetresToTenths(t))).toBe('FORMAT');
    expect(errorCode(() => cubicMetresToTenths(1.25 as unknown as string))).toBe('FORMAT');
    expect(errorCode(() => cubicMetresToTenths('1'.repeat(15)))).toBe('RANGE');
  });
});
