/**
 * The utility's local time from the Hsm clock and config.utcOffsetMinutes (420 WIB, 480 WITA,
 * 540 WIT). The host time zone is never used. Integer arithmetic only.
 */
import { fail } from '../errors';
import { floorDiv, formatWallClock, minutesFromWallClock, parseWallClock, wallClockFromMinutes } from './wall-clock';

const MS_PER_MINUTE = 60000;

/** Minutes since 1970-01-01 00:00 local (naive) time. */
function localMinutes(at: Date, utcOffsetMinutes: number): number {
  if (!(at instanceof Date) || !Number.isFinite(at.getTime())) fail('STORE', 'the Hsm clock returned an invalid Date');
  return floorDiv(at.getTime(), MS_PER_MINUTE) + utcOffsetMinutes;
}

/** "YYYY-MM-DDTHH:MM" local time. */
export function localDateTime(at: Date, utcOffsetMinutes: number): string {
  return formatWallClock(wallClockFromMinutes(localMinutes(at, utcOffsetMinutes)));
}

/** Minutes since 1970 of a naive "YYYY-MM-DDTHH:MM" text (FORMAT if malformed). */
export function minutesOfText(text: string): number {
  return minutesFromWallClock(parseWallClock(text));
}

/** Normalise a naive date-time text to "YYYY-MM-DDTHH:MM" (FORMAT if malformed). */
export function normalizeDateTime(text: string): string {
  return formatWallClock(parseWallClock(text));
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local date YYYY-MM-DD → the UTC instant its day starts at (FORMAT otherwise). */
export function dayStart(text: unknown, name: string, utcOffsetMinutes: number, next = 0): string {
  const m = typeof text === 'string' ? LOCAL_DATE.exec(text.trim()) : null;
  const [y, mo, d] = m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const day = new Date(Date.UTC(y, mo, d));
  if (m === null || day.getUTCFullYear() !== y || day.getUTCMonth() !== mo || day.getUTCDate() !== d) {
    fail('FORMAT', `${name} must be a local date YYYY-MM-DD, e.g. 2026-12-01`);
  }
  return new Date(day.getTime() + next * 86_400_000 - utcOffsetMinutes * 60_000).toISOString();
}
