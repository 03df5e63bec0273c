import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCli } from '../src/cli/index';
import { runCapture as run } from './support';

// The project's vector files (they include copies of the shared development set).
const VECTORS = join(__dirname, '..', 'vectors');
const sharedFiles = readdirSync(VECTORS).filter((f) => f.endsWith('.json')).map((f) => join(VECTORS, f));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hydrosync-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('usage errors: exit 2, one line on stderr, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /missing command/],
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['group without subcommand', ['token'], /missing command: hydrosync token generate\|decode/],
    ['unknown kind', ['token', 'generate', 'gold'], /unknown command 'gold'/],
    ['unknown option', ['token', 'generate', 'test', '--bogus'], /unknown option '--bogus'/],
    ['missing argument', ['token', 'decode'], /missing required argument/],
    ['missing option argument', ['token', 'generate', 'credit', '--m3'], /argument missing/],
    ['required option', ['token', 'generate', 'max-power', '--demo-key', '--tid', '5'], /--watts/],
    ['two amounts', ['token', 'generate', 'credit', '--demo-key', '--m3', '1', '--litres', '5', '--tid', '5'], /only one of --litres, --m3, --tenths/],
    ['no amount', ['token', 'generate', 'credit', '--demo-key', '--tid', '5'], /give the amount/],
    ['two times', ['token', 'generate', 'credit', '--demo-key', '--m3', '1', '--tid', '5', '--now'], /only one of --tid, --date-time and --now/],
    ['no time and no offset', ['token', 'generate', 'credit', '--demo-key', '--m3', '1'], /--tid N, --date-time YYYY-MM-DDTHH:MM, or --now with --utc-offset/],
    ['bad date-time', ['token', 'generate', 'credit', '--demo-key', '--m3', '1', '--date-time', '2026-13-01T09:30'], /^hydrosync: FORMAT: /],
    ['before the base date', ['token', 'generate', 'credit', '--demo-key', '--m3', '1', '--date-time', '2010-01-01T00:00'], /^hydrosync: TID: /],
    ['bad KRN', ['token', 'generate', 'credit', '--demo-key', '--m3', '1', '--tid', '5', '--krn', '10'], /--krn must be from 1 to 9/],
    ['bad subclass', ['token', 'generate', 'test', '--subclass', '2'], /--subclass must be from 0 to 1/],
    ['bad control', ['token', 'generate', 'test', '--control', '0xZZ'], /--control must be a whole number/],
    ['litres for electricity', ['token', 'generate', 'credit', '--demo-key', '--subclass', '0', '--litres', '5', '--tid', '5'], /volume/],
    ['two key sources', ['key', 'derive', '--demo-key', '--key-file', 'x.json'], /only one key source/],
    ['dash with other tokens', ['token', 'decode', '-', '00000000000150997584'], /"-" .* must be the only token/],
    ['--force without --out', ['key', 'derive', '--demo-key', '--force'], /--force only goes with --out/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const r = await run(args);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('hydrosync: warning:'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^hydrosync: /);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }
});

describe('help and version', () => {
  it('--help and --version exit 0 on stdout', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: hydrosync/);
    expect(h.stdout).toMatch(/HYDROSYNC_VENDING_KEY/);
    expect(h.stdout).toMatch(/Exit status/);
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(v.stdout.trim()).toBe(pkg.version);
  });

  it('every command has help with examples', async () => {
    for (const args of [
      ['key', 'derive'], ['token', 'generate'], ['token', 'decode'], ['vectors', 'verify'],
      ['token', 'generate', 'credit'], ['token', 'generate', 'key-change'], ['token', 'generate', 'test'],
    ]) {
      const r = await run([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Examples:\n {2}\$ hydrosync /);
    }
    const wmf = await run(['token', 'generate', 'water-meter-factor', '--help']);
    expect(wmf.stdout).toMatch(/reserved/);
    const rate = await run(['token', 'generate', 'tariff-rate', '--help']);
    expect(rate.stdout).toMatch(/reserved/);
  });

  it('createCli is a factory of commander programs', () => {
    const a = createCli({ stdout: () => {}, stderr: () => {}, env: {} });
    const b = createCli({ stdout: () => {}, stderr: () => {}, env: {} });
    expect(a).not.toBe(b);
    expect(a.name()).toBe('hydrosync');
    expect(a.commands.map((c) => c.name())).toEqual(expect.arrayContaining(['key', 'token', 'vectors', 'meter', 'demo']));
  });
});

