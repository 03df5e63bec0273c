import { HydroSyncError } from '../errors';

/** Exit codes of the `hydrosync` command (documented in README "Command line"). */
export const EXIT = Object.freeze({
  /** Everything asked for succeeded. */
  OK: 0,
  /** A token or a vector failed: CRC, FORMAT of a token, FUNCTION, a failing vector case, … */
  FAILED: 1,
  /** Usage or input error: bad or missing flag, unreadable or malformed file, bad key or key parameter. */
  USAGE: 2,
  /** A bug in hydrosync (an unexpected exception). */
  INTERNAL: 70,
});

/**
 * Ends a command with an exit code after the message (if any) has been printed. Thrown by command
 * actions, caught by runCli; never escapes to the user as a stack trace.
 */
export class CliExit extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}

/** A usage error (exit 2): a bad, missing or conflicting option. */
export function usage(message: string): never {
  throw new HydroSyncError('USAGE', message);
}
