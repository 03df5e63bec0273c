/**
 * TokenIdentifier (TID), base dates and rollover (IEC 62055-41; sts-reference §5).
 *
 * TID = whole minutes from the base date's 00:00 to the issue time (§5.1), 24 bits (0..0xFFFFFF).
 * Base dates 1993, 2014 and 2035 (§5.2); each rolls over 0xFFFFFF minutes later, on 24 November at
 * 20:15, 31 years on. Minute 00:01 of every day is reserved: the vending side uses 00:02 (§5.3).
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';
import type { WallClock } from './wall-clock';
import { checkWallClock, daysFromCivil, floorDiv, minutesFromWallClock, parseWallClock, wallClockFromMinutes, wallClockText } from './wall-clock';

export type { WallClock } from './wall-clock';
export { parseWallClock, formatWallClock } from './wall-clock';

export type BaseDate = 1993 | 2014 | 2035;
/**
 * The base dates a TID can count from (§5.1): 1993, 2014, 2035.
 */
export const BASE_DATES: readonly BaseDate[] = Object.freeze([1993, 2014, 2035] as const);
/** The largest TID: 24 bits (§5.1). */
export const TID_MAX = 0xffffff;

const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60000;
/** Real UTC offsets lie within ±14:00; ±18:00 is accepted, as most date libraries do. */
const MAX_OFFSET_MINUTES = 18 * 60;

export interface TidOptions {
  /** 'skip' (default): a TID ≡ 1 (mod 1440), i.e. 00:01, becomes the TID of 00:02 (§5.3). 'keep': no change. */
  reservedMinute?: 'skip' | 'keep';
}

/** Minutes from 1970-01-01 00:00 to the base date's 00:00. */
function baseMinutes(b: BaseDate): number {
  return daysFromCivil(b, 1, 1) * MINUTES_PER_DAY;
}

function checkBaseDate(b: unknown): BaseDate {
  if (b !== 1993 && b !== 2014 && b !== 2035) {
    fail('FORMAT', `base date must be 1993, 2014 or 2035 (parseBaseDate also reads codes like "93", "14", "35"); got ${showInput(b)}`);
  }
  return b;
}

function skipReserved(options: unknown): boolean {
  if (options === undefined || options === null) return true;
  if (typeof options !== 'object') fail('FORMAT', `TID options must be an object such as { reservedMinute: 'keep' }; got ${typeOfInput(options)}`);
  const r = (options as TidOptions).reservedMinute;
  if (r !== undefined && r !== 'skip' && r !== 'keep') {
    fail('FORMAT', `reservedMinute must be 'skip' (00:01 → 00:02, the default) or 'keep'; got ${showInput(r)}`);
  }
  return r !== 'keep';
}

/** Local minutes since 1970 → TID, with the range checks and the reserved-minute rule (§5.3). */
function tidFromLocalMinutes(local: number, baseDate: BaseDate, options: unknown): number {
  const skip = skipReserved(options);
  const base = baseMinutes(baseDate);
  const tid = local - base;
  if (tid < 0) {
    fail('TID', `${wallClockText(wallClockFromMinutes(local))} is before the base date ${baseDate}-01-01 00:00; the TID counts minutes from it`);
  }
  if (tid > TID_MAX) {
    const rollover = wallClockText(wallClockFromMinutes(base + TID_MAX)).replace('T', ' ');
    const next = baseDate === 1993 ? 'use base date 2014' : baseDate === 2014 ? 'use base date 2035' : 'no later base date is defined';
    fail('TID', `${wallClockText(wallClockFromMinutes(local))} is past the TID rollover of base date ${baseDate} (${rollover}); ${next}`);
  }
  return skip && tid % MINUTES_PER_DAY === 1 ? tid + 1 : tid;
}

/**
 * Wall-clock time (object or "YYYY-MM-DDTHH:MM" string) → TID, minutes since the base date (§5.1,
 * §5.3). Seconds are truncated; 00:01 → the TID of 00:02 unless `reservedMinute: 'keep'`.
 *
 * @param w - naive local wall-clock time
 * @param baseDate - 1993, 2014 or 2035 (the key's base date)
 * @param options - `reservedMinute`: 'skip' (default) or 'keep'
 * @returns the TID, 0..TID_MAX
 * @throws HydroSyncError `FORMAT` a malformed date-time; `RANGE` a bad base date; `TID` before the
 *   base date or past its rollover.
 * @example
 * ```ts
 * tidFromWallClock('2014-01-01T00:10', 2014); // 10
 * tidFromWallClock('2026-12-01T09:30', 2014); // the TID of that minute
 * ```
 */
export function tidFromWallClock(w: WallClock | string, baseDate: BaseDate, options?: TidOptions): number {
  const wc = typeof w === 'string' ? parseWallClock(w) : checkWallClock(w);
  return tidFromLocalMinutes(minutesFromWallClock(wc), checkBaseDate(baseDate), options);
}

