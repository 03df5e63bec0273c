/**
 * The meter application process as a pure function: (state, token, meter time) → (result, new
 * state). For firmware-style code and tests; the Meter class is the fast, mutable form of the same.
 */
import type { DecoderKeyOptions } from '../keys/decoder-key';
import type { MeterTime } from './clock';
import type { EntryResult } from './meter';
import { type MeterStateJson, meterFromState, meterToState } from './state';

export function applyToken(state: MeterStateJson, token: string, at: MeterTime, options: DecoderKeyOptions = {}): { result: EntryResult; state: MeterStateJson } {
  const meter = meterFromState(state, options);
  const result = meter.enter(token, at);
  return { result, state: meterToState(meter, state.revision + 1) };
}
