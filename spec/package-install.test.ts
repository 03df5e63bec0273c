import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The packed tarball installed into an empty project, as a user gets it: nothing native is
// compiled (better-sqlite3 is an optional peer dependency), the token layer works, and opening a
// SQLite store without the driver is a STORE error naming the install command. Dependencies come
// from npm's cache (filled by `npm ci`), so this runs offline after a normal install.
const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'dist', 'node.cjs'));
const work = mkdtempSync(join(tmpdir(), 'hydrosync-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe.skipIf(!built)('the packed package in an empty project', () => {
  it('installs without better-sqlite3; a store is a STORE error naming `npm install better-sqlite3@12`', () => {
    const out = execFileSync(npm, ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
    const tarball = join(work, out);
    const project = join(work, 'consumer');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const install = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    const modules = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.')).sort();
    // The runtime dependencies (the server's fastify and its plugins are pure JavaScript), never the
    // optional native driver or pg, and no package that builds native code.
    expect(modules).toEqual(expect.arrayContaining(['@noble', 'commander', 'hydrosync', 'fastify', '@fastify', 'typebox']));
    expect(modules).not.toContain('better-sqlite3');
    expect(modules).not.toContain('pg');
    const packageDirs = modules.flatMap((n) => (n.startsWith('@') ? readdirSync(join(project, 'node_modules', n)).map((m) => join(n, m)) : [n]));
    const native = packageDirs.filter((d) => existsSync(join(project, 'node_modules', d, 'binding.gyp')));
    expect(native).toEqual([]);

    const script = `
      const { openSqliteStore } = require('hydrosync/node');
      const { isHydroSyncError, groupToken } = require('hydrosync');
      console.log(groupToken('00000000000150997584'));
      try { openSqliteStore(${JSON.stringify(join(project, 'store.db'))}, { create: true }); console.log('opened'); }
      catch (e) { console.log(isHydroSyncError(e), e.code, e.message); }
      console.log(require('fs').existsSync(${JSON.stringify(join(project, 'store.db'))}));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('0000 0000 0001 5099 7584');
    expect(lines[1]).toMatch(/^true STORE .*npm install better-sqlite3@12/);
    expect(lines[2]).toBe('false'); // nothing written when the driver is missing
  }, 180_000);
});
