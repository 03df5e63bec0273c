import { type XdgFile, resolveXdgFile } from '../../node/xdg-file';

/** Environment variable naming the simulated meter's state file. */
export const METER_STATE_ENV = 'HYDROSYNC_METER_STATE';

/**
 * The meter state file: `--state FILE`, else $HYDROSYNC_METER_STATE, else
 * $XDG_STATE_HOME/hydrosync/meter.json, else ~/.local/state/hydrosync/meter.json.
 */
export function resolveMeterStatePath(option: string | undefined, env: Record<string, string | undefined>): XdgFile {
  return resolveXdgFile(option, '--state', env, { env: METER_STATE_ENV, xdg: 'XDG_STATE_HOME', home: ['.local', 'state'], fileName: 'meter.json' });
}
