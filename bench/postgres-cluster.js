// A throwaway PostgreSQL cluster for bench/hsm-postgres.js: a small plain-JS copy of the start and
// stop steps of spec/postgres-cluster.ts (which is TypeScript, not importable from plain Node):
// initdb into a temp dir, Unix socket only, fsync off, run as `nobody` when root; removed after.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => parseFloat(b) - parseFloat(a)) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries: install the PostgreSQL server (Debian/Ubuntu: `apt-get install -y postgresql`), or set PG_BIN');
  return join(root, versions[0], 'bin');
}

function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('running as root and there is no user `nobody` to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(bin, tool, args, dir) {
  const r = spawnSync(join(bin, tool), args, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' }, encoding: 'utf8', timeout: 120_000, ...(serverUser() ?? {}) });
  if (r.status !== 0) throw new Error(`${tool} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}${r.stdout}`);
}

/** Start a cluster; returns its superuser connection string builder and stop(). */
export function startCluster() {
  const bin = findBin();
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-bench-pg-'));
  const user = serverUser();
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (user) for (const p of [dir, sock]) chownSync(p, user.uid, user.gid);
  const stop = () => {
    if (existsSync(join(data, 'postmaster.pid'))) {
      try { run(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'], dir); } catch { /* gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(bin, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N'], dir);
    writeFileSync(join(data, 'postgresql.conf'), [
      "listen_addresses = ''", `unix_socket_directories = '${sock}'`, 'port = 5432',
      'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 100', 'shared_buffers = 64MB', "timezone = 'UTC'",
    ].join('\n') + '\n', { flag: 'a' });
    run(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], dir);
  } catch (e) {
    stop();
    throw e;
  }
  return { url: (db) => `postgresql://postgres@/${db}?host=${encodeURIComponent(sock)}&port=5432`, stop };
}
