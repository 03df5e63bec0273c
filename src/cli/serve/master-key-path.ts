import { existsSync } from 'node:fs';
import { MASTER_KEY_FILE_ENV } from '../files/master-key-file';
import { resolveXdgFile } from '../files/xdg-file';

/** Where `serve` keeps the master key of an embedded install: $XDG_CONFIG_HOME/hydrosync/master.key, else ~/.config/hydrosync/master.key. */
export function defaultMasterKeyPath(env: Record<string, string | undefined>): string {
  return resolveXdgFile(undefined, '--master-key-file', { ...env, [MASTER_KEY_FILE_ENV]: undefined }, {
    env: MASTER_KEY_FILE_ENV, xdg: 'XDG_CONFIG_HOME', home: ['.config'], fileName: 'master.key',
  }).path;
}

/** The default master key file if it exists. */
export function existingDefaultMasterKey(env: Record<string, string | undefined>): string | undefined {
  const path = defaultMasterKeyPath(env);
  return existsSync(path) ? path : undefined;
}
