/**
 * The storage interface of the security module: small, synchronous, and transactional. Two
 * implementations: MemoryStore (tests, browsers) and the SQLite adapter in src/node.
 *
 * The store keeps rows; every rule (TIDs, limits, hash chain, key wrapping) lives in the core.
 * Rows handed out are copies: changing them changes nothing in the store.
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
  /** XChaCha20-Poly1305 of the Issued result's JSON (nonce ‖ ciphertext), the id as associated data. */
  sealed: Uint8Array;
}

export interface HsmStore {
  /** 'memory' or 'sqlite' (for messages). */
  readonly kind: string;
  /**
   * Run fn as one atomic transaction (SQLite: BEGIN IMMEDIATE … COMMIT). If fn throws, every
   * change it made is rolled back and the error is rethrown unchanged. A call inside fn joins
   * the running transaction.
   */
  transaction<T>(fn: () => T): T;

  getMeta(name: string): string | undefined;
  setMeta(name: string, value: string): void;

  getVendingKey(id: string): VendingKeyRow | undefined;
  listVendingKeys(): VendingKeyRow[];
  /** Insert a new row; the caller has checked that the id is free. */
  insertVendingKey(row: VendingKeyRow): void;

  getMeter(pan: string): MeterRecord | undefined;
  /** Ordered by PAN. */
  listMeters(filter?: { supplyGroupCode?: string }): MeterRecord[];
  /** Insert a new row; the caller has checked that the PAN is free. */
  insertMeter(meter: MeterRecord): void;
  /** Replace the row with this PAN. */
  updateMeter(meter: MeterRecord): void;

  getTransaction(id: string): TransactionRow | undefined;
  insertTransaction(row: TransactionRow): void;
  /** A meter's transactions (without the sealed result), ordered by time: at ≥ fromAt and at < toAt (ISO UTC). */
  listTransactions(filter: { pan: string; fromAt?: string; toAt?: string }): Omit<TransactionRow, 'sealed'>[];

  /** A named integer counter (0 when absent): daily limits, month-to-date volumes. */
  getCounter(name: string): number;
  addToCounter(name: string, delta: number): void;

  /** Meter reports: the counter state of a meter (undefined before its first report). */
  getReportState(pan: string): ReportStateRow | undefined;
  setReportState(pan: string, state: ReportStateRow): void;
  /** Insert an accepted report; the caller has checked that (pan, counter) is new. */
  insertReport(row: ReportRow): void;
  /** A meter's reports, highest counter first, at most limit of them. */
  listReports(pan: string, limit: number): ReportRow[];

  /** Append after the last record (storage order is append order). */
  appendAudit(record: AuditRecord): void;
  /** Records in storage order, from the first with seq ≥ fromSeq, at most limit of them. */
  readAudit(options?: { fromSeq?: number; limit?: number }): AuditRecord[];

  close(): void;
}
