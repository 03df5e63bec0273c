/**
 * The PostgreSQL store's schema, as numbered migrations. All tables live in one PostgreSQL schema
 * (default `hydrosync`), so a store can share a database with other applications; `schema_version`
 * holds one row per applied migration. A fresh database gets every migration; an older one is
 * migrated only on request (`hydrosync hsm migrate`, `{ migrate: true }`); a newer one (written by a
 * newer hydrosync) is refused and never touched (see hsm-postgres-store.ts).
 *
 * The tables mirror the SQLite store's (hsm-sqlite-store.ts). Differences:
 * - Text keys are COLLATE "C": orderings (PAN, ids, meta names, ISO times) are byte order whatever
 *   the database's locale, the same as the memory and SQLite stores.
 * - Integers are BIGINT (SQLite's INTEGER is 64-bit too), read back as JS numbers.
 * - audit: one hash chain per vending node, keyed (chain, seq); `position` (bigserial) is the
 *   storage order across chains. `UNIQUE (pan, tid_base_date, tid)` over issued credit and
 *   management tokens is the last guard against two nodes issuing one TID to a meter: a TID is
 *   minutes since the meter's base date, so the base date (copied from the meter row when the
 *   record is appended) is part of the key, and key-change sets are left out (their TID does not
 *   advance the meter's lastTid, so a vend in the same minute may carry the same TID).
 * - transactions: an index on (pan, at) for a meter's history (`hsm reprint --pan`).
 */

/** A schema migration: `sql` runs in one transaction with `schema` the quoted schema name. */
export interface PostgresMigration {
  version: number;
  /** What it adds, for `hsm migrate`'s report. */
  summary: string;
  sql: (schema: string) => string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    summary: 'the security module store (meta, vending keys, meters, transactions, counters, audit chains, meter reports)',
    sql: (s) => `
CREATE TABLE ${s}.meta (name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE ${s}.vending_keys (
  id TEXT COLLATE "C" PRIMARY KEY, dkga TEXT NOT NULL, bits INTEGER NOT NULL, supply_group_code TEXT NOT NULL,
  key_revision_number INTEGER NOT NULL, vending_key_type TEXT NOT NULL, base_date INTEGER NOT NULL,
  encryption_algorithm TEXT NOT NULL, active_from TEXT NOT NULL, issued_until TEXT,
  check_value TEXT NOT NULL, imported_at TEXT NOT NULL, wrapped BYTEA NOT NULL
);
CREATE TABLE ${s}.meters (
  pan TEXT COLLATE "C" PRIMARY KEY, customer_reference TEXT NOT NULL, customer_group TEXT NOT NULL,
  supply_group_code TEXT NOT NULL, tariff_index TEXT NOT NULL, key_revision_number INTEGER NOT NULL,
  key_type INTEGER NOT NULL, key_expiry_number INTEGER NOT NULL, encryption_algorithm TEXT NOT NULL,
  base_date INTEGER NOT NULL, profile TEXT NOT NULL, vending_key_id TEXT NOT NULL, last_tid BIGINT,
  month_to_date_month TEXT, month_to_date_litres BIGINT, registered_at TEXT NOT NULL
);
CREATE INDEX meters_by_sgc ON ${s}.meters (supply_group_code, pan);
CREATE TABLE ${s}.transactions (
  id TEXT COLLATE "C" PRIMARY KEY, fingerprint TEXT NOT NULL, kind TEXT NOT NULL, pan TEXT COLLATE "C",
  at TEXT COLLATE "C" NOT NULL, sealed BYTEA NOT NULL
);
CREATE INDEX transactions_by_pan_at ON ${s}.transactions (pan, at, id);
CREATE TABLE ${s}.counters (name TEXT COLLATE "C" PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE ${s}.audit (
  chain TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, position BIGSERIAL NOT NULL UNIQUE,
  at TEXT COLLATE "C" NOT NULL, operator TEXT NOT NULL, vending_point TEXT NOT NULL, transaction_id TEXT NOT NULL,
  pan TEXT COLLATE "C", kind TEXT NOT NULL, outcome TEXT NOT NULL, error_code TEXT, amount TEXT, tid BIGINT,
  tid_base_date INTEGER, token_hash TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (chain, seq)
);
CREATE UNIQUE INDEX audit_issued_tid ON ${s}.audit (pan, tid_base_date, tid)
  WHERE outcome = 'issued' AND kind <> 'keychange' AND tid IS NOT NULL;
CREATE INDEX audit_by_time ON ${s}.audit (at, chain, seq);
CREATE TABLE ${s}.report_state (pan TEXT COLLATE "C" PRIMARY KEY, last BIGINT NOT NULL, seen BIGINT NOT NULL);
CREATE TABLE ${s}.reports (
  pan TEXT COLLATE "C" NOT NULL, counter BIGINT NOT NULL, received_at TEXT NOT NULL, form TEXT NOT NULL,
  key_revision_number INTEGER NOT NULL, credit_litres BIGINT NOT NULL, credit_step_litres BIGINT NOT NULL,
  consumed_litres BIGINT, clock_minutes BIGINT, last_tid BIGINT, flags INTEGER NOT NULL,
  PRIMARY KEY (pan, counter)
);
`,
  },
];

/** The table recording applied migrations (created with the first one). */
export const schemaVersionTable = (s: string): string => `
CREATE TABLE ${s}.schema_version (
  version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), summary TEXT NOT NULL
);`;
