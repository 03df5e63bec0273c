// A throwaway PostgreSQL cluster for the test run (never a mock): the server binaries of the
// machine (newest /usr/lib/postgresql/*/bin, or PG_BIN), initdb into a temp dir, a Unix socket in
// that dir (listen_addresses = ''), fsync off. One cluster per `vitest run`, started by the first
// spec file that needs it and stopped (pg_ctl stop -m immediate) and deleted by the global teardown
// (spec/postgres-global-setup.ts), also when the run fails or is interrupted. A cluster left behind
// by a run that was killed (-9) is removed by the next run.
//
// initdb and postgres refuse to run as root: as root the cluster runs as the unprivileged user
// `nobody` (the temp dir is handed to it); as any other user, as that user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of the run directories in the OS temp dir: `hydrosync-pg-<pid of the vitest process>-<random>`. */
export const CLUSTER_DIR_PREFIX = 'hydrosync-pg-';
export const INSTALL_HINT = 'install the PostgreSQL server (Debian/Ubuntu: `apt-get install -y postgresql`), or set PG_BIN to a directory holding initdb, pg_ctl and postgres';
const PORT = 5432; // names the socket file only: nothing listens on TCP
const START_TIMEOUT_MS = 120_000;

/** The directory holding initdb, pg_ctl and postgres, or why there is none. */
export function findPostgresBin(): { bin: string } | { missing: string } {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    return existsSync(join(fromEnv, 'initdb')) ? { bin: fromEnv } : { missing: `PG_BIN=${fromEnv} holds no initdb` };
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => parseFloat(b) - parseFloat(a))
    : [];
  return versions.length > 0 ? { bin: join(root, versions[0]!, 'bin') } : { missing: `no PostgreSQL server binaries (${root}/*/bin/initdb)` };
}

/** The user the server runs as: ourselves, or `nobody` when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('running as root, and there is no user `nobody` to run PostgreSQL as (initdb and postgres refuse root): create an unprivileged user, e.g. `useradd -r nobody`');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(bin: string, tool: string, args: string[], dir: string): void {
  const user = serverUser();
  const r = spawnSync(join(bin, tool), args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' },
    encoding: 'utf8',
    timeout: START_TIMEOUT_MS,
    ...(user ?? {}),
  });
  if (r.status !== 0) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    throw new Error(`${tool} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}${log}`);
  }
}

export interface ClusterInfo {
  /** The Unix socket directory (the `host` of a connection string). */
  socketDir: string;
  port: number;
  /** The superuser (trust authentication on the socket). */
  user: string;
  startMs: number;
}

/** initdb + pg_ctl start in `dir` (which must be empty apart from our lock). */
function startCluster(bin: string, dir: string): ClusterInfo {
  const t0 = performance.now();
  const user = serverUser();
  const data = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  mkdirSync(socketDir);
  if (user) for (const p of [dir, socketDir]) chownSync(p, user.uid, user.gid);
  // -N: no fsync of the new files. Trust for the superuser on the socket, passwords for other roles
  // (so the login-failure specs have a real password check).
  run(bin, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N'], dir);
  writeFileSync(join(data, 'pg_hba.conf'), 'local all postgres trust\nlocal all all scram-sha-256\n');
  writeFileSync(join(data, 'postgresql.conf'), [
    "listen_addresses = ''",
    `unix_socket_directories = '${socketDir}'`,
    `port = ${PORT}`,
    'fsync = off', 'synchronous_commit = off', 'full_page_writes = off',
    'max_connections = 200', 'shared_buffers = 32MB',
    "timezone = 'UTC'",
  ].join('\n') + '\n', { flag: 'a' });
  run(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], dir);
  return { socketDir, port: PORT, user: 'postgres', startMs: Math.round(performance.now() - t0) };
}

/** Stop (immediate) and delete a run directory; never throws. */
export function removeCluster(dir: string): void {
  const found = findPostgresBin();
  const data = join(dir, 'data');
  if ('bin' in found && existsSync(join(data, 'postmaster.pid'))) {
    try {
      run(found.bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'], dir);
    } catch {
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Remove clusters of earlier runs whose vitest process is gone (killed with -9). */
export function removeStaleClusters(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${CLUSTER_DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) removeCluster(join(tmpdir(), name));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The run's cluster in `dir` (from the global setup): the first caller of the run starts it (a
 * lock directory decides who), the others wait for it.
 */
export async function ensureCluster(dir: string): Promise<ClusterInfo> {
  const found = findPostgresBin();
  if ('missing' in found) throw new Error(`${found.missing}: ${INSTALL_HINT}`);
  const ready = join(dir, 'ready.json');
  const failed = join(dir, 'failed.txt');
  let starter = false;
  try {
    mkdirSync(join(dir, 'lock'));
    starter = true;
  } catch {
    // another spec file is starting it
  }
  if (starter) {
    try {
      const info = startCluster(found.bin, dir);
      writeFileSync(ready, JSON.stringify(info));
      return info;
    } catch (e) {
      writeFileSync(failed, String((e as Error).message));
      throw e;
    }
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as ClusterInfo;
    if (existsSync(failed)) throw new Error(`the test cluster did not start: ${readFileSync(failed, 'utf8')}`);
    await sleep(100);
  }
  throw new Error(`the test cluster in ${dir} did not start within ${START_TIMEOUT_MS / 1000} s`);
}

/** Whether a cluster was started (or is being started) in dir. */
export function clusterStarted(dir: string): boolean {
  return existsSync(join(dir, 'lock'));
}

/** Wait (bounded) until a started cluster is ready or has failed, so teardown does not race its start. */
export function waitForStart(dir: string): void {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (clusterStarted(dir) && !existsSync(join(dir, 'ready.json')) && !existsSync(join(dir, 'failed.txt')) && Date.now() < deadline) {
    execFileSync('sleep', ['0.1']);
  }
}
