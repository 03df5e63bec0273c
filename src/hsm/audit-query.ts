/**
 * A page of the audit log, filtered: by meter, transaction, operator, outcome and local date
 * range (the utility's zone, config.utcOffsetMinutes). Newest first by page: page 1 is the newest
 * `limit` matching records; each page is returned oldest to newest, like the log itself.
 */
import { fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import { dayStart } from '../codec/local-time';
import type { AuditRecord } from './types';

export const AUDIT_OUTCOMES = ['issued', 'reissued', 'refused', 'done'] as const;
export const DEFAULT_AUDIT_PAGE = 50;

export interface AuditQuery {
  /** The meter (any PAN spelling the codec accepts). */
  pan?: string;
  transactionId?: string;
  operator?: string;
  outcome?: AuditRecord['outcome'];
  /** Local dates YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
  /** Records per page (default 50); ignored with `all`. */
  limit?: number;
  /** 1 = the newest page (default). Not with `before`. */
  page?: number;
  /** Only records with seq < before (the next page after one that starts at `before`). */
  before?: number;
  /** Every matching record, no paging. */
  all?: boolean;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Matching records in all pages. */
  matched: number;
  /** Matching records older than this page (0 on the last page). */
  older: number;
}

function positive(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail('FORMAT', `${name} must be a whole number ≥ 1`);
  return v;
}

/** Filter and page audit records (in seq order). FORMAT for a malformed query. */
export function queryAudit(records: readonly AuditRecord[], query: AuditQuery, utcOffsetMinutes: number): AuditPage {
  const q = query ?? {};
  if (q.page !== undefined && q.before !== undefined) fail('FORMAT', 'give a page or before, not both');
  if (q.outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(q.outcome)) {
    fail('FORMAT', `outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  }
  const pan = q.pan === undefined ? undefined : parseMeterPan(q.pan).pan;
  const fromAt = q.from === undefined ? undefined : dayStart(q.from, 'from', utcOffsetMinutes);
  const toAt = q.to === undefined ? undefined : dayStart(q.to, 'to', utcOffsetMinutes, 1);
  const limit = q.all ? Number.MAX_SAFE_INTEGER : positive(q.limit ?? DEFAULT_AUDIT_PAGE, 'limit');
  const page = q.page === undefined ? 1 : positive(q.page, 'page');
  const before = q.before === undefined ? undefined : positive(q.before, 'before');
  const inRange = (at: string): boolean => (fromAt === undefined || Date.parse(at) >= Date.parse(fromAt))
    && (toAt === undefined || Date.parse(at) < Date.parse(toAt));
  const matching = records.filter((r) => (pan === undefined || r.pan === pan)
    && (q.transactionId === undefined || r.transactionId === q.transactionId)
    && (q.operator === undefined || r.operator === q.operator)
    && (q.outcome === undefined || r.outcome === q.outcome)
    && inRange(r.at));
  const eligible = before === undefined ? matching : matching.filter((r) => r.seq < before);
  const end = q.all ? eligible.length : Math.max(0, eligible.length - (page - 1) * limit);
  const start = Math.max(0, end - limit);
  return { records: eligible.slice(start, end), matched: matching.length, older: start };
}
