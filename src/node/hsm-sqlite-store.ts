/**
 * The security module's embedded store: one SQLite file (better-sqlite3 12, an optional
 * dependency loaded only when a store is opened, so users of the token layer never need the
 * native module).
 *
 * - WAL journal and a 5 s busy timeout: several CLI processes can share one store; each vend is
 *   one BEGIN IMMEDIATE transaction, so writers queue instead of interleaving. Within a process the
 *   store runs one transaction at a time (the others wait in a queue): better-sqlite3 has one
 *   connection, and a transaction may span awaits.
 * - synchronous=NORMAL by default. In WAL mode NORMAL never corrupts the database and loses no
 *   committed transaction on a process crash; only a power failure or OS crash can lose the
 *   last transactions before the next checkpoint. That is what makes ≥ 5,000 single-vend
 *   transactions/s possible on ordinary disks (FULL fsyncs every commit: about one vend per disk
 *   flush). Deployments that prefer durability over throughput pass { synchronous: 'FULL' }.
 * - The file is identified before anything is written: SQLite header, application_id
 *   0x48595348 ("HYSH") and user_version (the schema version). A file that is not a HydroSync
 *   store, or has a newer schema version, is refused (STORE) and left untouched. An older schema
 *   is migrated only when asked ({ migrate: true }, `hydrosync hsm migrate`), in one transaction;
 *   otherwise refused with a STORE error naming that command. Nothing is migrated silently.
 * - A new store file is created with mode 0600 (it holds wrapped keys and sealed tokens).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { HydroSyncError } from '../errors';
import type { ReportRow, ReportStateRow } from '../hsm/report-rows';
import type { HsmStore, StoreTx, TransactionRow } from '../hsm/store';
import type { AuditRecord } from '../hsm/types';
import { checkOptions } from '../argument-checks';
import { keyFromRow, meterFromRow, meterParams } from './store-rows';

export const SQLITE_APPLICATION_ID = 0x48595348;
/**
 * 2: meter reports (tables report_state and reports); 3: one audit chain per node, transactions by
 * meter, hashes as BLOBs; 4: a sale's transaction row and its audit record in one row, generated
 * transaction ids as 16 bytes and times as integers (see AUDIT_V4).
 */
export const SQLITE_SCHEMA_VERSION = 4;

/** Checkpoint the WAL every 4000 pages (16 MiB) instead of SQLite's 1000: fewer, cheaper checkpoints. */
const WAL_AUTOCHECKPOINT_PAGES = 4000;

