/**
 * ISO/IEC 7812 Luhn check digits, as used for the MeterPAN and the DRN (sts-reference §7.7).
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';

/**
 * The Luhn check digit to append to a string of decimal digits: starting with the rightmost digit,
 * every second digit is doubled (9 subtracted when the result exceeds 9); the check digit brings the
 * total to a multiple of 10.
 * @param digits - one or more ASCII digits
 * @throws HydroSyncError `FORMAT` unless `digits` is one or more ASCII digits.
 */
export function luhnCheckDigit(digits: string): number {
  if (typeof digits !== 'string') fail('FORMAT', `Luhn input must be a string of digits; got ${typeOfInput(digits)}`);
  if (!/^\d+$/.test(digits)) fail('FORMAT', `Luhn input must be one or more digits 0-9; got ${showInput(digits)}`);
  let sum = 0;
  let double = true; // the rightmost payload digit sits next to the check digit, so it is doubled
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}
