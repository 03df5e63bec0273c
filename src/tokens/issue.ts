import { fail } from '../errors';
import {
  type WallClock, formatWallClock, tidFromInstant, tidFromWallClock, wallClockFromTid,
} from '../codec/tid';
import {
  cubicMetresToTenths, decodeCurrencyUnits, decodeTransferAmount, encodeCurrencyUnits, encodeTransferAmount,
  formatCurrencyAmount, litresToTenths, parseCurrencyAmount, tenthsToLitres,
} from '../codec/amount';
import { parseDecimalAmountNumber } from '../codec/decimal-amount';
import { groupToken } from '../codec/token-digits';
import type { DecoderKey } from '../keys/decoder-key';
import { type GenerateOptions, generateToken } from './generate';
import { randomNibble } from './random';
import type { TransferCreditToken, TransferCurrencyToken } from './types';
import { checkObject } from '../argument-checks';

/** When a token is issued: a TID, a naive wall-clock date-time, or an instant with an explicit UTC offset. */
export interface IssueTime {
  tid?: number;
  /** Naive local wall-clock time, "YYYY-MM-DDTHH:MM" or a WallClock. */
  dateTime?: string | WallClock;
  /** An instant; needs utcOffsetMinutes (420 for WIB, 480 WITA, 540 WIT). The host time zone is never used. */
  at?: Date;
  utcOffsetMinutes?: number;
}

/** Resolve the TID for a key's base date (reserved 00:01 → 00:02). Exactly one of tid, dateTime, at. */
export function resolveTid(key: Pick<DecoderKey, 'baseDate'>, time: IssueTime): number {
  const given = [time.tid !== undefined, time.dateTime !== undefined, time.at !== undefined].filter(Boolean).length;
  if (given !== 1) fail('FORMAT', 'give exactly one of tid, dateTime, or at (with utcOffsetMinutes)');
  if (time.tid !== undefined) {
    if (!Number.isInteger(time.tid) || time.tid < 0 || time.tid > 0xffffff) fail('RANGE', `TID must be an integer 0..16777215; got ${time.tid}`);
    return time.tid;
  }
  if (time.dateTime !== undefined) return tidFromWallClock(time.dateTime, key.baseDate);
  if (time.utcOffsetMinutes === undefined) {
    fail('FORMAT', 'an instant needs utcOffsetMinutes (e.g. 420 for WIB); the host time zone is never used');
  }
  return tidFromInstant(time.at!, time.utcOffsetMinutes, key.baseDate);
}

export interface IssuedToken {
  /** 20 digits. */
  token: string;
  /** Grouped 4-4-4-4-4 for printing. */
  grouped: string;
  tid: number;
  /** The TID as naive wall-clock time under the key's base date. */
  dateTime: string;
  subclass: number;
  fields: Record<string, number>;
}

export interface IssuedCredit extends IssuedToken {
  /** What was asked for, in tenths of a unit (0.1 m³ for water). */
  requestedTenths: number;
  /** What the token carries after rounding up (§3.1). */
  creditedTenths: number;
  /** For water (subclass 1): credited litres. */
  creditedLitres?: number;
}

export interface CreditRequest extends IssueTime {
  /** 0 electricity, 1 water (default), 2 gas, 3 time. */
  subclass?: 0 | 1 | 2 | 3;
  /** Exactly one amount: tenths of a unit, litres (water), or cubic metres as a decimal string. */
  tenths?: number;
  /** Whole litres: a number, or text in parseDecimalAmount's grammar ("2_500"). */
  litres?: number | string;
  /** Cubic metres as text in parseDecimalAmount's grammar ("2.5", at most 3 fraction digits). */
  cubicMetres?: string;
  rnd?: number;
}

/**
 * A credit must be above zero: a meter counts a 0 credit token as a used TID and nothing else, and
 * the security module refuses it (RANGE). One rule for the library, the module and the CLI.
 *
 * @param tenths - the requested amount in tenths of a unit (0.1 m³ for water)
 * @throws HydroSyncError `RANGE` for 0 (or below)
 */
export function checkCreditTenths(tenths: number): void {
  if (typeof tenths === 'number' && tenths <= 0) {
    fail('RANGE', 'a credit must be above 0 (the smallest water token is 0.1 m³, 100 litres)');
  }
}

