/**
 * hydrosync/hsm: the emulated security module (key store, meter registry, TID registry, limits,
 * block tariffs, hash-chained audit log, fleet key change). Core only: no `node:` imports; the
 * SQLite store is in the Node adapter (hydrosync/node). The export list is pinned by
 * spec/exports.test.ts (docs/api.md lists it).
 */
export type * from './types';
export type { HsmStore, StoreTx, ReadOptions, VendingKeyRow, TransactionRow } from './store';
export type { ReportRow, ReportStateRow } from './report-rows';
export type { ReportSubmission, AcceptedReport } from './report';
export type { ReportSummary, ReportAlert } from './report-summary';
export { MemoryStore, MEMORY_SNAPSHOT_FORMAT, type MemorySnapshot } from './memory-store';
export { parseMasterKey } from './master-key';
export { initHsm, openHsm } from './open';
export { Hsm, type TokenVerification } from './hsm';
export { DEFAULT_CONFIG, EXAMPLE_TARIFF_R1 } from './config';
export { rupiahToVolume, type TariffResult } from './tariff';
export { auditHash, type AuditCheckpoint } from './audit';
export { AUDIT_COLUMNS } from './audit-export';
export { parseFleetCsv, formatFleetCsv, formatFleetOutcomes, FLEET_COLUMNS, type FleetColumn } from './fleet-csv';
