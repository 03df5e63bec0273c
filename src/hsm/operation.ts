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
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { HydroSyncError, fail } from '../errors';
import { bytesToHex } from '../codec/hex';
import { type AuditEntry, appendAudit, tokenHash } from './audit';
import { type CheckedContext, auditText, checkContext } from './context';
import type { Core } from './core';
import type { StoreTx, TransactionRow } from './store';
import { sealResult, unsealResult } from './seal';
import type { Issued, RequestContext } from './types';

export interface Described {
  /** Normalised PAN, or null for operations without a meter. */
  pan: string | null;
  /** The amount as requested, for refusal records. */
  requested: string | null;
  /** The request's identity for idempotency (everything but who asks). */
  fingerprint: unknown[];
}

export interface IssueResult {
  issued: Issued;
  /** The audit record's amount (the encoded amount, or the new key's attributes). */
  auditAmount: string | null;
}

type SealedResult = IssueResult;

export function fingerprintOf(kind: string, parts: unknown[]): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(['hydrosync-request/1', kind, ...parts]))));
}

export function errorCodeOf(e: unknown): string {
  return e instanceof HydroSyncError ? e.code : 'INTERNAL';
}

/** Record a refusal in its own transaction. A failure to record it never hides the original error. */
async function recordRefusal(core: Core, now: Date, entry: Omit<AuditEntry, 'outcome' | 'at' | 'tid' | 'tokenHash'>): Promise<void> {
  try {
    await core.store.transaction(async (tx) => {
      await appendAudit(tx, core.auditKey, core.chain, { ...entry, at: now.toISOString(), outcome: 'refused', tid: null, tokenHash: null });
    });
  } catch {
    // The store itself is failing (locked, damaged, audit head altered); the caller rethrows the original error.
  }
}

function refusalContext(ctx: CheckedContext | undefined, raw: Partial<RequestContext> | undefined) {
  return {
    operator: ctx?.operator ?? auditText(raw?.operator),
    vendingPoint: ctx?.vendingPoint ?? auditText(raw?.vendingPoint),
    transactionId: ctx?.transactionId ?? auditText(raw?.transactionId, 100),
  };
}

/** Run a token-issuing operation (vend, manage, key change). */
export async function runIssue(
  core: Core,
  kind: string,
  raw: Partial<RequestContext>,
  describe: () => Described,
  issue: (tx: StoreTx, now: Date, ctx: CheckedContext, d: Described) => Promise<IssueResult>,
  /** The amount as requested, for a refusal before the request was understood (must not throw). */
  rawRequested: string | null = null,
): Promise<Issued> {
  const now = core.clock();
  let ctx: CheckedContext | undefined;
  let d: Described | undefined;
  try {
    ctx = checkContext(raw, true, now);
    d = describe();
    const c = ctx;
    const desc = d;
    const fp = fingerprintOf(kind, [desc.pan, ...desc.fingerprint]);
    return await core.store.transaction(async (tx) => {
      const prior = await tx.getTransaction(c.transactionId);
      if (prior !== undefined) return reissue(core, tx, now, c, prior.fingerprint === fp, prior);
      const r = await issue(tx, now, c, desc);
      const row = { id: c.transactionId, fingerprint: fp, kind, pan: desc.pan, at: now.toISOString() };
      await tx.insertTransaction({ ...row, sealed: sealResult(core.sealKey, row, r satisfies SealedResult) });
      await appendAudit(tx, core.auditKey, core.chain, {
        at: now.toISOString(), ...c, pan: desc.pan, kind, outcome: 'issued', errorCode: null,
        amount: r.auditAmount, tid: r.issued.tid ?? null, tokenHash: tokenHash(r.issued.tokens),
      });
      return r.issued;
    });
  } catch (e) {
    await recordRefusal(core, now, {
      ...refusalContext(ctx, raw), pan: d?.pan ?? (auditText((raw as { pan?: unknown }).pan, 32) || null),
      kind, errorCode: errorCodeOf(e), amount: d?.requested ?? rawRequested,
    });
    throw e;
  }
}

async function reissue(core: Core, tx: StoreTx, now: Date, ctx: CheckedContext, same: boolean, prior: TransactionRow): Promise<Issued> {
  if (!same) {
    fail('CONFLICT', `transaction id ${ctx.transactionId} was already used for another request (${prior.kind}${prior.pan ? ` for meter ${prior.pan}` : ''}); a retry must repeat the same request, a new request needs a new transaction id`);
  }
  const r = unsealResult(core.sealKey, prior);
  await appendAudit(tx, core.auditKey, core.chain, {
    at: now.toISOString(), ...ctx, pan: prior.pan, kind: prior.kind, outcome: 'reissued', errorCode: null,
    amount: r.auditAmount, tid: r.issued.tid ?? null, tokenHash: tokenHash(r.issued.tokens),
  });
  return { ...r.issued, reissued: true };
}

/** Run an administrative operation (config, key import, meter registration): audited as 'done' or 'refused'. */
export async function runAdmin<T>(
  core: Core,
  kind: string,
  raw: { operator: string } | undefined,
  describe: (tx: StoreTx) => { pan: string | null; amount: string | null } | Promise<{ pan: string | null; amount: string | null }>,
  work: (tx: StoreTx, now: Date, ctx: CheckedContext) => Promise<T>,
): Promise<T> {
  const now = core.clock();
  let ctx: CheckedContext | undefined;
  let d: { pan: string | null; amount: string | null } | undefined;
  try {
    ctx = checkContext(raw, false, now);
    const c = ctx;
    return await core.store.transaction(async (tx) => {
      const desc = await describe(tx);
      d = desc;
      const result = await work(tx, now, c);
      await appendAudit(tx, core.auditKey, core.chain, {
        at: now.toISOString(), ...c, pan: desc.pan, kind, outcome: 'done', errorCode: null, amount: desc.amount, tid: null, tokenHash: null,
      });
      return result;
    });
  } catch (e) {
    await recordRefusal(core, now, { ...refusalContext(ctx, raw), pan: d?.pan ?? null, kind, errorCode: errorCodeOf(e), amount: d?.amount ?? null });
    throw e;
  }
}
