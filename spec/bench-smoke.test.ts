/**
 * The security module's benchmarks still run on the current API (a bench left on an old API fails
 * only when someone measures): each is run small, and its own known-answer checks (published STS
 * sets, a reissue from the sealed record, the audit chain) must pass. Figures are not asserted.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function bench(args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, args, { cwd: new URL('..', import.meta.url), timeout: 120_000 });
  return JSON.parse(stdout);
}

describe('benchmarks of the security module, run small', () => {
  it('bench/fleet.js: 300 meters re-keyed end to end on SQLite after its C11 known answer', async () => {
    const r = (await bench(['bench/fleet.js', '--quick', '--json', '--meters', '300'])) as { meters: number; metersPerSecond: number };
    expect(r.meters).toBe(300);
    expect(r.metersPerSecond).toBeGreaterThan(0);
  }, 130_000);

  it('bench/hsm-vend.js: vends on a 200-meter SQLite registry after its known answer, with bytes per vend', async () => {
    const r = (await bench(['bench/hsm-vend.js', '--quick', '--json', '--sizes=200'])) as { results: { meters: number; opsPerSec: number; bytesPerVend: number }[] };
    expect(r.results.map((x) => x.meters)).toEqual([200]);
    expect(r.results[0]!.opsPerSec).toBeGreaterThan(0);
    expect(r.results[0]!.bytesPerVend).toBeGreaterThan(0);
  }, 130_000);
});
