/**
 * Decimal currency text ⇄ exact amounts in units of 0.00001 (the currency resolution of
 * sts-reference §2.2 and §3.2). BigInt throughout: amounts go far beyond 2^53 (vectors/README).
 */
import { fail } from '../errors';
import { parseDecimalAmount } from './decimal-amount';
import { typeOfInput } from './input-text';

const FRACTION_DIGITS = 5;
const UNITS_PER_CURRENCY = 100000n;

/**
 * "12", "-1", "0.5", "25_000", "182044000000000000000000000000" → units of 0.00001, exactly
 * (parseDecimalAmount with the currency rule: optional "-", at most 5 fraction digits, "_" or thin
 * space grouping in threes).
 * @param text - the amount as written
 * @throws HydroSyncError `FORMAT` for anything else (with the rule quoted); `RANGE` beyond 60 integer digits.
 */
export function parseCurrencyAmount(text: string): bigint {
  return parseDecimalAmount(text, 'currency');
}

/**
 * Units of 0.00001 → the shortest exact decimal: 100000n → "1", 150000n → "1.5", -1n → "-0.00001".
 * @param units - the amount in 0.00001 units
 * @throws HydroSyncError `FORMAT` if `units` is not a bigint.
 */
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
