import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { STA_SAMPLE_TABLES } from '../src/cipher/sta-tables';
import { hexToBytes } from '../src/codec/hex';
import { luhnCheckDigit, makeMeterPan } from '../src/codec/pan';
import { FleetEngine, keyChangeBatch, packFleetChunk, unpackFleetResult } from '../src/hsm/fleet';
import type { FleetKeyParams } from '../src/hsm/fleet';
import type { FleetItem, FleetOutcome } from '../src/hsm/types';
import { type FleetRunPlan, resolveFleetWorker, runFleetKeyChange } from '../src/node/fleet-runner';
import type { FleetWorkerReply } from '../src/node/fleet-worker-protocol';
import { createProgressBar, formatDuration, progressLine, shouldShowProgress } from '../src/cli/progress-bar';

// The fleet runner on worker threads (the built dist/fleet-worker.js; `npm test` builds first) and
// in this thread, and the terminal progress bar.

const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'fleet-worker.js')) && existsSync(join(root, 'dist', 'fleet-worker.cjs'));

const KEYS = new Map<string, Uint8Array>([
  ['a', hexToBytes('abababababababab949494949494949401234567')],
  ['b', hexToBytes('0123456789abcdef0123456789abcdef01234567')],
  ['s', hexToBytes('abababababababab')],
]);
const EA11: FleetKeyParams = {
  dkga: '04', vendingKeyId: 'a', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1,
  keyType: 2, keyExpiryNumber: 255, baseDate: 2014, encryptionAlgorithm: '11',
};
const EA07: FleetKeyParams = { ...EA11, dkga: '02', vendingKeyId: 's', baseDate: 1993, encryptionAlgorithm: '07' };

function pan(n: number): string {
  const body = '04' + String(n).padStart(8, '0');
  return makeMeterPan('600727', body + luhnCheckDigit(body));
}

/** n meters: mostly EA11 KRN 1 → 2, some rollovers, some EA07 3KCT sets, a few refusals. */
function fleet(n: number): FleetItem[] {
  const next = { ...EA11, vendingKeyId: 'b', keyRevisionNumber: 2 };
  const roll = { ...next, baseDate: 2035 as const };
  return Array.from({ length: n }, (_, i): FleetItem => {
    if (i % 997 === 5) return { pan: pan(i), current: { ...EA11, vendingKeyId: 'unknown' }, next, rollover: false, threeTokenSet: false };
    if (i % 1009 === 7) return { pan: 'not a pan', current: EA11, next, rollover: false, threeTokenSet: false };
    if (i % 10 === 3) return { pan: pan(i), current: EA11, next: roll, rollover: true, threeTokenSet: false };
    if (i % 10 === 6) return { pan: pan(i), current: EA07, next: { ...EA07, keyRevisionNumber: 2, supplyGroupCode: '201458' }, rollover: false, threeTokenSet: true };
    return { pan: pan(i), current: { ...EA11 }, next: { ...next }, rollover: false, threeTokenSet: false };
  });
}

const items5000 = fleet(5000);
const want5000 = keyChangeBatch(items5000, KEYS);

function recorder() {
  const calls: [number, number][] = [];
  let plan: FleetRunPlan | undefined;
  return { calls, onProgress: (d: number, t: number) => calls.push([d, t]), onPlan: (p: FleetRunPlan) => { plan = p; }, plan: () => plan };
}

function expectProgress(calls: [number, number][], total: number) {
  expect(calls[0]).toEqual([0, total]);
  expect(calls[calls.length - 1]).toEqual([total, total]);
  for (let i = 1; i < calls.length; i++) {
    expect(calls[i]![1]).toBe(total);
    expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
  }
}

