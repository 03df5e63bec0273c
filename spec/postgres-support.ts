// For spec files that need PostgreSQL: `describePostgres` runs a suite against a database of its
// own in the run's throwaway cluster (spec/postgres-cluster.ts). Without the server binaries the
// suite FAILS under CI (CI set) and is skipped LOUDLY elsewhere, naming the install command.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, inject, it } from 'vitest';
import { type ClusterInfo, INSTALL_HINT, ensureCluster, findPostgresBin } from './postgres-cluster';

const found = findPostgresBin();
let cluster: Promise<ClusterInfo> | undefined;

/** The connection string of the cluster's database `db` as the superuser (over the Unix socket). */
export function connectionString(info: ClusterInfo, db: string, user = info.user, password?: string): string {
  const auth = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgresql://${auth}@/${db}?host=${encodeURIComponent(info.socketDir)}&port=${info.port}`;
}

/** A new, empty database in the run's cluster; its connection string and the cluster. */
export async function createDatabase(label: string): Promise<{ url: string; name: string; cluster: ClusterInfo }> {
  cluster ??= ensureCluster(inject('postgresRunDir'));
  const info = await cluster;
  const name = `hs_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 30)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(connectionString(info, 'postgres'));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { url: connectionString(info, name), name, cluster: info };
}

/** Run SQL as the superuser in a database (test set-up and tampering only). */
export async function superuserQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

export interface PostgresContext {
  /** Connection string of this suite's database (superuser, Unix socket). */
  url: string;
  name: string;
  cluster: ClusterInfo;
}

/**
 * describe() with a database of its own, created in beforeAll: `ctx()` gives its connection string.
 * `file` names the spec (import.meta.url or a label) for the database name.
 */
export function describePostgres(title: string, file: string, body: (ctx: () => PostgresContext) => void): void {
  if ('missing' in found) {
    const why = `PostgreSQL specs need the server: ${found.missing}; ${INSTALL_HINT}`;
    if (process.env.CI) {
      describe(title, () => {
        it('has a PostgreSQL server to test against (CI never skips these)', () => {
          throw new Error(why);
        });
      });
    } else {
      console.warn(`\n!!! SKIPPED "${title}" (${basename(file)}): ${why}\n`);
      describe.skip(title, () => body(() => { throw new Error('skipped'); }));
    }
    return;
  }
  describe(title, () => {
    let context: PostgresContext | undefined;
    beforeAll(async () => {
      context = await createDatabase(basename(file).replace(/\.test\.ts$/, ''));
    }, 150_000);
    body(() => {
      if (!context) throw new Error('the PostgreSQL database was not created (see the beforeAll failure)');
      return context;
    });
  });
}