describe('vectors verify', () => {
  it('the vector files all pass: exit 0, "N passed, 0 failed"', async () => {
    const r = await run(['vectors', 'verify', ...sharedFiles]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed\n$/);
    expect(r.code).toBe(0);
    const total = sharedFiles.reduce((n, f) => n + (JSON.parse(readFileSync(f, 'utf8')) as { cases: unknown[] }).cases.length, 0);
    expect(r.stdout).toBe(`${total} passed, 0 failed\n`);
  });

  it('--json prints one machine report', async () => {
    const r = await run(['vectors', 'verify', '--json', ...sharedFiles.slice(0, 2)]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { files: { file: string; title: string; passed: number; failed: number; cases: unknown[] }[]; passed: number; failed: number };
    // Expected counts come from the vector files themselves, not from the report.
    const counts = sharedFiles.slice(0, 2).map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { cases: unknown[] }).cases.length);
    expect(report.files.map((f) => [f.passed, f.failed, f.cases.length])).toEqual(counts.map((n) => [n, 0, n]));
    expect(report.files.map((f) => f.file)).toEqual(sharedFiles.slice(0, 2));
    expect([report.passed, report.failed]).toEqual([counts[0]! + counts[1]!, 0]);
  });

  it('a case of an unknown kind fails: exit 1, one FAIL line, summary', async () => {
    const file = join(dir, 'unknown-kind.json');
    writeFileSync(file, JSON.stringify({
      format: 'hydrosync-vectors/1', title: 't', provenance: 'test',
      cases: [
        { id: 'tid-1', kind: 'tid', dateTime: '2014-01-01T00:05', baseDate: 2014, expected: 5 },
        { id: 'mystery-1', kind: 'mystery', expected: 1 },
      ],
    }));
    const r = await run(['vectors', 'verify', file]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^FAIL ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} mystery-1 \\(mystery\\): .*unknown case kind`));
    expect(lines[1]).toBe('1 passed, 1 failed');
  });

  it('a wrong expected value fails (exit 1)', async () => {
    const file = join(dir, 'wrong.json');
    writeFileSync(file, JSON.stringify({
      format: 'hydrosync-vectors/1', title: 't', provenance: 'test',
      cases: [{ id: 'tid-wrong', kind: 'tid', dateTime: '2014-01-01T00:05', baseDate: 2014, expected: 6 }],
    }));
    const r = await run(['vectors', 'verify', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL .* tid-wrong \(tid\): /);
    expect(r.stdout).toMatch(/0 passed, 1 failed\n$/);
  });

  it('an unknown format, an unreadable or a malformed file: counted as a failure, exit 2', async () => {
    const fmt = join(dir, 'format.json');
    writeFileSync(fmt, JSON.stringify({ format: 'hydrosync-vectors/2', cases: [] }));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "hydrosync-vectors/1", "cases": [');
    const missing = join(dir, 'missing.json');
    const r = await run(['vectors', 'verify', fmt, broken, missing]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('0 passed, 3 failed\n');
    const errors = r.stderr.trim().split('\n');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^hydrosync: cannot verify .*format\.json: VECTOR: unknown vector format "hydrosync-vectors\/2"/);
    expect(errors[1]).toMatch(/^hydrosync: cannot verify .*broken\.json: FORMAT: .*not valid JSON/);
    expect(errors[2]).toMatch(/^hydrosync: cannot verify .*missing\.json: IO: .*no such file/);
    const j = await run(['vectors', 'verify', '--json', fmt]);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ passed: 0, failed: 1, files: [{ error: { code: 'VECTOR' } }] });
  });

  it('loaded STA tables are registered by name and are the default for EA07 cases', async () => {
    const s1 = [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11];
    const s2 = [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5];
    const tablesFile = join(dir, 'tables.json');
    writeFileSync(tablesFile, JSON.stringify({
      format: 'hydrosync-sta-tables/1', name: 'utility-set', substitution1: s2, substitution2: s1,
      permutation: Array.from({ length: 64 }, (_, i) => (i * 5 + 3) % 64),
    }));
    // Expected values come from the library itself via a first run that reports the ciphertext.
    const probe = join(dir, 'probe.json');
    const c = { kind: 'cipher', algorithm: 'STA', key: '0123456789abcdef', plaintext: '0000000000000000', expected: '0000000000000000' };
    writeFileSync(probe, JSON.stringify({ format: 'hydrosync-vectors/1', title: 'p', provenance: 'p', cases: [{ id: 'p', ...c, tables: 'utility-set' }] }));
    const first = await run(['vectors', 'verify', '--sta-tables', tablesFile, probe]);
    const got = /got "([0-9a-f]{16})"/.exec(first.stdout)?.[1];
    expect(got, first.stdout).toBeDefined();
    const file = join(dir, 'ea07.json');
    writeFileSync(file, JSON.stringify({
      format: 'hydrosync-vectors/1', title: 'ea07', provenance: 'test',
      cases: [{ id: 'named', ...c, tables: 'utility-set', expected: got }, { id: 'default', ...c, expected: got }],
    }));
    const ok = await run(['vectors', 'verify', '--sta-tables', tablesFile, file]);
    expect(ok.stdout).toBe('2 passed, 0 failed\n');
    expect(ok.code).toBe(0);
    const viaEnv = await run(['vectors', 'verify', file], { env: { HYDROSYNC_STA_TABLES: tablesFile } });
    expect(viaEnv.code).toBe(0);
    const without = await run(['vectors', 'verify', file]);
    expect(without.code).toBe(1);
    expect(without.stdout).toMatch(/FAIL .* named \(cipher\): .*--sta-tables/);
  });
});
