/**
 * The CLI's connection to the outside world. `createCli(io)` and `runCli(argv, io)` take one, so
 * tests can run the whole CLI in-process with fake streams, environment and clock.
 */
export interface CliIo {
  /** Normal output (results, reports). Called with whole lines, each ending in "\n". */
  stdout: (s: string) => void;
  /** Diagnostics: errors (`hydrosync: …`) and warnings (`hydrosync: warning: …`). */
  stderr: (s: string) => void;
  /**
   * Input for `token decode -`: any async iterable of text or byte chunks, such as process.stdin
   * or another Readable stream (default: process.stdin), or an async generator in tests.
   */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Environment variables (HYDROSYNC_*). */
  env: Record<string, string | undefined>;
  /** The clock used by `--now`. Default: the system clock (the host time zone is never used). */
  now?: () => Date;
  /** True when stderr is a terminal (progress bars are drawn only then). Default: false. */
  stderrIsTTY?: boolean;
}
