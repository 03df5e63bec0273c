// Issue #14: `hsm init` and `meter init` on a path where no directory can be made (under /proc)
// hung: Node's recursive mkdir never returns there. They must fail fast with IO (exit 2). Run as a
// child process with a timeout, since a hang inside this process could not be interrupted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'bin', 'hydrosync.js');
const dir = mkdtempSync(join(tmpdir(), 'hydrosync-impossible-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const master = join(dir, 'master.key');
writeFileSync(master, `${'ef'.repeat(32)}\n`, { mode: 0o600 });

const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 8000, env: { PATH: process.env.PATH ?? '', HOME: dir } });

describe.skipIf(!existsSync('/proc/self') || !existsSync(join(__dirname, '..', 'dist', 'cli.js')))('init on an impossible path', () => {
  it.each([
    ['hsm init', ['hsm', 'init', '--store', '/proc/hydrosync-test/hsm.sqlite', '--master-key-file', master], /IO: cannot create the directory \/proc\/hydrosync-test for the store/],
    ['meter init', ['meter', 'init', '--demo-key', '--state', '/proc/hydrosync-test/deeper/meter.json'], /IO: cannot create the directory \/proc\/hydrosync-test\/deeper for the meter state/],
  ])('%s fails fast with IO (exit 2)', (_name, args, message) => {
    const started = Date.now();
    const r = run(args as string[]);
    expect(r.error, 'the command hung').toBeUndefined();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(Date.now() - started).toBeLessThan(8000);
  }, 15_000);
});
