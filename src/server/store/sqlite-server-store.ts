/**
 * The server store in the security module's SQLite file: a connection of its own to the same
 * file (WAL, so readers never wait for a vend), tables `server_*`, versions in
 * `server_schema_version`. Missing migrations are applied when it opens, in one transaction.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { HydroSyncError } from '../../errors';
import { loadSqliteDriver } from '../../node/hsm-sqlite-store';
import {
  type ApiKeyRow, type MeterStateRow, type ServerMigration, type ServerStore, SERVER_MIGRATIONS, apiKeyFromRow, meterStateFromRow, newerSchemaMessage,
} from './server-store';

function storeError(message: string, cause?: unknown): HydroSyncError {
  return new HydroSyncError('STORE', message, cause === undefined ? undefined : { cause });
}

/**
 * Open the server tables in an existing SQLite store file (made by `hsm init` or `serve`).
 * @throws HydroSyncError STORE when the file cannot be opened or has a newer server schema.
 */
export function openSqliteServerStore(path: string, options: { busyTimeoutMs?: number; migrations?: readonly ServerMigration[] } = {}): ServerStore {
  const Database = loadSqliteDriver();
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (e) {
    throw storeError(`cannot open the store ${path} for the server tables: ${(e as Error).message}`, e);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    migrate(db, path, options.migrations ?? SERVER_MIGRATIONS);
    return new SqliteServerStore(db, path);
  } catch (e) {
    db.close();
    if (e instanceof HydroSyncError) throw e;
    throw storeError(`the server tables in ${path} could not be prepared: ${(e as Error).message}`, e);
  }
}

function migrate(db: BetterSqlite3.Database, path: string, migrations: readonly ServerMigration[]): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('CREATE TABLE IF NOT EXISTS server_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, summary TEXT NOT NULL)');
    const current = (db.prepare('SELECT max(version) AS v FROM server_schema_version').get() as { v: number | null }).v ?? 0;
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > latest) throw storeError(newerSchemaMessage(path, current));
    const record = db.prepare('INSERT INTO server_schema_version (version, applied_at, summary) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sqlite);
      record.run(m.version, new Date().toISOString(), m.summary);
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

class SqliteServerStore implements ServerStore {
  readonly kind = 'sqlite';
  readonly #db: BetterSqlite3.Database;
  readonly #path: string;
  readonly #s: Record<'version' | 'insert' | 'get' | 'list' | 'revoke' | 'ping' | 'meterState' | 'deactivate' | 'pendingKeyChange', BetterSqlite3.Statement>;

  constructor(db: BetterSqlite3.Database, path: string) {
    this.#db = db;
    this.#path = path;
    this.#s = {
      version: db.prepare('SELECT max(version) AS v FROM server_schema_version'),
      insert: db.prepare('INSERT INTO server_api_keys (id, hash, role, vending_point, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM server_api_keys WHERE id = ?'),
      list: db.prepare('SELECT * FROM server_api_keys ORDER BY created_at, id'),
      revoke: db.prepare('UPDATE server_api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
      ping: db.prepare('SELECT 1'),
      meterState: db.prepare('SELECT * FROM server_meter_states WHERE pan = ?'),
      deactivate: db.prepare(`INSERT INTO server_meter_states (pan, deactivated_at, deactivated_by, deactivation_reason) VALUES (@pan, @at, @by, @reason)
        ON CONFLICT (pan) DO UPDATE SET deactivated_at = @at, deactivated_by = @by, deactivation_reason = @reason`),
      pendingKeyChange: db.prepare(`INSERT INTO server_meter_states (pan, pending_key_change, pending_key_change_at) VALUES (@pan, @txn, @at)
        ON CONFLICT (pan) DO UPDATE SET pending_key_change = @txn, pending_key_change_at = @at`),
    };
  }

  #run<T>(f: () => T): Promise<T> {
    try {
      return Promise.resolve(f());
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return Promise.reject(new HydroSyncError('CONFLICT', 'an API key with this id exists already'));
      return Promise.reject(storeError(`the server tables in ${this.#path} failed (${typeof code === 'string' ? code : (e as Error).message})`, e));
    }
  }

  schemaVersion(): Promise<number> {
    return this.#run(() => (this.#s.version.get() as { v: number }).v);
  }

  insertApiKey(r: ApiKeyRow): Promise<void> {
    return this.#run(() => {
      this.#s.insert.run(r.id, r.hash, r.role, r.vendingPoint, r.label, r.createdAt, r.revokedAt);
    });
  }

  getApiKey(id: string): Promise<ApiKeyRow | undefined> {
    return this.#run(() => {
      const row = this.#s.get.get(id) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : apiKeyFromRow(row);
    });
  }

  listApiKeys(): Promise<ApiKeyRow[]> {
    return this.#run(() => (this.#s.list.all() as Record<string, unknown>[]).map(apiKeyFromRow));
  }

  revokeApiKey(id: string, at: string): Promise<ApiKeyRow | undefined> {
    return this.#run(() => {
      this.#s.revoke.run(at, id);
      const row = this.#s.get.get(id) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : apiKeyFromRow(row);
    });
  }

  ping(): Promise<void> {
    return this.#run(() => {
      this.#s.ping.get();
    });
  }

  getMeterState(pan: string): Promise<MeterStateRow | undefined> {
    return this.#run(() => {
      const row = this.#s.meterState.get(pan) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : meterStateFromRow(row);
    });
  }

  setMeterDeactivation(pan: string, d: { at: string; by: string; reason: string } | null): Promise<MeterStateRow> {
    return this.#run(() => {
      this.#s.deactivate.run({ pan, at: d?.at ?? null, by: d?.by ?? null, reason: d?.reason ?? null });
      return meterStateFromRow(this.#s.meterState.get(pan) as Record<string, unknown>);
    });
  }

  setPendingKeyChange(pan: string, p: { transactionId: string; at: string } | null): Promise<MeterStateRow> {
    return this.#run(() => {
      this.#s.pendingKeyChange.run({ pan, txn: p?.transactionId ?? null, at: p?.at ?? null });
      return meterStateFromRow(this.#s.meterState.get(pan) as Record<string, unknown>);
    });
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}
