/**
 * HydroSync: STS (IEC 62055-41 Edition 2) prepaid tokens for water meters.
 *
 * Layers (arrows point down only): meter → tokens → keys, cipher → codec → errors. The security
 * module is at `hydrosync/hsm`; the Node adapters (SQLite store, meter state file)
 * at `hydrosync/node`; the CLI at `hydrosync/cli`. Nothing exported here imports from `node:`.
 */
export { HydroSyncError, isHydroSyncError, type HydroSyncErrorCode } from './errors';
export * from './codec';
export * from './cipher';
export * from './keys';
export * from './tokens';
export * from './vectors';
export * from './meter';