/**
 * An instant plus an explicit UTC offset in minutes (WIB = 420, WITA = 480, WIT = 540) → TID of
 * that local wall-clock minute. Never uses the host time zone.
 *
 * @param date - the instant
 * @param utcOffsetMinutes - the meters' UTC offset in whole minutes
 * @param baseDate - 1993, 2014 or 2035
 * @param options - `reservedMinute`: 'skip' (default) or 'keep'
 * @throws HydroSyncError `FORMAT` not a valid Date or offset; `RANGE` an offset out of range or a
 *   bad base date; `TID` before the base date or past its rollover.
 */
export function tidFromInstant(date: Date, utcOffsetMinutes: number, baseDate: BaseDate, options?: TidOptions): number {
  if (!(date instanceof Date)) fail('FORMAT', `instant must be a Date; got ${typeOfInput(date)}`);
  const ms = date.getTime();
  if (!Number.isFinite(ms)) fail('FORMAT', 'instant is an invalid Date (its time is NaN)');
  if (typeof utcOffsetMinutes !== 'number') fail('FORMAT', `UTC offset must be a number of minutes (WIB = 420); got ${typeOfInput(utcOffsetMinutes)}`);
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > MAX_OFFSET_MINUTES) {
    fail('RANGE', `UTC offset must be whole minutes from -${MAX_OFFSET_MINUTES} to ${MAX_OFFSET_MINUTES} (WIB = 420, WITA = 480, WIT = 540); got ${showInput(utcOffsetMinutes)}`);
  }
  // Date times are whole milliseconds (|ms| ≤ 8.64e15), so this is exact integer arithmetic.
  return tidFromLocalMinutes(floorDiv(ms, MS_PER_MINUTE) + utcOffsetMinutes, checkBaseDate(baseDate), options);
}

/**
 * TID (0..0xFFFFFF) → the wall-clock minute it stands for under a base date.
 *
 * @param tid - the TID
 * @param baseDate - 1993, 2014 or 2035
 * @throws HydroSyncError `RANGE` a bad TID or base date.
 */
export function wallClockFromTid(tid: number, baseDate: BaseDate): WallClock {
  checkTid(tid);
  return wallClockFromMinutes(baseMinutes(checkBaseDate(baseDate)) + tid);
}

/**
 * True for the reserved 00:01 minute: tid ≡ 1 (mod 1440) (§5.3).
 *
 * @param tid - the TID
 * @throws HydroSyncError `RANGE` a bad TID.
 */
export function isReservedTid(tid: number): boolean {
  checkTid(tid);
  return tid % MINUTES_PER_DAY === 1;
}

/**
 * 1993 / 2014 / 2035, "1993", 93 / "93", 14 / "14", 35 / "35" → BaseDate.
 * @param v - the base date as a number or text
 * @throws HydroSyncError `FORMAT` otherwise.
 */
export function parseBaseDate(v: unknown): BaseDate {
  const s = typeof v === 'number' || typeof v === 'string' ? String(v).trim() : '';
  switch (s) {
    case '1993':
    case '93':
      return 1993;
    case '2014':
    case '14':
      return 2014;
    case '2035':
    case '35':
      return 2035;
    default:
      return fail('FORMAT', `base date must be 1993, 2014 or 2035 (or the codes 93, 14, 35); got ${showInput(v)}`);
  }
}

/** BaseDate → its two-digit code (§5.2). */
export function baseDateCode(b: BaseDate): '93' | '14' | '35' {
  const d = checkBaseDate(b);
  return d === 1993 ? '93' : d === 2014 ? '14' : '35';
}

/**
 * KeyExpiryNumber check (§5.5): the key has expired for this TID when the TID's 8 most significant
 * bits exceed the KEN. KEN 255 never expires.
 * @param tid - the TID
 * @param keyExpiryNumber - the KEN, 0..255
 * @throws HydroSyncError `RANGE` for a bad TID or a KEN outside 0..255.
 */
export function isKeyExpired(tid: number, keyExpiryNumber: number): boolean {
  checkTid(tid);
  if (typeof keyExpiryNumber !== 'number' || !Number.isInteger(keyExpiryNumber) || keyExpiryNumber < 0 || keyExpiryNumber > 255) {
    fail('RANGE', `KeyExpiryNumber must be an integer from 0 to 255; got ${showInput(keyExpiryNumber)}`);
  }
  return tid >>> 16 > keyExpiryNumber;
}

function checkTid(tid: unknown): asserts tid is number {
  if (typeof tid !== 'number' || !Number.isInteger(tid) || tid < 0 || tid > TID_MAX) {
    fail('RANGE', `TID must be an integer from 0 to ${TID_MAX} (24 bits); got ${showInput(tid)}`);
  }
}
