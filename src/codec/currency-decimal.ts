/**
 * Decimal currency text ⇄ exact amounts in units of 0.00001 (the currency resolution of
 * sts-reference §2.2 and §3.2). BigInt throughout: amounts go far beyond 2^53 (vectors/README).
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';

const FRACTION_DIGITS = 5;
const UNITS_PER_CURRENCY = 100000n;
/** Far beyond the largest 20-bit amount (31 integer digits); stops absurd inputs early. */
const MAX_INTEGER_DIGITS = 60;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * "12", "-1", "0.5", "+3.25", ".5", "182044000000000000000000000000" → units of 0.00001.
 * Surrounding whitespace is ignored. FORMAT if not a plain decimal number (no exponent, no
 * grouping); RANGE if it has non-zero digits beyond 5 decimal places, or more than 60 integer digits.
 */
export function parseCurrencyAmount(text: string): bigint {
  if (typeof text !== 'string') {
    fail('FORMAT', `currency amount must be a decimal string such as "12.5" or "-1"; got ${typeOfInput(text)}`);
  }
  const match = DECIMAL.exec(text.trim());
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || whole.length + fraction.length === 0) {
    fail(
      'FORMAT',
      `currency amount must be a plain decimal number such as "12.5" or "-1" (digits, optional sign and point; no exponent or grouping); got ${showInput(text)}`,
    );
  }
  const significantWhole = whole.replace(/^0+/, '');
  if (significantWhole.length > MAX_INTEGER_DIGITS) {
    fail('RANGE', `currency amount has ${significantWhole.length} integer digits; at most ${MAX_INTEGER_DIGITS} are accepted (the 20-bit field stops at 31)`);
  }
  if (fraction.length > FRACTION_DIGITS && /[1-9]/.test(fraction.slice(FRACTION_DIGITS))) {
    fail(
      'RANGE',
      `currency amount ${showInput(text)} has more than ${FRACTION_DIGITS} decimal places; the smallest currency step is 0.00001`,
    );
  }
  const units =
    BigInt(significantWhole || '0') * UNITS_PER_CURRENCY +
    BigInt(fraction.slice(0, FRACTION_DIGITS).padEnd(FRACTION_DIGITS, '0'));
  return match[1] === '-' ? -units : units;
}

/** Units of 0.00001 → the shortest exact decimal: 100000n → "1", 150000n → "1.5", -1n → "-0.00001". */
export function formatCurrencyAmount(units: bigint): string {
  if (typeof units !== 'bigint') {
    fail('FORMAT', `currency amount must be a bigint count of 0.00001 currency units; got ${typeOfInput(units)}`);
  }
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const whole = magnitude / UNITS_PER_CURRENCY;
  const fraction = (magnitude % UNITS_PER_CURRENCY).toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
