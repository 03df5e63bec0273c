/**
 * The server's own data (API keys, customers, website accounts and sessions, payments), kept in the same
 * database as the security module's store but in tables of its own with its own migration track,
 * so the two schemas never collide: SQLite tables named `server_*` with `server_schema_version`;
 * PostgreSQL tables in the schema `hydrosync_server` with its `schema_version`.
 */

import type { PaymentStatus } from '../payments/payment-status';

/** Who an API key speaks for: an agent sells (purchases, reprints, meter look-up); an admin manages. */
export type ApiKeyRole = 'agent' | 'admin';

/** An API key as stored: never the key itself, only its slow salted hash. */
export interface ApiKeyRow {
  /** The public lookup id (12 hex digits), the part of the key after `hsk_`. */
  id: string;
  /** `scrypt$N$r$p$salt$hash` (base64url salt and hash). */
  hash: string;
  role: ApiKeyRole;
  /** The vending point the key is bound to: every sale made with it is recorded under it. */
  vendingPoint: string;
  /** Free text for people ("kiosk 3, Jl. Merdeka"). */
  label: string;
  /** ISO 8601 UTC instants. */
  createdAt: string;
  revokedAt: string | null;
  /** The key's own daily limits (litres, rupiah a local day for its vending point), tighter than the module's; null: the module's only. */
  dailyLimitLitres: number | null;
  dailyLimitRupiah: number | null;
}

/** The server's state of one meter (the module keeps its keys and sales; this is what the vending system adds). */
export interface MeterStateRow {
  pan: string;
  /** ISO 8601 UTC instant the meter was deactivated (no sales while set), or null. */
  deactivatedAt: string | null;
  /** Who deactivated it (the operator name of the audit log). */
  deactivatedBy: string | null;
  deactivationReason: string | null;
  /** The module transaction id of a key-change set the meter has not confirmed yet (by a report under the new key), or null. */
  pendingKeyChange: string | null;
  pendingKeyChangeAt: string | null;
}

/** A customer of the utility, registered by an admin under the number the utility chose. */
export interface CustomerRow {
  /** The utility's customer number (1 to 30 characters from A-Z a-z 0-9 . _ -). */
  number: string;
  name: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  /** ISO 8601 UTC instants. */
  createdAt: string;
  updatedAt: string;
}

/** The contact fields an admin may change. */
export type CustomerChanges = Partial<Pick<CustomerRow, 'name' | 'phone' | 'email' | 'address'>>;

/** A meter linked to a customer (a meter has at most one customer). */
export interface MeterLinkRow {
  pan: string;
  customerNumber: string;
  linkedAt: string;
}

/** A page of customers: by number, or by number or name prefix (case-insensitive). */
export interface CustomerSearch {
  prefix?: string;
  /** Customer numbers after this one (the `next` of the previous page). */
  after?: string;
  limit: number;
}

/** Who may sign in to the website: an admin user or a customer's account. */
export type UserRole = 'admin' | 'customer';

/** A website account; the password only as a slow salted hash (password-hash.ts). */
export interface UserRow {
  /** Lower case, 3 to 32 characters from a-z 0-9 . _ - (password-rules.ts). */
  username: string;
  role: UserRole;
  /** The customer a customer account speaks for (one account per customer); null for admin users. */
  customerNumber: string | null;
  passwordHash: string;
  createdAt: string;
  /** Who made it: `user:<name>`, `apikey:<id>`, `cli`, `invitation`, `self-registration`. */
  createdBy: string;
}

/** An admin's invitation for a customer: the one-time code only as its SHA-256 (hex). */
export interface InvitationRow {
  codeHash: string;
  customerNumber: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** A signed-in website session: the session id only as its SHA-256 (hex). */
export interface SessionRow {
  idHash: string;
  username: string;
  createdAt: string;
  lastSeenAt: string;
  /** The absolute end, whatever the activity. */
  expiresAt: string;
}

/** Failed sign-ins counted under one key (`user:<name>` or `address:<ip>`). */
export interface SignInFailures {
  failures: number;
  firstAt: string;
  lockedUntil: string | null;
}

/** The server store: asynchronous, one implementation per database (SQLite, PostgreSQL). */
export interface ServerStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The server schema version now in the database. */
  schemaVersion(): Promise<number>;
  /** CONFLICT if the id exists (ids are random: practically never). */
  insertApiKey(row: ApiKeyRow): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRow | undefined>;
  /** Every key, oldest first. */
  listApiKeys(): Promise<ApiKeyRow[]>;
  /** Mark a key revoked at `at` (a key revoked before keeps its first time). The row after, or undefined for an unknown id. */
  revokeApiKey(id: string, at: string): Promise<ApiKeyRow | undefined>;

