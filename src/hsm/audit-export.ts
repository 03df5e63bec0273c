/**
 * Audit export: CSV (RFC 4180: a header line; fields holding a comma, a double quote, CR or LF
 * are quoted, with quotes doubled; join the lines with CRLF for a strict RFC 4180 file) or
 * NDJSON (one JSON object per line). Values are exported unchanged, so anyone can recompute the
 * hash chain from an export (audit.ts documents the canonical form).
 */
import { csvLine } from '../codec/csv';
import type { AuditRecord } from './types';

/**
 * The columns of an audit export (`hsm.exportAudit('csv')`), in order.
 */
export const AUDIT_COLUMNS = [
  'chain', 'seq', 'at', 'operator', 'vendingPoint', 'transactionId', 'pan', 'kind', 'outcome', 'errorCode',
  'amount', 'tid', 'tokenHash', 'prevHash', 'hash',
] as const satisfies readonly (keyof AuditRecord)[];

export function auditToCsv(records: readonly AuditRecord[]): string[] {
  return [csvLine(AUDIT_COLUMNS), ...records.map((r) => csvLine(AUDIT_COLUMNS.map((c) => (r[c] === null ? '' : String(r[c])))))];
}

export function auditToNdjson(records: readonly AuditRecord[]): string[] {
  return records.map((r) => JSON.stringify(Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, r[c]]))));
}
