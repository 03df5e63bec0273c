import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { tidFromWallClock } from '../src/codec/tid';
import { deriveDecoderKey } from '../src/keys/derive';
import type { KeyParameters } from '../src/keys/types';
import { Meter, type EntryResult } from '../src/meter/meter';
import { meterToState, serializeMeterState } from '../src/meter/state';
import { acquireFileLock } from '../src/node/meter-lock';
import {
  MeterStateFile, type MeterFsOps, NODE_FS_OPS, loadMeter, saveMeter, stateTempFiles,
} from '../src/node/meter-state-file';
import { issueCredit } from '../src/tokens/issue';
import { historyLine, statusLines } from '../src/cli/meter-text';
import { errorCode } from './support';

// Issue #3 §3: the meter's non-volatile memory loses nothing and credits nothing twice, whatever
// step of a save a crash (power cut) interrupts; a corrupt state is refused, never reset.

const root = join(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'hydrosync-meter-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = deriveDecoderKey(DEMO_KEY.vendingKey, DEMO_KEY as unknown as KeyParameters);
const MANUFACTURED = '2026-11-01T00:00';
const AT = '2026-12-01T12:00';

function newMeter(options: { lockout?: null } = {}): Meter {
  return new Meter({
    profile: { pan: DEMO_KEY.pan, historyDepth: 100, ...(options.lockout === null ? { lockout: null } : {}) },
    key,
    initialTid: tidFromWallClock(MANUFACTURED, key.baseDate),
  });
}

/** A pool of distinct water tokens: token i is (i + 1) × 100 L, issued at 09:00 + i minutes. */
const POOL = Array.from({ length: 12 }, (_, i) => {
  const t = issueCredit(key, { litres: (i + 1) * 100, dateTime: `2026-12-01T09:${String(i).padStart(2, '0')}`, rnd: i % 16 });
  return { token: t.token, litres: t.creditedLitres!, tid: t.tid };
});
/** Before the meter was made: OLD. */
const OLD_TOKEN = issueCredit(key, { litres: 100, dateTime: '2026-10-01T08:00', rnd: 1 }).token;

let counter = 0;
function freshPath(): string {
  counter++;
  return join(dir, `m${counter}`, 'meter.json');
}

async function createState(path: string, meter = newMeter()): Promise<MeterStateFile> {
  mkdirSync(join(path, '..'), { recursive: true });
  const file = new MeterStateFile(path);
  await file.create(meter);
  return file;
}

/**
 * File operations that "lose power" before operation number `crashAt` of the run (0-based): that
 * operation and every later one throw, as nothing runs after a power cut. `tornWrite` makes the
 * crashing write put half its bytes on disk first. Records which operations completed.
 */
class CrashingFs implements MeterFsOps {
  readonly done: string[] = [];
  private calls = 0;
  crashed = false;
  constructor(private readonly crashAt: number, private readonly tornWrite = false) {}

  private step(name: string): boolean {
    if (this.crashed) throw new Error('power is off');
    if (this.calls++ === this.crashAt) {
      this.crashed = true;
      return false;
    }
    this.done.push(name);
    return true;
  }

  open(path: string, flags: 'wx' | 'r', mode?: number): number {
    if (!this.step(flags === 'r' ? 'open-dir' : 'open')) throw new Error('crash before open');
    return NODE_FS_OPS.open(path, flags, mode);
  }
  write(fd: number, data: Uint8Array, offset: number, length: number): number {
    if (!this.step('write')) {
      if (this.tornWrite) NODE_FS_OPS.write(fd, data, offset, Math.floor(length / 2));
      throw new Error('crash during write');
    }
    return NODE_FS_OPS.write(fd, data, offset, length);
  }
  fsync(fd: number): void {
    if (!this.step('fsync')) throw new Error('crash before fsync');
    NODE_FS_OPS.fsync(fd);
  }
  close(fd: number): void {
    if (!this.step('close')) {
      NODE_FS_OPS.close(fd); // the descriptor dies with the process; do not leak it in the test runner
      throw new Error('crash before close');
    }
    NODE_FS_OPS.close(fd);
  }
  rename(from: string, to: string): void {
    if (!this.step('rename')) throw new Error('crash before rename');
    NODE_FS_OPS.rename(from, to);
  }
  unlink(path: string): void {
    if (!this.step('unlink')) throw new Error('crash before unlink');
    NODE_FS_OPS.unlink(path);
  }
  get renamed(): boolean {
    return this.done.includes('rename');
  }
}

/** The operations of one clean save, in order (to name the crash points). */
function saveSteps(): string[] {
  const path = join(dir, 'probe', 'meter.json');
  mkdirSync(join(path, '..'), { recursive: true });
  const fs = new CrashingFs(-1);
  saveMeter(path, newMeter(), 0, { fs });
  return fs.done;
}

/** Enter a token with the given file operations; the result only if the save completed. */
async function enterWith(path: string, token: string, fs: MeterFsOps, at = AT): Promise<{ result?: EntryResult; error?: unknown; inMemory?: EntryResult }> {
  let inMemory: EntryResult | undefined;
  try {
    const { result } = await new MeterStateFile(path, { fs }).update((m) => {
      inMemory = m.enter(token, at);
      return inMemory;
    });
    return { result, inMemory };
  } catch (error) {
    return { error, inMemory };
  }
}

/** "Reboot": a fresh load from disk. */
const reboot = (path: string) => loadMeter(path).meter;

describe('atomic save: a crash at any step loses nothing and credits nothing twice', () => {
  const steps = saveSteps();

  it('a save is open, write, fsync, close, rename, then open and fsync of the directory', () => {
    expect(steps).toEqual(['open', 'write', 'fsync', 'close', 'rename', 'open-dir', 'fsync', 'close']);
  });

  const points = [
    ...steps.map((name, i) => ({ label: `before ${name} (#${i})`, crashAt: i, torn: false })),
    { label: 'in the middle of the write (torn write)', crashAt: steps.indexOf('write'), torn: true },
  ];

  for (const p of points) {
    it(`crash ${p.label}`, async () => {
      const path = freshPath();
      await createState(path);
      const before = readFileSync(path);
      const t = POOL[3]!;
      const fs = new CrashingFs(p.crashAt, p.torn);
      const crashed = await enterWith(path, t.token, fs);
      expect(crashed.inMemory?.result).toBe('ACCEPT');
      // Up to the directory fsync a crash means no result was reported; after it (closing the
      // directory) the save is complete and durable, and a reported result is on disk.
      if (p.crashAt <= steps.lastIndexOf('fsync')) expect(crashed.result, 'nothing is reported').toBeUndefined();
      if (crashed.result !== undefined) expect(fs.renamed).toBe(true);

      // Reboot: the state on disk is one whole state, the old one or the new one.
      const m = reboot(path);
      if (fs.renamed) {
        expect(m.creditLitres).toBe(t.litres);
        expect(m.tidMemory.has(t.tid)).toBe(true);
        const again = await enterWith(path, t.token, NODE_FS_OPS);
        expect(again.result?.result).toBe('USED');
        expect(reboot(path).creditLitres).toBe(t.litres);
      } else {
        expect(readFileSync(path).equals(before), 'old state intact byte for byte').toBe(true);
        expect(m.creditLitres).toBe(0);
        const again = await enterWith(path, t.token, NODE_FS_OPS);
        expect(again.result?.result).toBe('ACCEPT');
        const third = await enterWith(path, t.token, NODE_FS_OPS);
        expect(third.result?.result).toBe('USED');
        expect(reboot(path).creditLitres).toBe(t.litres);
      }
      // Leftover temporary files were never read as state, and the next update removed them.
      expect(stateTempFiles(path)).toEqual([]);
    });
  }

  it('a temporary file left by a crash is never mistaken for state', async () => {
    const path = freshPath();
    await createState(path);
    const fs = new CrashingFs(steps.indexOf('rename'));
    await enterWith(path, POOL[0]!.token, fs);
    const leftovers = stateTempFiles(path);
    expect(leftovers.length).toBe(1); // the crashed process could not clean up
    expect(JSON.parse(readFileSync(leftovers[0]!, 'utf8')).creditLitres).toBe(POOL[0]!.litres);
    expect(reboot(path).creditLitres).toBe(0); // the state is the file, not the newer temp file
    const r = await enterWith(path, POOL[1]!.token, NODE_FS_OPS);
    expect(r.result?.result).toBe('ACCEPT');
    expect(stateTempFiles(path)).toEqual([]);
    expect(reboot(path).creditLitres).toBe(POOL[1]!.litres);
  });

  it('a failing save (disk full) reports IO and keeps the previous state', async () => {
    const path = freshPath();
    await createState(path);
    const before = readFileSync(path);
    const full: MeterFsOps = { ...NODE_FS_OPS, write: () => { throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); } };
    const r = await enterWith(path, POOL[0]!.token, full);
    expect(errorCode(() => { throw r.error; })).toBe('IO');
    expect(String((r.error as Error).message)).toMatch(/previous state is unchanged/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(stateTempFiles(path)).toEqual([]); // the live process cleaned up its temporary file
  });

  it('property: credit on disk = sum of the tokens whose ACCEPT was persisted; every reported ACCEPT is persisted', async () => {
    const tokenChoice = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: POOL.length - 1 }).map((i) => ({ token: POOL[i]!.token, litres: POOL[i]!.litres })) },
      { weight: 1, arbitrary: fc.constant({ token: OLD_TOKEN, litres: 0 }) },
      { weight: 1, arbitrary: fc.constant({ token: '1234 5678', litres: 0 }) },
    );
    // Per step: a crash point (an operation index of the save), or none.
    const crash = fc.option(fc.integer({ min: 0, max: steps.length }), { nil: undefined, freq: 3 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ t: tokenChoice, crash, retype: fc.boolean() }), { minLength: 1, maxLength: 10 }), async (plan) => {
        const path = freshPath();
        await createState(path, newMeter({ lockout: null }));
        let persisted = 0;
        const persistedAccepts = new Map<string, number>();
        const reported = new Set<string>();
        const note = (token: string, litres: number) => {
          persisted += litres;
          persistedAccepts.set(token, (persistedAccepts.get(token) ?? 0) + 1);
        };
        for (const { t, crash: c, retype } of plan) {
          const fs = c === undefined ? NODE_FS_OPS : new CrashingFs(c);
          const r = await enterWith(path, t.token, fs);
          const onDisk = r.result !== undefined || (fs instanceof CrashingFs && fs.renamed);
          if (onDisk && r.inMemory?.result === 'ACCEPT') note(t.token, r.inMemory.litres ?? 0);
          if (r.result?.result === 'ACCEPT') reported.add(t.token);
          if (r.error !== undefined && retype) {
            // The customer saw nothing and types the token again after the reboot.
            const again = await enterWith(path, t.token, NODE_FS_OPS);
            if (again.result?.result === 'ACCEPT') {
              note(t.token, again.result.litres ?? 0);
              reported.add(t.token);
            }
          }
          const m = reboot(path);
          expect(m.creditLitres).toBe(persisted);
        }
        for (const [, n] of persistedAccepts) expect(n).toBe(1); // never credited twice
        for (const tok of reported) expect(persistedAccepts.get(tok)).toBe(1); // never lost
        const m = reboot(path);
        for (const tok of persistedAccepts.keys()) {
          const tid = POOL.find((p) => p.token === tok)!.tid;
          expect(m.tidMemory.has(tid)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('a corrupt or unknown state is refused (STATE) and left byte for byte', () => {
  let valid: string;
  beforeEach(() => {
    valid = serializeMeterState(meterToState(newMeter(), 3));
  });

  const edit = (f: (s: Record<string, any>) => void) => () => {
    const s = JSON.parse(valid) as Record<string, any>;
    f(s);
    return JSON.stringify(s);
  };
  const cases: [string, () => string, RegExp][] = [
    ['truncated JSON', () => valid.slice(0, Math.floor(valid.length / 2)), /not valid JSON/],
    ['an empty file', () => '', /the file is empty/],
    ['garbage bytes', () => '\u0000\u0013\u00ff garbage \u0001', /not valid JSON/],
    ['an unknown version', edit((s) => { s.format = 'hydrosync-meter-state/9'; }), /version "hydrosync-meter-state\/9" is not supported/],
    ['not a meter state', edit((s) => { s.format = 'something-else'; }), /not a HydroSync meter state/],
    ['credit as a string', edit((s) => { s.creditLitres = '5000'; }), /creditLitres/],
    ['negative credit', edit((s) => { s.creditLitres = -1; }), /creditLitres/],
    ['TID memory not an array', edit((s) => { s.tidMemory = 'x'; }), /tidMemory/],
    ['TID memory of the wrong depth', edit((s) => { s.tidMemory = [1, 2]; }), /tidMemory/],
    ['a TID out of range', edit((s) => { s.tidMemory[0] = 2 ** 24; }), /tidMemory/],
    ['tamper as a number', edit((s) => { s.tamper = 1; }), /tamper/],
    ['a bad key type', edit((s) => { s.key.keyType = 7; }), /corrupt/],
    ['key bits of the wrong length', edit((s) => { s.key.decoderKey = 'abcd'; }), /corrupt/],
    ['a missing revision', edit((s) => { delete s.revision; }), /revision/],
    ['a JSON array', () => '[]', /must be an object|not a HydroSync/],
    ['null', () => 'null', /must be an object|not a HydroSync/],
  ];

  for (const [name, make, message] of cases) {
    it(name, () => {
      const path = freshPath();
      mkdirSync(join(path, '..'), { recursive: true });
      const text = make();
      writeFileSync(path, text, { mode: 0o600 });
      const before = readFileSync(path);
      let error: unknown;
      try {
        loadMeter(path);
      } catch (e) {
        error = e;
      }
      expect(errorCode(() => { if (error) throw error; })).toBe('STATE');
      expect(String((error as Error).message)).toMatch(message);
      expect(String((error as Error).message)).not.toContain(key.exportHex());
      expect(readFileSync(path).equals(before)).toBe(true);
    });
  }

  it('property: any one damaged field is refused with STATE or loads into a meter that works; never another error', () => {
    const m = newMeter();
    m.enter(POOL[0]!.token, AT);
    m.consume(10, AT);
    m.enter(OLD_TOKEN, AT);
    const base = JSON.parse(serializeMeterState(meterToState(m, 3))) as Record<string, unknown>;
    const paths = (o: unknown, pre: string[] = []): string[][] =>
      o === null || typeof o !== 'object' ? [pre] : [pre, ...Object.entries(o).flatMap(([k, v]) => paths(v, [...pre, k]))];
    const fields = paths(base).filter((p) => p.length > 0);
    const damage = fc.oneof(
      fc.constant(undefined), fc.constant(null), fc.boolean(), fc.string({ maxLength: 8 }), fc.integer(), fc.double(),
      fc.constantFrom(-1, 2 ** 53, 1e300, [], {}, 'NaN', [1, 2]),
    );
    const path = freshPath();
    mkdirSync(join(path, '..'), { recursive: true });
    fc.assert(fc.property(fc.constantFrom(...fields), damage, (field, value) => {
      const s = structuredClone(base) as Record<string, any>;
      let o = s;
      for (const k of field.slice(0, -1)) o = o[k];
      if (value === undefined) delete o[field.at(-1)!];
      else o[field.at(-1)!] = value;
      const text = JSON.stringify(s);
      writeFileSync(path, text);
      let loaded: ReturnType<typeof loadMeter>;
      try {
        loaded = loadMeter(path);
      } catch (e) {
        expect(errorCode(() => { throw e; })).toBe('STATE');
        expect(readFileSync(path, 'utf8')).toBe(text);
        return;
      }
      // Accepted damage (a value still in range): the meter keeps working.
      const mm = loaded.meter;
      statusLines(path, mm, loaded.revision);
      mm.history.forEach(historyLine);
      mm.enter(POOL[5]!.token, AT);
      serializeMeterState(meterToState(mm, loaded.revision + 1));
    }), { numRuns: 1500 });
  });

  it('an update of a corrupt state changes nothing', async () => {
    const path = freshPath();
    await createState(path);
    writeFileSync(path, valid.slice(0, 100));
    const before = readFileSync(path);
    const r = await enterWith(path, POOL[0]!.token, NODE_FS_OPS);
    expect(errorCode(() => { throw r.error; })).toBe('STATE');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(stateTempFiles(path)).toEqual([]);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('a missing state is IO with a hint to run meter init', () => {
    expect(errorCode(() => loadMeter(join(dir, 'nowhere', 'meter.json')))).toBe('IO');
    expect(() => loadMeter(join(dir, 'nowhere', 'meter.json'))).toThrow(/meter init/);
  });

  it('a state round-trips through the file with its revision', async () => {
    const path = freshPath();
    const file = await createState(path);
    const r1 = await file.update((m) => m.enter(POOL[0]!.token, AT));
    const r2 = await file.update((m) => m.consume(50, AT));
    expect(r1.revision).toBe(1);
    expect(r2.revision).toBe(2);
    const loaded = loadMeter(path);
    expect(loaded.revision).toBe(2);
    expect(loaded.meter.creditLitres).toBe(POOL[0]!.litres - 50);
    expect(loaded.mode & 0o777).toBe(0o600);
    expect(serializeMeterState(meterToState(loaded.meter, 2))).toBe(readFileSync(path, 'utf8'));
  });

  it('create refuses to replace a state unless forced', async () => {
    const path = freshPath();
    const file = await createState(path);
    await file.update((m) => m.enter(POOL[0]!.token, AT));
    await expect(file.create(newMeter())).rejects.toThrow(/already exists.*--force/);
    expect(loadMeter(path).meter.creditLitres).toBe(POOL[0]!.litres);
    await file.create(newMeter(), { force: true });
    expect(loadMeter(path).meter.creditLitres).toBe(0);
  });
});

describe('the lock: concurrent updates never lose one', () => {
  it('in-process concurrent updates are serialised', async () => {
    const path = freshPath();
    const file = await createState(path, newMeter({ lockout: null }));
    const results = await Promise.all(POOL.map((p) => file.update((m) => m.enter(p.token, AT))));
    expect(results.every((r) => r.result.result === 'ACCEPT')).toBe(true);
    const loaded = loadMeter(path);
    expect(loaded.revision).toBe(POOL.length);
    expect(loaded.meter.creditLitres).toBe(POOL.reduce((a, p) => a + p.litres, 0));
  });

  it('a lock held by a live process makes an update wait, then fail with IO naming the lock file', async () => {
    const path = freshPath();
    const file = await createState(path);
    const release = await acquireFileLock(path);
    const before = readFileSync(path);
    const slow = new MeterStateFile(path, { lock: { timeoutMs: 150 } });
    await expect(slow.update((m) => m.enter(POOL[0]!.token, AT))).rejects.toThrow(new RegExp(`locked by process ${process.pid}.*delete ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.lock`));
    expect(readFileSync(path).equals(before)).toBe(true);
    release();
    await file.update((m) => m.enter(POOL[0]!.token, AT));
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('a stale lock (its process is gone) is broken', async () => {
    const path = freshPath();
    const file = await createState(path);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: deadPid, host: hostname(), since: '2026-01-01T00:00:00Z' }));
    const r = await file.update((m) => m.enter(POOL[0]!.token, AT));
    expect(r.result.result).toBe('ACCEPT');
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(existsSync(`${path}.lock.break`)).toBe(false);
  });

  it('an empty lock file left by a crash is broken once it is old', async () => {
    const path = freshPath();
    const file = await createState(path);
    writeFileSync(`${path}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    const r = await file.update((m) => m.enter(POOL[0]!.token, AT));
    expect(r.result.result).toBe('ACCEPT');
  });

  const built = existsSync(join(root, 'dist', 'cli.js'));
  it.skipIf(!built)('four processes entering tokens into one state at once lose no update', async () => {
    const path = freshPath();
    await createState(path, newMeter({ lockout: null }));
    const groups = [POOL.slice(0, 3), POOL.slice(3, 6), POOL.slice(6, 9), POOL.slice(9, 12)];
    const run = (tokens: string[]) => new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'bin', 'hydrosync.js'), 'meter', 'enter', '--state', path, '--at', AT, ...tokens], { stdio: 'ignore' });
      child.on('exit', (code) => resolve(code ?? -1));
    });
    const codes = await Promise.all(groups.map((g) => run(g.map((p) => p.token))));
    expect(codes).toEqual([0, 0, 0, 0]);
    const loaded = loadMeter(path);
    expect(loaded.revision).toBe(POOL.length);
    expect(loaded.meter.creditLitres).toBe(POOL.reduce((a, p) => a + p.litres, 0));
    expect(loaded.meter.history.length).toBe(POOL.length);
  });
});

describe('meter reports: a report counter is never shown twice, whatever step of the save a crash interrupts', () => {
  const steps = saveSteps();
  /** Make a report through the state file; the report only if the save completed (what the CLI shows). */
  async function reportWith(path: string, fs: MeterFsOps): Promise<{ shown?: number; inMemory?: number }> {
    let inMemory: number | undefined;
    try {
      const { result } = await new MeterStateFile(path, { fs }).update((m) => {
        inMemory = m.report(AT).report.counter;
        return inMemory;
      });
      return { shown: result, inMemory };
    } catch {
      return { inMemory };
    }
  }

  it('across a crash at every step of the save, shown counters are strictly increasing and never repeat', async () => {
    const path = freshPath();
    await createState(path);
    const shown: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i <= steps.length; i++) {
        const r = await reportWith(path, i < steps.length ? new CrashingFs(i) : NODE_FS_OPS);
        if (r.shown !== undefined) shown.push(r.shown);
        // Reboot: the counter on disk is at least every counter shown so far.
        expect(reboot(path).reportCounter).toBeGreaterThanOrEqual(Math.max(0, ...shown));
      }
    }
    expect(shown.length).toBeGreaterThan(0);
    for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThan(shown[i - 1]!);
    // One more report after all the crashes is above every counter ever shown.
    const next = await reportWith(path, NODE_FS_OPS);
    expect(next.shown).toBeGreaterThan(Math.max(...shown));
  });

  it('a state written before reports existed (no reportCounter) loads with counter 0', () => {
    const path = freshPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const state = meterToState(newMeter()) as unknown as Record<string, unknown>;
    delete state.reportCounter;
    writeFileSync(path, JSON.stringify(state));
    expect(loadMeter(path).meter.reportCounter).toBe(0);
    writeFileSync(path, JSON.stringify({ ...state, reportCounter: -1 }));
    expect(errorCode(() => loadMeter(path))).toBe('STATE');
  });
});