  // ---- Customers and the meters linked to them (routes/customers.ts) ----
  /** CONFLICT if the number is taken. */
  insertCustomer(row: CustomerRow): Promise<void>;
  getCustomer(number: string): Promise<CustomerRow | undefined>;
  /** The row after the change, or undefined for an unknown number. */
  updateCustomer(number: string, changes: CustomerChanges, at: string): Promise<CustomerRow | undefined>;
  /** Customers in number order, a page at a time. */
  listCustomers(search: CustomerSearch): Promise<CustomerRow[]>;
  /** CONFLICT if the meter is linked already (to anyone); the caller checks that the customer and the meter exist. */
  linkMeter(row: MeterLinkRow): Promise<void>;
  /** Whether a link of this meter to this customer was removed. */
  unlinkMeter(pan: string, customerNumber: string): Promise<boolean>;
  /** The link of a meter, if it has a customer. */
  meterLink(pan: string): Promise<MeterLinkRow | undefined>;
  /** A customer's meters in PAN order. */
  customerMeters(customerNumber: string): Promise<MeterLinkRow[]>;

  // ---- Website accounts, invitations, sessions and sign-in failures (accounts.ts, session.ts) ----
  /** CONFLICT if the username is taken or the customer has an account already. */
  insertUser(row: UserRow): Promise<void>;
  getUser(username: string): Promise<UserRow | undefined>;
  /** The account of a customer, if any. */
  customerUser(customerNumber: string): Promise<UserRow | undefined>;
  /** Every account, by username. */
  listUsers(): Promise<UserRow[]>;
  insertInvitation(row: InvitationRow): Promise<void>;
  /**
   * In one transaction: mark the invitation used (it must be unused and not expired at `at`) and
   * insert the customer's account. Undefined (nothing changed) for an unknown, used or expired
   * code; CONFLICT (nothing changed) for a taken username or a customer with an account.
   */
  redeemInvitation(codeHash: string, user: Omit<UserRow, 'customerNumber'>, at: string): Promise<UserRow | undefined>;
  insertSession(row: SessionRow): Promise<void>;
  getSession(idHash: string): Promise<SessionRow | undefined>;
  touchSession(idHash: string, at: string): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Remove sessions whose absolute end or idle end (last seen before `idleBefore`) has passed. */
  deleteExpiredSessions(at: string, idleBefore: string): Promise<void>;
  getSignInFailures(key: string): Promise<SignInFailures | undefined>;
  /** Count one failure (a count whose first failure is before `windowStart` starts again at 1); the count after. */
  countSignInFailure(key: string, at: string, windowStart: string): Promise<SignInFailures>;
  /** Lock a key until `until` (the count starts again). */
  lockSignIn(key: string, until: string): Promise<void>;
  clearSignInFailures(key: string): Promise<void>;

  // ---- Payments (payments/*.ts, routes/payments.ts): rows and their state transitions ----
  /** Insert a new payment with its first event. CONFLICT if the id exists. */
  insertPayment(row: PaymentRow, event: PaymentEventInput): Promise<void>;
  getPayment(id: string): Promise<PaymentRow | undefined>;
  /**
   * Change one payment under a row lock (serialized across nodes): `change` sees the row as it is
   * now and returns the row to write and the event to record, or undefined to leave it. The row
   * after, or undefined for an unknown id.
   */
  updatePayment(id: string, change: (current: PaymentRow) => { row: PaymentRow; event: PaymentEventInput } | undefined): Promise<PaymentRow | undefined>;
  /** A payment's events, oldest first. */
  paymentEvents(id: string): Promise<PaymentEventRow[]>;
  /** Payments whose token was issued in [from, to) (ISO instants), and every payment whose money was taken without a token (paid, attention). */
  paymentsForReconciliation(from: string, to: string): Promise<{ issued: PaymentRow[]; withoutToken: PaymentRow[] }>;

