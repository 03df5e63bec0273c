/**
 * hydrosync/meter: the meter side — the meter application process (anti-replay, key change,
 * lockout, registers) and a water-meter simulator. Core only: no `node:` imports; the state file
 * lives in the Node adapter (hydrosync/node). The export list is pinned by spec/exports.test.ts.
 */
export { Meter, type EntryResult, type MeterInit, type MeterHistoryEntry, type MeterSettings } from './meter';
export type { MeterReportOutput } from './report';
export { METER_RESULTS, METER_RESULT_CODES, isMeterResultCode, meterResultMessage, type MeterResultCode, type MeterResultInfo } from './results';
export {
  WATER_SUBCLASSES, DEFAULT_LOCKOUT, DEFAULT_CREDIT_CAP_LITRES, DEFAULT_LOW_CREDIT_LITRES,
  type MeterProfile, type MeterProfileInput, type LockoutPolicy, type SupportedSubclasses,
} from './profile';
export { DEFAULT_KEY_TYPE_CHANGES, type KeyTypeChanges } from './key-types';
export { meterSeconds, formatMeterTime, type MeterTime } from './clock';
export { METER_STATE_FORMAT, meterToState, meterFromState, parseMeterState, serializeMeterState, type MeterStateJson } from './state';
export { meterStatus, litresToCubicMetres, type MeterStatus } from './status';
