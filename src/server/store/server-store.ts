/**
 * The server's own data (API keys now; customers, sessions, payments later), kept in the same
 * database as the security module's store but in tables of its own with its own migration track,
 * so the two schemas never collide: SQLite tables named `server_*` with `server_schema_version`;
 * PostgreSQL tables in the schema `hydrosync_server` with its `schema_version`.
 */

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
];

/** The version this hydrosync writes. */
export const SERVER_SCHEMA_VERSION = SERVER_MIGRATIONS[SERVER_MIGRATIONS.length - 1]!.version;

/** A row of api_keys as the drivers return it → ApiKeyRow. */
export function apiKeyFromRow(r: Record<string, unknown>): ApiKeyRow {
  return {
    id: r.id as string, hash: r.hash as string, role: r.role as ApiKeyRole, vendingPoint: r.vending_point as string,
    label: r.label as string, createdAt: r.created_at as string, revokedAt: (r.revoked_at as string | null) ?? null,
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

/** The message for a database written by a newer hydrosync (never touched). */
export function newerSchemaMessage(where: string, version: number): string {
  return `${where} has server schema version ${version}, written by a newer hydrosync; this version reads up to ${SERVER_SCHEMA_VERSION} and never migrates backwards: upgrade hydrosync. Nothing was changed`;
}