  /** A round trip to the database (readiness). */
  ping(): Promise<void>;

  // Meter states (the server's side of a meter: deactivation, a key change not yet confirmed).
  /** The server's state of a meter, or undefined when the server never recorded one (active, nothing pending). */
  getMeterState(pan: string): Promise<MeterStateRow | undefined>;
  /** Deactivate (`deactivation` given) or reactivate (null) a meter. The row after. */
  setMeterDeactivation(pan: string, deactivation: { at: string; by: string; reason: string } | null): Promise<MeterStateRow>;
  /** Record the key-change set the meter must enter before its next credit token, or clear it (null). The row after. */
  setPendingKeyChange(pan: string, pending: { transactionId: string; at: string } | null): Promise<MeterStateRow>;

  close(): Promise<void>;
}

/** A payment as stored: the gateway's order id is the payment id; the module's transaction id follows from it. */
export interface PaymentRow {
  /** `pay_` and 24 hex digits: the gateway's order_id. */
  id: string;
  pan: string;
  /** The money asked for, whole rupiah (the gateway's gross_amount). */
  rupiah: number;
  status: PaymentStatus;
  /** The gateway's name (midtrans). */
  gateway: string;
  /** Where the customer pays. */
  payUrl: string;
  /** Who created it: the audit operator (apikey:<id>, customer:<id>). */
  createdBy: string;
  /** The vending point the module records the sale under (default `online`). */
  vendingPoint: string;
  /** The module's transaction id: `payment:<id>`, so the token is issued once whatever happens. */
  transactionId: string;
  /** ISO 8601 UTC instants. */
  createdAt: string;
  expiresAt: string;
  updatedAt: string;
  /** When the money was confirmed by the gateway's status API. */
  paidAt: string | null;
  /** Confirmed paid after the payment had expired or failed (money taken late: the token is still issued). */
  late: boolean;
  /** The token's issue time, its TID's litres and the rupiah the tariff charged (the rest is change). */
  issuedAt: string | null;
  creditedLitres: number | null;
  chargedRupiah: number | null;
  /** Why the payment needs a person (the module's refusal code and message, or AMOUNT_MISMATCH). */
  attentionCode: string | null;
  attentionMessage: string | null;
}

/** What moved a payment (or was refused), in order. */
export interface PaymentEventInput {
  at: string;
  /** create, notification, status (a read that asked the gateway), vend, retry. */
  source: 'create' | 'notification' | 'status' | 'vend' | 'retry';
  /** The gateway's transaction_status the event carried, if any. */
  gatewayStatus: string | null;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus;
  note: string | null;
}

export interface PaymentEventRow extends PaymentEventInput {
  paymentId: string;
  seq: number;
}

/** One step of the server schema: what it adds and its SQL for each database. */
export interface ServerMigration {
  version: number;
  summary: string;
  sqlite: string;
  /** `s` is the quoted PostgreSQL schema name. */
  postgres: (s: string) => string;
}

