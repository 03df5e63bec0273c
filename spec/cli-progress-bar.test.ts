// The terminal progress bar of long CLI runs (hsm key-change --fleet).
import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration, progressLine, shouldShowProgress } from '../src/cli/progress-bar';

describe('progress bar', () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, columns: 100, write: (s: string) => writes.push(s) } };
  }

  it('shouldShowProgress: only on a terminal, never with --quiet or --json', () => {
    expect(shouldShowProgress({ isTTY: true })).toBe(true);
    expect(shouldShowProgress({ isTTY: false })).toBe(false);
    expect(shouldShowProgress({ isTTY: undefined })).toBe(false);
    expect(shouldShowProgress({ isTTY: true, quiet: true })).toBe(false);
    expect(shouldShowProgress({ isTTY: true, json: true })).toBe(false);
  });

  it('prints nothing when the stream is not a terminal, or when quiet/json', () => {
    for (const [tty, opts] of [[false, {}], [true, { quiet: true }], [true, { json: true }]] as const) {
      const f = fakeStream(tty);
      const bar = createProgressBar(f.stream, opts);
      bar.update(0, 10);
      bar.update(10, 10);
      bar.done();
      expect(bar.active).toBe(false);
      expect(f.writes).toEqual([]);
    }
  });

  it('on a terminal: at most one redraw per 100 ms, always the last one, cleared at the end', () => {
    const f = fakeStream(true);
    let t = 1000;
    const bar = createProgressBar(f.stream, { now: () => t, label: 'keychange' });
    for (let done = 0; done <= 100_000; done += 1000) {
      bar.update(done, 100_000);
      t += 20; // 50 updates a second
    }
    bar.done();
    bar.done();
    const draws = f.writes.filter((w) => w !== '\r\x1b[K');
    expect(draws.length).toBeLessThanOrEqual(Math.ceil((101 * 20) / 100) + 1);
    expect(draws.length).toBeGreaterThan(5);
    expect(draws[0]).toMatch(/^\rkeychange \[ +\] 0\/100,000 +0% -\/s ETA -\x1b\[K$/);
    for (const d of draws.slice(1)) expect(d).toMatch(/^\rkeychange \[[= ]+\] [\d,]+\/100,000 +\d+% [\d,]+\/s ETA \d+s\x1b\[K$/);
    expect(draws[draws.length - 1]).toContain('100,000/100,000 100%');
    expect(f.writes[f.writes.length - 1]).toBe('\r\x1b[K');
    expect(f.writes.filter((w) => w === '\r\x1b[K')).toHaveLength(1);
  });

  it('the line: count, percent, rate and ETA, fitted to the width', () => {
    expect(progressLine('key change', 25_000, 100_000, 500, 80)).toBe(`key change [${'='.repeat(7)}${' '.repeat(23)}] 25,000/100,000  25% 50,000/s ETA 2s`);
    expect(progressLine('key change', 0, 100, 0, 80)).toMatch(/ 0\/100   0% -\/s ETA -$/);
    expect(progressLine('key change', 50, 100, 1000, 30).length).toBeLessThan(30);
    expect(formatDuration(59.2)).toBe('1m00s');
    expect(formatDuration(3725)).toBe('1h02m');
  });
});
