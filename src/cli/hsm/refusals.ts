/** Refusals of the security module: one line and exit 1 (everything else is exit 2). */
import { HydroSyncError } from '../../errors';
import type { CliContext } from '../context';
import { CliExit, EXIT } from '../exit-codes';

/**
 * Error codes that mean "the security module refused the operation" (exit 1): the request was
 * well-formed but policy, state or the standard says no. Everything else from a command (USAGE,
 * FORMAT, CHECK_DIGIT, KEY, IO, MASTER_KEY, STORE, …) is an input, usage or environment error
 * (exit 2).
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'KEY_EXPIRED', 'DDTK', 'LIMIT', 'KEY_INACTIVE', 'NOT_FOUND', 'CONFLICT', 'RANGE', 'AUDIT', 'TID',
  'KEY_CHANGE', 'KEY_TYPE', 'OVERFLOW',
]);

/**
 * Run a command body; a refusal of the security module (REFUSAL_CODES) is printed as one line and
 * ends the command with exit 1. Other errors go on to runCli (exit 2 for HydroSyncError).
 */
export async function refusalsExit1(ctx: CliContext, f: () => Promise<void> | void): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof HydroSyncError && REFUSAL_CODES.has(e.code)) {
      ctx.errorOf(e);
      throw new CliExit(EXIT.FAILED);
    }
    throw e;
  }
}
