// Helpers shared by the spec files.
import { HydroSyncError } from '../src/errors';
import { runCli } from '../src/cli';
import type { CliIo } from '../src/cli/io';

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * The HydroSyncError code thrown by f (or by the promise it returns), or undefined when it
 * returns. Any other throw fails the test.
 */
export function errorCode(f: () => never): string | undefined;
export function errorCode(f: () => Promise<unknown>): Promise<string | undefined>;
export function errorCode(f: () => unknown): string | undefined;
export function errorCode(f: () => unknown): string | undefined | Promise<string | undefined> {
  const codeOf = (e: unknown) => {
    if (e instanceof HydroSyncError) return e.code;
    throw e;
  };
  try {
    const r = f();
    if (isPromise(r)) return r.then(() => undefined, codeOf);
  } catch (e) {
    return codeOf(e);
  }
  return undefined;
}

/** The HydroSyncError f throws, or its promise rejects with (code and message); any other throw, or none, fails the test. */
export function refusal(f: () => never): { code: string; message: string };
export function refusal(f: () => Promise<unknown>): Promise<{ code: string; message: string }>;
export function refusal(f: () => unknown): { code: string; message: string };
export function refusal(f: () => unknown): { code: string; message: string } | Promise<{ code: string; message: string }> {
  const of = (e: unknown) => {
    if (e instanceof HydroSyncError) return { code: e.code, message: e.message };
    throw e;
  };
  const none = () => {
    throw new Error('expected a HydroSyncError, nothing was thrown');
  };
  try {
    const r = f();
    if (isPromise(r)) return r.then(none, of);
  } catch (e) {
    return of(e);
  }
  return none();
}

/** Hex → bytes (test input only; no validation). */
export const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
/** 16 hex digits → a block as two 32-bit halves. */
export const block = (hex: string): Uint32Array => new Uint32Array([parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8, 16), 16)]);
/** A block's halves → 16 lowercase hex digits. */
export const hex64 = (b: Uint32Array): string => b[0]!.toString(16).padStart(8, '0') + b[1]!.toString(16).padStart(8, '0');

/**
 * Run the CLI in-process with captured output. The clock reads 2026-12-01 02:30 UTC (09:30 WIB);
 * `stdin` lines are offered as standard input.
 */
export async function runCapture(args: string[], opts: { env?: Record<string, string>; stdin?: string[] } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    env: { ...opts.env },
    now: () => new Date('2026-12-01T02:30:00Z'),
    ...(opts.stdin ? { stdin: (async function* () { yield* opts.stdin!; })() } : {}),
  };
  const code = await runCli(['node', 'hydrosync', ...args], io);
  return { code, stdout, stderr };
}