/**
 * Issue a class 0 TransferCredit token (water by default), rounding the amount up in the customer's favour.
 *
 * @param key - the meter's decoder key
 * @param req - the amount (exactly one of `litres`, `tenths`, `cubicMetres`), the time (exactly one
 *   of `tid`, `dateTime`, `at` with `utcOffsetMinutes`), optionally `subclass` and `rnd`
 * @param options - `allowReservedTid`, `allowExpiredKey`
 * @returns the token (digits and grouped), its TID and what it credits (`creditedLitres`)
 * @throws HydroSyncError `FORMAT` malformed amount or time; `RANGE` zero, negative or too large an
 *   amount; `TID` a time before the base date or past its rollover; `KEY_EXPIRED` a TID past the
 *   key's KeyExpiryNumber; `KEY` not a DecoderKey.
 * @example
 * ```ts
 * const issued = issueCredit(key, { cubicMetres: '2.55', dateTime: '2026-12-01T09:30' });
 * issued.grouped;        // '1234 5678 9012 3456 7890'
 * issued.creditedLitres; // 2600 (the token carries 2.6 m³)
 * ```
 */
export function issueCredit(key: DecoderKey, req: CreditRequest, options: GenerateOptions = {}): IssuedCredit {
  checkObject(req, 'the credit request');
  const subclass = req.subclass ?? 1;
  const amounts = [req.tenths, req.litres, req.cubicMetres].filter((v) => v !== undefined).length;
  if (amounts !== 1) fail('FORMAT', 'give exactly one amount: tenths, litres or cubicMetres');
  if ((req.litres !== undefined || req.cubicMetres !== undefined) && subclass !== 1 && subclass !== 2) {
    fail('FORMAT', 'litres and cubic metres are volumes: use them for water (subclass 1) or gas (subclass 2)');
  }
  const requestedTenths = req.tenths !== undefined ? req.tenths
    : req.litres !== undefined ? litresToTenths(typeof req.litres === 'string' ? parseDecimalAmountNumber(req.litres, 'litres') : req.litres)
    : cubicMetresToTenths(req.cubicMetres!);
  checkCreditTenths(requestedTenths);
  const amount = encodeTransferAmount(requestedTenths);
  const tid = resolveTid(key, req);
  const t: TransferCreditToken = { kind: 'transferCredit', class: 0, subclass, fields: { rnd: req.rnd ?? randomNibble(), tid, amount } };
  const token = generateToken(t, key, options);
  const creditedTenths = decodeTransferAmount(amount);
  return {
    token, grouped: groupToken(token), tid, dateTime: formatWallClock(wallClockFromTid(tid, key.baseDate)),
    subclass, fields: t.fields, requestedTenths, creditedTenths,
    ...(subclass === 1 ? { creditedLitres: tenthsToLitres(creditedTenths) } : {}),
  };
}

export interface CurrencyRequest extends IssueTime {
  /** 4 electricity, 5 water (default), 6 gas, 7 time currency. */
  subclass?: 4 | 5 | 6 | 7;
  /** Amount in currency units as text in parseDecimalAmount's grammar (at most 5 fraction digits), e.g. "50000" or "50_000". */
  amount: string;
}

export interface IssuedCurrency extends IssuedToken {
  requested: string;
  /** What the token carries after rounding (magnitude up for credit, down for debit). */
  credited: string;
}

/**
 * Issue a class 0 currency TransferCredit token (water currency, subclass 5, by default).
 *
 * @param key - the meter's decoder key
 * @param req - `amount` as text in parseDecimalAmount's currency grammar (e.g. "50_000"), the time
 *   (`tid`, `dateTime`, or `at` with `utcOffsetMinutes`), optionally `subclass` (4..7) and `rnd`
 * @param options - `allowReservedTid`, `allowExpiredKey`
 * @returns the token, its TID, the amount requested and the amount it carries (`credited`)
 * @throws HydroSyncError `FORMAT` malformed amount or time; `RANGE` zero or too large an amount;
 *   `TID`, `KEY_EXPIRED`, `KEY` as for issueCredit.
 * @example
 * ```ts
 * const issued = issueCurrencyCredit(key, { amount: '50_000', dateTime: '2026-12-01T09:30' });
 * issued.credited; // '50004.42624': what the token's 20-bit amount carries, rounded up
 * ```
 */
export function issueCurrencyCredit(key: DecoderKey, req: CurrencyRequest, options: GenerateOptions = {}): IssuedCurrency {
  checkObject(req, 'the currency request');
  const subclass = req.subclass ?? 5;
  const units = parseCurrencyAmount(req.amount);
  const currencyAmount = encodeCurrencyUnits(units);
  const tid = resolveTid(key, req);
  const t: TransferCurrencyToken = { kind: 'transferCurrency', class: 0, subclass, fields: { tid, currencyAmount } };
  const token = generateToken(t, key, options);
  return {
    token, grouped: groupToken(token), tid, dateTime: formatWallClock(wallClockFromTid(tid, key.baseDate)),
    subclass, fields: t.fields, requested: formatCurrencyAmount(units), credited: formatCurrencyAmount(decodeCurrencyUnits(currencyAmount)),
  };
}
