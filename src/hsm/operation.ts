/**
 * The frame around every operation: check the request context, run the work in one store
 * transaction, record the result in the audit log in that same transaction, and on any error
 * record a refusal in a transaction of its own (after the failed one rolled back) and rethrow.
 *
 * Token-issuing operations are idempotent by transaction id: the first success is stored
 * (sealed); the same id with the same request returns the same tokens again (reissued: true,
 * audit outcome 'reissued'), never new credit; the same id with another request is a CONFLICT.
 * Refusals are not stored, so a refused request may be retried with the same id.
 */
import { HydroSyncError, fail } from '../errors';
import { type AuditEntry, appendAudit, tokenHash } from './audit';
import { type CheckedContext, auditText, checkContext } from './context';
import type { Core } from './core';
import type { StoreTx, TransactionRow } from './store';
import { sealResult, unsealResult } from './seal';
import { sha256HexOfText } from './sha256-text';
import type { SealedIssue } from './sealed-result';
import type { Issued, RequestContext } from './types';

export interface Described {
  /** Normalised PAN, or null for operations without a meter. */
  pan: string | null;
  /** The amount as requested, for refusal records. */
  requested: string | null;
  /** The request's identity for idempotency (everything but who asks). */
  fingerprint: unknown[];
}

export function fingerprintOf(kind: string, parts: unknown[]): string {
  return sha256HexOfText(JSON.stringify(['hydrosync-request/1', kind, ...parts]));
}

export function errorCodeOf(e: unknown): string {
  return e instanceof HydroSyncError ? e.code : 'INTERNAL';
}

/**
 * Check the request context and run body; on any error record a refusal (`refused()` says what
 * is known of the request by then) in a transaction of its own, and rethrow. A failure to record
 * the refusal (the store itself failing: locked, damaged, audit head altered) never hides the
 * original error.
 */
async function refusalAudited<T>(
  core: Core,
  kind: string,
  raw: Partial<RequestContext> | undefined,
  needsVendingPoint: boolean,
  body: (ctx: CheckedContext, now: Date) => Promise<T>,
  refused: () => { pan: string | null; amount: string | null },
): Promise<T> {
  const now = core.clock();
  let ctx: CheckedContext | undefined;
  try {
    ctx = checkContext(raw, needsVendingPoint, now);
    return await body(ctx, now);
  } catch (e) {
    const { pan, amount } = refused();
    const entry: AuditEntry = {
      at: now.toISOString(), operator: ctx?.operator ?? auditText(raw?.operator), vendingPoint: ctx?.vendingPoint ?? auditText(raw?.vendingPoint),
      transactionId: ctx?.transactionId ?? auditText(raw?.transactionId, 100), pan, kind, outcome: 'refused', errorCode: errorCodeOf(e), amount, tid: null, tokenHash: null,
    };
    try {
      await core.store.transaction((tx) => appendAudit(tx, core.auditKey, core.chain, entry));
    } catch {
      // The caller gets the original error.
    }
    throw e;
  }
}

/** The audit record of an issued or reissued result. */
function appendIssue(core: Core, tx: StoreTx, now: Date, ctx: CheckedContext, row: { pan: string | null; kind: string }, outcome: 'issued' | 'reissued', r: SealedIssue) {
  return appendAudit(tx, core.auditKey, core.chain, {
    at: now.toISOString(), ...ctx, pan: row.pan, kind: row.kind, outcome, errorCode: null, amount: r.auditAmount, tid: r.issued.tid ?? null, tokenHash: tokenHash(r.issued.tokens),
  });
}

/** Run a token-issuing operation (vend, manage, key change). */
export function runIssue(
  core: Core,
  kind: string,
  raw: Partial<RequestContext>,
  describe: () => Described,
  issue: (tx: StoreTx, now: Date, ctx: CheckedContext, d: Described) => Promise<SealedIssue>,
  /** The amount as requested, for a refusal before the request was understood (must not throw). */
  rawRequested: string | null = null,
): Promise<Issued> {
  let d: Described | undefined;
  return refusalAudited(core, kind, raw, true, (ctx, now) => {
    const desc = (d = describe());
    const fp = fingerprintOf(kind, [desc.pan, ...desc.fingerprint]);
    return core.store.transaction(async (tx) => {
      const prior = await tx.getTransaction(ctx.transactionId);
      if (prior !== undefined) return reissue(core, tx, now, ctx, prior.fingerprint === fp, prior);
      const r = await issue(tx, now, ctx, desc);
      const row = { id: ctx.transactionId, fingerprint: fp, kind, pan: desc.pan, at: now.toISOString() };
      await tx.insertTransaction({ ...row, sealed: sealResult(core.sealKey, row, r) });
      await appendIssue(core, tx, now, ctx, row, 'issued', r);
      return r.issued;
    });
  }, () => ({ pan: d?.pan ?? (auditText((raw as { pan?: unknown }).pan, 32) || null), amount: d?.requested ?? rawRequested }));
}

async function reissue(core: Core, tx: StoreTx, now: Date, ctx: CheckedContext, same: boolean, prior: TransactionRow): Promise<Issued> {
  if (!same) {
    fail('CONFLICT', `transaction id ${ctx.transactionId} was already used for another request (${prior.kind}${prior.pan ? ` for meter ${prior.pan}` : ''}); a retry must repeat the same request, a new request needs a new transaction id`);
  }
  const r = unsealResult(core.sealKey, prior);
  await appendIssue(core, tx, now, ctx, prior, 'reissued', r);
  return { ...r.issued, reissued: true };
}

/** Run an administrative operation (config, key import, meter registration, reprint, report): audited as 'done' or 'refused'. */
export function runAdmin<T>(
  core: Core,
  kind: string,
  raw: { operator: string } | undefined,
  describe: (tx: StoreTx) => { pan: string | null; amount: string | null } | Promise<{ pan: string | null; amount: string | null }>,
  work: (tx: StoreTx, now: Date) => Promise<T>,
): Promise<T> {
  let d: { pan: string | null; amount: string | null } | undefined;
  return refusalAudited(core, kind, raw, false, (ctx, now) => core.store.transaction(async (tx) => {
    const desc = (d = await describe(tx));
    const result = await work(tx, now);
    await appendAudit(tx, core.auditKey, core.chain, {
      at: now.toISOString(), ...ctx, pan: desc.pan, kind, outcome: 'done', errorCode: null, amount: desc.amount, tid: null, tokenHash: null,
    });
    return result;
  }), () => ({ pan: d?.pan ?? null, amount: d?.amount ?? null }));
}
