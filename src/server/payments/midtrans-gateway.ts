/**
 * The Midtrans shape over HTTP: Snap `POST /snap/v1/transactions` to create (→ token and
 * redirect_url), Core API `GET /v2/{order_id}/status` to confirm, Basic auth with the server key
 * as the user name and an empty password. The server key never leaves this object (it is not
 * logged, not in errors, not in toJSON).
 */
import { HydroSyncError } from '../../errors';
import { type GatewayPayment, type GatewayPaymentRequest, type GatewayStatus, type PaymentGateway, grossAmountRupiah } from './payment-gateway';
import { midtransSignatureValid } from './midtrans-signature';

export interface MidtransOptions {
  /** Core API base URL (status), e.g. https://api.sandbox.midtrans.com or the simulator's URL. */
  apiBaseUrl: string;
  /** Snap base URL (create); default apiBaseUrl. */
  snapBaseUrl?: string;
  serverKey: string;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

function unavailable(message: string, cause?: unknown): HydroSyncError {
  return new HydroSyncError('IO', message, cause === undefined ? undefined : { cause });
}

export class MidtransGateway implements PaymentGateway {
  readonly name = 'midtrans';
  readonly #api: string;
  readonly #snap: string;
  readonly #key: string;
  readonly #timeoutMs: number;

  constructor(options: MidtransOptions) {
    if (typeof options.serverKey !== 'string' || options.serverKey.length === 0) throw new HydroSyncError('USAGE', 'the payment gateway needs a server key');
    this.#api = options.apiBaseUrl.replace(/\/+$/, '');
    this.#snap = (options.snapBaseUrl ?? options.apiBaseUrl).replace(/\/+$/, '');
    this.#key = options.serverKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async #call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json', 'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${this.#key}:`, 'utf8').toString('base64')}`,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      throw unavailable(`the payment gateway at ${new URL(url).origin} cannot be reached (${(e as Error).name}); try again later`, e);
    }
    let json: Record<string, unknown>;
    try {
      json = (await res.json()) as Record<string, unknown>;
    } catch (e) {
      throw unavailable(`the payment gateway answered ${res.status} without JSON`, e);
    }
    return { status: res.status, json: json !== null && typeof json === 'object' ? json : {} };
  }

  async create(request: GatewayPaymentRequest): Promise<GatewayPayment> {
    const { status, json } = await this.#call('POST', `${this.#snap}/snap/v1/transactions`, {
      transaction_details: { order_id: request.orderId, gross_amount: request.grossRupiah },
      expiry: { unit: 'minutes', duration: request.expiryMinutes },
    });
    if (status !== 201 && status !== 200) throw unavailable(`the payment gateway refused to create payment ${request.orderId} (HTTP ${status}${Array.isArray(json.error_messages) ? `: ${json.error_messages.join('; ')}` : ''})`);
    if (typeof json.token !== 'string' || typeof json.redirect_url !== 'string') throw unavailable('the payment gateway answered without token and redirect_url');
    return { token: json.token, payUrl: json.redirect_url };
  }

  async status(orderId: string): Promise<GatewayStatus> {
    const { status, json } = await this.#call('GET', `${this.#api}/v2/${encodeURIComponent(orderId)}/status`);
    // Midtrans answers HTTP 200 with status_code "404" in the body for an unknown order.
    if (status === 404 || json.status_code === '404') throw new HydroSyncError('NOT_FOUND', `the payment gateway knows no payment ${orderId}`);
    if (status !== 200 || typeof json.transaction_status !== 'string' || json.order_id !== orderId) {
      throw unavailable(`the payment gateway answered the status of ${orderId} with HTTP ${status} and no usable transaction_status`);
    }
    const gross = grossAmountRupiah(json.gross_amount);
    if (gross === undefined) throw unavailable(`the payment gateway gave gross_amount ${JSON.stringify(json.gross_amount)} for ${orderId}, not whole rupiah`);
    return {
      orderId, transactionStatus: json.transaction_status, grossRupiah: gross,
      ...(typeof json.fraud_status === 'string' ? { fraudStatus: json.fraud_status } : {}),
      ...(typeof json.transaction_id === 'string' ? { gatewayTransactionId: json.transaction_id } : {}),
      ...(typeof json.payment_type === 'string' ? { paymentType: json.payment_type } : {}),
    };
  }

  verifyNotification(body: unknown): boolean {
    return midtransSignatureValid(body, this.#key);
  }

  toJSON(): Record<string, string> {
    return { name: this.name, apiBaseUrl: this.#api, snapBaseUrl: this.#snap };
  }
}

