/**
 * hydrosync/node: the Node.js adapters around the core — the SQLite store of the security module
 * (better-sqlite3, an optional peer dependency loaded only when a store is opened), the PostgreSQL
 * store for several vending nodes (pg, an optional peer dependency too), and the meter's
 * state file (atomic writes and a lock).
 * The export list is pinned by spec/exports.test.ts (docs/api.md lists it).
 */
export { openSqliteStore, type SqliteStoreOptions } from './hsm-sqlite-store';
export { openPostgresStore, type PostgresStoreOptions } from './hsm-postgres-store';
export { MeterStateFile, loadMeter, saveMeter, type MeterFsOps, type MeterFileOptions, type LoadedMeter } from './meter-state-file';
