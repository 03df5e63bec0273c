/**
 * hydrosync/node: the Node.js adapters around the core — the SQLite store of the security module
 * (better-sqlite3, an optional peer dependency loaded only when a store is opened), the PostgreSQL
 * store for several vending nodes (pg, an optional peer dependency too), the meter's
 * state file (atomic writes and a lock), and the Bluetooth link on a real adapter (@stoprocent/noble,
 * an optional peer dependency loaded only when a meter is looked for).
 * The export list is pinned by spec/exports.test.ts (docs/api.md lists it).
 */
export { openSqliteStore, type SqliteStoreOptions } from './hsm-sqlite-store';
export { openPostgresStore, type PostgresStoreOptions } from './hsm-postgres-store';
export { MeterStateFile, loadMeter, saveMeter, type MeterFsOps, type MeterFileOptions, type LoadedMeter } from './meter-state-file';
export { NobleTransport, findNobleMeter, type FindNobleMeterOptions } from './noble-link';
export type { NobleCentral, NoblePeripheral, NobleCharacteristic } from './noble-types';
