/**
 * A local payment gateway for tests and the demo, speaking the Midtrans shape that
 * MidtransGateway calls: Snap `POST /snap/v1/transactions` (Basic auth with the server key) → token
 * and redirect_url; Core API `GET /v2/{order_id}/status`; a pay page `GET /pay/{token}` with buttons
 * that settle or fail the payment (`POST /pay/{token}/settle|deny|cancel`); expiry. On every change
 * it sends an HTTP notification signed with SHA512(order_id + status_code + gross_amount + server
 * key) to the callback URL. Switches (`faults`) make the deliveries misbehave as real ones do:
 * duplicated, delayed, out of order (a stale `pending` after the settlement), forged (a copy with a
 * wrong signature first). Loopback only; nothing leaves the machine.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grossAmountText } from '../payments/payment-gateway';
import { midtransSignature, midtransStatusCode } from '../payments/midtrans-signature';

export interface NotificationFaults {
  /** Extra copies of every notification (default 0). */
  duplicates?: number;
  /** Wait this long before each delivery (default 0). */
  delayMs?: number;
  /** After a settlement, also deliver a stale `pending` notification (default false). */
  outOfOrder?: boolean;
  /** Before each real notification, deliver a copy whose signature is wrong (default false). */
  forged?: boolean;
}

export interface PaymentSimulatorOptions {
  /** The server key the merchant (the vending server) shares with this gateway. */
  serverKey: string;
  /** Where notifications go (can be set later). */
  callbackUrl?: string;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** The clock for transaction times and expiry (default the system clock). */
  now?: () => Date;
  faults?: NotificationFaults;
}

/** One notification sent: what it said and how the callback answered (0: not reached). */
export interface Delivery {
  orderId: string;
  transactionStatus: string;
  forged: boolean;
  httpStatus: number;
}

interface SimPayment {
  orderId: string;
  token: string;
  transactionId: string;
  grossAmount: string;
  status: string;
  createdAt: Date;
  expiresAt: Date;
}

