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

/** The message for a database written by a newer hydrosync (never touched). */
export function newerSchemaMessage(where: string, version: number): string {
  return `${where} has server schema version ${version}, written by a newer hydrosync; this version reads up to ${SERVER_SCHEMA_VERSION} and never migrates backwards: upgrade hydrosync. Nothing was changed`;
}