/** The server's migrations, in order. Only ever append. */
export const SERVER_MIGRATIONS: readonly ServerMigration[] = [
  {
    version: 1,
    summary: 'API keys (hashed, bound to a vending point, revocable)',
    sqlite: `
CREATE TABLE server_api_keys (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
  vending_point TEXT NOT NULL, label TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT
);`,
    postgres: (s) => `
CREATE TABLE ${s}.api_keys (
  id TEXT COLLATE "C" PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
  vending_point TEXT NOT NULL, label TEXT NOT NULL, created_at TEXT COLLATE "C" NOT NULL, revoked_at TEXT
);`,
  },
  {
    version: 2,
    summary: 'meter states (deactivation, pending key-change set)',
    sqlite: `
CREATE TABLE server_meter_states (
  pan TEXT PRIMARY KEY, deactivated_at TEXT, deactivated_by TEXT, deactivation_reason TEXT,
  pending_key_change TEXT, pending_key_change_at TEXT
);`,
    postgres: (s) => `
CREATE TABLE ${s}.meter_states (
  pan TEXT COLLATE "C" PRIMARY KEY, deactivated_at TEXT, deactivated_by TEXT, deactivation_reason TEXT,
  pending_key_change TEXT, pending_key_change_at TEXT
);`,
  },
  {
    version: 3,
    summary: 'customers and the meters linked to them',
    sqlite: `
CREATE TABLE server_customers (
  number TEXT PRIMARY KEY, name TEXT NOT NULL, phone TEXT, email TEXT, address TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX server_customers_name ON server_customers (lower(name), number);
CREATE TABLE server_customer_meters (
  pan TEXT PRIMARY KEY, customer_number TEXT NOT NULL REFERENCES server_customers (number), linked_at TEXT NOT NULL
);
CREATE INDEX server_customer_meters_customer ON server_customer_meters (customer_number, pan);`,
    postgres: (s) => `
CREATE TABLE ${s}.customers (
  number TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL, phone TEXT, email TEXT, address TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX customers_name ON ${s}.customers ((lower(name)) text_pattern_ops, number);
CREATE TABLE ${s}.customer_meters (
  pan TEXT COLLATE "C" PRIMARY KEY, customer_number TEXT COLLATE "C" NOT NULL REFERENCES ${s}.customers (number), linked_at TEXT NOT NULL
);
CREATE INDEX customer_meters_customer ON ${s}.customer_meters (customer_number, pan);`,
  },
  {
    version: 4,
    summary: 'website accounts, invitations, sessions and sign-in failures',
    sqlite: `
CREATE TABLE server_users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('admin', 'customer')),
  customer_number TEXT UNIQUE REFERENCES server_customers (number), password_hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  CHECK ((role = 'customer') = (customer_number IS NOT NULL))
);
CREATE TABLE server_invitations (
  code_hash TEXT PRIMARY KEY, customer_number TEXT NOT NULL REFERENCES server_customers (number), created_by TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT
);
CREATE TABLE server_sessions (
  id_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES server_users (username), created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE server_sign_in_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_at TEXT NOT NULL, locked_until TEXT);`,
    postgres: (s) => `
CREATE TABLE ${s}.users (
  username TEXT COLLATE "C" PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('admin', 'customer')),
  customer_number TEXT COLLATE "C" UNIQUE REFERENCES ${s}.customers (number), password_hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  CHECK ((role = 'customer') = (customer_number IS NOT NULL))
);
CREATE TABLE ${s}.invitations (
  code_hash TEXT COLLATE "C" PRIMARY KEY, customer_number TEXT COLLATE "C" NOT NULL REFERENCES ${s}.customers (number), created_by TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL, expires_at TEXT COLLATE "C" NOT NULL, used_at TEXT
);
CREATE TABLE ${s}.sessions (
  id_hash TEXT COLLATE "C" PRIMARY KEY, username TEXT COLLATE "C" NOT NULL REFERENCES ${s}.users (username),
  created_at TEXT COLLATE "C" NOT NULL, last_seen_at TEXT COLLATE "C" NOT NULL, expires_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE ${s}.sign_in_failures (key TEXT COLLATE "C" PRIMARY KEY, failures INTEGER NOT NULL, first_at TEXT COLLATE "C" NOT NULL, locked_until TEXT COLLATE "C");`,
  },
  {
    version: 5,
    summary: 'payments through a payment gateway and their state transitions',
    sqlite: `
CREATE TABLE server_payments (
  id TEXT PRIMARY KEY, pan TEXT NOT NULL, rupiah INTEGER NOT NULL, status TEXT NOT NULL, gateway TEXT NOT NULL, pay_url TEXT NOT NULL,
  created_by TEXT NOT NULL, vending_point TEXT NOT NULL, transaction_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL, updated_at TEXT NOT NULL, paid_at TEXT, late INTEGER NOT NULL DEFAULT 0,
  issued_at TEXT, credited_litres INTEGER, charged_rupiah INTEGER, attention_code TEXT, attention_message TEXT
);
CREATE INDEX server_payments_issued_at ON server_payments (issued_at);
CREATE INDEX server_payments_status ON server_payments (status);
CREATE TABLE server_payment_events (
  payment_id TEXT NOT NULL REFERENCES server_payments (id), seq INTEGER NOT NULL, at TEXT NOT NULL, source TEXT NOT NULL,
  gateway_status TEXT, from_status TEXT, to_status TEXT NOT NULL, note TEXT, PRIMARY KEY (payment_id, seq)
);`,
    postgres: (s) => `
CREATE TABLE ${s}.payments (
  id TEXT COLLATE "C" PRIMARY KEY, pan TEXT NOT NULL, rupiah BIGINT NOT NULL, status TEXT NOT NULL, gateway TEXT NOT NULL, pay_url TEXT NOT NULL,
  created_by TEXT NOT NULL, vending_point TEXT NOT NULL, transaction_id TEXT NOT NULL UNIQUE,
  created_at TEXT COLLATE "C" NOT NULL, expires_at TEXT COLLATE "C" NOT NULL, updated_at TEXT COLLATE "C" NOT NULL, paid_at TEXT COLLATE "C",
  late BOOLEAN NOT NULL DEFAULT false, issued_at TEXT COLLATE "C", credited_litres BIGINT, charged_rupiah BIGINT, attention_code TEXT, attention_message TEXT
);
CREATE INDEX payments_issued_at ON ${s}.payments (issued_at);
CREATE INDEX payments_status ON ${s}.payments (status);
CREATE TABLE ${s}.payment_events (
  payment_id TEXT COLLATE "C" NOT NULL REFERENCES ${s}.payments (id), seq INTEGER NOT NULL, at TEXT NOT NULL, source TEXT NOT NULL,
  gateway_status TEXT, from_status TEXT, to_status TEXT NOT NULL, note TEXT, PRIMARY KEY (payment_id, seq)
);`,
  },
  {
    version: 6,
    summary: 'daily limits of an API key',
    sqlite: `
ALTER TABLE server_api_keys ADD COLUMN daily_limit_litres INTEGER;
ALTER TABLE server_api_keys ADD COLUMN daily_limit_rupiah INTEGER;`,
    postgres: (s) => `ALTER TABLE ${s}.api_keys ADD COLUMN daily_limit_litres BIGINT, ADD COLUMN daily_limit_rupiah BIGINT;`,
  },
];

