/**
 * hydrosync/hsm: the emulated security module (key store, meter registry, TID registry, limits,
 * block tariffs, hash-chained audit log). Core only: no `node:` imports; the SQLite store is in
 * the Node adapter (src/node/hsm-sqlite-store.ts).
 */
export type * from './types';
export type { HsmStore, VendingKeyRow, TransactionRow } from './store';
export { MemoryStore, MEMORY_SNAPSHOT_FORMAT, type MemorySnapshot } from './memory-store';
export { parseMasterKey, MASTER_KEY_BYTES } from './master-key';
export { initHsm, openHsm, HSM_FORMAT } from './open';
export { Hsm } from './hsm';
export { DEFAULT_CONFIG, EXAMPLE_TARIFF_R1 } from './config';
export { rupiahToVolume, litresToCubicMetresText, type TariffResult } from './tariff';
export { nextTid } from './tid-allocator';
export { ALLOWED_KEY_TYPE_CHANGES } from './key-change';
export { auditHash, ZERO_HASH } from './audit';
export { AUDIT_COLUMNS } from './audit-export';
export {
  keyChangeBatch, FleetEngine, parseFleetCsv, parseFleetValue, fleetRowToRequest, formatFleetCsv, FLEET_COLUMNS,
  fleetOutcomeCsvHeader, fleetOutcomeToCsv, fleetOutcomeToNdjson,
  type FleetRow, type FleetDefaults, type FleetBatchOptions, type FleetColumn,
} from './fleet';
