import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HydroSyncError } from '../errors';
import { ioReason } from './json-file';

/** Environment variable naming the simulated meter's state file. */
export const METER_STATE_ENV = 'HYDROSYNC_METER_STATE';

/** File name of the state under the XDG state directory. */
export const METER_STATE_FILE_NAME = 'meter.json';

/** Where the meter state is and why. */
export interface MeterStateLocation {
  path: string;
  from: '--state' | 'HYDROSYNC_METER_STATE' | 'XDG_STATE_HOME' | 'default';
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/**
 * The meter state file: `--state FILE`, else $HYDROSYNC_METER_STATE, else
 * $XDG_STATE_HOME/hydrosync/meter.json, else ~/.local/state/hydrosync/meter.json (XDG Base
 * Directory: state data; a relative XDG_STATE_HOME is ignored, as the specification says).
 */
export function resolveMeterStatePath(option: string | undefined, env: Record<string, string | undefined>): MeterStateLocation {
  if (nonEmpty(option) !== undefined) return { path: option!, from: '--state' };
  const fromEnv = nonEmpty(env[METER_STATE_ENV]);
  if (fromEnv !== undefined) return { path: fromEnv, from: 'HYDROSYNC_METER_STATE' };
  const xdg = nonEmpty(env.XDG_STATE_HOME);
  if (xdg !== undefined && xdg.startsWith('/')) return { path: join(xdg, 'hydrosync', METER_STATE_FILE_NAME), from: 'XDG_STATE_HOME' };
  const home = nonEmpty(env.HOME) ?? homedir();
  return { path: join(home, '.local', 'state', 'hydrosync', METER_STATE_FILE_NAME), from: 'default' };
}

/**
 * Create the state file's directory (and its parents) for `meter init`, mode 0700 for the
 * directories created here; an existing directory is left as it is.
 */
export function ensureMeterStateDirectory(path: string): void {
  const dir = dirname(path);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new HydroSyncError('IO', `cannot create the meter state ${path}: ${dir} is not a directory`);
    return;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new HydroSyncError('IO', `cannot create the directory ${dir} for the meter state: ${ioReason(e)}`);
  }
}
