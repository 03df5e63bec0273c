/**
 * The state machine of a payment. The gateway's transaction_status (Midtrans: pending, settlement,
 * capture, expire, cancel, deny, failure) is first mapped to what it means for the money
 * (`GatewayOutcome`); `nextStatus` then moves the payment forward and never back:
 *
 * - `pending` → `paid` (money confirmed), `expired`, `failed` (cancelled, denied, failed).
 * - `expired` / `failed` → `paid` only: a settlement after the local expiry means the money was
 *   taken, so the token is still issued (the payment is marked late).
 * - `paid` → `issued` (the module issued the token) or `attention` (the module refused the vend:
 *   kept for an admin, never lost); `attention` → `issued` after an admin's retry.
 * - `issued` is final. A `pending` (or anything else) arriving after the money never moves a
 *   payment back.
 */

export type PaymentStatus = 'pending' | 'expired' | 'failed' | 'paid' | 'attention' | 'issued';

/** What a gateway status means for the money: still waiting, taken, or never coming. */
export type GatewayOutcome = 'pending' | 'paid' | 'expired' | 'failed';

/** Something that may move a payment: a confirmed gateway outcome, or the module's answer to the vend. */
export type PaymentEvent =
  | { kind: 'gateway'; outcome: GatewayOutcome }
  | { kind: 'vend'; ok: boolean };

export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'expired', 'failed', 'paid', 'attention', 'issued'];

/** The money was confirmed (the token is owed): paid, attention or issued. */
export function moneyTaken(status: PaymentStatus): boolean {
  return status === 'paid' || status === 'attention' || status === 'issued';
}

/**
 * The gateway's transaction_status → outcome (Midtrans: `capture` counts as paid only with
 * fraud_status `accept`; a challenged capture waits). Unknown statuses (refund, authorize, …)
 * are undefined: they move nothing.
 */
export function gatewayOutcome(transactionStatus: string, fraudStatus?: string): GatewayOutcome | undefined {
  switch (transactionStatus) {
    case 'pending': return 'pending';
    case 'settlement': return 'paid';
    case 'capture': return fraudStatus === undefined || fraudStatus === 'accept' ? 'paid' : 'pending';
    case 'expire': return 'expired';
    case 'cancel': case 'deny': case 'failure': return 'failed';
    default: return undefined;
  }
}

/** The status after `event` (the same status when the event does not apply). */
export function nextStatus(current: PaymentStatus, event: PaymentEvent): PaymentStatus {
  if (event.kind === 'vend') {
    if (current !== 'paid' && current !== 'attention') return current;
    return event.ok ? 'issued' : 'attention';
  }
  const o = event.outcome;
  switch (current) {
    case 'pending': return o;
    case 'expired': case 'failed': return o === 'paid' ? 'paid' : current;
    default: return current;
  }
}
