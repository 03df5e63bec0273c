/**
 * The TID of a token about to be issued, with the vending-side refusals tied to it:
 * - KEY_INACTIVE: the token's date-time (its TID) lies before the vending key's activeFrom or
 *   after its issuedUntil (naive local times);
 * - KEY_EXPIRED: the TID is past the meter key's KEN, (TID >> 16) > KEN (reference §5.5);
 * - TID: the clock is before the meter's base date, or past its rollover.
 */
import { fail } from '../errors';
import { formatWallClock } from '../codec/wall-clock';
import { TID_MAX, isKeyExpired, tidFromInstant, wallClockFromTid } from '../codec/tid';
import { minutesOfText } from '../codec/local-time';
import type { VendingKeyRow } from './store';
import { nextTid } from './tid-allocator';
import type { Issued, MeterRecord } from './types';

export interface TokenTime {
  tid: number;
  dateTime: string;
}

export function checkKeyWindow(row: VendingKeyRow, dateTime: string, what: string): void {
  const t = minutesOfText(dateTime);
  if (t < minutesOfText(row.activeFrom)) {
    fail('KEY_INACTIVE', `vending key ${row.id} is active from ${row.activeFrom} (local time); ${what} ${dateTime} is before that`);
  }
  if (row.issuedUntil !== null && t > minutesOfText(row.issuedUntil)) {
    fail('KEY_INACTIVE', `vending key ${row.id} issued tokens until ${row.issuedUntil} (local time); ${what} ${dateTime} is after that: move the meter to a current key (key change)`);
  }
}

export function allocateTokenTime(meter: MeterRecord, row: VendingKeyRow, now: Date, utcOffsetMinutes: number): TokenTime {
  const tid = nextTid(meter.lastTid, tidFromInstant(now, utcOffsetMinutes, meter.baseDate));
  const dateTime = formatWallClock(wallClockFromTid(tid, meter.baseDate));
  checkKeyWindow(row, dateTime, 'the token time');
  if (isKeyExpired(tid, meter.keyExpiryNumber)) {
    const lastTid = Math.min(TID_MAX, (meter.keyExpiryNumber + 1) * 65536 - 1);
    const until = formatWallClock(wallClockFromTid(lastTid, meter.baseDate));
    fail('KEY_EXPIRED', `meter ${meter.pan}'s key has KEN ${meter.keyExpiryNumber}: it takes tokens up to ${until}; this token's TID ${tid} (${dateTime}) is past that. Issue a key change with a later KEN first`);
  }
  return { tid, dateTime };
}

/** The common part of an Issued with one TID-carrying token. */
export function issuedWithTid(kind: string, transactionId: string, pan: string, tokens: string[], grouped: string[], time: TokenTime, krn: number, now: Date): Issued {
  return {
    transactionId, reissued: false, pan, kind, tokens, grouped, tid: time.tid, tidDateTime: time.dateTime,
    keyRevisionNumber: krn, issuedAt: now.toISOString(),
  };
}
