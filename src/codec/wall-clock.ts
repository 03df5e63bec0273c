/**
 * Naive wall-clock date-times (no zone) and civil-calendar day numbers, for the TID
 * (sts-reference §5: STS counts minutes of naive local time; no source names a zone, §13).
 * Pure integer arithmetic on the proleptic Gregorian calendar; the host time zone is never used.
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';

/** A naive wall-clock date-time (no zone). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const MINUTES_PER_DAY = 1440;

/** ⌊a / b⌋ for integers a and b > 0, with an exact integer quotient (no rounding). */
export function floorDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b - (r < 0 ? 1 : 0);
}

/** Days from 1970-01-01 to year-month-day (proleptic Gregorian; months 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Count years from March, so the leap day is the last day of the counting year.
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400); // 400-year cycles of 146 097 days
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9; // March = 0 … February = 11
  const dayOfYear = floorDiv(153 * shiftedMonth + 2, 5) + day - 1; // month lengths 31,30,31,30,31 repeat
  const dayOfEra = yearOfEra * 365 + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468; // 719 468 = days from 0000-03-01 to 1970-01-01
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = floorDiv(
    dayOfEra - floorDiv(dayOfEra, 1460) + floorDiv(dayOfEra, 36524) - floorDiv(dayOfEra, 146096),
    365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100));
  const shiftedMonth = floorDiv(5 * dayOfYear + 2, 153);
  const day = dayOfYear - floorDiv(153 * shiftedMonth + 2, 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Minutes from 1970-01-01 00:00 to a (checked) wall-clock time; seconds are truncated. */
export function minutesFromWallClock(w: WallClock): number {
  return daysFromCivil(w.year, w.month, w.day) * MINUTES_PER_DAY + w.hour * 60 + w.minute;
}

/** Inverse of minutesFromWallClock (no seconds). */
export function wallClockFromMinutes(minutes: number): WallClock {
  const days = floorDiv(minutes, MINUTES_PER_DAY);
  const inDay = minutes - days * MINUTES_PER_DAY;
  const minute = inDay % 60;
  return { ...civilFromDays(days), hour: (inDay - minute) / 60, minute };
}

function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * "YYYY-MM-DDTHH:MM" (also a space for T, and an optional ":SS") → WallClock.
 * @param text - the date-time
 * @throws HydroSyncError `FORMAT` on anything else, or a date that does not exist.
 */
export function parseWallClock(text: string): WallClock {
  if (typeof text !== 'string') {
    fail('FORMAT', `date-time must be a string "YYYY-MM-DDTHH:MM"; got ${typeOfInput(text)}`);
  }
  const m = WALL_CLOCK.exec(text.trim());
  if (!m) {
    fail('FORMAT', `date-time must look like "2014-03-01T13:00" (YYYY-MM-DDTHH:MM, optional :SS, T or a space); got ${showInput(text)}`);
  }
  const w: WallClock = { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5] };
  if (m[6] !== undefined) w.second = +m[6];
  return checkWallClock(w, text);
}

/**
 * WallClock → "YYYY-MM-DDTHH:MM" (seconds dropped).
 * @param w - the wall-clock time
 * @throws HydroSyncError `FORMAT` if it is not a valid date-time.
 */
export function formatWallClock(w: WallClock): string {
  return wallClockText(checkWallClock(w));
}

/** Validate a WallClock (years 1..9999, a real calendar day, 00:00..23:59, seconds 0..59). FORMAT on error. */
export function checkWallClock(w: WallClock, source?: string): WallClock {
  if (typeof w !== 'object' || w === null) {
    fail('FORMAT', `date-time must be a { year, month, day, hour, minute } object or a "YYYY-MM-DDTHH:MM" string; got ${typeOfInput(w)}`);
  }
  const { year, month, day, hour, minute, second } = w;
  const shown = source === undefined ? '' : ` in ${showInput(source)}`;
  field('year', year, 1, 9999, shown);
  field('month', month, 1, 12, shown);
  field('day', day, 1, daysInMonth(year, month), shown, `${year}-${two(month)} has ${daysInMonth(year, month)} days`);
  field('hour', hour, 0, 23, shown);
  field('minute', minute, 0, 59, shown);
  if (second !== undefined) field('second', second, 0, 59, shown);
  return w;
}

function field(name: string, v: unknown, min: number, max: number, shown: string, why?: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail('FORMAT', `${name} must be a whole number from ${min} to ${max}${why ? ` (${why})` : ''}; got ${showInput(v)}${shown}`);
  }
}

/** "YYYY-MM-DDTHH:MM" without validation (any year; used in messages too). */
export function wallClockText(w: WallClock): string {
  const y = w.year < 0 ? `-${String(-w.year).padStart(4, '0')}` : String(w.year).padStart(4, '0');
  return `${y}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
