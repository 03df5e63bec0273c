import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HydroSyncError } from '../errors';
import { ioReason } from './json-file';

/** Environment variable naming the security module's store file. */
export const STORE_ENV = 'HYDROSYNC_STORE';

/** File name of the store under the data directory. */
export const STORE_FILE_NAME = 'hsm.sqlite';

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Where the store is and why: the --store option, $HYDROSYNC_STORE, or the XDG data directory. */
export interface StoreLocation {
  path: string;
  /** "--store", "HYDROSYNC_STORE", "XDG_DATA_HOME" or "default". */
  from: '--store' | 'HYDROSYNC_STORE' | 'XDG_DATA_HOME' | 'default';
}

/**
 * The store file: `--store FILE`, else $HYDROSYNC_STORE, else $XDG_DATA_HOME/hydrosync/hsm.sqlite,
 * else ~/.local/share/hydrosync/hsm.sqlite (XDG Base Directory defaults; a relative
 * XDG_DATA_HOME is ignored, as the specification says).
 */
export function resolveStorePath(option: string | undefined, env: Record<string, string | undefined>): StoreLocation {
  if (nonEmpty(option) !== undefined) return { path: option!, from: '--store' };
  const fromEnv = nonEmpty(env[STORE_ENV]);
  if (fromEnv !== undefined) return { path: fromEnv, from: 'HYDROSYNC_STORE' };
  const xdg = nonEmpty(env.XDG_DATA_HOME);
  if (xdg !== undefined && xdg.startsWith('/')) return { path: join(xdg, 'hydrosync', STORE_FILE_NAME), from: 'XDG_DATA_HOME' };
  const home = nonEmpty(env.HOME) ?? homedir();
  return { path: join(home, '.local', 'share', 'hydrosync', STORE_FILE_NAME), from: 'default' };
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

/**
 * Create the store's directory (and its parents) with mode 0700 for `hsm init`. Only the
 * directories created here get that mode; an existing directory is left as it is.
 */
export function ensureStoreDirectory(path: string): void {
  const dir = dirname(path);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new HydroSyncError('IO', `cannot create the store ${path}: ${dir} is not a directory`);
    return;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new HydroSyncError('IO', `cannot create the directory ${dir} for the store: ${ioReason(e)}`);
  }
}
