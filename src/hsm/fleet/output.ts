/**
 * Fleet outcomes as CSV or NDJSON, one meter per line. Tokens only (20 digits, ungrouped): key
 * material never reaches an outcome.
 */
import type { FleetOutcome } from '../types';
import { csvLine } from './csv';
import { checkObject } from '../../argument-checks';

/** Token columns: the longest set has 4 tokens (128-bit key). */
const TOKEN_COLUMNS = 4;

/**
 * The CSV header line of fleet outcomes (no line terminator).
 * @throws never
 */
export function fleetOutcomeCsvHeader(): string {
  return 'pan,ok,errorCode,message,token1,token2,token3,token4';
}

/**
 * One outcome as a CSV line (no line terminator): pan, ok, errorCode, message, token1..token4.
 * @param o - an outcome of keyChangeBatch or runFleetKeyChange
 * @throws never
 */
export function fleetOutcomeToCsv(o: FleetOutcome): string {
  checkObject(o, 'a fleet outcome');
  const fields = [o.pan, o.ok ? 'true' : 'false', o.ok ? '' : o.errorCode, o.ok ? '' : o.message];
  for (let i = 0; i < TOKEN_COLUMNS; i++) fields.push(o.ok ? (o.tokens[i] ?? '') : '');
  return csvLine(fields);
}

/**
 * One outcome as an NDJSON line (no line terminator): {pan, ok: true, tokens} or {pan, ok: false, errorCode, message}.
 * @param o - an outcome of keyChangeBatch or runFleetKeyChange
 * @throws never
 */
export function fleetOutcomeToNdjson(o: FleetOutcome): string {
  checkObject(o, 'a fleet outcome');
  return o.ok
    ? JSON.stringify({ pan: o.pan, ok: true, tokens: o.tokens })
    : JSON.stringify({ pan: o.pan, ok: false, errorCode: o.errorCode, message: o.message });
}
