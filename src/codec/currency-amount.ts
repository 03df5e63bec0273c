/**
 * The 20-bit currency amount (IEC 62055-41 Ed 2; sts-reference §3.2): class 0 sub 4–7.
 *
 * Field: bit 19 = sign (1 = negative), bits 18..14 = exponent e (0..31), bits 13..0 = mantissa m.
 * Magnitude in units of 0.00001 currency = m · 10^e + Σ_{n=1..e} 2^14 · 10^(n−1).
 * Encoding rounds in the customer's favour: a positive amount rounds its magnitude UP (the smallest
 * code ≥ the amount: more credit), a negative amount rounds its magnitude DOWN (the largest code ≤
 * the magnitude: less debit). Magnitudes reach ~1.8 × 10^35 units, so everything here is BigInt.
 */
import { fail } from '../errors';
import { formatCurrencyAmount, parseCurrencyAmount } from './currency-decimal';
import { showInput, typeOfInput } from './input-text';

const SIGN_BIT = 0x80000;
const EXPONENTS = 32;

/** 10^e for e = 0..31. */
const SCALE: readonly bigint[] = /* @__PURE__ */ powersOfTen();
/** Σ_{n=1..e} 2^14 · 10^(n−1) for e = 0..32: the magnitude of (e, m = 0); entry 32 bounds e = 31. */
const OFFSET: readonly bigint[] = /* @__PURE__ */ offsets();

/**
 * The largest magnitude the 20-bit field can carry, in 0.00001 units: (e = 31, m = 16383), i.e.
 * 16383 · 10^31 + 16384 · (10^31 − 1) / 9 = 1 820 344 444 444 444 444 444 444 444 444.42624 currency units.
 */
export const CURRENCY_MAX_UNITS = 182034444444444444444444444444442624n;

function powersOfTen(): bigint[] {
  const p: bigint[] = [];
  for (let e = 0, v = 1n; e < EXPONENTS; e++, v *= 10n) p.push(v);
  return p;
}

function offsets(): bigint[] {
  const o: bigint[] = [0n];
  for (let e = 1, v = 0n, s = 16384n; e <= EXPONENTS; e++, s *= 10n) o.push((v += s));
  return o;
}

/**
 * Amount in 0.00001 currency units (bigint; a safe-integer number is accepted too) → 20-bit field,
 * rounded in the customer's favour (§3.2).
 * @param units - the amount in 0.00001 units
 * @throws HydroSyncError `RANGE` if the magnitude exceeds CURRENCY_MAX_UNITS; `FORMAT` not an integer.
 */
export function encodeCurrencyUnits(units: bigint): number {
  let u: bigint;
  if (typeof units === 'bigint') u = units;
  else if (typeof units === 'number' && Number.isSafeInteger(units)) u = BigInt(units);
  else fail('FORMAT', `currency amount must be a bigint count of 0.00001 currency units; got ${showInput(units)}`);

  const negative = u < 0n;
  const magnitude = negative ? -u : u;
  if (magnitude > CURRENCY_MAX_UNITS) {
    fail(
      'RANGE',
      `currency amount ${formatCurrencyAmount(u)} is beyond the 20-bit currency field; its magnitude must be at most ${formatCurrencyAmount(CURRENCY_MAX_UNITS)}`,
    );
  }
  let e: number;
  let m: bigint;
  if (negative) {
    // Largest code ≤ magnitude: the largest e with OFFSET[e] ≤ magnitude, m rounded down.
    e = EXPONENTS - 1;
    while (OFFSET[e] > magnitude) e--;
    m = (magnitude - OFFSET[e]) / SCALE[e];
  } else {
    // Smallest code ≥ magnitude: the smallest e whose top reaches it, m rounded up. A magnitude
    // between the top of e − 1 and OFFSET[e] gives (e, 0), the spec's carry case.
    e = 0;
    while (magnitude > OFFSET[e + 1] - SCALE[e]) e++; // OFFSET[e+1] − 10^e = top of e
    const rest = magnitude - OFFSET[e];
    m = rest <= 0n ? 0n : (rest + SCALE[e] - 1n) / SCALE[e];
  }
  return (negative ? SIGN_BIT : 0) | (e << 14) | Number(m);
}

/**
 * 20-bit field → the exact amount in 0.00001 currency units (§3.2).
 * @param field - the 20-bit currency amount field
 * @throws HydroSyncError `FORMAT` not a number; `RANGE` unless an integer 0..0xFFFFF.
 */
export function decodeCurrencyUnits(field: number): bigint {
  if (typeof field !== 'number') {
    fail('FORMAT', `currency amount field must be a number (20-bit, 0..1048575); got ${typeOfInput(field)}`);
  }
  if (!Number.isInteger(field) || field < 0 || field > 0xfffff) {
    fail('RANGE', `currency amount field must be an integer from 0 to 1048575 (20 bits); got ${showInput(field)}`);
  }
  const e = (field >>> 14) & 31;
  const magnitude = BigInt(field & 0x3fff) * SCALE[e] + OFFSET[e];
  return field & SIGN_BIT ? -magnitude : magnitude;
}

/**
 * Decimal currency text (see parseCurrencyAmount) → 20-bit field, rounded as encodeCurrencyUnits does.
 * @param text - e.g. "50_000" or "12.5"
 * @throws HydroSyncError `FORMAT` outside the currency grammar; `RANGE` too large for one token.
 */
export function encodeCurrencyAmount(text: string): number {
  return encodeCurrencyUnits(parseCurrencyAmount(text));
}
