/**
 * The meter clock: naive local wall time (the meter has no time zone), as whole seconds since
 * 1970-01-01T00:00 of that wall clock. Only the key-change hold time, the lockout and flow use it;
 * TIDs stay in minutes of their base date.
 */
import { fail } from '../errors';
import { type WallClock, checkWallClock, parseWallClock } from '../codec/wall-clock';
import { daysFromCivil, civilFromDays, floorDiv } from '../codec/wall-clock';
import { type BaseDate } from '../codec/tid';

/** Meter time: "YYYY-MM-DDTHH:MM[:SS]" (naive), a WallClock, or seconds since 1970-01-01T00:00 naive. */
export type MeterTime = string | WallClock | number;

const BASE_DAYS: Record<BaseDate, number> = { 1993: daysFromCivil(1993, 1, 1), 2014: daysFromCivil(2014, 1, 1), 2035: daysFromCivil(2035, 1, 1) };

/**
 * Meter time ("YYYY-MM-DDTHH:MM[:SS]", a WallClock, or whole seconds) → whole seconds.
 * @param t - the meter time
 * @throws HydroSyncError `FORMAT` for anything else.
 */
export function meterSeconds(t: MeterTime): number {
  if (typeof t === 'number') {
    if (!Number.isSafeInteger(t)) fail('FORMAT', `meter time in seconds must be a whole number; got ${t}`);
    return t;
  }
  const w = typeof t === 'string' ? parseWallClock(t) : checkWallClock(t);
  return (daysFromCivil(w.year, w.month, w.day) * 1440 + w.hour * 60 + w.minute) * 60 + (w.second ?? 0);
}

/**
 * Meter seconds → "YYYY-MM-DDTHH:MM:SS" (":SS" left out when zero).
 * @param seconds - meter time in whole seconds (meterSeconds)
 * @throws HydroSyncError `FORMAT` for a non-integer or out-of-range value.
 */
export function formatMeterTime(seconds: number): string {
  if (!Number.isSafeInteger(seconds)) fail('FORMAT', `a meter time is whole seconds; got ${typeof seconds === 'number' ? String(seconds) : typeof seconds}`);
  const minutes = floorDiv(seconds, 60);
  const s = seconds - minutes * 60;
  const days = floorDiv(minutes, 1440);
  const inDay = minutes - days * 1440;
  const { year, month, day } = civilFromDays(days);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${p(month)}-${p(day)}T${p(Math.floor(inDay / 60))}:${p(inDay % 60)}${s ? `:${p(s)}` : ''}`;
}

/** The TID a meter clock reading stands for under a base date (minutes since the base date; may be negative or past 0xFFFFFF). */
export function minutesSinceBaseDate(seconds: number, baseDate: BaseDate): number {
  return floorDiv(seconds, 60) - BASE_DAYS[baseDate] * 1440;
}
