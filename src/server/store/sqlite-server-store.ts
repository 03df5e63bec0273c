/**
 * The server store in the security module's SQLite file: a connection of its own to the same
 * file (WAL, so readers never wait for a vend), tables `server_*`, versions in
 * `server_schema_version`. Missing migrations are applied when it opens, in one transaction.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { HydroSyncError } from '../../errors';
import { loadSqliteDriver } from '../../node/hsm-sqlite-store';
import {
  type ApiKeyRow, type CustomerChanges, type CustomerRow, type CustomerSearch, type InvitationRow, type MeterLinkRow, type MeterStateRow, type ServerMigration,
  type ServerStore, type SessionRow, type SignInFailures, type UserRow, type PaymentEventInput, type PaymentEventRow, type PaymentRow, PAYMENT_COLUMN_NAMES,
  SERVER_MIGRATIONS, apiKeyFromRow, customerFromRow, likePrefix,
  meterLinkFromRow, meterStateFromRow, newerSchemaMessage, sessionFromRow, signInFailuresFromRow, userConflict, userFromRow, paymentEventFromRow, paymentFromRow, paymentValues,
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

const INSERT_PAYMENT = `INSERT INTO server_payments (${PAYMENT_COLUMN_NAMES.join(', ')}) VALUES (${PAYMENT_COLUMN_NAMES.map(() => '?').join(', ')})`;
const UPDATE_PAYMENT = `UPDATE server_payments SET ${PAYMENT_COLUMN_NAMES.slice(1).map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
const INSERT_PAYMENT_EVENT = `INSERT INTO server_payment_events (payment_id, seq, at, source, gateway_status, from_status, to_status, note)
  VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM server_payment_events WHERE payment_id = ?), ?, ?, ?, ?, ?, ?)`;

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
      insert: db.prepare('INSERT INTO server_api_keys (id, hash, role, vending_point, label, created_at, revoked_at, daily_limit_litres, daily_limit_rupiah) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
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

  readonly #prepared = new Map<string, BetterSqlite3.Statement>();

  /** A prepared statement, kept for the next call. */
  #p(sql: string): BetterSqlite3.Statement {
    let st = this.#prepared.get(sql);
    if (st === undefined) this.#prepared.set(sql, st = this.#db.prepare(sql));
    return st;
  }

  #run<T>(f: () => T, conflict = 'an API key with this id exists already'): Promise<T> {
    try {
      return Promise.resolve(f());
    } catch (e) {
      if (e instanceof HydroSyncError) return Promise.reject(e);
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return Promise.reject(new HydroSyncError('CONFLICT', conflict));
      return Promise.reject(storeError(`the server tables in ${this.#path} failed (${typeof code === 'string' ? code : (e as Error).message})`, e));
    }
  }

  schemaVersion(): Promise<number> {
    return this.#run(() => (this.#s.version.get() as { v: number }).v);
  }

  insertApiKey(r: ApiKeyRow): Promise<void> {
    return this.#run(() => {
      this.#s.insert.run(r.id, r.hash, r.role, r.vendingPoint, r.label, r.createdAt, r.revokedAt, r.dailyLimitLitres, r.dailyLimitRupiah);
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

  // ---- Customers and the meters linked to them ----

  insertCustomer(r: CustomerRow): Promise<void> {
    return this.#run(() => {
      this.#p('INSERT INTO server_customers (number, name, phone, email, address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(r.number, r.name, r.phone, r.email, r.address, r.createdAt, r.updatedAt);
    }, `customer ${r.number} is registered already`);
  }

  getCustomer(number: string): Promise<CustomerRow | undefined> {
    return this.#run(() => {
      const row = this.#p('SELECT * FROM server_customers WHERE number = ?').get(number) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : customerFromRow(row);
    });
  }

  updateCustomer(number: string, changes: CustomerChanges, at: string): Promise<CustomerRow | undefined> {
    return this.#run(() => this.#db.transaction(() => {
      const row = this.#p('SELECT * FROM server_customers WHERE number = ?').get(number) as Record<string, unknown> | undefined;
      if (row === undefined) return undefined;
      const next = { ...customerFromRow(row), ...changes, updatedAt: at };
      this.#p('UPDATE server_customers SET name = ?, phone = ?, email = ?, address = ?, updated_at = ? WHERE number = ?')
        .run(next.name, next.phone, next.email, next.address, next.updatedAt, number);
      return next;
    }).immediate());
  }

  listCustomers(q: CustomerSearch): Promise<CustomerRow[]> {
    return this.#run(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.prefix !== undefined) {
        where.push("(lower(number) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\')");
        params.push(likePrefix(q.prefix), likePrefix(q.prefix));
      }
      if (q.after !== undefined) {
        where.push('number > ?');
        params.push(q.after);
      }
      const sql = `SELECT * FROM server_customers${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY number LIMIT ?`;
      return (this.#p(sql).all(...params, q.limit) as Record<string, unknown>[]).map(customerFromRow);
    });
  }

  linkMeter(r: MeterLinkRow): Promise<void> {
    return this.#run(() => {
      this.#p('INSERT INTO server_customer_meters (pan, customer_number, linked_at) VALUES (?, ?, ?)').run(r.pan, r.customerNumber, r.linkedAt);
    }, `meter ${r.pan} is linked to a customer already`);
  }

  unlinkMeter(pan: string, customerNumber: string): Promise<boolean> {
    return this.#run(() => this.#p('DELETE FROM server_customer_meters WHERE pan = ? AND customer_number = ?').run(pan, customerNumber).changes === 1);
  }

  meterLink(pan: string): Promise<MeterLinkRow | undefined> {
    return this.#run(() => {
      const row = this.#p('SELECT * FROM server_customer_meters WHERE pan = ?').get(pan) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : meterLinkFromRow(row);
    });
  }

  customerMeters(customerNumber: string): Promise<MeterLinkRow[]> {
    return this.#run(() => (this.#p('SELECT * FROM server_customer_meters WHERE customer_number = ? ORDER BY pan').all(customerNumber) as Record<string, unknown>[]).map(meterLinkFromRow));
  }

  // ---- Website accounts, invitations, sessions and sign-in failures ----

  #insertUser(r: UserRow): void {
    this.#p('INSERT INTO server_users (username, role, customer_number, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(r.username, r.role, r.customerNumber, r.passwordHash, r.createdAt, r.createdBy);
  }

  insertUser(r: UserRow): Promise<void> {
    return this.#run(() => this.#insertUser(r), userConflict(r));
  }

  getUser(username: string): Promise<UserRow | undefined> {
    return this.#run(() => {
      const row = this.#p('SELECT * FROM server_users WHERE username = ?').get(username) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : userFromRow(row);
    });
  }

  customerUser(customerNumber: string): Promise<UserRow | undefined> {
    return this.#run(() => {
      const row = this.#p('SELECT * FROM server_users WHERE customer_number = ?').get(customerNumber) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : userFromRow(row);
    });
  }

  listUsers(): Promise<UserRow[]> {
    return this.#run(() => (this.#p('SELECT * FROM server_users ORDER BY username').all() as Record<string, unknown>[]).map(userFromRow));
  }

  insertInvitation(r: InvitationRow): Promise<void> {
    return this.#run(() => {
      this.#p('INSERT INTO server_invitations (code_hash, customer_number, created_by, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(r.codeHash, r.customerNumber, r.createdBy, r.createdAt, r.expiresAt, r.usedAt);
    }, 'an invitation with this code exists already');
  }

  redeemInvitation(codeHash: string, user: Omit<UserRow, 'customerNumber'>, at: string): Promise<UserRow | undefined> {
    return this.#run(() => this.#db.transaction(() => {
      const inv = this.#p('SELECT customer_number FROM server_invitations WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?').get(codeHash, at) as { customer_number: string } | undefined;
      if (inv === undefined) return undefined;
      const row: UserRow = { ...user, customerNumber: inv.customer_number };
      try {
        this.#insertUser(row);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') throw new HydroSyncError('CONFLICT', userConflict(row));
        throw e;
      }
      this.#p('UPDATE server_invitations SET used_at = ? WHERE code_hash = ?').run(at, codeHash);
      return row;
    }).immediate());
  }

  insertSession(r: SessionRow): Promise<void> {
    return this.#run(() => {
      this.#p('INSERT INTO server_sessions (id_hash, username, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(r.idHash, r.username, r.createdAt, r.lastSeenAt, r.expiresAt);
    }, 'a session with this id exists already');
  }

  getSession(idHash: string): Promise<SessionRow | undefined> {
    return this.#run(() => {
      const row = this.#p('SELECT * FROM server_sessions WHERE id_hash = ?').get(idHash) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : sessionFromRow(row);
    });
  }

  touchSession(idHash: string, at: string): Promise<void> {
    return this.#run(() => {
      this.#p('UPDATE server_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?').run(at, idHash, at);
    });
  }

  deleteSession(idHash: string): Promise<void> {
    return this.#run(() => {
      this.#p('DELETE FROM server_sessions WHERE id_hash = ?').run(idHash);
    });
  }

  deleteExpiredSessions(at: string, idleBefore: string): Promise<void> {
    return this.#run(() => {
      this.#p('DELETE FROM server_sessions WHERE expires_at <= ? OR last_seen_at < ?').run(at, idleBefore);
    });
  }

  getSignInFailures(key: string): Promise<SignInFailures | undefined> {
    return this.#run(() => {
      const row = this.#p('SELECT * FROM server_sign_in_failures WHERE key = ?').get(key) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : signInFailuresFromRow(row);
    });
  }

  countSignInFailure(key: string, at: string, windowStart: string): Promise<SignInFailures> {
    return this.#run(() => signInFailuresFromRow(this.#p(`INSERT INTO server_sign_in_failures (key, failures, first_at, locked_until) VALUES (?, 1, ?, NULL)
ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN first_at < ? THEN 1 ELSE failures + 1 END, first_at = CASE WHEN first_at < ? THEN excluded.first_at ELSE first_at END
RETURNING failures, first_at, locked_until`).get(key, at, windowStart, windowStart) as Record<string, unknown>));
  }

  lockSignIn(key: string, until: string): Promise<void> {
    return this.#run(() => {
      this.#p('UPDATE server_sign_in_failures SET locked_until = ?, failures = 0 WHERE key = ?').run(until, key);
    });
  }

  clearSignInFailures(key: string): Promise<void> {
    return this.#run(() => {
      this.#p('DELETE FROM server_sign_in_failures WHERE key = ?').run(key);
    });
  }

  // ---- Payments ----

  #event(id: string, e: PaymentEventInput): void {
    this.#p(INSERT_PAYMENT_EVENT).run(id, id, e.at, e.source, e.gatewayStatus, e.fromStatus, e.toStatus, e.note);
  }

  insertPayment(row: PaymentRow, event: PaymentEventInput): Promise<void> {
    return this.#run(() => {
      this.#db.transaction(() => {
        this.#p(INSERT_PAYMENT).run(...paymentValues(row, (b) => (b ? 1 : 0)));
        this.#event(row.id, event);
      }).immediate();
    }, `a payment with id ${row.id} exists already`);
  }

  getPayment(id: string): Promise<PaymentRow | undefined> {
    return this.#run(() => {
      const r = this.#p('SELECT * FROM server_payments WHERE id = ?').get(id) as Record<string, unknown> | undefined;
      return r === undefined ? undefined : paymentFromRow(r);
    });
  }

  updatePayment(id: string, change: (current: PaymentRow) => { row: PaymentRow; event: PaymentEventInput } | undefined): Promise<PaymentRow | undefined> {
    return this.#run(() => this.#db.transaction(() => {
      const r = this.#p('SELECT * FROM server_payments WHERE id = ?').get(id) as Record<string, unknown> | undefined;
      if (r === undefined) return undefined;
      const current = paymentFromRow(r);
      const next = change(current);
      if (next === undefined) return current;
      const values = paymentValues({ ...next.row, id }, (b) => (b ? 1 : 0));
      this.#p(UPDATE_PAYMENT).run(...values.slice(1), id);
      this.#event(id, next.event);
      return { ...next.row, id };
    }).immediate());
  }

  paymentEvents(id: string): Promise<PaymentEventRow[]> {
    return this.#run(() => (this.#p('SELECT * FROM server_payment_events WHERE payment_id = ? ORDER BY seq').all(id) as Record<string, unknown>[]).map(paymentEventFromRow));
  }

  paymentsForReconciliation(from: string, to: string): Promise<{ issued: PaymentRow[]; withoutToken: PaymentRow[] }> {
    return this.#run(() => ({
      issued: (this.#p('SELECT * FROM server_payments WHERE issued_at >= ? AND issued_at < ? ORDER BY issued_at, id').all(from, to) as Record<string, unknown>[]).map(paymentFromRow),
      withoutToken: (this.#p("SELECT * FROM server_payments WHERE status IN ('paid', 'attention') ORDER BY paid_at, id").all() as Record<string, unknown>[]).map(paymentFromRow),
    }));
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
