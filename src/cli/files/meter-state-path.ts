import { ensurePrivateDirectory, resolveXdgFile } from './xdg-file';

/** Environment variable naming the simulated meter's state file. */
export const METER_STATE_ENV = 'HYDROSYNC_METER_STATE';

/** File name of the state under the XDG state directory. */
const METER_STATE_FILE_NAME = 'meter.json';

/** Where the meter state is and why. */
export interface MeterStateLocation {
  path: string;
  from: '--state' | 'HYDROSYNC_METER_STATE' | 'XDG_STATE_HOME' | 'default';
}

/**
 * The meter state file: `--state FILE`, else $HYDROSYNC_METER_STATE, else
 * $XDG_STATE_HOME/hydrosync/meter.json, else ~/.local/state/hydrosync/meter.json.
 */
export function resolveMeterStatePath(option: string | undefined, env: Record<string, string | undefined>): MeterStateLocation {
  return resolveXdgFile(option, '--state', env, { env: METER_STATE_ENV, xdg: 'XDG_STATE_HOME', home: ['.local', 'state'], fileName: METER_STATE_FILE_NAME });
}

/** Create the state file's directory for `meter init` (mode 0700 for the directories created). */
export function ensureMeterStateDirectory(path: string): void {
  ensurePrivateDirectory(path, 'meter state');
}
