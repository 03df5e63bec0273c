/**
 * The simulated meter's non-volatile memory: its state (`hydrosync-meter-state/1`, see
 * src/meter/state.ts) in one JSON file, written so that nothing is ever lost or applied twice.
 *
 * A save is one atomic replacement of the whole state (credit, TID memory, lockout, history: the
 * credit increment and the TID insert of a token are one write):
 *   1. open a temporary file in the same directory (`.<name>.<pid>.<random>.tmp`, O_EXCL, mode 0600)
 *   2. write the whole text            3. fsync the file        4. close it
 *   5. rename it over the state file (atomic on POSIX file systems)
 *   6. fsync the directory, so the rename itself survives a power cut
 * A crash before step 5 leaves the old state intact (and at worst a temporary file, which is never
 * read as state and is removed by the next update); a crash after step 5 leaves the new state.
 * Either way the file holds one complete state. A result is reported only after step 6.
 *
 * Loading never repairs: a missing file is an IO error (hint: `meter init`), a corrupt file or an
 * unknown version a STATE error, and the file is left exactly as it was.
 *
 * Updates (load, apply, save) run under an exclusive lock file (./meter-lock.ts), so two
 * processes entering tokens into one meter never lose an update.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HydroSyncError, fail } from '../errors';
import type { DecoderKeyOptions } from '../keys/decoder-key';
import { Meter } from '../meter/meter';
import { meterFromState, meterToState, serializeMeterState } from '../meter/state';
import { ioReason } from './json-file';
import { type FileLockOptions, withFileLock } from './meter-lock';
import { checkOptions } from '../argument-checks';

/**
 * The file operations a save uses, injectable so tests can crash a save at any step (throw from
 * an operation). Synchronous, with the meaning of the node:fs functions of the same names.
 */
