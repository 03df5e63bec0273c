/**
 * An exclusive lock on a file for read-modify-write cycles (two `meter enter` processes on one
 * state file must not lose an update).
 *
 * The lock is a file `<target>.lock` created with O_CREAT|O_EXCL ('wx'): creation either succeeds
 * (we hold the lock) or fails with EEXIST (someone else does). It holds {"pid","host","since"}.
 * A lock is stale when its process is gone: same host and `kill(pid, 0)` reports ESRCH, or it is
 * empty/unreadable and older than STALE_UNREADABLE_MS (its creator died between creating and
 * writing it). Breaking a stale lock takes a second lock, `<target>.lock.break` (also 'wx'),
 * re-reads the lock and removes it only if it is still the same stale content: two processes can
 * never both break a lock and then both hold one, because only a break-lock holder removes
 * another's lock and the dead owner never does.
 *
 * Limits (documented): a lock from another host (network file systems) is never considered stale
 * (we cannot see its process); a recycled pid keeps a stale lock "alive" until the timeout, and
 * the error then says which file to delete.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { HydroSyncError } from '../errors';
import { ioReason } from './json-file';

export interface FileLockOptions {
  /** Give up after this long (default 10 000 ms) with an IO error. */
  timeoutMs?: number;
  /** Poll interval while waiting (default 20 ms). */
  pollMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** An empty or unreadable lock file older than this is stale (its creator died mid-write). */
const STALE_UNREADABLE_MS = 5_000;

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HydroSyncError('IO', `cannot read the lock file ${path}: ${ioReason(e)}`);
  }
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockInfo>;
    if (Number.isSafeInteger(o.pid) && (o.pid as number) > 0 && typeof o.host === 'string') return o as LockInfo;
  } catch {
    // unreadable: decided by age
  }
  return undefined;
}

/** Whether process `pid` on this host is alive (EPERM: alive, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether the lock with this content is stale. */
function isStale(path: string, text: string): boolean {
  const info = parseInfo(text);
  if (info === undefined) return ageMs(path) > STALE_UNREADABLE_MS;
  return info.host === hostname() && !processAlive(info.pid);
}

/** Try to create `path` exclusively with `content`; false when it exists. */
function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new HydroSyncError('IO', `cannot create the lock file ${path}: ${ioReason(e)}`);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Remove a stale lock whose content was `seen`, under the break lock. False when another process is breaking it. */
function breakStaleLock(lock: string, seen: string): boolean {
  const breaker = `${lock}.break`;
  const me = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  if (!tryCreate(breaker, me)) {
    const other = readText(breaker);
    if (other !== undefined && isStale(breaker, other)) removeQuietly(breaker);
    return false;
  }
  try {
    if (readText(lock) === seen) removeQuietly(lock);
  } finally {
    removeQuietly(breaker);
  }
  return true;
}

function lockedMessage(target: string, lock: string, text: string | undefined, timeoutMs: number): string {
  const info = text === undefined ? undefined : parseInfo(text);
  const who = info ? `process ${info.pid}${info.host !== hostname() ? ` on host ${info.host}` : ''}${info.since ? ` (since ${info.since})` : ''}` : 'another process';
  return `${target} is locked by ${who}; waited ${Math.round(timeoutMs / 1000)} s. Try again when it has finished; if no hydrosync process is using it, delete ${lock}`;
}

/** Tells two acquisitions by one process apart (their lock contents must differ). */
let acquisitions = 0;

/** Acquire the lock on `target`; returns the release function. IO error on timeout. */
export async function acquireFileLock(target: string, options: FileLockOptions = {}): Promise<() => void> {
  const lock = `${target}.lock`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const pollMs = options.pollMs ?? 20;
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), n: ++acquisitions });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryCreate(lock, mine)) {
      return () => {
        try {
          if (readFileSync(lock, 'utf8') === mine) unlinkSync(lock);
        } catch {
          // gone already: nothing to release
        }
      };
    }
    const seen = readText(lock);
    if (seen === undefined) continue; // released just now: try again
    if (isStale(lock, seen) && breakStaleLock(lock, seen)) continue;
    if (Date.now() >= deadline) throw new HydroSyncError('IO', lockedMessage(target, lock, seen, timeoutMs));
    await sleep(pollMs);
  }
}

/** Run `fn` holding the lock on `target`; the lock is released however `fn` ends. */
export async function withFileLock<T>(target: string, fn: () => T | Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const release = await acquireFileLock(target, options);
  try {
    return await fn();
  } finally {
    release();
  }
}
