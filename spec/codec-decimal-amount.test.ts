import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AMOUNT_UNITS, type AmountUnit, parseDecimalAmount } from '../src/codec/amount';
import { errorCode } from './support';

/**
 * Reference written independently of the parser: build the text from parts (generate, then
 * format) and compute the value from the parts; and, for arbitrary strings, an acceptance rule
 * spelled out as one regular expression per unit.
 */
const FRACTION: Record<AmountUnit, number> = { rupiah: 0, litres: 0, cubicMetres: 3, currency: 5 };
const SIGNED: Record<AmountUnit, boolean> = { rupiah: false, litres: false, cubicMetres: false, currency: true };
const UNITS = Object.keys(FRACTION) as AmountUnit[];

function referenceAccepts(text: string, unit: AmountUnit): boolean {
  const n = FRACTION[unit];
  const sign = SIGNED[unit] ? '-?' : '';
  const fraction = n > 0 ? `(\\.[0-9]{1,${n}})?` : '';
  const re = new RegExp(`^\\s*${sign}([0-9]+|[0-9]{1,3}((_[0-9]{3})+|(\u2009[0-9]{3})+|(\u202f[0-9]{3})+))${fraction}\\s*$`);
  return re.test(text) && text.trim().split('.')[0]!.replace(/[^0-9]/g, '').replace(/^0+/, '').length <= 60;
}

const amountParts = (unit: AmountUnit) =>
  fc.record({
    negative: SIGNED[unit] ? fc.boolean() : fc.constant(false),
    whole: fc.stringMatching(/^[0-9]{1,25}$/),
    fraction: fc.stringMatching(new RegExp(`^[0-9]{0,${FRACTION[unit]}}$`)),
    separator: fc.constantFrom('', '_', '\u2009', '\u202f'),
  });

function format(p: { negative: boolean; whole: string; fraction: string; separator: string }): string {
  let grouped = p.whole;
  if (p.separator !== '') {
    const groups: string[] = [];
    for (let end = p.whole.length; end > 0; end -= 3) groups.unshift(p.whole.slice(Math.max(0, end - 3), end));
    grouped = groups.join(p.separator);
  }
  return `${p.negative ? '-' : ''}${grouped}${p.fraction ? `.${p.fraction}` : ''}`;
}

function value(p: { negative: boolean; whole: string; fraction: string }, unit: AmountUnit): bigint {
  const v = BigInt(p.whole) * 10n ** BigInt(FRACTION[unit]) + BigInt(p.fraction.padEnd(FRACTION[unit], '0') || '0');
  return p.negative ? -v : v;
}

