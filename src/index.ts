/**
 * HydroSync: STS (IEC 62055-41 Edition 2) prepaid tokens for water meters.
 *
 * Layers (arrows point down only): tokens → keys, cipher → codec → errors. Nothing here imports
 * from `node:`; the CLI and file adapters live in `hydrosync/cli`.
 */
export { HydroSyncError, isHydroSyncError, type HydroSyncErrorCode } from './errors';
export * from './codec';
export * from './cipher';
export * from './keys';
export * from './tokens';
export * from './vectors';
