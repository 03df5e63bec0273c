/**
 * The security module's store named by a path or URL: where it is by default, whether it exists,
 * creating one (file mode 0600, never over an existing one), opening it and the module on it. The
 * drivers are loaded on demand, so a token or meter user never needs either.
 */
import { chmodSync, closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { HydroSyncError } from '../errors';
import { type Hsm, type HsmConfig, type HsmStore, initHsm, openHsm } from '../hsm';
import { ioReason } from './json-file';
import { redactConnectionString } from './postgres/store-errors';
import { type XdgFile, ensurePrivateDirectory, resolveXdgFile } from './xdg-file';

/** Environment variable naming the security module's store file. */
export const STORE_ENV = 'HYDROSYNC_STORE';

/**
 * The store file: `--store FILE`, else $HYDROSYNC_STORE, else $XDG_DATA_HOME/hydrosync/hsm.sqlite,
 * else ~/.local/share/hydrosync/hsm.sqlite.
 */
export function resolveStorePath(option: string | undefined, env: Record<string, string | undefined>): XdgFile {
  return resolveXdgFile(option, '--store', env, { env: STORE_ENV, xdg: 'XDG_DATA_HOME', home: ['.local', 'share'], fileName: 'hsm.sqlite' });
}

/** Whether the store is a PostgreSQL connection string rather than an SQLite file. */
export function isStoreUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//.test(store);
}

/** The store for messages: a file as given; a connection string as the PostgreSQL store names it (no password, no query parameters). */
export function storeName(store: string): string {
  return isStoreUrl(store) ? redactConnectionString(store) : store;
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

/** Remove a file if it is there (cleanup after a failed init). */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}

/** Remove an SQLite store and its journal files (cleanup after a failed init). */
export function removeStoreFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) removeFile(`${path}${suffix}`);
}

/** Open the store: a PostgreSQL connection string or an SQLite file. */
export async function openStoreFile(path: string, options: { create?: boolean; migrate?: boolean } = {}): Promise<HsmStore> {
  if (isStoreUrl(path)) {
    const { openPostgresStore } = await import('./hsm-postgres-store');
    return openPostgresStore(path, { migrate: options.migrate === true });
  }
  const { openSqliteStore } = await import('./hsm-sqlite-store');
  return openSqliteStore(path, options);
}

/**
 * Create and initialise a store with its master key and configuration: an SQLite file (created
 * empty with mode 0600 in a folder created with mode 0700, so it never exists wider; never over an
 * existing one; removed again if initialising fails) or the schema in a PostgreSQL database.
 */
export async function createStore(path: string, masterKey: Uint8Array, config: Partial<HsmConfig>, now: Date): Promise<void> {
  const file = !isStoreUrl(path);
  if (file) {
    ensurePrivateDirectory(path, 'store');
    try {
      closeSync(openSync(path, 'wx', 0o600));
      chmodSync(path, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new HydroSyncError('STORE', `a store already exists at ${path}: hsm init never overwrites a store`);
      }
      throw new HydroSyncError('IO', `cannot create the store ${path}: ${ioReason(e)}`);
    }
  }
  try {
    const store = await openStoreFile(path, { create: true });
    try {
      await initHsm(store, masterKey, config, now);
    } finally {
      await store.close();
    }
    if (file) chmodSync(path, 0o600);
  } catch (e) {
    if (file) removeStoreFiles(path);
    throw e;
  }
}

/**
 * The module on the store at `path` with `masterKey`, as `node` on `clock`; the store is closed
 * again when the module cannot be opened. `migrate`: migrate an older store (hsm migrate).
 */
export async function openStoreHsm(path: string, masterKey: Uint8Array, options: { node?: string | undefined; clock: () => Date; migrate?: boolean }): Promise<Hsm> {
  const store = await openStoreFile(path, { create: false, migrate: options.migrate === true });
  try {
    return await openHsm({ store, masterKey, ...(options.node !== undefined ? { node: options.node } : {}), clock: options.clock });
  } catch (e) {
    await store.close().catch(() => undefined); // closing after a failed open: nothing more to say
    throw e;
  }
}