/** The version this hydrosync writes. */
export const SERVER_SCHEMA_VERSION = SERVER_MIGRATIONS[SERVER_MIGRATIONS.length - 1]!.version;

/** A row of api_keys as the drivers return it → ApiKeyRow. */
export function apiKeyFromRow(r: Record<string, unknown>): ApiKeyRow {
  return {
    id: r.id as string, hash: r.hash as string, role: r.role as ApiKeyRole, vendingPoint: r.vending_point as string,
    label: r.label as string, createdAt: r.created_at as string, revokedAt: (r.revoked_at as string | null) ?? null,
    // PostgreSQL BIGINT arrives as text; the limits are safe integers.
    dailyLimitLitres: r.daily_limit_litres == null ? null : Number(r.daily_limit_litres),
    dailyLimitRupiah: r.daily_limit_rupiah == null ? null : Number(r.daily_limit_rupiah),
  };
}

/** A row of meter_states as the drivers return it → MeterStateRow. */
export function meterStateFromRow(r: Record<string, unknown>): MeterStateRow {
  const text = (v: unknown) => (v as string | null) ?? null;
  return {
    pan: r.pan as string, deactivatedAt: text(r.deactivated_at), deactivatedBy: text(r.deactivated_by), deactivationReason: text(r.deactivation_reason),
    pendingKeyChange: text(r.pending_key_change), pendingKeyChangeAt: text(r.pending_key_change_at),
  };
}

/** A row of customers as the drivers return it → CustomerRow. */
export function customerFromRow(r: Record<string, unknown>): CustomerRow {
  return {
    number: r.number as string, name: r.name as string, phone: (r.phone as string | null) ?? null, email: (r.email as string | null) ?? null,
    address: (r.address as string | null) ?? null, createdAt: r.created_at as string, updatedAt: r.updated_at as string,
  };
}

export function meterLinkFromRow(r: Record<string, unknown>): MeterLinkRow {
  return { pan: r.pan as string, customerNumber: r.customer_number as string, linkedAt: r.linked_at as string };
}

