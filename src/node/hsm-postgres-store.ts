/**
 * The security module's store on PostgreSQL, for several vending nodes on one database
 * (node-postgres `pg` 8, an optional peer dependency loaded only when a store is opened).
 *
 * - One `pg.Pool` per store; open one store per process and share it.
 * - `transaction(fn)`: a pooled connection, BEGIN (READ COMMITTED; REPEATABLE READ READ ONLY for
 *   a read-only one, so a read of several statements sees one snapshot), fn with a StoreTx bound to
 *   that connection, COMMIT; ROLLBACK and rethrow when fn throws. When the server reports a
 *   serialization failure (40001), a deadlock (40P01) or a unique violation (23505: another node
 *   inserted the same transaction id, meter or audit record first) anywhere in the attempt, fn is
 *   run again, at most 10 times, after a short random pause; the last such error is then thrown,
 *   translated (CONFLICT, AUDIT or STORE). A COMMIT that fails, or that the server answers with
 *   ROLLBACK (a statement failed and fn went on), is reported, never taken for success.
 * - `{ lock: true }` reads are SELECT … FOR UPDATE. A row that does not exist yet cannot be
 *   locked, so the read then takes a transaction-scoped advisory lock keyed on the table and the
 *   row's key and reads again: two nodes creating the same counter, meta row or report state
 *   queue on that lock instead of both reading "absent". (Chosen over inserting a placeholder row
 *   first: no rows appear that nothing wrote, and getMeta keeps meaning "absent".)
 * - Schema: numbered migrations in one PostgreSQL schema (default `hydrosync`, postgres/schema.ts).
 *   A fresh database gets the latest schema; an older one is a STORE error naming
 *   `hydrosync hsm migrate` unless `{ migrate: true }`; a newer one is refused and never touched.
 * - Errors are HydroSyncErrors (STORE for connection and server failures, with what to do); the
 *   connection string is shown without its password.
 */
import { createRequire } from 'node:module';
import type * as Pg from 'pg';
import { checkOptions } from '../argument-checks';
import { HydroSyncError } from '../errors';
import type { ReportRow, ReportStateRow } from '../hsm/report-rows';
import type { MeterRecord } from '../hsm/types';
import { POSTGRES_MIGRATIONS, type PostgresMigration, schemaVersionTable } from './postgres/schema';
import {
  RETRYABLE_SQLSTATES, connectError, isConnectionFailure, queryError, redactConnectionString, sqlState, storeError,
} from './postgres/store-errors';
import type { HsmStore, ReadOptions, StoreTx, TransactionRow, VendingKeyRow } from '../hsm/store';
import type { AuditRecord } from '../hsm/types';
import { keyFromRow, meterFromRow, meterParams } from './store-rows';

type PgModule = typeof Pg;
type Row = Record<string, unknown>;

/** The newest schema version this hydrosync writes and reads. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;

/** Runs of fn per transaction() call, at most (the first and 9 retries). */
const MAX_ATTEMPTS = 10;

export interface PostgresStoreOptions {
  /** Apply missing migrations to a store of an older schema version (default false: refused, STORE). */
  migrate?: boolean;
  /** The PostgreSQL schema holding the tables (default 'hydrosync'; lower-case letters, digits, _). */
  schema?: string;
  /** Connections of this process's pool, at most (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection, ms (default 10000): an unreachable server is a STORE error, not a hang. */
  connectTimeoutMs?: number;
}

/**
 * Load the PostgreSQL driver, an optional peer dependency. `moduleId` is only for tests (a missing
 * driver is simulated by a module id that does not resolve).
 */
export function loadPostgresDriver(moduleId = 'pg'): PgModule {
  try {
    // ESM: resolve from this module (bundlers' require shims throw); CommonJS builds have no import.meta.url.
    const url: unknown = import.meta.url;
    const req = typeof url === 'string' && url !== '' ? createRequire(url) : require;
    return req(moduleId) as PgModule;
  } catch (e) {
    throw storeError('the PostgreSQL store needs pg 8.x (node-postgres), an optional peer dependency of hydrosync: run `npm install pg@8`', e);
  }
}

