import { existsSync, statSync } from 'node:fs';
import { HydroSyncError } from '../../errors';
import { ioReason } from '../../node/json-file';
import { removeFile } from './master-key-file';
import { type XdgFile, resolveXdgFile } from './xdg-file';

/** Environment variable naming the security module's store file. */
export const STORE_ENV = 'HYDROSYNC_STORE';

/**
 * The store file: `--store FILE`, else $HYDROSYNC_STORE, else $XDG_DATA_HOME/hydrosync/hsm.sqlite,
 * else ~/.local/share/hydrosync/hsm.sqlite.
 */
export function resolveStorePath(option: string | undefined, env: Record<string, string | undefined>): XdgFile {
  return resolveXdgFile(option, '--store', env, { env: STORE_ENV, xdg: 'XDG_DATA_HOME', home: ['.local', 'share'], fileName: 'hsm.sqlite' });
}

/** Whether a store file exists at `path` (a directory there is an error). */
export function storeExists(path: string): boolean {
  if (!existsSync(path)) return false;
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    throw new HydroSyncError('STORE', `cannot read the store ${path}: ${ioReason(e)}`);
  }
  if (!isFile) throw new HydroSyncError('STORE', `the store ${path} is not a file`);
  return true;
}

/** Remove an SQLite store and its journal files (cleanup after a failed init). */
export function removeStoreFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) removeFile(`${path}${suffix}`);
}