export function userFromRow(r: Record<string, unknown>): UserRow {
  return {
    username: r.username as string, role: r.role as UserRole, customerNumber: (r.customer_number as string | null) ?? null,
    passwordHash: r.password_hash as string, createdAt: r.created_at as string, createdBy: r.created_by as string,
  };
}

export function sessionFromRow(r: Record<string, unknown>): SessionRow {
  return { idHash: r.id_hash as string, username: r.username as string, createdAt: r.created_at as string, lastSeenAt: r.last_seen_at as string, expiresAt: r.expires_at as string };
}

export function signInFailuresFromRow(r: Record<string, unknown>): SignInFailures {
  return { failures: Number(r.failures), firstAt: r.first_at as string, lockedUntil: (r.locked_until as string | null) ?? null };
}

/** `prefix` as a LIKE pattern (lower case, % and _ escaped with \). */
export function likePrefix(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What a taken username or a customer with an account is called in a CONFLICT. */
export function userConflict(r: Pick<UserRow, 'username' | 'customerNumber'>): string {
  return r.customerNumber === null ? `the username ${r.username} is taken` : `the username ${r.username} is taken, or customer ${r.customerNumber} has an account already`;
}

const PAYMENT_COLUMNS: readonly [keyof PaymentRow, string][] = [
  ['id', 'id'], ['pan', 'pan'], ['rupiah', 'rupiah'], ['status', 'status'], ['gateway', 'gateway'], ['payUrl', 'pay_url'],
  ['createdBy', 'created_by'], ['vendingPoint', 'vending_point'], ['transactionId', 'transaction_id'], ['createdAt', 'created_at'],
  ['expiresAt', 'expires_at'], ['updatedAt', 'updated_at'], ['paidAt', 'paid_at'], ['late', 'late'], ['issuedAt', 'issued_at'],
  ['creditedLitres', 'credited_litres'], ['chargedRupiah', 'charged_rupiah'], ['attentionCode', 'attention_code'], ['attentionMessage', 'attention_message'],
];

/** The payments table's column names, in the order of paymentValues. */
export const PAYMENT_COLUMN_NAMES = PAYMENT_COLUMNS.map(([, c]) => c);

/** A PaymentRow's values in column order (`late` as the driver wants it). */
export function paymentValues(row: PaymentRow, late: (b: boolean) => unknown): unknown[] {
  return PAYMENT_COLUMNS.map(([k]) => (k === 'late' ? late(row.late) : row[k]));
}

const intOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A row of payments as the drivers return it → PaymentRow (BIGINT arrives as text from pg). */
export function paymentFromRow(r: Record<string, unknown>): PaymentRow {
  return {
    id: r.id as string, pan: r.pan as string, rupiah: Number(r.rupiah), status: r.status as PaymentStatus, gateway: r.gateway as string,
    payUrl: r.pay_url as string, createdBy: r.created_by as string, vendingPoint: r.vending_point as string, transactionId: r.transaction_id as string,
    createdAt: r.created_at as string, expiresAt: r.expires_at as string, updatedAt: r.updated_at as string, paidAt: (r.paid_at as string | null) ?? null,
    late: r.late === true || r.late === 1, issuedAt: (r.issued_at as string | null) ?? null, creditedLitres: intOrNull(r.credited_litres),
    chargedRupiah: intOrNull(r.charged_rupiah), attentionCode: (r.attention_code as string | null) ?? null, attentionMessage: (r.attention_message as string | null) ?? null,
  };
}

/** A row of payment_events → PaymentEventRow. */
export function paymentEventFromRow(r: Record<string, unknown>): PaymentEventRow {
  return {
    paymentId: r.payment_id as string, seq: Number(r.seq), at: r.at as string, source: r.source as PaymentEventRow['source'],
    gatewayStatus: (r.gateway_status as string | null) ?? null, fromStatus: (r.from_status as PaymentStatus | null) ?? null,
    toStatus: r.to_status as PaymentStatus, note: (r.note as string | null) ?? null,
  };
}

/** The message for a database written by a newer hydrosync (never touched). */
export function newerSchemaMessage(where: string, version: number): string {
  return `${where} has server schema version ${version}, written by a newer hydrosync; this version reads up to ${SERVER_SCHEMA_VERSION} and never migrates backwards: upgrade hydrosync. Nothing was changed`;
}