/**
 * Open the security-module store in a PostgreSQL database (creating its tables in a fresh one).
 * One store (one connection pool) per process; close it when done.
 * @param connectionString - e.g. `postgres://hydrosync:secret@db.example:5432/vending` (libpq URL form;
 *   `?host=/run/postgresql` for a Unix socket)
 * @param options - `migrate` (default false), `schema` (default 'hydrosync'), `maxConnections` (10), `connectTimeoutMs` (10000)
 * @throws HydroSyncError `USAGE` a connection string that is not a postgres:// or postgresql:// URL, bad options; `STORE` the
 *   server cannot be reached or refuses the login, the schema is another application's, older
 *   (run `hydrosync hsm migrate`) or newer than this hydrosync, or pg is not installed.
 * @example
 * ```ts
 * import { openPostgresStore } from 'hydrosync/node';
 * const store = await openPostgresStore(process.env.HYDROSYNC_STORE!);
 * ```
 */
export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Promise<HsmStore> {
  if (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString)) {
    throw new HydroSyncError('USAGE', 'the PostgreSQL connection string must be a URL: postgres://user:password@host:port/database (or postgresql://…; a Unix socket: postgres://user@/database?host=/run/postgresql)');
  }
  checkOptions(options, 'the store options');
  const schema = options.schema ?? 'hydrosync';
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new HydroSyncError('USAGE', 'schema must be a PostgreSQL name of lower-case letters, digits and _ (at most 63, not starting with a digit)');
  }
  const max = options.maxConnections ?? 10;
  const timeout = options.connectTimeoutMs ?? 10_000;
  if (!Number.isSafeInteger(max) || max < 1) throw new HydroSyncError('USAGE', 'maxConnections must be a whole number ≥ 1');
  if (!Number.isSafeInteger(timeout) || timeout < 1) throw new HydroSyncError('USAGE', 'connectTimeoutMs must be a whole number of milliseconds ≥ 1');
  return openWithMigrations(connectionString, { ...options, schema, maxConnections: max, connectTimeoutMs: timeout }, POSTGRES_MIGRATIONS);
}

