/**
 * The report counter rule on the receiving side (docs/reports.md, "Replay window").
 *
 * State per meter: `last`, the highest counter accepted (0 before the first report), and `seen`, a
 * 32-bit mask: bit i set ⇔ counter last − 1 − i was accepted. A counter above `last` is fresh. A
 * counter equal to `last`, or one marked in `seen`, is USED (a replay). A counter below `last` is
 * accepted out of order only when it is within `window` (≤ 32) of `last` and not marked; else it is
 * OLD. Binary frames use a window of 32 (a gateway may deliver them out of order); report codes use
 * 0 (their counter is rebuilt from 10 bits and a second candidate would double the forgery odds).
 * Every counter is accepted at most once, whatever the order.
 */
import { REPORT_COUNTER_MAX, accepted, rejected, type ReportResult } from './types';

export interface ReportCounterState {
  /** The highest counter accepted (0: none yet). */
  last: number;
  /** Bit i set ⇔ counter last − 1 − i was accepted (32 bits, unsigned). */
  seen: number;
}

/** Out-of-order window for binary frames. */
export const FRAME_REPLAY_WINDOW = 32;
/** Out-of-order window for report codes (none). */
export const CODE_REPLAY_WINDOW = 0;

/** The state before a meter's first report. */
export const NO_REPORT_YET: ReportCounterState = Object.freeze({ last: 0, seen: 0 });

/**
 * Check a counter against the state; on success the value is the next state (the input is not changed).
 * @param state - the meter's counter state (NO_REPORT_YET at first)
 * @param counter - the report's counter
 * @param window - how far back a late report is still accepted (FRAME_REPLAY_WINDOW, CODE_REPLAY_WINDOW), 0..32
 * @returns `{ ok: true, value: nextState }` or `{ ok: false, code, message }` with `OLD` (below the
 *   window), `USED` (accepted before) or `RANGE` (not 1..2^32 − 1, or a bad window)
 * @throws never: a refusal is a value.
 */
export function checkReportCounter(state: ReportCounterState, counter: number, window: number): ReportResult<ReportCounterState> {
  if (!Number.isSafeInteger(window) || window < 0 || window > 32) return rejected('RANGE', 'the replay window must be 0 to 32');
  if (!Number.isSafeInteger(counter) || counter < 1 || counter > REPORT_COUNTER_MAX) {
    return rejected('RANGE', `a report counter must be from 1 to ${REPORT_COUNTER_MAX}`);
  }
  const { last, seen } = state;
  if (counter > last) {
    const d = counter - last;
    const next = last === 0 ? 0 : d > 32 ? 0 : d === 32 ? 0x80000000 : ((seen << d) | (1 << (d - 1))) >>> 0;
    return accepted({ last: counter, seen: next >>> 0 });
  }
  if (counter === last) return rejected('USED', `report ${counter} was accepted before (a replay)`);
  const i = last - 1 - counter;
  if (i < 32 && ((seen >>> i) & 1) === 1) return rejected('USED', `report ${counter} was accepted before (a replay)`);
  if (i >= window) {
    return rejected('OLD', `report ${counter} is older than the last report accepted from this meter (${last})${window > 0 ? ` by more than ${window}` : ''}; only newer reports are accepted`);
  }
  return accepted({ last, seen: (seen | (1 << i)) >>> 0 });
}
