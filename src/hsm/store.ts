/**
 * The storage interface of the security module: asynchronous and transactional. Three
 * implementations: MemoryStore (tests, browsers), the SQLite adapter and the PostgreSQL adapter
 * (both in src/node).
 *
 * The store keeps rows and transactions; every rule (TIDs, limits, hash chains, key wrapping)
 * lives in the core and runs unchanged on each store. Rows handed out are copies: changing them
 * changes nothing in the store.
 *
 * Concurrency: `transaction(fn)` runs fn as one atomic unit. Stores shared by several processes
 * (SQLite between CLI processes, PostgreSQL between vending nodes) may run fn more than once: when
 * the database reports a serialization failure, a deadlock or a unique-key violation (another
 * node inserted the same transaction id, meter or audit record first) the adapter rolls back and
 * runs fn again, a bounded number of times. So fn must have no effects outside the store other
 * than on values it rebuilds each run. Reads with `{ lock: true }` lock the row until the end of
 * the transaction where the database can (PostgreSQL: SELECT … FOR UPDATE); the single-writer
 * stores (memory, SQLite) serialize whole transactions instead.
 */
import type { ReportRow, ReportStateRow } from './report-rows';
import type { AuditRecord, MeterRecord, VendingKeyInfo } from './types';

/** A vending key's row: its attributes and the key wrapped under the master key (see key-store.ts). */
export interface VendingKeyRow extends VendingKeyInfo {
  /** RFC 3394 AES key wrap of the 32-byte key record (40 bytes). Never the key in clear. */
  wrapped: Uint8Array;
}

/** A completed request, for idempotent reissue. The result is sealed under a master-key subkey. */
export interface TransactionRow {
  id: string;
  /** SHA-256 (hex) of the request's canonical form: a reused id with another request is a CONFLICT. */
  fingerprint: string;
  kind: string;
  pan: string | null;
  /** ISO 8601 UTC instant. */
  at: string;
  /**
   * XChaCha20-Poly1305 (nonce ‖ ciphertext) of the result in its compact form, the row's id, kind,
   * PAN and time as associated data (seal.ts; older records: the whole result, the id alone).
   */
  sealed: Uint8Array;
}

/** A row read inside a transaction may be locked until it ends (see the file comment). */
export interface ReadOptions {
  lock?: boolean;
}

/** The rows of a store, seen from inside one transaction. */
export interface StoreTx {
  getMeta(name: string, options?: ReadOptions): Promise<string | undefined>;
  setMeta(name: string, value: string): Promise<void>;
  /** Meta rows whose name starts with prefix, ordered by name. */
  listMeta(prefix: string): Promise<[name: string, value: string][]>;

  getVendingKey(id: string): Promise<VendingKeyRow | undefined>;
  listVendingKeys(): Promise<VendingKeyRow[]>;
  /** Insert a new row; the caller has checked that the id is free. */
  insertVendingKey(row: VendingKeyRow): Promise<void>;

  getMeter(pan: string, options?: ReadOptions): Promise<MeterRecord | undefined>;
  /** Ordered by PAN. */
  listMeters(filter?: { supplyGroupCode?: string }): Promise<MeterRecord[]>;
  /** Insert a new row; the caller has checked that the PAN is free. */
  insertMeter(meter: MeterRecord): Promise<void>;
  /** Replace the row with this PAN. */
  updateMeter(meter: MeterRecord): Promise<void>;

  getTransaction(id: string): Promise<TransactionRow | undefined>;
  insertTransaction(row: TransactionRow): Promise<void>;
  /** A meter's transactions (without the sealed result), ordered by time: at ≥ fromAt and at < toAt (ISO UTC). */
  listTransactions(filter: { pan: string; fromAt?: string; toAt?: string }): Promise<Omit<TransactionRow, 'sealed'>[]>;

  /** A named integer counter (0 when absent): daily limits, month-to-date volumes. */
  getCounter(name: string, options?: ReadOptions): Promise<number>;
  addToCounter(name: string, delta: number): Promise<void>;

  /** Meter reports: the counter state of a meter (undefined before its first report). */
  getReportState(pan: string, options?: ReadOptions): Promise<ReportStateRow | undefined>;
  setReportState(pan: string, state: ReportStateRow): Promise<void>;
  /** Insert an accepted report; the caller has checked that (pan, counter) is new. */
  insertReport(row: ReportRow): Promise<void>;
  /** A meter's reports, highest counter first, at most limit of them. */
  listReports(pan: string, limit: number): Promise<ReportRow[]>;

  /** Append a record to its chain (storage order within a chain is append order). */
  appendAudit(record: AuditRecord): Promise<void>;
  /**
   * Records in storage order: of one chain (from the first with seq ≥ fromSeq), or of all chains
   * (ordered by time, then chain, then seq); at most limit of them.
   */
  readAudit(options?: { chain?: string; fromSeq?: number; limit?: number }): Promise<AuditRecord[]>;
}

export interface HsmStore {
  /** 'memory', 'sqlite' or 'postgres' (for messages). */
  readonly kind: string;
  /**
   * Run fn as one atomic transaction. If fn throws, every change it made is rolled back and the
   * error is rethrown unchanged. fn may be run again after a transient conflict (file comment).
   * `readOnly`: fn only reads (no write lock is taken where that matters).
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  /** Close the store (a pool: its connections). Idempotent. */
  close(): Promise<void>;
}