/** openPostgresStore with a given migration list (tests exercise upgrades and refusals with it). */
export async function openWithMigrations(
  connectionString: string, options: Required<Omit<PostgresStoreOptions, 'migrate'>> & { migrate?: boolean }, migrations: readonly PostgresMigration[],
): Promise<HsmStore> {
  const pg = loadPostgresDriver();
  const target = redactConnectionString(connectionString);
  const int8 = (v: string): number => Number(v);
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    allowExitOnIdle: true,
    application_name: 'hydrosync',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? int8 : pg.types.getTypeParser(oid, format as 'text'))) as Pg.CustomTypesConfig['getTypeParser'],
    },
  });
  // An idle connection that breaks (server restart) is dropped by the pool; without a listener it would end the process.
  pool.on('error', () => {});
  const store = new PostgresStore(pool, target, `"${options.schema}"`, options.schema);
  try {
    await store.prepareSchema(migrations, options.migrate === true);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class PostgresStore implements HsmStore {
  readonly kind = 'postgres';
  readonly #pool: Pg.Pool;
  readonly #target: string;
  readonly #sql: Statements;
  readonly #s: string;
  readonly #schemaName: string;
  #closing: Promise<void> | undefined;

  constructor(pool: Pg.Pool, target: string, quotedSchema: string, schemaName: string) {
    this.#pool = pool;
    this.#target = target;
    this.#s = quotedSchema;
    this.#schemaName = schemaName;
    this.#sql = statements(quotedSchema);
  }

  async #connect(): Promise<Pg.PoolClient> {
    if (this.#closing) throw storeError('the store is closed');
    try {
      return await this.#pool.connect();
    } catch (e) {
      throw connectError(e, this.#target);
    }
  }

  /** Create the schema in a fresh database, check the version of an existing one, migrate on request. */
  async prepareSchema(migrations: readonly PostgresMigration[], migrate: boolean): Promise<void> {
    const latest = migrations[migrations.length - 1]!.version;
    const client = await this.#connect();
    let broken = false;
    try {
      const current = await this.#schemaVersion(client);
      if (current !== undefined && current > latest) {
        throw storeError(`${this.#target} (schema "${this.#schemaName}") has store schema version ${current}, written by a newer hydrosync; this one reads up to version ${latest}: use the newer hydrosync (the database was left unchanged)`);
      }
      if (current === latest) return;
      if (current !== undefined && !migrate) {
        throw storeError(`${this.#target} (schema "${this.#schemaName}") has store schema version ${current}; this hydrosync needs version ${latest}. Back up the database, then run \`hydrosync hsm migrate\` with this store (nothing is ever migrated silently; the database was left unchanged)`);
      }
      // Fresh, or migrating on request: one transaction, one node at a time.
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`hydrosync-migrate:${this.#schemaName}`]);
        const now = await this.#schemaVersion(client); // another node may have done it meanwhile
        if (now !== undefined && now > latest) throw storeError(`${this.#target} (schema "${this.#schemaName}") was just moved to schema version ${now} by a newer hydrosync; use that version`);
        if (now === undefined) {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.#s}`);
          await client.query(schemaVersionTable(this.#s));
        }
        for (const m of migrations) {
          if (now !== undefined && m.version <= now) continue;
          await client.query(m.sql(this.#s));
          await client.query(`INSERT INTO ${this.#s}.schema_version (version, summary) VALUES ($1, $2)`, [m.version, m.summary]);
        }
        const r = await client.query('COMMIT');
        if (r.command !== 'COMMIT') throw storeError(`creating the store's tables in ${this.#target} was rolled back by the server`);
      } catch (e) {
        await client.query('ROLLBACK').catch(() => { broken = true; });
        throw e;
      }
    } catch (e) {
      broken ||= isConnectionFailure(e);
      throw e instanceof HydroSyncError ? e : queryError(e, this.#target);
    } finally {
      client.release(broken);
    }
  }

  /** The applied schema version; undefined for a database without the store's schema. */
  async #schemaVersion(client: Pg.PoolClient): Promise<number | undefined> {
    const tables = await client.query<{ name: string }>(
      'SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN (\'r\', \'p\', \'v\')',
      [this.#schemaName],
    );
    if (tables.rows.length === 0) return undefined;
    if (!tables.rows.some((r) => r.name === 'schema_version')) {
      throw storeError(`${this.#target} has a schema "${this.#schemaName}" with tables that are not a HydroSync store (no schema_version table); it was left unchanged: choose another schema (option schema) or database`);
    }
    const v = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${this.#s}.schema_version`);
    const version = v.rows[0]?.v;
    if (version === null || version === undefined) throw storeError(`${this.#target}: the store's schema_version table is empty; the store is damaged, restore it from a backup`);
    return Number(version);
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#connect();
      const tx = new PostgresTx(client, this.#sql, this.#target, this.#schemaName);
      let lost: unknown;
      const onError = (e: unknown) => { lost = e; };
      client.on('error', onError); // a connection breaking between statements must not end the process
      let committing = false;
      try {
        await tx.raw(options.readOnly === true ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await fn(tx);
        tx.end();
        committing = true;
        const r = await client.query('COMMIT');
        if (r.command !== 'COMMIT') {
          // The server rolled back: a statement failed and fn carried on (a conflict is retried below).
          committing = false;
          throw storeError(`the transaction on ${this.#target} was rolled back by the server because a statement in it failed${tx.failure ? ` (${tx.failure})` : ''}; nothing was recorded`);
        }
        client.removeListener('error', onError);
        client.release();
        return result;
      } catch (e) {
        tx.end();
        let broken = lost !== undefined || tx.lost || isConnectionFailure(e);
        if (!broken && !committing) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
        }
        client.removeListener('error', onError);
        client.release(broken); // a broken connection is closed, not returned to the pool
        if (committing && broken) {
          throw storeError(`the connection to ${this.#target} was lost while committing (${String((e as Error)?.message ?? e)}): the server may or may not have recorded the transaction. Repeat the request with the same transaction id: a recorded one is reissued, never sold twice`, e);
        }
        // A conflict anywhere in this attempt (whatever fn made of it): run fn again, or give up with it.
        const conflict = tx.retryable ?? (RETRYABLE_SQLSTATES.has(sqlState(e) ?? '') ? e : undefined);
        if (conflict !== undefined) {
          if (attempt < MAX_ATTEMPTS) {
            await sleep(Math.random() * Math.min(100, 2 ** attempt));
            continue;
          }
          throw queryError(conflict, this.#target);
        }
        if (e instanceof HydroSyncError) throw e;
        if (sqlState(e) !== undefined || isConnectionFailure(e)) throw queryError(e, this.#target);
        if (lost !== undefined) throw queryError(lost, this.#target);
        throw e; // fn's own error, unchanged
      }
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.end().catch(() => {});
    return this.#closing;
  }
}

type Statements = ReturnType<typeof statements>;

function statements(s: string) {
  const meterColumns = `customer_reference, customer_group, supply_group_code, tariff_index, key_revision_number, key_type,
    key_expiry_number, encryption_algorithm, base_date, profile, vending_key_id, last_tid, month_to_date_month, month_to_date_litres,
    registered_at, pan`;
  return {
    getMeta: `SELECT value FROM ${s}.meta WHERE name = $1`,
    setMeta: `INSERT INTO ${s}.meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    listMeta: `SELECT name, value FROM ${s}.meta WHERE starts_with(name, $1) ORDER BY name`,
    getKey: `SELECT * FROM ${s}.vending_keys WHERE id = $1`,
    listKeys: `SELECT * FROM ${s}.vending_keys ORDER BY id`,
    insertKey: `INSERT INTO ${s}.vending_keys (id, dkga, bits, supply_group_code, key_revision_number, vending_key_type, base_date,
      encryption_algorithm, active_from, issued_until, check_value, imported_at, wrapped) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
    getMeter: `SELECT * FROM ${s}.meters WHERE pan = $1`,
    listMeters: `SELECT * FROM ${s}.meters ORDER BY pan`,
    listMetersBySgc: `SELECT * FROM ${s}.meters WHERE supply_group_code = $1 ORDER BY pan`,
    insertMeter: `INSERT INTO ${s}.meters (${meterColumns}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
    updateMeter: `UPDATE ${s}.meters SET customer_reference = $1, customer_group = $2, supply_group_code = $3, tariff_index = $4,
      key_revision_number = $5, key_type = $6, key_expiry_number = $7, encryption_algorithm = $8, base_date = $9, profile = $10,
      vending_key_id = $11, last_tid = $12, month_to_date_month = $13, month_to_date_litres = $14, registered_at = $15 WHERE pan = $16`,
    getTx: `SELECT * FROM ${s}.transactions WHERE id = $1`,
    listTx: `SELECT id, fingerprint, kind, pan, at FROM ${s}.transactions
      WHERE pan = $1 AND ($2::text IS NULL OR at >= $2) AND ($3::text IS NULL OR at < $3) ORDER BY at, id`,
    insertTx: `INSERT INTO ${s}.transactions (id, fingerprint, kind, pan, at, sealed) VALUES ($1,$2,$3,$4,$5,$6)`,
    getCounter: `SELECT value FROM ${s}.counters WHERE name = $1`,
    addCounter: `INSERT INTO ${s}.counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = ${s}.counters.value + excluded.value`,
    getReportState: `SELECT last, seen FROM ${s}.report_state WHERE pan = $1`,
    setReportState: `INSERT INTO ${s}.report_state (pan, last, seen) VALUES ($1, $2, $3) ON CONFLICT (pan) DO UPDATE SET last = excluded.last, seen = excluded.seen`,
    insertReport: `INSERT INTO ${s}.reports (pan, counter, received_at, form, key_revision_number, credit_litres, credit_step_litres,
      consumed_litres, clock_minutes, last_tid, flags) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
    listReports: `SELECT * FROM ${s}.reports WHERE pan = $1 ORDER BY counter DESC LIMIT $2`,
    // The meter's base date is copied into the record for the UNIQUE (pan, base date, TID) guard (schema.ts).
    appendAudit: `INSERT INTO ${s}.audit (chain, seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid,
      tid_base_date, token_hash, prev_hash, hash)
      VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,(SELECT base_date FROM ${s}.meters WHERE pan = $7),$13,$14,$15)`,
    readAuditChain: `SELECT * FROM ${s}.audit WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
    readAuditAll: `SELECT * FROM ${s}.audit WHERE seq >= $1 ORDER BY at, chain, seq LIMIT $2`,
    advisoryLock: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
  };
}

const auditFromRow = (r: Row): AuditRecord => ({
  chain: r.chain as string, seq: r.seq as number, at: r.at as string, operator: r.operator as string, vendingPoint: r.vending_point as string,
  transactionId: r.transaction_id as string, pan: r.pan as string | null, kind: r.kind as string, outcome: r.outcome as AuditRecord['outcome'],
  errorCode: r.error_code as string | null, amount: r.amount as string | null, tid: r.tid as number | null,
  tokenHash: r.token_hash as string | null, prevHash: r.prev_hash as string, hash: r.hash as string,
});
const reportFromRow = (r: Row): ReportRow => ({
  pan: r.pan as string, counter: r.counter as number, receivedAt: r.received_at as string, form: r.form as ReportRow['form'],
  keyRevisionNumber: r.key_revision_number as number, creditLitres: r.credit_litres as number, creditStepLitres: r.credit_step_litres as number,
  consumedLitres: r.consumed_litres as number | null, clockMinutes: r.clock_minutes as number | null, lastTid: r.last_tid as number | null,
  flags: r.flags as number,
});
/** Bytes for the driver (a Buffer view, no copy). */
const bytea = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The rows seen from one transaction, bound to its connection; unusable once the transaction ended. */
class PostgresTx implements StoreTx {
  readonly #client: Pg.PoolClient;
  readonly #sql: Statements;
  readonly #target: string;
  readonly #schemaName: string;
  #ended = false;
  /** The last serialization failure, deadlock or unique violation of this attempt (fn is run again). */
  retryable: unknown;
  /** The connection failed during this attempt. */
  lost = false;
  /** The first failed statement's message (for a COMMIT answered with ROLLBACK). */
  failure: string | undefined;

  constructor(client: Pg.PoolClient, sql: Statements, target: string, schemaName: string) {
    this.#client = client;
    this.#sql = sql;
    this.#target = target;
    this.#schemaName = schemaName;
  }

  end(): void {
    this.#ended = true;
  }

  async raw(sql: string): Promise<void> {
    await this.#run(sql, []);
  }

  async #q(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.#run(sql, params)).rows as Row[];
  }

  async #run(sql: string, params: unknown[]): Promise<Pg.QueryResult> {
    if (this.#ended) {
      throw storeError('a store transaction was used after it ended: every store call must be awaited inside the transaction(fn) that it belongs to');
    }
    try {
      return await this.#client.query(sql, params);
    } catch (e) {
      if (RETRYABLE_SQLSTATES.has(sqlState(e) ?? '')) this.retryable = e;
      if (isConnectionFailure(e)) this.lost = true;
      this.failure ??= String((e as Error)?.message ?? e);
      throw queryError(e, this.#target);
    }
  }

  /** SELECT … FOR UPDATE; when there is no row yet, queue on an advisory lock for its key and read again. */
  async #locked(sql: string, table: string, key: string): Promise<Row | undefined> {
    const forUpdate = `${sql} FOR UPDATE`;
    let rows = await this.#q(forUpdate, [key]);
    if (rows.length === 0) {
      await this.#q(this.#sql.advisoryLock, [`${this.#schemaName}.${table}:${key}`]);
      rows = await this.#q(forUpdate, [key]);
    }
    return rows[0];
  }

  async #read(sql: string, table: string, key: string, options?: ReadOptions): Promise<Row | undefined> {
    return options?.lock === true ? this.#locked(sql, table, key) : (await this.#q(sql, [key]))[0];
  }

  async getMeta(name: string, options?: ReadOptions): Promise<string | undefined> {
    return (await this.#read(this.#sql.getMeta, 'meta', name, options))?.value as string | undefined;
  }
  async setMeta(name: string, value: string): Promise<void> {
    await this.#q(this.#sql.setMeta, [name, value]);
  }
  async listMeta(prefix: string): Promise<[name: string, value: string][]> {
    return (await this.#q(this.#sql.listMeta, [prefix])).map((r) => [r.name as string, r.value as string]);
  }

  async getVendingKey(id: string): Promise<VendingKeyRow | undefined> {
    const r = (await this.#q(this.#sql.getKey, [id]))[0];
    return r && keyFromRow(r);
  }
  async listVendingKeys(): Promise<VendingKeyRow[]> {
    return (await this.#q(this.#sql.listKeys, [])).map(keyFromRow);
  }
  async insertVendingKey(k: VendingKeyRow): Promise<void> {
    await this.#q(this.#sql.insertKey, [k.id, k.dkga, k.bits, k.supplyGroupCode, k.keyRevisionNumber, k.vendingKeyType, k.baseDate,
      k.encryptionAlgorithm, k.activeFrom, k.issuedUntil, k.checkValue, k.importedAt, bytea(k.wrapped)]);
  }

  async getMeter(pan: string, options?: ReadOptions): Promise<MeterRecord | undefined> {
    const r = await this.#read(this.#sql.getMeter, 'meters', pan, options);
    return r && meterFromRow(r);
  }
  async listMeters(filter: { supplyGroupCode?: string } = {}): Promise<MeterRecord[]> {
    const rows = filter.supplyGroupCode === undefined
      ? await this.#q(this.#sql.listMeters, [])
      : await this.#q(this.#sql.listMetersBySgc, [filter.supplyGroupCode]);
    return rows.map(meterFromRow);
  }
  async insertMeter(m: MeterRecord): Promise<void> {
    await this.#q(this.#sql.insertMeter, meterParams(m));
  }
  async updateMeter(m: MeterRecord): Promise<void> {
    const r = await this.#run(this.#sql.updateMeter, meterParams(m));
    if (r.rowCount !== 1) throw new HydroSyncError('NOT_FOUND', `meter ${m.pan} is not registered`);
  }

  async getTransaction(id: string): Promise<TransactionRow | undefined> {
    const r = (await this.#q(this.#sql.getTx, [id]))[0];
    return r && {
      id: r.id as string, fingerprint: r.fingerprint as string, kind: r.kind as string, pan: r.pan as string | null,
      at: r.at as string, sealed: Uint8Array.from(r.sealed as Uint8Array),
    };
  }
  async insertTransaction(t: TransactionRow): Promise<void> {
    await this.#q(this.#sql.insertTx, [t.id, t.fingerprint, t.kind, t.pan, t.at, bytea(t.sealed)]);
  }
  async listTransactions(f: { pan: string; fromAt?: string; toAt?: string }): Promise<Omit<TransactionRow, 'sealed'>[]> {
    return (await this.#q(this.#sql.listTx, [f.pan, f.fromAt ?? null, f.toAt ?? null])).map((r) => ({
      id: r.id as string, fingerprint: r.fingerprint as string, kind: r.kind as string, pan: r.pan as string | null, at: r.at as string,
    }));
  }

  async getCounter(name: string, options?: ReadOptions): Promise<number> {
    return ((await this.#read(this.#sql.getCounter, 'counters', name, options))?.value as number | undefined) ?? 0;
  }
  async addToCounter(name: string, delta: number): Promise<void> {
    await this.#q(this.#sql.addCounter, [name, delta]);
  }

  async getReportState(pan: string, options?: ReadOptions): Promise<ReportStateRow | undefined> {
    const r = await this.#read(this.#sql.getReportState, 'report_state', pan, options);
    return r && { last: r.last as number, seen: r.seen as number };
  }
  async setReportState(pan: string, state: ReportStateRow): Promise<void> {
    await this.#q(this.#sql.setReportState, [pan, state.last, state.seen]);
  }
  async insertReport(r: ReportRow): Promise<void> {
    await this.#q(this.#sql.insertReport, [r.pan, r.counter, r.receivedAt, r.form, r.keyRevisionNumber, r.creditLitres, r.creditStepLitres,
      r.consumedLitres, r.clockMinutes, r.lastTid, r.flags]);
  }
  async listReports(pan: string, limit: number): Promise<ReportRow[]> {
    return (await this.#q(this.#sql.listReports, [pan, limit])).map(reportFromRow);
  }

  async appendAudit(r: AuditRecord): Promise<void> {
    await this.#q(this.#sql.appendAudit, [r.chain, r.seq, r.at, r.operator, r.vendingPoint, r.transactionId, r.pan, r.kind, r.outcome,
      r.errorCode, r.amount, r.tid, r.tokenHash, r.prevHash, r.hash]);
  }
  async readAudit(options: { chain?: string; fromSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    const from = options.fromSeq ?? Number.MIN_SAFE_INTEGER;
    const limit = options.limit ?? null;
    const rows = options.chain === undefined
      ? await this.#q(this.#sql.readAuditAll, [from, limit])
      : await this.#q(this.#sql.readAuditChain, [options.chain, from, limit]);
    return rows.map(auditFromRow);
  }
}
