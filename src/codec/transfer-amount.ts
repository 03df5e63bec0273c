/**
 * The 16-bit TransferAmount (IEC 62055-41 6.3.6; sts-reference §3.1): class 0 sub 0–3, and the
 * same coding for MaximumPowerLimit / MaximumPhasePowerUnbalanceLimit.
 *
 * Field = (e << 14) + m, e = bits 15..14, m = bits 13..0. In tenths of a unit:
 *   decoded = m · 10^e + Σ_{n=1..e} 2^14 · 10^(n−1)
 * Encoding takes the smallest code whose decoded value is ≥ the request (rounds up, in the
 * customer's favour). Integer arithmetic only.
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';

/** Field 0xFFFF decodes to 18 201 624 tenths: the largest transfer amount (§3.1). */
export const TRANSFER_AMOUNT_MAX_TENTHS = 18201624;

/** 10^e. */
const SCALE = [1, 10, 100, 1000] as const;
/** Σ_{n=1..e} 2^14 · 10^(n−1): the decoded value of (e, m = 0). */
const OFFSET = [0, 16384, 180224, 1818624] as const;
/** The decoded value of (e, m = 16383): the largest value exponent e can carry. */
const TOP = [16383, 180214, 1818524, 18201624] as const;

/**
 * Requested tenths (a non-negative safe integer) → 16-bit field, rounded up (§3.1).
 * @param tenths - tenths of a unit (0.1 m³ for water)
 * @throws HydroSyncError `FORMAT` not a number; `RANGE` if negative, not an integer, or above
 *   TRANSFER_AMOUNT_MAX_TENTHS.
 */
export function encodeTransferAmount(tenths: number): number {
  if (typeof tenths !== 'number') {
    fail('FORMAT', `transfer amount must be a number of tenths of a unit; got ${typeOfInput(tenths)}`);
  }
  if (!Number.isSafeInteger(tenths) || tenths < 0 || tenths > TRANSFER_AMOUNT_MAX_TENTHS) {
    fail(
      'RANGE',
      `transfer amount must be a whole number of tenths from 0 to ${TRANSFER_AMOUNT_MAX_TENTHS} (1 820 162.4 units); got ${showInput(tenths)}`,
    );
  }
  // The smallest e whose range reaches the request; then m = ⌈(request − OFFSET[e]) / 10^e⌉.
  // A request between TOP[e−1] and OFFSET[e] gives m = 0: this is the spec's carry case,
  // where m = 16384 at exponent e − 1 becomes (e, 0) (§3.1).
  let e = 0;
  while (tenths > TOP[e]) e++;
  const rest = tenths - OFFSET[e];
  let m = 0;
  if (rest > 0) {
    const r = rest % SCALE[e];
    m = (rest - r) / SCALE[e] + (r > 0 ? 1 : 0); // exact integer quotient, then round up
  }
  return (e << 14) + m;
}

/**
 * 16-bit field → the exact number of tenths it stands for (§3.1).
 * @param field - the 16-bit TransferAmount field
 * @throws HydroSyncError `FORMAT` not a number; `RANGE` unless an integer 0..65535.
 */
export function decodeTransferAmount(field: number): number {
  if (typeof field !== 'number') {
    fail('FORMAT', `transfer amount field must be a number (16-bit, 0..65535); got ${typeOfInput(field)}`);
  }
  if (!Number.isInteger(field) || field < 0 || field > 0xffff) {
    fail('RANGE', `transfer amount field must be an integer from 0 to 65535 (16 bits); got ${showInput(field)}`);
  }
  const e = field >>> 14;
  return (field & 0x3fff) * SCALE[e] + OFFSET[e];
}
