/**
 * hydrosync/node: the Node.js adapters around the core — the SQLite store of the security module
 * (better-sqlite3, loaded only when a store is opened), the meter's state file (atomic writes and a
 * lock), and the fleet key-change runner on worker threads.
 */
export { openSqliteStore, SQLITE_APPLICATION_ID, SQLITE_SCHEMA_VERSION, type SqliteStoreOptions } from './hsm-sqlite-store';
export {
  MeterStateFile, loadMeter, saveMeter, writeFileAtomic, stateTempFiles, NODE_FS_OPS,
  type MeterFsOps, type MeterFileOptions, type LoadedMeter,
} from './meter-state-file';
export { acquireFileLock, withFileLock, type FileLockOptions } from './meter-lock';
export { runFleetKeyChange, resolveFleetWorker, type FleetRunOptions, type FleetRunPlan } from './fleet-runner';
