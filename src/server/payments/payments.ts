/**
 * Payments: the operations behind /v1/payments. A payment is created at the gateway and stored
 * `pending`; the gateway's signed notification is only a trigger: the server then asks the
 * gateway's status API and acts on that answer. On the confirmed money the token is issued once,
 * by the module, under the transaction id `payment:<id>`, so duplicate notifications, two nodes and
 * a crash between the vend and the row update all end with the same single token. A vend the
 * module refuses leaves the payment `attention` (money taken, no token) for an admin's retry.
 */
import { randomBytes } from 'node:crypto';
import { HydroSyncError, isHydroSyncError } from '../../errors';
import type { Hsm, Issued } from '../../hsm';
import { statusOfCode } from '../error-status';
import { HttpProblem } from '../problem';
import type { PaymentEventInput, PaymentRow, ServerStore } from '../store/server-store';
import { type GatewayStatus, type PaymentGateway, grossAmountRupiah } from './payment-gateway';
import { type PaymentQuote, quotePayment } from './payment-quote';
import { type PaymentStatus, gatewayOutcome, nextStatus } from './payment-status';

export interface PaymentDeps {
  hsm: Hsm;
  store: ServerStore;
  gateway: PaymentGateway;
  now: () => Date;
  /** The vending point the module records payment sales under (default `online`). */
  vendingPoint: string;
  /** Minutes before the gateway expires an unpaid payment (default 60). */
  expiryMinutes: number;
  /** Warnings for people (forged notifications, refused vends, amount mismatches); never a secret. */
  warn: (fields: Record<string, unknown>, message: string) => void;
}

/** The module's transaction id of a payment. */
export function paymentTransactionId(id: string): string {
  return `payment:${id}`;
}

/** Create a payment of `rupiah` for `pan`: quoted first (so too little or too much money is refused before anyone pays), then at the gateway, then stored. */
export async function createPayment(deps: PaymentDeps, req: { pan: string; rupiah: number; createdBy: string }): Promise<{ row: PaymentRow; quote: PaymentQuote }> {
  const now = deps.now();
  const quote = await quotePayment(deps.hsm, req.pan, req.rupiah, now);
  const id = `pay_${randomBytes(12).toString('hex')}`;
  const at = await deps.gateway.create({ orderId: id, grossRupiah: req.rupiah, expiryMinutes: deps.expiryMinutes });
  const row: PaymentRow = {
    id, pan: quote.pan, rupiah: req.rupiah, status: 'pending', gateway: deps.gateway.name, payUrl: at.payUrl, createdBy: req.createdBy,
    vendingPoint: deps.vendingPoint, transactionId: paymentTransactionId(id), createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.expiryMinutes * 60_000).toISOString(), updatedAt: now.toISOString(),
    paidAt: null, late: false, issuedAt: null, creditedLitres: null, chargedRupiah: null, attentionCode: null, attentionMessage: null,
  };
  await deps.store.insertPayment(row, { at: row.createdAt, source: 'create', gatewayStatus: 'pending', fromStatus: null, toStatus: 'pending', note: `Rp ${req.rupiah} by ${req.createdBy}` });
  return { row, quote };
}

function event(at: string, source: PaymentEventInput['source'], gatewayStatus: string | null, from: PaymentStatus, to: PaymentStatus, note: string | null): PaymentEventInput {
  return { at, source, gatewayStatus, fromStatus: from, toStatus: to, note };
}

/**
 * A notification from the gateway: the signature is checked (constant time), then the gateway's
 * status API is asked, and only its answer moves the payment.
 * @throws HttpProblem 403 for a bad signature (nothing changes), 404 for an unknown payment, 409 for an amount that is not the payment's.
 */
export async function handleNotification(deps: PaymentDeps, body: Record<string, unknown>): Promise<PaymentRow> {
  const orderId = typeof body.order_id === 'string' ? body.order_id.slice(0, 64) : '';
  if (!deps.gateway.verifyNotification(body)) {
    deps.warn({ orderId, transactionStatus: typeof body.transaction_status === 'string' ? body.transaction_status.slice(0, 32) : null }, 'payment notification refused: the signature does not match');
    throw new HttpProblem(403, 'FORBIDDEN', 'the notification\'s signature_key does not match its order_id, status_code and gross_amount under the server key; nothing was changed', { field: 'body.signature_key' });
  }
  const row = await deps.store.getPayment(orderId);
  if (row === undefined) throw new HydroSyncError('NOT_FOUND', `no payment ${orderId}`);
  const notified = grossAmountRupiah(body.gross_amount);
  return confirmPayment(deps, row, 'notification', notified);
}

/**
 * Ask the gateway for the payment's status and move it accordingly; issue the token when the money
 * is confirmed (or was, and the token is still owed).
 * @throws HttpProblem 409 when the gateway's amount is not the payment's (refused, recorded).
 */