describe.skipIf(!built)('worker threads (built dist/fleet-worker.js)', () => {
  it('resolveFleetWorker finds the built worker when running from the sources', () => {
    expect(resolveFleetWorker()?.href).toBe(pathToFileURL(join(root, 'dist', 'fleet-worker.js')).href);
  });

  it('5,000 meters on 2 workers: the same outcomes as in-thread, in order, with monotonic progress', async () => {
    expect(want5000.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.errorCode))).toEqual(expect.arrayContaining(['NOT_FOUND', 'FORMAT']));
    const r = recorder();
    const got = await runFleetKeyChange(items5000, KEYS, { workers: 2, chunkSize: 512, onProgress: r.onProgress, onPlan: r.onPlan });
    expect(r.plan()).toEqual({ threads: 2, chunkSize: 512, chunks: 10 });
    expect(got).toEqual(want5000);
    expectProgress(r.calls, 5000);
    expect(r.calls).toHaveLength(11);
  });

  it('EA07 with explicit STA tables, and the reference path, on workers', async () => {
    const items = items5000.slice(0, 2500);
    const want = keyChangeBatch(items, KEYS, { staTables: STA_SAMPLE_TABLES });
    expect(await runFleetKeyChange(items, KEYS, { workers: 2, staTables: STA_SAMPLE_TABLES, reference: true })).toEqual(want);
  });

  it('the CommonJS build of the worker speaks the same protocol', async () => {
    const items = items5000.slice(0, 300);
    const w = new Worker(join(root, 'dist', 'fleet-worker.cjs'), { workerData: { vendingKeys: KEYS } });
    try {
      const reply = await new Promise<FleetWorkerReply>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.postMessage({ id: 7, chunk: packFleetChunk(items) });
      });
      expect(reply.id).toBe(7);
      const out: FleetOutcome[] = new Array(items.length);
      unpackFleetResult(reply.result!, items, 0, out);
      expect(out).toEqual(want5000.slice(0, 300));
    } finally {
      await w.terminate();
    }
  });

  it('abort: the promise rejects with the signal reason and the workers stop', async () => {
    const ac = new AbortController();
    const run = runFleetKeyChange(items5000, KEYS, {
      workers: 2, chunkSize: 100, signal: ac.signal,
      onProgress: (done) => { if (done >= 300) ac.abort(); },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const already = AbortSignal.abort();
    await expect(runFleetKeyChange(items5000, KEYS, { signal: already })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('worker failures and in-thread runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-fleet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a worker that crashes rejects the run (no hang, no partial result)', async () => {
    const bad = join(dir, 'bad-worker.mjs');
    writeFileSync(bad, "throw new Error('boom');\n");
    await expect(runFleetKeyChange(items5000, KEYS, { workers: 2, workerUrl: pathToFileURL(bad) })).rejects.toThrow(/boom/);
  });

  it('small fleets run in this thread (no worker start-up), in chunks with progress', async () => {
    const r = recorder();
    const items = items5000.slice(0, 1999);
    expect(await runFleetKeyChange(items, KEYS, { chunkSize: 500, onProgress: r.onProgress, onPlan: r.onPlan })).toEqual(want5000.slice(0, 1999));
    expect(r.plan()).toEqual({ threads: 0, chunkSize: 500, chunks: 4 });
    expect(r.calls).toEqual([[0, 1999], [500, 1999], [1000, 1999], [1500, 1999], [1999, 1999]]);
  });

  it('workers: 0 runs in this thread; an empty fleet reports (0, 0)', async () => {
    const r = recorder();
    expect(await runFleetKeyChange(items5000, KEYS, { workers: 0, onPlan: r.onPlan })).toEqual(want5000);
    expect(r.plan()?.threads).toBe(0);
    const e = recorder();
    expect(await runFleetKeyChange([], KEYS, { onProgress: e.onProgress })).toEqual([]);
    expect(e.calls).toEqual([[0, 0]]);
  });

  it('bad options are USAGE errors', async () => {
    await expect(runFleetKeyChange(items5000, KEYS, { chunkSize: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runFleetKeyChange(items5000, KEYS, { workers: 1.5 })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('the engine used by a worker keeps its compiled profiles across chunks', () => {
    const engine = new FleetEngine(KEYS);
    for (let from = 0; from < 3000; from += 1000) engine.runPacked(packFleetChunk(items5000, from, from + 1000));
    expect(engine.stats()).toEqual({ profiles: 4, fast: 3 }); // the unknown-key profile is refused
  });
});

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
