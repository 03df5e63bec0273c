/**
 * The server store in the security module's PostgreSQL database: its own schema
 * (`hydrosync_server`, beside the module's `hydrosync`) with its own `schema_version` table, and a
 * small pool of its own. The first node to start creates or migrates the schema under an advisory
 * lock; the others wait for it.
 */
import type * as Pg from 'pg';
import { HydroSyncError } from '../../errors';
import { loadPostgresDriver } from '../../node/hsm-postgres-store';
import { connectError, queryError, redactConnectionString, sqlState } from '../../node/postgres/store-errors';
import {
  type ApiKeyRow, type MeterStateRow, type ServerMigration, type ServerStore, SERVER_MIGRATIONS, apiKeyFromRow, meterStateFromRow, newerSchemaMessage,
} from './server-store';

/** The PostgreSQL schema of the server's tables. */
export const SERVER_PG_SCHEMA = 'hydrosync_server';

/**
 * Open (creating or migrating) the server schema in a PostgreSQL database.
 * @throws HydroSyncError STORE when the server cannot be reached or the schema is newer.
 */
export async function openPostgresServerStore(
  connectionString: string, options: { maxConnections?: number; connectTimeoutMs?: number; migrations?: readonly ServerMigration[] } = {},
): Promise<ServerStore> {
  const pg = loadPostgresDriver();
  const target = redactConnectionString(connectionString);
  const pool = new pg.Pool({
    connectionString, max: options.maxConnections ?? 4, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true, allowExitOnIdle: true, application_name: 'hydrosync-server',
  });
  pool.on('error', () => {});
  const store = new PostgresServerStore(pool, target);
  try {
    await store.prepare(options.migrations ?? SERVER_MIGRATIONS);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

const S = `"${SERVER_PG_SCHEMA}"`;

class PostgresServerStore implements ServerStore {
  readonly kind = 'postgres';
  readonly #pool: Pg.Pool;
  readonly #target: string;
  #closed = false;

  constructor(pool: Pg.Pool, target: string) {
    this.#pool = pool;
    this.#target = target;
  }

  async #client(): Promise<Pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (e) {
      throw connectError(e, this.#target);
    }
  }

  async #query(sql: string, params: unknown[] = []): Promise<Pg.QueryResult> {
    const c = await this.#client();
    try {
      return await c.query(sql, params);
    } catch (e) {
      if (sqlState(e) === '23505') throw new HydroSyncError('CONFLICT', 'an API key with this id exists already');
      throw queryError(e, this.#target);
    } finally {
      c.release();
    }
  }

  async prepare(migrations: readonly ServerMigration[]): Promise<void> {
    const c = await this.#client();
    try {
      await c.query('BEGIN');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('hydrosync_server.migrate'))");
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${S}.schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), summary TEXT NOT NULL)`);
      const current = (await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${S}.schema_version`)).rows[0]?.v ?? 0;
      const latest = migrations[migrations.length - 1]?.version ?? 0;
      if (current > latest) throw new HydroSyncError('STORE', newerSchemaMessage(this.#target, current));
      for (const m of migrations) {
        if (m.version <= current) continue;
        await c.query(m.postgres(S));
        await c.query(`INSERT INTO ${S}.schema_version (version, summary) VALUES ($1, $2)`, [m.version, m.summary]);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      if (e instanceof HydroSyncError) throw e;
      throw queryError(e, this.#target);
    } finally {
      c.release();
    }
  }

  async schemaVersion(): Promise<number> {
    return (await this.#query(`SELECT max(version) AS v FROM ${S}.schema_version`)).rows[0].v as number;
  }

  async insertApiKey(r: ApiKeyRow): Promise<void> {
    await this.#query(`INSERT INTO ${S}.api_keys (id, hash, role, vending_point, label, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.id, r.hash, r.role, r.vendingPoint, r.label, r.createdAt, r.revokedAt]);
  }

  async getApiKey(id: string): Promise<ApiKeyRow | undefined> {
    const row = (await this.#query(`SELECT * FROM ${S}.api_keys WHERE id = $1`, [id])).rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : apiKeyFromRow(row);
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return (await this.#query(`SELECT * FROM ${S}.api_keys ORDER BY created_at, id`)).rows.map(apiKeyFromRow);
  }

  async revokeApiKey(id: string, at: string): Promise<ApiKeyRow | undefined> {
    const row = (await this.#query(`UPDATE ${S}.api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING *`, [at, id])).rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : apiKeyFromRow(row);
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async getMeterState(pan: string): Promise<MeterStateRow | undefined> {
    const row = (await this.#query(`SELECT * FROM ${S}.meter_states WHERE pan = $1`, [pan])).rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : meterStateFromRow(row);
  }

  async setMeterDeactivation(pan: string, d: { at: string; by: string; reason: string } | null): Promise<MeterStateRow> {
    const r = await this.#query(`INSERT INTO ${S}.meter_states (pan, deactivated_at, deactivated_by, deactivation_reason) VALUES ($1, $2, $3, $4)
      ON CONFLICT (pan) DO UPDATE SET deactivated_at = $2, deactivated_by = $3, deactivation_reason = $4 RETURNING *`, [pan, d?.at ?? null, d?.by ?? null, d?.reason ?? null]);
    return meterStateFromRow(r.rows[0] as Record<string, unknown>);
  }

  async setPendingKeyChange(pan: string, p: { transactionId: string; at: string } | null): Promise<MeterStateRow> {
    const r = await this.#query(`INSERT INTO ${S}.meter_states (pan, pending_key_change, pending_key_change_at) VALUES ($1, $2, $3)
      ON CONFLICT (pan) DO UPDATE SET pending_key_change = $2, pending_key_change_at = $3 RETURNING *`, [pan, p?.transactionId ?? null, p?.at ?? null]);
    return meterStateFromRow(r.rows[0] as Record<string, unknown>);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