const SQLITE_SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vending_keys (
  id TEXT PRIMARY KEY, dkga TEXT NOT NULL, bits INTEGER NOT NULL, supply_group_code TEXT NOT NULL,
  key_revision_number INTEGER NOT NULL, vending_key_type TEXT NOT NULL, base_date INTEGER NOT NULL,
  encryption_algorithm TEXT NOT NULL, active_from TEXT NOT NULL, issued_until TEXT,
  check_value TEXT NOT NULL, imported_at TEXT NOT NULL, wrapped BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE meters (
  pan TEXT PRIMARY KEY, customer_reference TEXT NOT NULL, customer_group TEXT NOT NULL,
  supply_group_code TEXT NOT NULL, tariff_index TEXT NOT NULL, key_revision_number INTEGER NOT NULL,
  key_type INTEGER NOT NULL, key_expiry_number INTEGER NOT NULL, encryption_algorithm TEXT NOT NULL,
  base_date INTEGER NOT NULL, profile TEXT NOT NULL, vending_key_id TEXT NOT NULL, last_tid INTEGER,
  month_to_date_month TEXT, month_to_date_litres INTEGER, registered_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX meters_by_sgc ON meters (supply_group_code);
CREATE TABLE transactions (
  id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, kind TEXT NOT NULL, pan TEXT, at TEXT NOT NULL, sealed BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, operator TEXT NOT NULL,
  vending_point TEXT NOT NULL, transaction_id TEXT NOT NULL, pan TEXT, kind TEXT NOT NULL,
  outcome TEXT NOT NULL, error_code TEXT, amount TEXT, tid INTEGER, token_hash TEXT,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TABLE report_state (pan TEXT PRIMARY KEY, last INTEGER NOT NULL, seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE reports (
  pan TEXT NOT NULL, counter INTEGER NOT NULL, received_at TEXT NOT NULL, form TEXT NOT NULL,
  key_revision_number INTEGER NOT NULL, credit_litres INTEGER NOT NULL, credit_step_litres INTEGER NOT NULL,
  consumed_litres INTEGER, clock_minutes INTEGER, last_tid INTEGER, flags INTEGER NOT NULL,
  PRIMARY KEY (pan, counter)
) WITHOUT ROWID;
`;

/**
 * SHA-256 values (audit hashes, request fingerprints) are kept as 32-byte BLOBs from version 3 on
 * (the API shows them as 64 lowercase hex digits; this adapter converts). A value that is not 64
 * lowercase hex digits (only an edit outside the module makes one) is kept as the text it is, so
 * that verification still sees it as it was.
 */
const HEX_HASH = /^[0-9a-f]{64}$/;
const hashIn = (h: string | null): Buffer | string | null => (h !== null && HEX_HASH.test(h) ? Buffer.from(h, 'hex') : h);
const hashOut = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('hex') : (v as string));
/** The migration's SQL form of hashIn for a column. */
const hashBlob = (c: string) => `CASE WHEN typeof(${c}) = 'text' AND length(${c}) = 64 AND lower(${c}) = ${c} AND unhex(${c}) IS NOT NULL THEN unhex(${c}) ELSE ${c} END`;

/**
 * From version 4 on, a transaction id that is a lowercase UUID (what the module generates) is kept
 * as its 16 bytes and a time that is an ISO instant as it prints (`toISOString`) as integer
 * milliseconds since 1970; anything else (other client ids; only an edit makes other times) is
 * kept as the text it is. The API shows both as text; this adapter converts.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const idIn = (id: unknown): unknown => (typeof id === 'string' && UUID.test(id) ? Buffer.from(id.replace(/-/g, ''), 'hex') : id);
function idOut(v: unknown): string {
  if (!Buffer.isBuffer(v)) return v as string;
  const h = v.toString('hex');
  return v.length === 16 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
}
function atIn(at: unknown): unknown {
  if (typeof at !== 'string') return at;
  const ms = Date.parse(at);
  // A BigInt binds as an INTEGER (a number would bind as a REAL).
  return Number.isSafeInteger(ms) && new Date(ms).toISOString() === at ? BigInt(ms) : at;
}
const atOut = (v: unknown): string => (typeof v === 'number' ? new Date(v).toISOString() : (v as string));

/**
 * Version 4's audit table: one row per audit record, in storage order (id); a sale's row also holds
 * its transaction row (the request fingerprint and the sealed reissue record; the transaction's id,
 * kind, meter and time are the record's), so what a sale stores once is stored once. A transaction
 * row written without an audit record right after it (the store interface allows it) is a row with
 * no chain. (chain, seq) is unique among records; the transaction id is unique among rows with a sealed record (the last guard against
 * selling one id twice); transactions are found by id and by meter. The audit records' time index
 * is gone: reading every chain by time reads the whole log anyway, and sorts it.
 */
const AUDIT_V4 = `
CREATE TABLE audit_v4 (
  id INTEGER PRIMARY KEY, chain TEXT, seq INTEGER, at NOT NULL, operator TEXT, vending_point TEXT, transaction_id NOT NULL,
  pan TEXT, kind TEXT NOT NULL, outcome TEXT, error_code TEXT, amount TEXT, tid INTEGER, token_hash BLOB, prev_hash BLOB, hash BLOB,
  fingerprint BLOB, sealed BLOB,
  CHECK (chain IS NULL OR (seq IS NOT NULL AND operator IS NOT NULL AND vending_point IS NOT NULL AND outcome IS NOT NULL
    AND prev_hash IS NOT NULL AND hash IS NOT NULL)),
  CHECK (chain IS NOT NULL OR (sealed IS NOT NULL AND fingerprint IS NOT NULL))
);`;
const AUDIT_V4_INDEXES = `
CREATE UNIQUE INDEX audit_by_chain ON audit (chain, seq) WHERE chain IS NOT NULL;
CREATE UNIQUE INDEX transactions_by_id ON audit (transaction_id) WHERE sealed IS NOT NULL;
CREATE INDEX transactions_by_pan ON audit (pan) WHERE sealed IS NOT NULL;`;
const AUDIT_COLUMNS = 'chain, seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid, token_hash, prev_hash, hash';
const COPY_CHUNK = 10000;

/**
 * 3 → 4: the audit records copied in storage order (ids and times encoded), each transaction row
 * put into the row of its issued audit record (same id, kind, meter and time; the first such), or
 * into a row of its own.
 */
function migrateTo4(db: Db): void {
  db.exec(`${AUDIT_V4} CREATE INDEX audit_v4_by_transaction ON audit_v4 (transaction_id);`);
  const readAudit = db.prepare(`SELECT id, ${AUDIT_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT ${COPY_CHUNK}`);
  const insertAudit = db.prepare(`INSERT INTO audit_v4 (id, ${AUDIT_COLUMNS}) VALUES (${'?,'.repeat(15)}?)`);
  for (let last = Number.MIN_SAFE_INTEGER; ;) {
    const rows = readAudit.all(last) as Row[];
    if (rows.length === 0) break;
    for (const r of rows) {
      insertAudit.run(r.id, r.chain, r.seq, atIn(r.at), r.operator, r.vending_point, idIn(r.transaction_id), r.pan, r.kind, r.outcome,
        r.error_code, r.amount, r.tid, r.token_hash, r.prev_hash, r.hash);
    }
    last = rows.at(-1)!.id as number;
  }
  const readTx = db.prepare(`SELECT id, fingerprint, kind, pan, at, sealed FROM transactions WHERE id > ? ORDER BY id LIMIT ${COPY_CHUNK}`);
  const issuedRow = db.prepare(`SELECT id FROM audit_v4 WHERE transaction_id = ? AND outcome = 'issued' AND kind = ? AND pan IS ? AND at = ?
    AND sealed IS NULL ORDER BY id LIMIT 1`).pluck();
  const attach = db.prepare('UPDATE audit_v4 SET fingerprint = ?, sealed = ? WHERE id = ?');
  const alone = db.prepare('INSERT INTO audit_v4 (transaction_id, fingerprint, kind, pan, at, sealed) VALUES (?,?,?,?,?,?)');
  for (let last = ''; ;) {
    const rows = readTx.all(last) as Row[];
    if (rows.length === 0) break;
    for (const t of rows) {
      const id = idIn(t.id);
      const at = atIn(t.at);
      const target = issuedRow.get(id, t.kind, t.pan, at) as number | undefined;
      if (target !== undefined) attach.run(t.fingerprint, t.sealed, target);
      else alone.run(id, t.fingerprint, t.kind, t.pan, at, t.sealed);
    }
    last = rows.at(-1)!.id as string;
  }
  db.exec(`DROP TABLE audit; DROP TABLE transactions; DROP INDEX audit_v4_by_transaction; ALTER TABLE audit_v4 RENAME TO audit; ${AUDIT_V4_INDEXES}`);
}

/**
 * Migrations: what takes a store from version `to` - 1 to `to`, in one transaction with the
 * user_version update (`run` when it needs more than SQL). A new store is made from SQLITE_SCHEMA
 * (version 2, never changed), version 3's SQL and version 4's audit table, in one transaction.
 */
const MIGRATIONS: readonly { to: number; what: string; sql: string; run?: (db: Db) => void }[] = [
  {
    to: 2,
    what: 'meter reports (tables report_state and reports)',
    sql: '', // version 1 stores had no reports; the tables are in SQLITE_SCHEMA for new stores, and created below for old ones
  },
  {
    to: 3,
    what: 'one audit hash chain per vending node; transactions indexed by meter; hashes stored as 32 bytes',
    sql: `
CREATE TABLE audit_v3 (
  id INTEGER PRIMARY KEY, chain TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, operator TEXT NOT NULL,
  vending_point TEXT NOT NULL, transaction_id TEXT NOT NULL, pan TEXT, kind TEXT NOT NULL,
  outcome TEXT NOT NULL, error_code TEXT, amount TEXT, tid INTEGER, token_hash BLOB,
  prev_hash BLOB NOT NULL, hash BLOB NOT NULL, UNIQUE (chain, seq)
);
INSERT INTO audit_v3 (id, chain, seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid, token_hash, prev_hash, hash)
  SELECT rowid, 'main', seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid, ${hashBlob('token_hash')},
    ${hashBlob('prev_hash')}, ${hashBlob('hash')} FROM audit ORDER BY rowid;
DROP TABLE audit;
ALTER TABLE audit_v3 RENAME TO audit;
CREATE INDEX audit_by_time ON audit (at, chain, id);
CREATE TABLE transactions_v3 (
  id TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, kind TEXT NOT NULL, pan TEXT, at TEXT NOT NULL, sealed BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO transactions_v3 (id, fingerprint, kind, pan, at, sealed) SELECT id, ${hashBlob('fingerprint')}, kind, pan, at, sealed FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_v3 RENAME TO transactions;
CREATE INDEX transactions_by_pan ON transactions (pan, at);
`,
  },
  {
    to: 4,
    what: 'a sale\'s transaction row and audit record in one row; generated transaction ids as 16 bytes, times as integers',
    sql: '',
    run: migrateTo4,
  },
];

const REPORT_TABLES = SQLITE_SCHEMA.slice(SQLITE_SCHEMA.indexOf('CREATE TABLE report_state'));

export interface SqliteStoreOptions {
  /** Create the file (not its directory) if it does not exist. Default false. */
  create?: boolean;
  /** 'NORMAL' (default; see the file comment) or 'FULL' (fsync at every commit). */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's transaction, ms (default 5000). */
  busyTimeoutMs?: number;
  /** Migrate a store with an older schema to this version's (default false: such a store is refused). */
  migrate?: boolean;
}

type Db = BetterSqlite3.Database;
type Row = Record<string, unknown>;

const SQLITE_HEADER = 'SQLite format 3\u0000';

function storeError(message: string, cause?: unknown): HydroSyncError {
  return new HydroSyncError('STORE', message, cause === undefined ? undefined : { cause });
}

/** SQLite failures → STORE with a message a person can act on; HydroSync errors pass unchanged. */
function translate(e: unknown, path: string): unknown {
  if (e instanceof HydroSyncError) return e;
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return storeError(`the store ${path} is locked by another process (still busy after the timeout); try again`, e);
    }
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
      return storeError(`the store ${path} is damaged (${code}); restore it from a backup`, e);
    }
    if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL') {
      return storeError(`the store ${path} cannot be written (${code}): check permissions and free disk space`, e);
    }
    return storeError(`the store ${path} failed (${code})`, e);
  }
  return e;
}

/**
 * Load the SQLite driver, an optional peer dependency. `moduleId` is only for tests (a missing
 * driver is simulated by a module id that does not resolve).
 */
export function loadSqliteDriver(moduleId = 'better-sqlite3'): typeof BetterSqlite3 {
  try {
    // ESM: resolve from this module (bundlers' require shims throw); CommonJS builds have no import.meta.url.
    const url: unknown = import.meta.url;
    const req = typeof url === 'string' && url !== '' ? createRequire(url) : require;
    return req(moduleId) as typeof BetterSqlite3;
  } catch (e) {
    throw storeError('the SQLite store needs better-sqlite3 12.x, an optional peer dependency of hydrosync: run `npm install better-sqlite3@12` (it builds a native module; see its README for prebuilt binaries)', e);
  }
}

/** Read the identifying header fields without opening the database. */
function inspectFile(path: string): { size: number; header: string; userVersion: number; applicationId: number } {
  const size = statSync(path).size;
  const buf = new Uint8Array(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const view = new DataView(buf.buffer);
  return {
    size,
    header: String.fromCharCode(...buf.subarray(0, 16)),
    userVersion: view.getUint32(60),
    applicationId: view.getUint32(68),
  };
}

/** Check the identity; true when the schema is older and `migrate` allows migrating it. */
function checkIdentity(path: string, applicationId: number, userVersion: number, migrate: boolean): boolean {
  if (applicationId !== SQLITE_APPLICATION_ID) {
    throw storeError(`${path} is an SQLite database but not a HydroSync security module store; it was left unchanged`);
  }
  if (userVersion > SQLITE_SCHEMA_VERSION || userVersion < 1) {
    throw storeError(`${path} has store schema version ${userVersion}, written by a newer hydrosync; this version reads versions up to ${SQLITE_SCHEMA_VERSION} and never migrates backwards: upgrade hydrosync. The store was left unchanged`);
  }
  if (userVersion < SQLITE_SCHEMA_VERSION && !migrate) {
    const pending = MIGRATIONS.filter((m) => m.to > userVersion).map((m) => `${m.to}: ${m.what}`).join('; ');
    throw storeError(`${path} has store schema version ${userVersion}; this version of hydrosync needs ${SQLITE_SCHEMA_VERSION} (${pending}) and never migrates silently: back the file up, then run \`hydrosync hsm migrate --store ${path}\`. The store was left unchanged`);
  }
  return userVersion < SQLITE_SCHEMA_VERSION;
}

/** Migrate from `from` to SQLITE_SCHEMA_VERSION in one transaction (all or nothing). */
function migrateSchema(db: Db, from: number): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const m of MIGRATIONS) {
      if (m.to <= from) continue;
      if (m.run !== undefined) m.run(db);
      else db.exec(m.to === 2 ? REPORT_TABLES : m.sql);
      db.pragma(`user_version = ${m.to}`);
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

/**
 * Open (or with `{ create: true }` create) a SQLite security-module store. The file is never
 * changed when it is refused. The directory must exist.
 * @param path - the store file
 * @param options - `create` (default false), `synchronous` ('NORMAL' default, or 'FULL'), `busyTimeoutMs`,
 *   `migrate` (default false)
 * @throws HydroSyncError `USAGE` an empty path or bad options; `STORE` the path is not a HydroSync
 *   store, is damaged, has a newer schema version (or an older one without `migrate`) or cannot be opened, or better-sqlite3 (an
 *   optional peer dependency) is not installed; `AUDIT` when the store was written outside the module.
 * @example
 * ```ts
 * import { openSqliteStore } from 'hydrosync/node';
 * await initHsm(openSqliteStore('pdam.hsm', { create: true }), masterKey); // once
 * const hsm = await openHsm({ store: openSqliteStore('pdam.hsm'), masterKey });
 * ```
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): HsmStore {
  if (typeof path !== 'string' || path === '') throw new HydroSyncError('USAGE', 'the store path must be a non-empty string');
  checkOptions(options, 'the store options');
  const sync = options.synchronous ?? 'NORMAL';
  if (sync !== 'NORMAL' && sync !== 'FULL') throw new HydroSyncError('USAGE', 'synchronous must be "NORMAL" or "FULL"');
  const Database = loadSqliteDriver(); // before anything is written: without the driver no file appears
  let fresh = false;
  if (!existsSync(path)) {
    if (options.create !== true) throw storeError(`no store at ${path}; create one with hsm init`);
    if (!existsSync(dirname(path))) throw storeError(`the directory of ${path} does not exist; create it first`);
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (e) {
      throw storeError(`cannot create the store file ${path}: ${(e as Error).message}`, e);
    }
    fresh = true;
  } else {
    let info: ReturnType<typeof inspectFile>;
    try {
      info = inspectFile(path);
    } catch (e) {
      throw storeError(`cannot read ${path}: ${(e as Error).message}`, e);
    }
    if (info.size === 0) {
      if (options.create !== true) throw storeError(`${path} is an empty file, not a HydroSync store`);
      fresh = true;
    } else if (info.size < 100 || info.header !== SQLITE_HEADER) {
      throw storeError(`${path} is not a HydroSync store (not an SQLite database); it was left unchanged`);
    } else {
      checkIdentity(path, info.applicationId, info.userVersion, options.migrate === true);
    }
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (e) {
    throw translate(e, path);
  }
  try {
    if (fresh) {
      // Written in rollback-journal mode, so the identity lands in the main file before WAL starts.
      db.exec(`BEGIN; ${SQLITE_SCHEMA} ${MIGRATIONS[1]!.sql} DROP TABLE audit; DROP TABLE transactions; ${AUDIT_V4}
        ALTER TABLE audit_v4 RENAME TO audit; ${AUDIT_V4_INDEXES}
        PRAGMA application_id = ${SQLITE_APPLICATION_ID}; PRAGMA user_version = ${SQLITE_SCHEMA_VERSION}; COMMIT;`);
    }
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!fresh) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (checkIdentity(path, db.pragma('application_id', { simple: true }) as number, version, options.migrate === true)) migrateSchema(db, version);
    }
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync}`);
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    return new SqliteStore(db, path);
  } catch (e) {
    db.close();
    throw translate(e, path);
  }
}

const auditFromRow = (r: Row): AuditRecord => ({
  chain: r.chain as string, seq: r.seq as number, at: atOut(r.at), operator: r.operator as string, vendingPoint: r.vending_point as string,
  transactionId: idOut(r.transaction_id), pan: r.pan as string | null, kind: r.kind as string, outcome: r.outcome as AuditRecord['outcome'],
  errorCode: r.error_code as string | null, amount: r.amount as string | null, tid: r.tid as number | null,
  tokenHash: r.token_hash === null ? null : hashOut(r.token_hash), prevHash: hashOut(r.prev_hash), hash: hashOut(r.hash),
});

class SqliteStore implements HsmStore {
  readonly kind = 'sqlite';
  readonly #db: Db;
  readonly #path: string;
  readonly #s: Record<string, BetterSqlite3.Statement>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(db: Db, path: string) {
    this.#db = db;
    this.#path = path;
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      begin: p('BEGIN IMMEDIATE'), beginRead: p('BEGIN'), commit: p('COMMIT'), rollback: p('ROLLBACK'),
      getMeta: p('SELECT value FROM meta WHERE name = ?'),
      setMeta: p('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      listMeta: p('SELECT name, value FROM meta WHERE substr(name, 1, length(?)) = ? ORDER BY name').raw(),
      getKey: p('SELECT * FROM vending_keys WHERE id = ?'),
      listKeys: p('SELECT * FROM vending_keys ORDER BY id'),
      insertKey: p(`INSERT INTO vending_keys (id, dkga, bits, supply_group_code, key_revision_number, vending_key_type, base_date,
        encryption_algorithm, active_from, issued_until, check_value, imported_at, wrapped) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      getMeter: p('SELECT * FROM meters WHERE pan = ?'),
      listMeters: p('SELECT * FROM meters ORDER BY pan'),
      listMetersBySgc: p('SELECT * FROM meters WHERE supply_group_code = ? ORDER BY pan'),
      insertMeter: p(`INSERT INTO meters (customer_reference, customer_group, supply_group_code, tariff_index, key_revision_number, key_type,
        key_expiry_number, encryption_algorithm, base_date, profile, vending_key_id, last_tid, month_to_date_month, month_to_date_litres,
        registered_at, pan) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      // The supply group code is indexed: it is set apart, only when it changes, so that a vend's
      // update does not rewrite the index entry (a page written to the WAL per vend).
      updateMeter: p(`UPDATE meters SET customer_reference = ?, customer_group = ?, tariff_index = ?, key_revision_number = ?,
        key_type = ?, key_expiry_number = ?, encryption_algorithm = ?, base_date = ?, profile = ?, vending_key_id = ?, last_tid = ?,
        month_to_date_month = ?, month_to_date_litres = ?, registered_at = ? WHERE pan = ?`),
      updateMeterSgc: p('UPDATE meters SET supply_group_code = ? WHERE pan = ? AND supply_group_code IS NOT ?'),
      getTx: p('SELECT transaction_id, fingerprint, kind, pan, at, sealed FROM audit WHERE transaction_id = ? AND sealed IS NOT NULL'),
      listTx: p('SELECT transaction_id, fingerprint, kind, pan, at FROM audit WHERE pan = ? AND sealed IS NOT NULL'),
      insertTx: p('INSERT INTO audit (transaction_id, fingerprint, kind, pan, at, sealed) VALUES (?,?,?,?,?,?)'),
      getCounter: p('SELECT value FROM counters WHERE name = ?'),
      addCounter: p('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value'),
      appendAudit: p(`INSERT INTO audit (${AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      attachAudit: p(`UPDATE audit SET chain = ?, seq = ?, operator = ?, vending_point = ?, outcome = ?, error_code = ?, amount = ?, tid = ?,
        token_hash = ?, prev_hash = ?, hash = ? WHERE id = ?`),
      readChain: p(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE chain = ? AND seq >= ? ORDER BY id LIMIT ?`),
      readAll: p(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE chain IS NOT NULL ORDER BY id`),
      getReportState: p('SELECT last, seen FROM report_state WHERE pan = ?'),
      setReportState: p('INSERT INTO report_state (pan, last, seen) VALUES (?, ?, ?) ON CONFLICT (pan) DO UPDATE SET last = excluded.last, seen = excluded.seen'),
      insertReport: p(`INSERT INTO reports (pan, counter, received_at, form, key_revision_number, credit_litres, credit_step_litres, consumed_litres,
        clock_minutes, last_tid, flags) VALUES (?,?,?,?,?,?,?,?,?,?,?)`),
      listReports: p('SELECT * FROM reports WHERE pan = ? ORDER BY counter DESC LIMIT ?'),
    };
  }

  #run<T>(f: () => T): T {
    if (!this.#db.open) throw storeError('the store is closed');
    try {
      return f();
    } catch (e) {
      throw translate(e, this.#path);
    }
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
    const run = async (): Promise<T> => {
      this.#run(() => (options.readOnly === true ? this.#s.beginRead! : this.#s.begin!).run());
      let live = true;
      try {
        const result = await fn(this.#tx(() => live));
        this.#run(() => this.#s.commit!.run());
        return result;
      } catch (e) {
        if (this.#db.open && this.#db.inTransaction) {
          try {
            this.#s.rollback!.run();
          } catch {
            // the original error matters more
          }
        }
        throw translate(e, this.#path);
      } finally {
        live = false;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** The rows, seen from the running transaction (a call after it ended is STORE). */
  #tx(live: () => boolean): StoreTx {
    const s = this.#s;
    // The transaction row inserted last, while no audit record followed it: the record of its sale
    // goes into its row (it is the last row, so storage order is append order either way).
    let sale: { row: number | bigint; id: string; kind: string; pan: string | null; at: string } | null = null;
    const q = <T>(f: () => T): Promise<T> => {
      if (!live()) return Promise.reject(storeError('this store transaction has ended; use the tx of a running transaction'));
      try {
        return Promise.resolve(this.#run(f));
      } catch (e) {
        return Promise.reject(e);
      }
    };
    return {
      getMeta: (name) => q(() => (s.getMeta!.get(name) as Row | undefined)?.value as string | undefined),
      setMeta: (name, value) => q(() => { s.setMeta!.run(name, value); }),
      listMeta: (prefix) => q(() => s.listMeta!.all(prefix, prefix) as [string, string][]),
      getVendingKey: (id) => q(() => {
        const r = s.getKey!.get(id) as Row | undefined;
        return r && keyFromRow(r);
      }),
      listVendingKeys: () => q(() => (s.listKeys!.all() as Row[]).map(keyFromRow)),
      insertVendingKey: (k) => q(() => {
        s.insertKey!.run(k.id, k.dkga, k.bits, k.supplyGroupCode, k.keyRevisionNumber, k.vendingKeyType, k.baseDate,
          k.encryptionAlgorithm, k.activeFrom, k.issuedUntil, k.checkValue, k.importedAt, k.wrapped);
      }),
      getMeter: (pan) => q(() => {
        const r = s.getMeter!.get(pan) as Row | undefined;
        return r && meterFromRow(r);
      }),
      listMeters: (filter = {}) => q(() => ((filter.supplyGroupCode === undefined ? s.listMeters!.all() : s.listMetersBySgc!.all(filter.supplyGroupCode)) as Row[])
        .map(meterFromRow)),
      insertMeter: (m) => q(() => { s.insertMeter!.run(...meterParams(m)); }),
      updateMeter: (m) => q(() => {
        const params = meterParams(m);
        const [sgc] = params.splice(2, 1);
        s.updateMeter!.run(...params);
        s.updateMeterSgc!.run(sgc, m.pan, sgc);
      }),
      getTransaction: (id) => q(() => {
        const r = s.getTx!.get(idIn(id)) as Row | undefined;
        return r && {
          id: idOut(r.transaction_id), fingerprint: hashOut(r.fingerprint), kind: r.kind as string, pan: r.pan as string | null,
          at: atOut(r.at), sealed: new Uint8Array(r.sealed as Uint8Array),
        };
      }),
      listTransactions: (f) => q(() => (s.listTx!.all(f.pan) as Row[])
        .map((r) => ({ id: idOut(r.transaction_id), fingerprint: hashOut(r.fingerprint), kind: r.kind as string, pan: r.pan as string | null, at: atOut(r.at) }))
        .filter((t) => (f.fromAt === undefined || t.at >= f.fromAt) && (f.toAt === undefined || t.at < f.toAt))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))),
      insertTransaction: (t) => q(() => {
        sale = null;
        const { lastInsertRowid } = s.insertTx!.run(idIn(t.id), hashIn(t.fingerprint), t.kind, t.pan, atIn(t.at), t.sealed);
        sale = { row: lastInsertRowid, id: t.id, kind: t.kind, pan: t.pan, at: t.at };
      }),
      getCounter: (name) => q(() => ((s.getCounter!.get(name) as Row | undefined)?.value as number | undefined) ?? 0),
      addToCounter: (name, delta) => q(() => { s.addCounter!.run(name, delta); }),
      appendAudit: (r) => q(() => {
        const into = sale !== null && r.outcome === 'issued' && r.transactionId === sale.id && r.kind === sale.kind && r.pan === sale.pan && r.at === sale.at
          ? sale.row : null;
        sale = null;
        try {
          if (into !== null) {
            s.attachAudit!.run(r.chain, r.seq, r.operator, r.vendingPoint, r.outcome, r.errorCode, r.amount, r.tid, hashIn(r.tokenHash),
              hashIn(r.prevHash), hashIn(r.hash), into);
          } else {
            s.appendAudit!.run(r.chain, r.seq, atIn(r.at), r.operator, r.vendingPoint, idIn(r.transactionId), r.pan, r.kind, r.outcome, r.errorCode,
              r.amount, r.tid, hashIn(r.tokenHash), hashIn(r.prevHash), hashIn(r.hash));
          }
        } catch (e) {
          // The seq after the MAC-checked head is taken: a row was added outside the security module.
          if (String((e as { code?: unknown })?.code).startsWith('SQLITE_CONSTRAINT')) {
            throw new HydroSyncError('AUDIT', `audit record ${r.seq}${r.chain === 'main' ? '' : ` of chain ${r.chain}`} already exists although the audit head ends before it: records were added to the store outside the security module, so nothing more is issued; run hydrosync hsm audit verify and investigate`, { cause: e });
          }
          throw e;
        }
      }),
      readAudit: (o = {}) => q(() => {
        if (o.chain !== undefined) return (s.readChain!.all(o.chain, o.fromSeq ?? Number.MIN_SAFE_INTEGER, o.limit ?? -1) as Row[]).map(auditFromRow);
        // Every chain: by time, then chain, then storage order (a stable sort of the rows in storage order).
        const fromSeq = o.fromSeq ?? Number.MIN_SAFE_INTEGER;
        return (s.readAll!.all() as Row[]).map(auditFromRow).filter((r) => r.seq >= fromSeq)
          .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0))
          .slice(0, o.limit ?? Infinity);
      }),
      getReportState: (pan) => q(() => {
        const r = s.getReportState!.get(pan) as Row | undefined;
        return r && { last: r.last as number, seen: r.seen as number };
      }),
      setReportState: (pan, state) => q(() => { s.setReportState!.run(pan, state.last, state.seen); }),
      insertReport: (r: ReportRow) => q(() => {
        s.insertReport!.run(r.pan, r.counter, r.receivedAt, r.form, r.keyRevisionNumber, r.creditLitres, r.creditStepLitres,
          r.consumedLitres, r.clockMinutes, r.lastTid, r.flags);
      }),
      listReports: (pan, limit) => q(() => (s.listReports!.all(pan, limit) as Row[]).map((r): ReportRow => ({
        pan: r.pan as string, counter: r.counter as number, receivedAt: r.received_at as string, form: r.form as 'frame' | 'code',
        keyRevisionNumber: r.key_revision_number as number, creditLitres: r.credit_litres as number, creditStepLitres: r.credit_step_litres as number,
        consumedLitres: r.consumed_litres as number | null, clockMinutes: r.clock_minutes as number | null, lastTid: r.last_tid as number | null,
        flags: r.flags as number,
      }))),
    };
  }

  async close(): Promise<void> {
    await this.#queue;
    if (this.#db.open) this.#db.close();
  }
}
