/**
 * Daily reconciliation per vending point (agent): for each local day (the module's
 * utcOffsetMinutes, Asia/Jakarta = 420 by default, as its tariff month and daily limits use) and
 * vending point, the sales (the audit log's issued vend records), their litres (the amounts the
 * audit records) and the rupiah charged (the module's daily counter, kept in each sale's own
 * transaction), with two checks: the audit's litres equal the counter's litres, and for the
 * payments' vending point the payments issued that day (count and charged rupiah) equal what the
 * audit and the counter say. Payments whose money was taken without a token are listed. Integer
 * arithmetic only.
 */
import { fail } from '../errors';
import type { AuditRecord, Hsm } from '../hsm';
import { dayStart, localDateTime } from '../codec/local-time';
import type { PaymentRow, ServerStore } from './store/server-store';

export interface ReconciliationRow {
  /** The local date, YYYY-MM-DD. */
  date: string;
  vendingPoint: string;
  /** Issued vend records in the audit log. */
  sales: number;
  /** Litres those records carry (a currency token carries none). */
  litres: number;
  /** Rupiah charged, from the module's daily counter. */
  rupiah: number;
  /** Litres by the module's daily counter: must equal `litres`. */
  counterLitres: number;
  /** For the payments' vending point: the payments issued that day and the rupiah the tariff charged them. */
  payments: { sales: number; rupiah: number } | null;
  /** Both checks hold. */
  ok: boolean;
}

export interface Reconciliation {
  from: string;
  to: string;
  utcOffsetMinutes: number;
  rows: ReconciliationRow[];
  totals: { sales: number; litres: number; rupiah: number };
  /** Every payment whose money was taken without a token (paid, attention), whenever it was paid. */
  paidWithoutToken: Pick<PaymentRow, 'id' | 'pan' | 'rupiah' | 'status' | 'paidAt' | 'attentionCode'>[];
  /** Every row's checks hold and no payment waits for its token. */
  ok: boolean;
}

/** The litres an issued vend's audit amount carries: "17.1 m³", "2600 L"; 0 for "… currency". FORMAT for anything else. */
export function auditLitres(amount: string | null): number {
  const m3 = /^([0-9]{1,9})(?:\.([0-9]{1,3}))? m³$/.exec(amount ?? '');
  if (m3 !== null) return Number(m3[1]) * 1000 + Number((m3[2] ?? '').padEnd(3, '0'));
  const l = /^([0-9]{1,12}) L$/.exec(amount ?? '');
  if (l !== null) return Number(l[1]);
  if (/ currency$/.test(amount ?? '')) return 0;
  return fail('FORMAT', `an issued vend's audit amount ${JSON.stringify(amount)} is neither m³, litres nor currency`);
}

const MAX_DAYS = 92;

/**
 * Reconcile the local days from..to (inclusive), for one vending point or all.
 * @throws HydroSyncError FORMAT for malformed dates, `to` before `from`, or more than 92 days.
 */
export async function reconcile(hsm: Hsm, store: ServerStore, query: { from: string; to: string; vendingPoint?: string; paymentsVendingPoint: string }): Promise<Reconciliation> {
  const { utcOffsetMinutes } = await hsm.config();
  const fromInstant = dayStart(query.from, 'from', utcOffsetMinutes);
  const toInstant = dayStart(query.to, 'to', utcOffsetMinutes, 1);
  const days = (Date.parse(toInstant) - Date.parse(fromInstant)) / 86_400_000;
  if (days < 1) fail('FORMAT', `to (${query.to}) is before from (${query.from})`);
  if (days > MAX_DAYS) fail('FORMAT', `at most ${MAX_DAYS} days at a time; ${query.from} to ${query.to} is ${days}`);

  const records = (await hsm.queryAudit({ from: query.from, to: query.to, outcome: 'issued', all: true })).records
    .filter((r: AuditRecord) => r.kind === 'vend' && (query.vendingPoint === undefined || r.vendingPoint === query.vendingPoint));
  const byKey = new Map<string, ReconciliationRow>();
  const rowOf = (date: string, vendingPoint: string): ReconciliationRow => {
    const key = `${date}|${vendingPoint}`;
    let row = byKey.get(key);
    if (row === undefined) {
      row = { date, vendingPoint, sales: 0, litres: 0, rupiah: 0, counterLitres: 0, payments: vendingPoint === query.paymentsVendingPoint ? { sales: 0, rupiah: 0 } : null, ok: true };
      byKey.set(key, row);
    }
    return row;
  };
  for (const r of records) {
    const row = rowOf(localDateTime(new Date(r.at), utcOffsetMinutes).slice(0, 10), r.vendingPoint);
    row.sales += 1;
    row.litres += auditLitres(r.amount);
  }
  const { issued, withoutToken } = await store.paymentsForReconciliation(fromInstant, toInstant);
  if (query.vendingPoint === undefined || query.vendingPoint === query.paymentsVendingPoint) {
    for (const p of issued) {
      const row = rowOf(localDateTime(new Date(p.issuedAt!), utcOffsetMinutes).slice(0, 10), p.vendingPoint);
      row.payments ??= { sales: 0, rupiah: 0 };
      row.payments.sales += 1;
      row.payments.rupiah += p.chargedRupiah ?? 0;
    }
  }
  const rows = [...byKey.values()].sort((a, b) => (a.date === b.date ? (a.vendingPoint < b.vendingPoint ? -1 : 1) : a.date < b.date ? -1 : 1));
  for (const row of rows) {
    const usage = await hsm.dailyUsage(row.vendingPoint, row.date);
    row.rupiah = usage.rupiah;
    row.counterLitres = usage.litres;
    row.ok = row.counterLitres === row.litres && (row.payments === null || (row.payments.sales === row.sales && row.payments.rupiah === row.rupiah));
  }
  const totals = rows.reduce((t, r) => ({ sales: t.sales + r.sales, litres: t.litres + r.litres, rupiah: t.rupiah + r.rupiah }), { sales: 0, litres: 0, rupiah: 0 });
  const paidWithoutToken = withoutToken.map(({ id, pan, rupiah, status, paidAt, attentionCode }) => ({ id, pan, rupiah, status, paidAt, attentionCode }));
  return { from: query.from, to: query.to, utcOffsetMinutes, rows, totals, paidWithoutToken, ok: rows.every((r) => r.ok) && paidWithoutToken.length === 0 };
}
