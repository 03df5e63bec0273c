import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// These run the real executable, bin/hydrosync.js → dist/cli.js. They need a build (npm run build,
// as CI does before the tests); without dist/cli.js they are skipped.
const root = join(__dirname, '..');
const bin = join(root, 'bin', 'hydrosync.js');
const built = existsSync(join(root, 'dist', 'cli.js'));

function hydrosync(args: string[], input?: string) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)('bin/hydrosync.js (built CLI)', () => {
  it('is an executable ESM script with a node shebang', () => {
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('demo exits 0 and prints a token', () => {
    const r = hydrosync(['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Token\s+\d{4} \d{4} \d{4} \d{4} \d{4}/);
  });

  it('--version prints the package version', () => {
    const r = hydrosync(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a usage error exits 2 with one line and no stack trace', () => {
    const r = hydrosync(['token', 'generate', 'credit', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("hydrosync: unknown option '--bogus'\n");
  });

  it('token decode - reads stdin and sets exit code 1 for a bad token', () => {
    const r = hydrosync(['token', 'decode', '-'], '00000000000150997584\n00000000000150997585\n');
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; error?: { code: string } });
    expect(lines.map((l) => l.ok)).toEqual([true, false]);
    expect(lines[1]!.error!.code).toBe('CRC');
  });
});
