/**
 * Water volume helpers. Class 0 subclass 1 counts 0.1 m³ = 100 litres per TransferAmount tenth
 * (sts-reference §2.2). Conversions into tenths round UP, in the customer's favour, like §3.1.
 */
import { fail } from '../errors';
import { parseDecimalAmount } from './decimal-amount';
import { showInput, typeOfInput } from './input-text';

const LITRES_PER_TENTH = 100;
/** Integer digits allowed in a cubic-metre string, so that the tenths stay below 2^53. */
const MAX_M3_DIGITS = 14;
const MAX_M3_LITRES = 10n ** BigInt(MAX_M3_DIGITS + 3);

/**
 * Whole litres (non-negative safe integer) → tenths of a m³, rounded up: 1 litre → 1, 100 → 1, 101 → 2.
 * @param litres - whole litres
 * @throws HydroSyncError `FORMAT` not a number; `RANGE` negative, fractional or unsafe.
 */
export function litresToTenths(litres: number): number {
  if (typeof litres !== 'number') fail('FORMAT', `litres must be a number; got ${typeOfInput(litres)}`);
  if (!Number.isSafeInteger(litres) || litres < 0) {
    fail('RANGE', `litres must be a whole, non-negative number; got ${showInput(litres)}`);
  }
  const r = litres % LITRES_PER_TENTH;
  return (litres - r) / LITRES_PER_TENTH + (r > 0 ? 1 : 0);
}

/**
 * Cubic metres as text ("1.25", "1_000.5"; parseDecimalAmount's grammar, at most 3 fraction digits:
 * the litre) → tenths of a m³, rounded up ("1.25" → 13).
 * @param m3 - cubic metres as text
 * @throws HydroSyncError `FORMAT` outside the grammar; `RANGE` beyond 14 integer digits.
 */
export function cubicMetresToTenths(m3: string): number {
  const litres = parseDecimalAmount(m3, 'cubicMetres');
  if (litres >= MAX_M3_LITRES) fail('RANGE', `cubic metres must have at most ${MAX_M3_DIGITS} integer digits; got ${showInput(m3)}`);
  return Number((litres + 99n) / 100n);
}

/**
 * Tenths of a m³ (non-negative safe integer) → litres, exactly (× 100).
 * @param tenths - tenths of a m³
 * @throws HydroSyncError `FORMAT` not a number; `RANGE` negative, fractional or too large.
 */
export function tenthsToLitres(tenths: number): number {
  if (typeof tenths !== 'number') fail('FORMAT', `tenths must be a number; got ${typeOfInput(tenths)}`);
  if (!Number.isSafeInteger(tenths) || tenths < 0 || !Number.isSafeInteger(tenths * LITRES_PER_TENTH)) {
    fail('RANGE', `tenths must be a whole, non-negative number below 2^53 / 100; got ${showInput(tenths)}`);
  }
  return tenths * LITRES_PER_TENTH;
}