const MAX_BODY = 65_536;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function timeText(d: Date): string {
  // Midtrans writes times as "YYYY-MM-DD HH:MM:SS" in WIB (UTC+7).
  return new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class PaymentSimulator {
  /** The base URL (http://127.0.0.1:PORT). */
  readonly url: string;
  callbackUrl: string | undefined;
  faults: NotificationFaults;
  /** Every notification sent, in order. */
  readonly deliveries: Delivery[] = [];
  readonly #server: Server;
  readonly #key: string;
  readonly #now: () => Date;
  readonly #byOrder = new Map<string, SimPayment>();
  readonly #byToken = new Map<string, SimPayment>();

  private constructor(server: Server, url: string, options: PaymentSimulatorOptions) {
    this.#server = server;
    this.url = url;
    this.#key = options.serverKey;
    this.#now = options.now ?? (() => new Date());
    this.callbackUrl = options.callbackUrl;
    this.faults = { ...options.faults };
  }

  /** Start listening (loopback, any free port unless told). */
  static async start(options: PaymentSimulatorOptions): Promise<PaymentSimulator> {
    if (typeof options.serverKey !== 'string' || options.serverKey.length === 0) throw new Error('the payment simulator needs a server key');
    const server = createServer();
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const sim = new PaymentSimulator(server, `http://${host.includes(':') ? `[${host}]` : host}:${port}`, options);
    server.on('request', (req, res) => {
      sim.#handle(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, { status_code: '500', status_message: 'simulator error' });
      });
    });
    return sim;
  }

  /** The simulator's view of a payment's status (expiring it first when due), or undefined. */
  statusOf(orderId: string): string | undefined {
    const p = this.#byOrder.get(orderId);
    return p === undefined ? undefined : p.status;
  }

  /** Settle a payment (pending, or expired: a late settlement) and notify. */
  settle(orderId: string): Promise<Delivery[]> {
    return this.#change(orderId, 'settlement', ['pending', 'expire']);
  }

  /** Deny or cancel a pending payment and notify. */
  fail(orderId: string, status: 'deny' | 'cancel' | 'failure' = 'deny'): Promise<Delivery[]> {
    return this.#change(orderId, status, ['pending']);
  }

  /** Expire a pending payment now and notify. */
  expire(orderId: string): Promise<Delivery[]> {
    return this.#change(orderId, 'expire', ['pending']);
  }

  /** Expire every pending payment past its expiry time (and notify); returns how many. */
  async expireDue(): Promise<number> {
    const due = [...this.#byOrder.values()].filter((p) => p.status === 'pending' && this.#now().getTime() >= p.expiresAt.getTime());
    for (const p of due) await this.expire(p.orderId);
    return due.length;
  }

  /** Deliver a notification for a payment again (its current status, or a stale `status` as an out-of-order delivery would). */
  notify(orderId: string, status?: string): Promise<Delivery[]> {
    const p = this.#byOrder.get(orderId);
    if (p === undefined) throw new Error(`no payment ${orderId} in the simulator`);
    return this.#deliver(p, status ?? p.status);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #change(orderId: string, to: string, from: string[]): Promise<Delivery[]> {
    const p = this.#byOrder.get(orderId);
    if (p === undefined) throw new Error(`no payment ${orderId} in the simulator`);
    if (!from.includes(p.status)) throw new Error(`payment ${orderId} is ${p.status}; it cannot become ${to}`);
    p.status = to;
    const sent = await this.#deliver(p, to);
    if (to === 'settlement' && this.faults.outOfOrder === true) sent.push(...await this.#deliver(p, 'pending'));
    return sent;
  }

  #body(p: SimPayment, status: string, signatureKey?: string): Record<string, unknown> {
    const statusCode = midtransStatusCode(status);
    return {
      transaction_time: timeText(p.createdAt), transaction_status: status, transaction_id: p.transactionId,
      status_message: `midtrans payment notification (simulator): ${status}`, status_code: statusCode,
      signature_key: signatureKey ?? midtransSignature(p.orderId, statusCode, p.grossAmount, this.#key),
      payment_type: 'bank_transfer', order_id: p.orderId, merchant_id: 'SIMULATOR', gross_amount: p.grossAmount,
      fraud_status: 'accept', currency: 'IDR', expiry_time: timeText(p.expiresAt),
      ...(status === 'settlement' ? { settlement_time: timeText(this.#now()) } : {}),
    };
  }

  async #post(body: Record<string, unknown>): Promise<number> {
    if (this.callbackUrl === undefined) return 0;
    try {
      const res = await fetch(this.callbackUrl, {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  async #deliver(p: SimPayment, status: string): Promise<Delivery[]> {
    const out: Delivery[] = [];
    const wait = this.faults.delayMs ?? 0;
    const record = (forged: boolean, httpStatus: number) => {
      const d = { orderId: p.orderId, transactionStatus: status, forged, httpStatus };
      this.deliveries.push(d);
      out.push(d);
    };
    if (this.faults.forged === true) {
      const wrong = midtransSignature(p.orderId, midtransStatusCode(status), p.grossAmount, `${this.#key}-forged`);
      record(true, await this.#post(this.#body(p, status === 'pending' ? 'settlement' : status, wrong)));
    }
    const copies = 1 + Math.max(0, Math.min(this.faults.duplicates ?? 0, 10));
    for (let i = 0; i < copies; i++) {
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
      record(false, await this.#post(this.#body(p, status)));
    }
    return out;
  }

  #authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Basic ${Buffer.from(`${this.#key}:`, 'utf8').toString('base64')}`;
  }

  #expireIfDue(p: SimPayment): Promise<unknown> {
    if (p.status === 'pending' && this.#now().getTime() >= p.expiresAt.getTime()) return this.expire(p.orderId);
    return Promise.resolve();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    if (req.method === 'POST' && path === '/snap/v1/transactions') {
      if (!this.#authorized(req)) return send(res, 401, { error_messages: ['Access denied due to unauthorized transaction, please check client or server key'] });
      let body: { transaction_details?: { order_id?: unknown; gross_amount?: unknown }; expiry?: { duration?: unknown; unit?: unknown } };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        return send(res, 400, { error_messages: ['request body is not JSON'] });
      }
      const orderId = body.transaction_details?.order_id;
      const gross = body.transaction_details?.gross_amount;
      if (typeof orderId !== 'string' || !/^[A-Za-z0-9._~-]{1,50}$/.test(orderId)) return send(res, 400, { error_messages: ['transaction_details.order_id is required (1-50 characters)'] });
      if (typeof gross !== 'number' || !Number.isSafeInteger(gross) || gross < 1) return send(res, 400, { error_messages: ['transaction_details.gross_amount must be a whole number of rupiah above 0'] });
      if (this.#byOrder.has(orderId)) return send(res, 409, { error_messages: ['transaction_details.order_id has already been taken'] });
      const duration = typeof body.expiry?.duration === 'number' && Number.isSafeInteger(body.expiry.duration) && body.expiry.duration > 0 ? body.expiry.duration : 24 * 60;
      const now = this.#now();
      const p: SimPayment = {
        orderId, token: randomBytes(16).toString('hex'), transactionId: randomUUID(), grossAmount: grossAmountText(gross), status: 'pending',
        createdAt: now, expiresAt: new Date(now.getTime() + duration * 60_000),
      };
      this.#byOrder.set(orderId, p);
      this.#byToken.set(p.token, p);
      return send(res, 201, { token: p.token, redirect_url: `${this.url}/pay/${p.token}` });
    }
    let m = /^\/v2\/([^/]+)\/status$/.exec(path);
    if (req.method === 'GET' && m !== null) {
      if (!this.#authorized(req)) return send(res, 401, { status_code: '401', status_message: 'Access denied, please check client or server key' });
      const p = this.#byOrder.get(decodeURIComponent(m[1]!));
      if (p === undefined) return send(res, 200, { status_code: '404', status_message: "Transaction doesn't exist." });
      await this.#expireIfDue(p);
      const body = this.#body(p, p.status);
      body.status_message = 'Success, transaction is found';
      return send(res, 200, body);
    }
    m = /^\/pay\/([0-9a-f]{32})(?:\/(settle|deny|cancel))?$/.exec(path);
    const p = m === null ? undefined : this.#byToken.get(m[1]!);
    if (m === null || p === undefined) return send(res, 404, { status_code: '404', status_message: 'not found' });
    await this.#expireIfDue(p);
    if (req.method === 'POST' && m[2] !== undefined) {
      const action = m[2];
      try {
        if (action === 'settle') await this.settle(p.orderId);
        else await this.fail(p.orderId, action as 'deny' | 'cancel');
      } catch (e) {
        return send(res, 409, { status_code: '409', status_message: (e as Error).message });
      }
      if ((req.headers.accept ?? '').includes('application/json')) return send(res, 200, this.#body(p, p.status));
    } else if (req.method !== 'GET' || m[2] !== undefined) {
      return send(res, 405, { status_code: '405', status_message: 'method not allowed' });
    }
    const rupiah = p.grossAmount.replace(/\.00$/, '');
    const buttons = p.status === 'pending' || p.status === 'expire'
      ? `<form method="post" action="/pay/${p.token}/settle"><button>Pay Rp ${rupiah}</button></form>
<form method="post" action="/pay/${p.token}/deny"><button>Decline</button></form>` : '';
    return send(res, 200, `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Payment simulator</title><h1>Payment simulator</h1><p>Order <code>${escapeHtml(p.orderId)}</code>: Rp ${rupiah}, status <strong id="status">${escapeHtml(p.status)}</strong>.</p>${buttons}</html>`, 'text/html; charset=utf-8');
  }
}
