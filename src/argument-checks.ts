/**
 * Guards at the public entry points: a missing or wrong-typed argument is a HydroSyncError with a
 * code, never a TypeError from deep inside. Called once per public call, never in hot loops.
 */
import { fail, type HydroSyncErrorCode } from './errors';

/** `value` must be a non-null object (not an array): the options or request of a public call. */
export function checkObject(value: unknown, what: string, code: HydroSyncErrorCode = 'USAGE'): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(code, `${what} must be an object; got ${describeValue(value)}`);
}

/** Options may be left out (undefined); anything else must be an object. */
export function checkOptions(value: unknown, what: string): void {
  if (value !== undefined) checkObject(value, what);
}

/** `value` must be an array. */
export function checkArray(value: unknown, what: string, code: HydroSyncErrorCode = 'USAGE'): asserts value is unknown[] {
  if (!Array.isArray(value)) fail(code, `${what} must be an array; got ${describeValue(value)}`);
}

/** What a wrong value is, for a message: its type only (values may be secret). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