export async function confirmPayment(deps: PaymentDeps, row: PaymentRow, source: 'notification' | 'status', notifiedRupiah?: number): Promise<PaymentRow> {
  const status: GatewayStatus = await deps.gateway.status(row.id);
  const outcome = gatewayOutcome(status.transactionStatus, status.fraudStatus);
  const at = deps.now().toISOString();
  const wrongAmount = status.grossRupiah !== row.rupiah ? status.grossRupiah : notifiedRupiah !== undefined && notifiedRupiah !== row.rupiah ? notifiedRupiah : undefined;
  if (wrongAmount !== undefined) {
    const message = `the gateway reports Rp ${wrongAmount} (${status.transactionStatus}) for payment ${row.id} of Rp ${row.rupiah}; no token is issued for it`;
    await deps.store.updatePayment(row.id, (cur) => {
      // Money taken in a wrong amount needs a person (refund or a manual sale); otherwise only recorded.
      const to: PaymentStatus = outcome === 'paid' && (cur.status === 'pending' || cur.status === 'expired' || cur.status === 'failed') ? 'attention' : cur.status;
      const next: PaymentRow = to === cur.status ? { ...cur, updatedAt: at } : { ...cur, status: to, paidAt: at, attentionCode: 'AMOUNT_MISMATCH', attentionMessage: message, updatedAt: at };
      return { row: next, event: event(at, source, status.transactionStatus, cur.status, to, `refused: amount mismatch, Rp ${wrongAmount}`) };
    });
    deps.warn({ paymentId: row.id, rupiah: row.rupiah, reported: wrongAmount }, 'payment refused: the gateway\'s amount is not the payment\'s');
    throw new HttpProblem(409, 'CONFLICT', message, { field: 'body.gross_amount' });
  }
  const updated = await deps.store.updatePayment(row.id, (cur) => {
    const to = outcome === undefined ? cur.status : nextStatus(cur.status, { kind: 'gateway', outcome });
    if (to === cur.status && source !== 'notification') return undefined;
    const next: PaymentRow = { ...cur, status: to, updatedAt: at };
    let note: string | null = to === cur.status ? `no change (${cur.status})` : null;
    if (to === 'paid' && cur.status !== 'paid') {
      next.paidAt = at;
      next.late = cur.status !== 'pending' || at > cur.expiresAt;
      if (next.late) note = `late: the money arrived after the payment ${cur.status === 'pending' ? 'expired locally' : `was ${cur.status}`}; the token is still owed`;
    }
    return { row: next, event: event(at, source, status.transactionStatus, cur.status, to, note) };
  }) ?? row;
  if (updated.late && updated.status === 'paid') deps.warn({ paymentId: row.id }, 'late payment: settled after its expiry; issuing the token');
  return updated.status === 'paid' ? issuePaymentToken(deps, updated, 'vend') : updated;
}

/**
 * Issue the token of a paid payment (once: the module's transaction id is the payment's). A refusal
 * by the module makes the payment `attention`; the store or module being unavailable leaves it
 * `paid` and throws (the next notification, read or retry issues it).
 */
export async function issuePaymentToken(deps: PaymentDeps, row: PaymentRow, source: 'vend' | 'retry', operator = row.createdBy): Promise<PaymentRow> {
  let issued: Issued;
  try {
    issued = await deps.hsm.vend({ pan: row.pan, rupiah: String(row.rupiah), operator, vendingPoint: row.vendingPoint, transactionId: row.transactionId });
  } catch (e) {
    if (!isHydroSyncError(e) || statusOfCode(e.code) >= 500) throw e;
    const at = deps.now().toISOString();
    deps.warn({ paymentId: row.id, code: e.code }, 'paid payment not issued: the module refused the vend; it needs attention');
    return (await deps.store.updatePayment(row.id, (cur) => {
      if (cur.status !== 'paid' && cur.status !== 'attention') return undefined;
      return {
        row: { ...cur, status: 'attention', attentionCode: e.code, attentionMessage: e.message, updatedAt: at },
        event: event(at, source, null, cur.status, 'attention', `the module refused the vend: ${e.code}`),
      };
    })) ?? row;
  }
  const at = deps.now().toISOString();
  return (await deps.store.updatePayment(row.id, (cur) => {
    const to = nextStatus(cur.status, { kind: 'vend', ok: true });
    if (to === cur.status) return undefined;
    return {
      row: {
        ...cur, status: to, issuedAt: issued.issuedAt, creditedLitres: issued.creditedLitres ?? null, chargedRupiah: issued.tariff?.chargedRupiah ?? null,
        attentionCode: null, attentionMessage: null, updatedAt: at,
      },
      event: event(at, source, null, cur.status, to, `TID ${issued.tid}, ${issued.encoded ?? ''}${issued.reissued ? ' (the module had issued it before)' : ''}`),
    };
  })) ?? row;
}

/**
 * An admin's retry of a payment whose money was taken without a token (`paid`, or `attention`
 * after a refused vend). A payment with the wrong amount is not retried: it needs a refund or a
 * manual sale.
 */
export async function retryPayment(deps: PaymentDeps, id: string, operator: string): Promise<PaymentRow> {
  const row = await deps.store.getPayment(id) ?? (() => { throw new HydroSyncError('NOT_FOUND', `no payment ${id}`); })();
  if (row.status !== 'paid' && row.status !== 'attention') {
    throw new HydroSyncError('CONFLICT', `payment ${id} is ${row.status}; only a paid payment without a token (paid, attention) can be retried`);
  }
  if (row.attentionCode === 'AMOUNT_MISMATCH') {
    throw new HydroSyncError('CONFLICT', `payment ${id} was paid with the wrong amount (${row.attentionMessage ?? ''}); refund it or sell by hand, it is not retried`);
  }
  return issuePaymentToken(deps, row, 'retry', operator);
}

/**
 * A payment as it is now: a pending one is confirmed with the gateway first (a lost notification
 * does not leave it pending), a paid one without a token is issued. A gateway that cannot be
 * reached leaves the stored state.
 */
export async function refreshPayment(deps: PaymentDeps, row: PaymentRow): Promise<PaymentRow> {
  try {
    if (row.status === 'pending') return await confirmPayment(deps, row, 'status');
    if (row.status === 'paid') return await issuePaymentToken(deps, row, 'vend');
  } catch (e) {
    if (e instanceof HttpProblem) return (await deps.store.getPayment(row.id)) ?? row;
    if (!isHydroSyncError(e) || statusOfCode(e.code) < 500) throw e;
  }
  return row;
}