export interface MeterFsOps {
  open(path: string, flags: 'wx' | 'r', mode?: number): number;
  /** Write `length` bytes of `data` from `offset`; returns the bytes written (may be fewer). */
  write(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsync(fd: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
}

/** The real file system. */
export const NODE_FS_OPS: MeterFsOps = Object.freeze({
  open: (path: string, flags: 'wx' | 'r', mode?: number) => openSync(path, flags, mode),
  write: (fd: number, data: Uint8Array, offset: number, length: number) => writeSync(fd, data, offset, length),
  fsync: (fd: number) => fsyncSync(fd),
  close: (fd: number) => closeSync(fd),
  rename: (from: string, to: string) => renameSync(from, to),
  unlink: (path: string) => unlinkSync(path),
});

export interface MeterFileOptions {
  /** File operations for saves (default: node:fs). */
  fs?: MeterFsOps;
  /** STA tables for EA07 meters (the same tables every time: the state does not name them). */
  keyOptions?: DecoderKeyOptions;
  /** Lock wait (default 10 s). */
  lock?: FileLockOptions;
}

export interface LoadedMeter {
  meter: Meter;
  /** The state's revision (incremented by every save). */
  revision: number;
  /** File mode bits (permissions) of the state file. */
  mode: number;
}

/** The command that creates a state, for hints. */
const INIT_HINT = "create one with 'hydrosync meter init' (or point --state or HYDROSYNC_METER_STATE at an existing state)";

/** Whether `name` is a temporary file of a save of `path` (never state). */
function isStateTempFile(path: string, name: string): boolean {
  return name.startsWith(`.${basename(path)}.`) && name.endsWith('.tmp');
}

/** Temporary files left by interrupted saves of `path` (full paths). */
export function stateTempFiles(path: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return names.filter((n) => isStateTempFile(path, n)).map((n) => join(dirname(path), n));
}

/** Errors that mean "directories cannot be fsynced here" (Windows, some file systems): skipped. */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EBADF']);

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function reason(e: unknown): string {
  return errno(e) !== undefined ? ioReason(e) : String((e as Error | null)?.message ?? e);
}

const METER_STATE = 'the meter state';

/**
 * Replace `path` with `text` atomically and durably (steps 1–6 above). On a failure before the
 * rename the old file is untouched and the temporary file is removed (if the file system still
 * answers); the error is IO. `what` names the file in errors.
 */
export function writeFileAtomic(path: string, text: string, fs: MeterFsOps = NODE_FS_OPS, mode = 0o600, what = METER_STATE): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const data = new TextEncoder().encode(text);
  let fd: number | undefined;
  try {
    fd = fs.open(tmp, 'wx', mode);
    let done = 0;
    while (done < data.length) {
      const n = fs.write(fd, data, done, data.length - done);
      if (!(n > 0)) throw new Error('the file system accepted no bytes');
      done += n;
    }
    fs.fsync(fd);
    const closing = fd;
    fd = undefined;
    fs.close(closing);
    fs.rename(tmp, path);
  } catch (e) {
    try {
      if (fd !== undefined) fs.close(fd);
    } catch {
      // best effort
    }
    try {
      fs.unlink(tmp);
    } catch {
      // best effort: a leftover is never read as state and the next update removes it
    }
    throw new HydroSyncError('IO', `cannot save ${what} ${path}: ${reason(e)}${what === METER_STATE ? '; the previous state is unchanged' : ''}`);
  }
  let dfd: number | undefined;
  try {
    dfd = fs.open(dir, 'r');
    fs.fsync(dfd);
  } catch (e) {
    if (!DIR_SYNC_UNSUPPORTED.has(errno(e) ?? '')) {
      throw new HydroSyncError('IO', `${what} ${path} was replaced, but its directory could not be synced to disk: ${reason(e)}${what === METER_STATE ? '; check the disk before entering more tokens' : ''}`);
    }
  } finally {
    try {
      if (dfd !== undefined) fs.close(dfd);
    } catch {
      // nothing left to do
    }
  }
}

/**
 * Save a meter's state with this revision (atomic, durable, mode 0600).
 * @param path - the state file
 * @param meter - the meter
 * @param revision - the revision to record
 * @param options - `fs` operations (tests)
 * @throws HydroSyncError `USAGE` bad arguments; `IO` the file cannot be written.
 */
export function saveMeter(path: string, meter: Meter, revision: number, options: Pick<MeterFileOptions, 'fs'> = {}): void {
  if (typeof path !== 'string' || path === '') fail('USAGE', 'the meter state path must be a non-empty string');
  checkOptions(options, 'the save options');
  writeFileAtomic(path, serializeMeterState(meterToState(meter, revision)), options.fs ?? NODE_FS_OPS);
}

/**
 * Load a meter from its state file. Never writes.
 * @param path - the state file
 * @param options - `keyOptions` (STA tables for EA07 keys)
 * @returns the meter and the file's revision
 * @throws HydroSyncError `IO` when the file is missing or unreadable (with a hint to run `meter
 *   init`); `STATE` when it is corrupt or of an unknown version.
 */
export function loadMeter(path: string, options: Pick<MeterFileOptions, 'keyOptions'> = {}): LoadedMeter {
  let text: string;
  let mode: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    mode = st.mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') throw new HydroSyncError('IO', `no meter state at ${path}: ${INIT_HINT}`);
    throw new HydroSyncError('IO', `cannot read the meter state ${path}: ${ioReason(e)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HydroSyncError('STATE', `${path}: meter state is corrupt: not valid JSON (${text.trim() === '' ? 'the file is empty' : 'a truncated or damaged file'}); the file was not changed (restore it from a backup, or re-create the meter with 'meter init --force')`);
  }
  let meter: Meter;
  try {
    meter = meterFromState(doc, options.keyOptions ?? {});
  } catch (e) {
    if (e instanceof HydroSyncError) throw new HydroSyncError('STATE', `${path}: ${e.message}`);
    // A shape the validator did not expect is still a corrupt file, not a crash.
    throw new HydroSyncError('STATE', `${path}: meter state is corrupt (${e instanceof Error ? e.name : 'unexpected value'}); the file was not changed`);
  }
  const revision = (doc as { revision?: unknown }).revision;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new HydroSyncError('STATE', `${path}: meter state is corrupt: revision must be a whole number from 0; the file was not changed`);
  }
  return { meter, revision, mode };
}

/**
 * One meter state file: load it, or update it under the lock (load, apply, save with revision + 1),
 * or create it. Stale temporary files of interrupted saves are removed by the next update.
 */
export class MeterStateFile {
  readonly path: string;
  private readonly options: MeterFileOptions;

  /**
   * A handle on the meter state file at `path`; nothing is read or written until a method is called.
   * @param path - the state file
   * @param options - `fs` operations (tests), `keyOptions` for EA07 keys
   * @throws never (the methods throw `IO`, `STATE`, `USAGE`).
   */
  constructor(path: string, options: MeterFileOptions = {}) {
    this.path = path;
    this.options = options;
  }

  private get fs(): MeterFsOps {
    return this.options.fs ?? NODE_FS_OPS;
  }

  /** The current state (no lock needed: saves replace the file atomically). */
  load(): LoadedMeter {
    return loadMeter(this.path, this.options);
  }

  /**
   * Under the lock: load, run `apply` on the meter (it may be async: the lock is held until it
   * settles), save (revision + 1). If `apply` throws or rejects, nothing is saved. The returned
   * result is safe to report: it is on disk.
   */
  async update<T>(apply: (meter: Meter) => T | Promise<T>): Promise<{ result: T; meter: Meter; revision: number }> {
    if (!existsSync(this.path)) this.load(); // no state: the IO error with the `meter init` hint, before any lock file
    return withFileLock(this.path, async () => {
      const loaded = this.load();
      this.removeLeftovers();
      const result = await apply(loaded.meter);
      const revision = loaded.revision + 1;
      saveMeter(this.path, loaded.meter, revision, { fs: this.fs });
      return { result, meter: loaded.meter, revision };
    }, this.options.lock);
  }

  /** Write a new meter (revision 0). IO if a state exists, unless `force`. */
  async create(meter: Meter, options: { force?: boolean } = {}): Promise<void> {
    await withFileLock(this.path, () => {
      if (!options.force && existsSync(this.path)) {
        throw new HydroSyncError('IO', `a meter state already exists at ${this.path}; give --force to replace it (its credit and TID memory would be lost), or choose another --state FILE`);
      }
      this.removeLeftovers();
      saveMeter(this.path, meter, 0, { fs: this.fs });
    }, this.options.lock);
  }

  /** Remove temporary files of interrupted saves (only the lock holder writes, so all are stale). */
  private removeLeftovers(): void {
    for (const tmp of stateTempFiles(this.path)) {
      try {
        this.fs.unlink(tmp);
      } catch {
        // best effort
      }
    }
  }
}