describe('parseDecimalAmount: one exact grammar for every amount', () => {
  it('the rules in the test match the published table', () => {
    for (const u of UNITS) {
      expect(AMOUNT_UNITS[u].fractionDigits).toBe(FRACTION[u]);
      expect(AMOUNT_UNITS[u].signed).toBe(SIGNED[u]);
    }
  });

  it('generated amounts, written with any grouping, parse to their exact value', () => {
    for (const unit of UNITS) {
      fc.assert(
        fc.property(amountParts(unit), (p) => {
          expect(parseDecimalAmount(format(p), unit)).toBe(value(p, unit));
          expect(parseDecimalAmount(` ${format(p)} `, unit)).toBe(value(p, unit));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('arbitrary text is accepted exactly when the reference accepts it; a refusal is FORMAT or RANGE', () => {
    const alphabet = fc.constantFrom('0', '1', '5', '9', '.', ',', '_', '-', '+', ' ', '\u2009', '\u202f', 'e', 'x');
    const texts = fc.oneof(
      fc.array(alphabet, { maxLength: 14 }).map((a) => a.join('')),
      fc.string(),
    );
    for (const unit of UNITS) {
      fc.assert(
        fc.property(texts, (t) => {
          const code = errorCode(() => parseDecimalAmount(t, unit));
          if (referenceAccepts(t, unit)) expect(code).toBeUndefined();
          else expect(['FORMAT', 'RANGE']).toContain(code);
        }),
        { numRuns: 1500 },
      );
    }
  });

  it('worked examples', () => {
    expect(parseDecimalAmount('50000', 'rupiah')).toBe(50000n);
    expect(parseDecimalAmount('50_000', 'rupiah')).toBe(50000n);
    expect(parseDecimalAmount('1\u2009234\u2009567', 'rupiah')).toBe(1234567n);
    expect(parseDecimalAmount('25.000', 'currency')).toBe(2500000n); // "." is always a fraction: 25
    expect(parseDecimalAmount('-0.00001', 'currency')).toBe(-1n);
    expect(parseDecimalAmount('2.5', 'cubicMetres')).toBe(2500n); // litres
    expect(parseDecimalAmount('0.001', 'cubicMetres')).toBe(1n);
    expect(parseDecimalAmount('2_500', 'litres')).toBe(2500n);
    expect(parseDecimalAmount('007', 'litres')).toBe(7n);
  });

  // Every refusal, with the words that tell a person what to write instead.
  const refusals: [string, AmountUnit, string, RegExp][] = [
    ['50.5', 'rupiah', 'FORMAT', /rupiah take whole rupiah only: "50\.5" has a fraction/],
    ['50.000', 'rupiah', 'FORMAT', /has a fraction/], // Indonesian thousands: refused, never 50 or 50000
    ['1,5', 'rupiah', 'FORMAT', /"," is ambiguous.*"," is never allowed/],
    ['25,000', 'currency', 'FORMAT', /"," is ambiguous/],
    ['1.5', 'litres', 'FORMAT', /whole litres only/],
    ['0.000001', 'currency', 'FORMAT', /6 fraction digits; the smallest step is 0\.00001/],
    ['1.0001', 'cubicMetres', 'FORMAT', /4 fraction digits; the smallest step is 0\.001 m³ \(one litre\)/],
    ['-5', 'rupiah', 'FORMAT', /must not be negative/],
    ['-1', 'cubicMetres', 'FORMAT', /must not be negative/],
    ['+5', 'currency', 'FORMAT', /no "\+" sign/],
    ['1e5', 'currency', 'FORMAT', /no exponent/],
    ['.5', 'currency', 'FORMAT', /digits are needed on both sides of "\."/],
    ['5.', 'cubicMetres', 'FORMAT', /digits are needed on both sides/],
    ['1_00', 'rupiah', 'FORMAT', /grouping is in threes/],
    ['1234_567', 'rupiah', 'FORMAT', /grouping is in threes/],
    ['1_234.567_8', 'currency', 'FORMAT', /grouping is in threes/],
    ['1_000\u2009000', 'rupiah', 'FORMAT', /grouping is in threes/],
    ['1 000', 'rupiah', 'FORMAT', /a plain space does not group digits/],
    ['', 'litres', 'FORMAT', /it is empty/],
    ['abc', 'rupiah', 'FORMAT', /write rupiah as digits/],
    ['9'.repeat(61), 'currency', 'RANGE', /61 integer digits; at most 60/],
  ];
  it.each(refusals)('refuses %j as %s (%s)', (text, unit, code, message) => {
    expect(errorCode(() => parseDecimalAmount(text, unit))).toBe(code);
    expect(() => parseDecimalAmount(text, unit)).toThrow(message);
  });

  it('non-text input and unknown units are FORMAT errors, not crashes', () => {
    expect(errorCode(() => parseDecimalAmount(5 as unknown as string, 'rupiah'))).toBe('FORMAT');
    expect(errorCode(() => parseDecimalAmount(undefined as unknown as string, 'litres'))).toBe('FORMAT');
    expect(errorCode(() => parseDecimalAmount('5', 'yen' as AmountUnit))).toBe('FORMAT');
  });
});
