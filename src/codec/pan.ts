/**
 * MeterPAN, IIN and DRN (IEC 62055-41 5.6/6.1; sts-reference §7.7).
 *
 * MeterPAN = 18 digits, either IIN(6) ‖ DRN(11) ‖ check or "0000" ‖ DRN(13) ‖ check. A PAN that
 * starts with "0000" is read as the second form. DRN = MfrCode(2 or 4) ‖ DSN(8) ‖ Luhn check digit.
 * The PAN check digit is the Luhn digit of the first 17 digits.
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';
import { luhnCheckDigit } from './luhn';

export { luhnCheckDigit } from './luhn';

export interface MeterPan {
  /** The 18 digits, without separators. */
  pan: string;
  /** 6 digits, or "0000" for the 13-digit-DRN form. */
  iin: string;
  /** 11 or 13 digits, its own Luhn check digit last. */
  drn: string;
  /** The PAN's last digit. */
  checkDigit: number;
}

const SHORT_IIN = '0000';

/** Remove spaces and dashes; require only digits. FORMAT otherwise. */
function digitsOf(text: unknown, what: string): string {
  if (typeof text !== 'string') fail('FORMAT', `${what} must be a string of digits; got ${typeOfInput(text)}`);
  const d = text.replace(/[ -]/g, '');
  if (!/^\d*$/.test(d)) fail('FORMAT', `${what} may contain only digits, spaces and dashes; got ${showInput(text)}`);
  return d;
}

/** CHECK_DIGIT unless the last digit of `digits` is the Luhn digit of the others. */
function checkLuhn(digits: string, what: string): void {
  const body = digits.slice(0, -1);
  const expected = luhnCheckDigit(body);
  const got = digits.charCodeAt(digits.length - 1) - 48;
  if (got !== expected) {
    fail('CHECK_DIGIT', `${what} ${digits} ends in check digit ${got}, but the Luhn check digit of ${body} is ${expected}; check for a typing error`);
  }
}

/**
 * A DRN alone: 11 or 13 digits (spaces and dashes ignored) with a valid Luhn check digit. Returns the digits.
 * @param text - the DRN
 * @throws HydroSyncError `FORMAT` wrong length or non-digits; `CHECK_DIGIT` a wrong check digit.
 */
export function parseDrn(text: string): string {
  const drn = digitsOf(text, 'DRN');
  if (drn.length !== 11 && drn.length !== 13) {
    fail('FORMAT', `DRN must be 11 digits (2-digit manufacturer code) or 13 digits (4-digit code), check digit included; got ${drn.length}`);
  }
  checkLuhn(drn, 'DRN');
  return drn;
}

/**
 * An 18-digit MeterPAN (spaces and dashes ignored) → its parts; both check digits are verified.
 * @param text - the MeterPAN
 * @throws HydroSyncError `FORMAT` not 18 digits; `CHECK_DIGIT` a wrong DRN or PAN check digit.
 */
export function parseMeterPan(text: string): MeterPan {
  const pan = digitsOf(text, 'MeterPAN');
  if (pan.length !== 18) {
    fail('FORMAT', `MeterPAN must be exactly 18 digits (IIN, DRN and check digit) after removing spaces and dashes; got ${pan.length}`);
  }
  checkLuhn(pan, 'MeterPAN');
  const iinLength = pan.startsWith(SHORT_IIN) ? 4 : 6;
  const drn = pan.slice(iinLength, 17);
  checkLuhn(drn, 'DRN');
  return { pan, iin: pan.slice(0, iinLength), drn, checkDigit: pan.charCodeAt(17) - 48 };
}

/**
 * IIN (6 digits, or "0000") + DRN (11, or 13 with "0000"; check digit verified) → 18-digit MeterPAN.
 * @param iin - the issuer identification number
 * @param drn - the decoder reference number, with its check digit
 * @throws HydroSyncError `FORMAT` wrong lengths or non-digits; `CHECK_DIGIT` a DRN whose Luhn digit is wrong.
 */
export function makeMeterPan(iin: string, drn: string): string {
  const i = digitsOf(iin, 'IIN');
  const d = parseDrn(drn);
  if (i === SHORT_IIN) {
    if (d.length !== 13) fail('FORMAT', `with IIN "0000" the DRN must be 13 digits; got ${d.length}`);
  } else if (i.length === 6) {
    if (i.startsWith(SHORT_IIN)) {
      fail('FORMAT', `a 6-digit IIN must not start with "0000" (that prefix marks the 4-digit IIN "0000" with a 13-digit DRN); got ${i}`);
    }
    if (d.length !== 11) fail('FORMAT', `with a 6-digit IIN the DRN must be 11 digits; got ${d.length}`);
  } else {
    fail('FORMAT', `IIN must be 6 digits, or "0000" for a 13-digit DRN; got ${showInput(iin)}`);
  }
  const body = i + d;
  return body + luhnCheckDigit(body);
}
