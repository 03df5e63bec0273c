/**
 * The meter side: the meter application process (anti-replay, key change, lockout, registers)
 * and a water-meter simulator. Core only: no `node:` imports; persistence lives in the CLI's
 * node adapter (src/node/meter-state-file.ts).
 */
export { Meter, type EntryResult, type MeterInit, type MeterHistoryEntry, type MeterSettings } from './meter';
export type { MeterReportOutput } from './report';
export { METER_RESULTS, METER_RESULT_CODES, isMeterResultCode, meterResultMessage, type MeterResultCode, type MeterResultInfo } from './results';
export {
  normalizeProfile, profileToJson, manufacturerCodeOf, WATER_SUBCLASSES, DEFAULT_LOCKOUT, DEFAULT_CREDIT_CAP_LITRES, DEFAULT_LOW_CREDIT_LITRES,
  type MeterProfile, type MeterProfileInput, type LockoutPolicy, type SupportedSubclasses,
} from './profile';
export { DEFAULT_KEY_TYPE_CHANGES, keyTypeChangeAllowed, type KeyTypeChanges } from './key-types';
export { TidMemory } from './tid-memory';
export { meterSeconds, formatMeterTime, minutesSinceBaseDate, type MeterTime } from './clock';
export { METER_STATE_FORMAT, meterToState, meterFromState, parseMeterState, serializeMeterState, type MeterStateJson } from './state';
export { applyToken } from './process';
export { meterStatus, litresToCubicMetres, type MeterStatus } from './status';
