/**
 * Water volume helpers. Class 0 subclass 1 counts 0.1 m³ = 100 litres per TransferAmount tenth
 * (sts-reference §2.2). Conversions into tenths round UP, in the customer's favour, like §3.1.
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';

const LITRES_PER_TENTH = 100;
/** Integer digits allowed in a cubic-metre string, so that the tenths stay below 2^53. */
const MAX_M3_DIGITS = 14;
const DECIMAL = /^\+?(\d*)(?:\.(\d*))?$/;

/** Whole litres (non-negative safe integer) → tenths of a m³, rounded up: 1 litre → 1, 100 → 1, 101 → 2. */
export function litresToTenths(litres: number): number {
  if (typeof litres !== 'number') fail('FORMAT', `litres must be a number; got ${typeOfInput(litres)}`);
  if (!Number.isSafeInteger(litres) || litres < 0) {
    fail('RANGE', `litres must be a whole, non-negative number; got ${showInput(litres)}`);
  }
  const r = litres % LITRES_PER_TENTH;
  return (litres - r) / LITRES_PER_TENTH + (r > 0 ? 1 : 0);
}

/** Cubic metres as a decimal string ("1.25") → tenths of a m³, rounded up ("1.25" → 13). */
export function cubicMetresToTenths(m3: string): number {
  if (typeof m3 !== 'string') {
    fail('FORMAT', `cubic metres must be a decimal string such as "1.25"; got ${typeOfInput(m3)}`);
  }
  const text = m3.trim();
  if (text.startsWith('-')) fail('RANGE', `cubic metres must not be negative; got ${showInput(m3)}`);
  const match = DECIMAL.exec(text);
  const whole = (match?.[1] ?? '').replace(/^0+/, '');
  const fraction = match?.[2] ?? '';
  if (!match || match[1].length + fraction.length === 0) {
    fail('FORMAT', `cubic metres must be a plain decimal number such as "1.25" (no sign, exponent or grouping); got ${showInput(m3)}`);
  }
  if (whole.length > MAX_M3_DIGITS) {
    fail('RANGE', `cubic metres must have at most ${MAX_M3_DIGITS} integer digits; got ${whole.length}`);
  }
  const first = fraction.length > 0 ? fraction.charCodeAt(0) - 48 : 0;
  const roundUp = /[1-9]/.test(fraction.slice(1)) ? 1 : 0;
  return Number(whole || '0') * 10 + first + roundUp;
}

/** Tenths of a m³ (non-negative safe integer) → litres, exactly (× 100). */
export function tenthsToLitres(tenths: number): number {
  if (typeof tenths !== 'number') fail('FORMAT', `tenths must be a number; got ${typeOfInput(tenths)}`);
  if (!Number.isSafeInteger(tenths) || tenths < 0 || !Number.isSafeInteger(tenths * LITRES_PER_TENTH)) {
    fail('RANGE', `tenths must be a whole, non-negative number below 2^53 / 100; got ${showInput(tenths)}`);
  }
  return tenths * LITRES_PER_TENTH;
}
