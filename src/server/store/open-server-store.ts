/** The server store beside a security module store: the same SQLite file or PostgreSQL database. */
import type { ServerStore } from './server-store';

/** Open the server tables in the database `location` names (an SQLite file or a postgres:// URL). */
export async function openServerStore(location: string): Promise<ServerStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { openPostgresServerStore } = await import('./postgres-server-store');
    return openPostgresServerStore(location);
  }
  const { openSqliteServerStore } = await import('./sqlite-server-store');
  return openSqliteServerStore(location);
}
