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
  type ApiKeyRow, type CustomerChanges, type CustomerRow, type CustomerSearch, type InvitationRow, type MeterLinkRow, type MeterStateRow, type ServerMigration,
  type ServerStore, type SessionRow, type SignInFailures, type UserRow, type PaymentEventInput, type PaymentEventRow, type PaymentRow, PAYMENT_COLUMN_NAMES,
  SERVER_MIGRATIONS, apiKeyFromRow, customerFromRow, likePrefix,
  meterLinkFromRow, meterStateFromRow, newerSchemaMessage, sessionFromRow, signInFailuresFromRow, userConflict, userFromRow, paymentEventFromRow, paymentFromRow, paymentValues,
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

  async #query(sql: string, params: unknown[] = [], conflict = 'an API key with this id exists already'): Promise<Pg.QueryResult> {
    const c = await this.#client();
    try {
      return await c.query(sql, params);
    } catch (e) {
      if (sqlState(e) === '23505') throw new HydroSyncError('CONFLICT', conflict);
      throw queryError(e, this.#target);
    } finally {
      c.release();
    }
  }

  async prepare(migrations: readonly ServerMigration[]): Promise<void> {
    await this.#transaction(async (c) => {
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
    });
  }


  async schemaVersion(): Promise<number> {
    return (await this.#query(`SELECT max(version) AS v FROM ${S}.schema_version`)).rows[0].v as number;
  }

  async insertApiKey(r: ApiKeyRow): Promise<void> {
    await this.#query(`INSERT INTO ${S}.api_keys (id, hash, role, vending_point, label, created_at, revoked_at, daily_limit_litres, daily_limit_rupiah)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [r.id, r.hash, r.role, r.vendingPoint, r.label, r.createdAt, r.revokedAt, r.dailyLimitLitres, r.dailyLimitRupiah]);
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

  async #one<T>(sql: string, params: unknown[], map: (r: Record<string, unknown>) => T): Promise<T | undefined> {
    const row = (await this.#query(sql, params)).rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : map(row);
  }

  /** `f` in one transaction on one client (BEGIN … COMMIT; ROLLBACK on any error). */
  async #transaction<T>(f: (c: Pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#client();
    try {
      await c.query('BEGIN');
      const out = await f(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      if (e instanceof HydroSyncError) throw e;
      throw queryError(e, this.#target);
    } finally {
      c.release();
    }
  }

  // ---- Customers and the meters linked to them ----

  async insertCustomer(r: CustomerRow): Promise<void> {
    await this.#query(`INSERT INTO ${S}.customers (number, name, phone, email, address, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.number, r.name, r.phone, r.email, r.address, r.createdAt, r.updatedAt], `customer ${r.number} is registered already`);
  }

  getCustomer(number: string): Promise<CustomerRow | undefined> {
    return this.#one(`SELECT * FROM ${S}.customers WHERE number = $1`, [number], customerFromRow);
  }

  updateCustomer(number: string, changes: CustomerChanges, at: string): Promise<CustomerRow | undefined> {
    return this.#transaction(async (c) => {
      const row = (await c.query(`SELECT * FROM ${S}.customers WHERE number = $1 FOR UPDATE`, [number])).rows[0] as Record<string, unknown> | undefined;
      if (row === undefined) return undefined;
      const next = { ...customerFromRow(row), ...changes, updatedAt: at };
      await c.query(`UPDATE ${S}.customers SET name = $1, phone = $2, email = $3, address = $4, updated_at = $5 WHERE number = $6`,
        [next.name, next.phone, next.email, next.address, next.updatedAt, number]);
      return next;
    });
  }

  async listCustomers(q: CustomerSearch): Promise<CustomerRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.prefix !== undefined) {
      params.push(likePrefix(q.prefix));
      where.push(`(lower(number) LIKE $${params.length} ESCAPE '\\' OR lower(name) LIKE $${params.length} ESCAPE '\\')`);
    }
    if (q.after !== undefined) {
      params.push(q.after);
      where.push(`number > $${params.length}`);
    }
    params.push(q.limit);
    const sql = `SELECT * FROM ${S}.customers${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY number LIMIT $${params.length}`;
    return (await this.#query(sql, params)).rows.map(customerFromRow);
  }

  async linkMeter(r: MeterLinkRow): Promise<void> {
    await this.#query(`INSERT INTO ${S}.customer_meters (pan, customer_number, linked_at) VALUES ($1, $2, $3)`, [r.pan, r.customerNumber, r.linkedAt],
      `meter ${r.pan} is linked to a customer already`);
  }

  async unlinkMeter(pan: string, customerNumber: string): Promise<boolean> {
    return (await this.#query(`DELETE FROM ${S}.customer_meters WHERE pan = $1 AND customer_number = $2`, [pan, customerNumber])).rowCount === 1;
  }

  meterLink(pan: string): Promise<MeterLinkRow | undefined> {
    return this.#one(`SELECT * FROM ${S}.customer_meters WHERE pan = $1`, [pan], meterLinkFromRow);
  }

  async customerMeters(customerNumber: string): Promise<MeterLinkRow[]> {
    return (await this.#query(`SELECT * FROM ${S}.customer_meters WHERE customer_number = $1 ORDER BY pan`, [customerNumber])).rows.map(meterLinkFromRow);
  }

  // ---- Website accounts, invitations, sessions and sign-in failures ----

  static readonly #INSERT_USER = `INSERT INTO ${S}.users (username, role, customer_number, password_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`;

  async insertUser(r: UserRow): Promise<void> {
    await this.#query(PostgresServerStore.#INSERT_USER, [r.username, r.role, r.customerNumber, r.passwordHash, r.createdAt, r.createdBy], userConflict(r));
  }

  getUser(username: string): Promise<UserRow | undefined> {
    return this.#one(`SELECT * FROM ${S}.users WHERE username = $1`, [username], userFromRow);
  }

  customerUser(customerNumber: string): Promise<UserRow | undefined> {
    return this.#one(`SELECT * FROM ${S}.users WHERE customer_number = $1`, [customerNumber], userFromRow);
  }

  async listUsers(): Promise<UserRow[]> {
    return (await this.#query(`SELECT * FROM ${S}.users ORDER BY username`)).rows.map(userFromRow);
  }

  async insertInvitation(r: InvitationRow): Promise<void> {
    await this.#query(`INSERT INTO ${S}.invitations (code_hash, customer_number, created_by, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.codeHash, r.customerNumber, r.createdBy, r.createdAt, r.expiresAt, r.usedAt], 'an invitation with this code exists already');
  }

  redeemInvitation(codeHash: string, user: Omit<UserRow, 'customerNumber'>, at: string): Promise<UserRow | undefined> {
    return this.#transaction(async (c) => {
      const inv = (await c.query(`UPDATE ${S}.invitations SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING customer_number`,
        [codeHash, at])).rows[0] as { customer_number: string } | undefined;
      if (inv === undefined) return undefined;
      const row: UserRow = { ...user, customerNumber: inv.customer_number };
      try {
        await c.query(PostgresServerStore.#INSERT_USER, [row.username, row.role, row.customerNumber, row.passwordHash, row.createdAt, row.createdBy]);
      } catch (e) {
        if (sqlState(e) === '23505') throw new HydroSyncError('CONFLICT', userConflict(row));
        throw e;
      }
      return row;
    });
  }

  async insertSession(r: SessionRow): Promise<void> {
    await this.#query(`INSERT INTO ${S}.sessions (id_hash, username, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [r.idHash, r.username, r.createdAt, r.lastSeenAt, r.expiresAt], 'a session with this id exists already');
  }

  getSession(idHash: string): Promise<SessionRow | undefined> {
    return this.#one(`SELECT * FROM ${S}.sessions WHERE id_hash = $1`, [idHash], sessionFromRow);
  }

  async touchSession(idHash: string, at: string): Promise<void> {
    await this.#query(`UPDATE ${S}.sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1`, [at, idHash]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#query(`DELETE FROM ${S}.sessions WHERE id_hash = $1`, [idHash]);
  }

  async deleteExpiredSessions(at: string, idleBefore: string): Promise<void> {
    await this.#query(`DELETE FROM ${S}.sessions WHERE expires_at <= $1 OR last_seen_at < $2`, [at, idleBefore]);
  }

  getSignInFailures(key: string): Promise<SignInFailures | undefined> {
    return this.#one(`SELECT * FROM ${S}.sign_in_failures WHERE key = $1`, [key], signInFailuresFromRow);
  }

  async countSignInFailure(key: string, at: string, windowStart: string): Promise<SignInFailures> {
    return signInFailuresFromRow((await this.#query(`INSERT INTO ${S}.sign_in_failures AS f (key, failures, first_at, locked_until) VALUES ($1, 1, $2, NULL)
ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN f.first_at < $3 THEN 1 ELSE f.failures + 1 END, first_at = CASE WHEN f.first_at < $3 THEN excluded.first_at ELSE f.first_at END
RETURNING failures, first_at, locked_until`, [key, at, windowStart])).rows[0] as Record<string, unknown>);
  }

  async lockSignIn(key: string, until: string): Promise<void> {
    await this.#query(`UPDATE ${S}.sign_in_failures SET locked_until = $1, failures = 0 WHERE key = $2`, [until, key]);
  }

  async clearSignInFailures(key: string): Promise<void> {
    await this.#query(`DELETE FROM ${S}.sign_in_failures WHERE key = $1`, [key]);
  }

  // ---- Payments ----

  async #event(c: Pg.PoolClient, id: string, e: PaymentEventInput): Promise<void> {
    await c.query(`INSERT INTO ${S}.payment_events (payment_id, seq, at, source, gateway_status, from_status, to_status, note)
      VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM ${S}.payment_events WHERE payment_id = $1), $2, $3, $4, $5, $6, $7)`,
    [id, e.at, e.source, e.gatewayStatus, e.fromStatus, e.toStatus, e.note]);
  }

  async insertPayment(row: PaymentRow, event: PaymentEventInput): Promise<void> {
    const cols = PAYMENT_COLUMN_NAMES;
    await this.#transaction(async (c) => {
      await c.query(`INSERT INTO ${S}.payments (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, paymentValues(row, (b) => b));
      await this.#event(c, row.id, event);
    });
  }

  async getPayment(id: string): Promise<PaymentRow | undefined> {
    const r = (await this.#query(`SELECT * FROM ${S}.payments WHERE id = $1`, [id])).rows[0] as Record<string, unknown> | undefined;
    return r === undefined ? undefined : paymentFromRow(r);
  }

  async updatePayment(id: string, change: (current: PaymentRow) => { row: PaymentRow; event: PaymentEventInput } | undefined): Promise<PaymentRow | undefined> {
    const cols = PAYMENT_COLUMN_NAMES.slice(1);
    return this.#transaction(async (c) => {
      // FOR UPDATE: two nodes handling the same payment take turns; each sees the other's write.
      const r = (await c.query(`SELECT * FROM ${S}.payments WHERE id = $1 FOR UPDATE`, [id])).rows[0] as Record<string, unknown> | undefined;
      if (r === undefined) return undefined;
      const current = paymentFromRow(r);
      const next = change(current);
      if (next === undefined) return current;
      const values = paymentValues({ ...next.row, id }, (b) => b).slice(1);
      await c.query(`UPDATE ${S}.payments SET ${cols.map((col, i) => `${col} = $${i + 1}`).join(', ')} WHERE id = $${cols.length + 1}`, [...values, id]);
      await this.#event(c, id, next.event);
      return { ...next.row, id };
    });
  }

  async paymentEvents(id: string): Promise<PaymentEventRow[]> {
    return (await this.#query(`SELECT * FROM ${S}.payment_events WHERE payment_id = $1 ORDER BY seq`, [id])).rows.map(paymentEventFromRow);
  }

  async paymentsForReconciliation(from: string, to: string): Promise<{ issued: PaymentRow[]; withoutToken: PaymentRow[] }> {
    const issued = (await this.#query(`SELECT * FROM ${S}.payments WHERE issued_at >= $1 AND issued_at < $2 ORDER BY issued_at, id`, [from, to])).rows.map(paymentFromRow);
    const withoutToken = (await this.#query(`SELECT * FROM ${S}.payments WHERE status IN ('paid', 'attention') ORDER BY paid_at, id`)).rows.map(paymentFromRow);
    return { issued, withoutToken };
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
