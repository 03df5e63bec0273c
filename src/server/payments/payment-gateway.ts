/**
 * What the server needs from a payment gateway: create a payment (→ the gateway's reference and
 * where the customer pays), fetch its status (the truth the server acts on), and check a
 * notification's signature. Modelled on Midtrans (Snap to create, Core API GET /v2/{order_id}/status
 * to confirm, HTTP notifications signed with SHA512(order_id + status_code + gross_amount + server
 * key)); midtrans-gateway.ts speaks it over HTTP, and the payment simulator serves it locally.
 */

/** A payment as the gateway reports it (the fields the server reads). */
export interface GatewayStatus {
  /** Our payment id (Midtrans order_id). */
  orderId: string;
  /** Midtrans transaction_status: pending, settlement, capture, expire, cancel, deny, failure, … */
  transactionStatus: string;
  /** Midtrans fraud_status (accept, challenge, deny), when given. */
  fraudStatus?: string;
  /** Whole rupiah the gateway holds for this payment (from gross_amount "50000.00"). */
  grossRupiah: number;
  /** The gateway's own transaction id, when it has one. */
  gatewayTransactionId?: string;
  /** The payment method (bank_transfer, qris, gopay, …), when known. */
  paymentType?: string;
}

export interface GatewayPaymentRequest {
  /** Our payment id: unique, the gateway's order_id. */
  orderId: string;
  /** Whole rupiah. */
  grossRupiah: number;
  /** The gateway expires the payment after this many minutes. */
  expiryMinutes: number;
}

export interface GatewayPayment {
  /** The gateway's reference for the payment page (Snap token). */
  token: string;
  /** Where the customer pays (Snap redirect_url). */
  payUrl: string;
}

export interface PaymentGateway {
  /** A short name for records and docs ("midtrans"). */
  readonly name: string;
  /** @throws HydroSyncError IO when the gateway cannot be reached or refuses. */
  create(request: GatewayPaymentRequest): Promise<GatewayPayment>;
  /** The gateway's current status of a payment. @throws HydroSyncError IO, NOT_FOUND for an unknown order. */
  status(orderId: string): Promise<GatewayStatus>;
  /** True when a notification body carries a valid signature (checked in constant time). */
  verifyNotification(body: unknown): boolean;
}

/** Midtrans gross_amount ("50000.00", "50000") → whole rupiah, or undefined when it is not whole rupiah. */
export function grossAmountRupiah(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([0-9]{1,15})(?:\.00?)?$/.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whole rupiah → Midtrans gross_amount text ("50000.00"). */
export function grossAmountText(rupiah: number): string {
  return `${rupiah}.00`;
}
