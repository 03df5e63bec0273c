/**
 * TID allocation on the vending side (reference §5.3): TIDs are unique per meter, never reused.
 *
 * next TID = max(TID(now), lastTid + 1), then skip the reserved 00:01 minute (TID ≡ 1 mod 1440 →
 * the next minute). TID(now) already maps 00:01 to 00:02 (codec tidFromInstant). lastTid is kept
 * per meter in the store and read inside the vend's transaction, so two processes sharing the
 * store never issue the same TID; it resets (null) when a key change moves the meter to a new
 * base date (§5.4).
 */
import { fail } from '../errors';
import { TID_MAX } from '../codec/tid';

const MINUTES_PER_DAY = 1440;

export function nextTid(lastTid: number | null, tidNow: number): number {
  let tid = lastTid === null || tidNow > lastTid ? tidNow : lastTid + 1;
  if (tid % MINUTES_PER_DAY === 1) tid += 1;
  if (tid > TID_MAX) {
    fail('TID', `no TID is left under this base date (the last one, ${TID_MAX}, is used); issue a rollover key change to the next base date`);
  }
  return tid;
}
