import type { CliIo } from './io';

let stdoutClosed = false;
let guarded = false;

/**
 * A reader that stops early (`hydrosync … | head`) closes the pipe: further output is dropped
 * quietly instead of ending in an EPIPE stack trace.
 */
function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') {
      stdoutClosed = true;
      return;
    }
    throw e;
  });
}

/** The real process: stdout, stderr, stdin, process.env and the system clock. */
export function processIo(): CliIo {
  guardStdout();
  return {
    stdout: (s) => {
      if (!stdoutClosed) process.stdout.write(s);
    },
    stderr: (s) => {
      process.stderr.write(s);
    },
    get stdin() {
      return process.stdin; // created only when a command reads it
    },
    env: process.env,
    now: () => new Date(),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
