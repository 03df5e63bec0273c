import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HydroSyncError } from '../errors';
import { ioReason } from './json-file';

/**
 * Where a file of ours lives by default: `env`, our variable naming it (HYDROSYNC_STORE); `xdg`, the
 * XDG variable of its base directory (XDG_DATA_HOME); `home`, that directory's default under $HOME
 * (['.local', 'share']).
 */
export interface XdgFileSpec {
  env: string;
  xdg: string;
  home: readonly string[];
  fileName: string;
}

/** A file and where its name came from: the option's name, the variable's, or "default". */
export interface XdgFile {
  path: string;
  from: string;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/**
 * The file: the command-line option, else $ENV, else $XDG/hydrosync/NAME, else
 * ~/<home…>/hydrosync/NAME (XDG Base Directory; a relative XDG value is ignored, as the
 * specification says).
 */
export function resolveXdgFile(option: string | undefined, optionName: string, env: Record<string, string | undefined>, spec: XdgFileSpec): XdgFile {
  if (nonEmpty(option) !== undefined) return { path: option!, from: optionName };
  const fromEnv = nonEmpty(env[spec.env]);
  if (fromEnv !== undefined) return { path: fromEnv, from: spec.env };
  const xdg = nonEmpty(env[spec.xdg]);
  if (xdg !== undefined && xdg.startsWith('/')) return { path: join(xdg, 'hydrosync', spec.fileName), from: spec.xdg };
  const home = nonEmpty(env.HOME) ?? homedir();
  return { path: join(home, ...spec.home, 'hydrosync', spec.fileName), from: 'default' };
}

/**
 * Create a file's directory (and its parents) with mode 0700. Only the directories created here
 * get that mode; an existing directory is left as it is. `what` names the file in errors.
 */
export function ensurePrivateDirectory(path: string, what: string): void {
  const dir = dirname(path);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new HydroSyncError('IO', `cannot create the ${what} ${path}: ${dir} is not a directory`);
    return;
  }
  // One level at a time from the nearest existing ancestor: Node's recursive mkdir never returns
  // for a path under a file system that refuses new entries with ENOENT (e.g. /proc).
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      throw new HydroSyncError('IO', `cannot create the directory ${dir} for the ${what}: ${ioReason(e)}`);
    }
  }
}
