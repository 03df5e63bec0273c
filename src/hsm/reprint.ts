/**
 * Reprint (a lost receipt): the sealed original result of a completed transaction, by its id,
 * without the original request; and a meter's transactions, by local date, to find the id. A
 * reprint issues nothing new: the same tokens come back (`reissued: true`), and each reprint is
 * audited (kind 'reprint', the original transaction id and meter).
 */
import { fail } from '../errors';
import { dayStart } from '../codec/local-time';
import { checkTransactionId } from './context';
import type { Core } from './core';
import type { StoreTx, TransactionRow } from './store';
import { runAdmin } from './operation';
import { unsealResult } from './seal';
import type { Issued } from './types';

/** One completed transaction (no tokens: reprint it by id for those). */
export interface TransactionSummary {
  transactionId: string;
  kind: string;
  pan: string | null;
  /** ISO 8601 UTC instant. */
  at: string;
}

export function reprint(core: Core, req: { transactionId: string; operator: string; vendingPoint?: string }): Promise<Issued> {
  let prior: TransactionRow | undefined;
  return runAdmin(core, 'reprint', req, async (tx) => {
    const id = checkTransactionId(req?.transactionId);
    prior = (await tx.getTransaction(id)) ?? fail('NOT_FOUND', `no completed transaction ${id}; find it with the meter's transaction list (hsm reprint --pan)`);
    return { pan: prior.pan, amount: `reprint of ${prior.kind}` };
  }, async () => ({ ...unsealResult(core.sealKey, prior!).issued, reissued: true }));
}

/** A meter's completed transactions in time order, optionally from/to local dates (inclusive). */
export async function meterTransactions(core: Core, tx: StoreTx, pan: string, range: { from?: string; to?: string } = {}): Promise<TransactionSummary[]> {
  const offset = (await core.config(tx)).utcOffsetMinutes;
  const fromAt = range.from === undefined ? undefined : dayStart(range.from, 'from', offset);
  const toAt = range.to === undefined ? undefined : dayStart(range.to, 'to', offset, 1);
  const rows = await tx.listTransactions({ pan, fromAt, toAt });
  return rows.map((t) => ({ transactionId: t.id, kind: t.kind, pan: t.pan, at: t.at }));
}
