/**
 * A one-line progress bar for long runs (fleet key change), on stderr. Drawn only on a terminal
 * and never with --quiet or --json, so pipes, files and machine output stay clean. Redraws at most
 * 10 times a second; done() clears the line.
 */

/** The stream the bar is drawn on (process.stderr, or a fake in tests). */
export interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width (default 80). */
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressBar {
  /** true when the bar draws anything at all. */
  readonly active: boolean;
  update(done: number, total: number): void;
  /** Clear the bar's line (call once at the end, also after an error: use try/finally). */
  done(): void;
}

export interface ProgressBarOptions {
  quiet?: boolean;
  json?: boolean;
  /** Text before the bar (default "key change"). */
  label?: string;
  /** Minimum time between redraws, ms (default 100: at most 10 a second). */
  intervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Show a progress bar only on a terminal, and not with --quiet or --json. */
export function shouldShowProgress(o: { isTTY?: boolean | undefined; quiet?: boolean | undefined; json?: boolean | undefined }): boolean {
  return o.isTTY === true && o.quiet !== true && o.json !== true;
}

const NO_BAR: ProgressBar = { active: false, update() {}, done() {} };

/** "12,345" */
function count(n: number): string {
  return Math.floor(n).toLocaleString('en-US');
}

/** Seconds → "42s", "3m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The bar's text for a given state (exported for tests). */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const rate = elapsedMs > 0 && done > 0 ? (done * 1000) / elapsedMs : 0;
  const rateText = rate > 0 ? `${count(rate)}/s` : '-/s';
  const eta = rate > 0 ? `ETA ${formatDuration((total - done) / rate)}` : 'ETA -';
  const tail = ` ${count(done)}/${count(total)} ${percent} ${rateText} ${eta}`;
  const barWidth = Math.max(0, Math.min(30, width - 1 - label.length - 3 - tail.length));
  let bar = '';
  if (barWidth >= 5) {
    const filled = Math.floor(fraction * barWidth);
    bar = ` [${'='.repeat(filled)}${' '.repeat(barWidth - filled)}]`;
  }
  return `${label}${bar}${tail}`.slice(0, Math.max(1, width - 1));
}

/** A progress bar on `stream`; a silent no-op unless shouldShowProgress({ isTTY: stream.isTTY, quiet, json }). */
export function createProgressBar(stream: ProgressStream, options: ProgressBarOptions = {}): ProgressBar {
  if (!shouldShowProgress({ isTTY: stream.isTTY, quiet: options.quiet, json: options.json })) return NO_BAR;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const label = options.label ?? 'key change';
  const start = now();
  let last = -Infinity;
  let drawn = false;
  let finished = false;
  return {
    active: true,
    update(done: number, total: number) {
      if (finished) return;
      const t = now();
      if (t - last < interval && done < total) return;
      last = t;
      drawn = true;
      stream.write(`\r${progressLine(label, done, total, t - start, stream.columns ?? 80)}\x1b[K`);
    },
    done() {
      if (finished) return;
      finished = true;
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
