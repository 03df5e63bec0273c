// The test cluster itself: a real server, reachable only over its Unix socket, not running as root.
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { expect, it } from 'vitest';
import { describePostgres, superuserQuery } from './postgres-support';

describePostgres('test PostgreSQL cluster', import.meta.url, (ctx) => {
  it('is a real PostgreSQL server on a Unix socket only, run by an unprivileged user, with fsync off', async () => {
    const { url, name, cluster } = ctx();
    const r = await superuserQuery(url, `SELECT current_database() AS db, current_setting('server_version_num')::int AS version,
      current_setting('listen_addresses') AS listen, current_setting('fsync') AS fsync, inet_server_addr() AS addr`);
    expect(r.rows[0]).toMatchObject({ db: name, listen: '', fsync: 'off', addr: null });
    expect(r.rows[0].version).toBeGreaterThanOrEqual(120000);
    expect(cluster.socketDir.startsWith('/')).toBe(true);
    // The server process (this connection's backend, read while the connection is open) does not run as root.
    if (existsSync('/proc')) {
      const client = new pg.Client(url);
      await client.connect();
      try {
        const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
        const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
        expect(uid).not.toBe(0);
      } finally {
        await client.end();
      }
    }
    expect(cluster.startMs).toBeGreaterThan(0);
  });
});
