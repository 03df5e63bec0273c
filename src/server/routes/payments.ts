/**
 * Payments (docs/server.md, "Payments"): quote, create, read, the gateway's notification, and an
 * admin's retry. Customers (website sessions) pay for the meters linked to them; admin and agent
 * API keys may too. Who may pay for a meter is one check (`mayPayFor`); who may read a payment is
 * another (`mayReadPayment`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { parseDecimalAmountNumber } from '../../codec/decimal-amount';
import { parseMeterPan } from '../../codec/pan';
import { HydroSyncError } from '../../errors';
import type { Hsm } from '../../hsm';
import { callerOf } from '../auth';
import { assertMayActFor, mayActFor } from '../meter-access';
import { withField } from '../fields';
import type { PaymentGateway } from '../payments/payment-gateway';
import { quotePayment } from '../payments/payment-quote';
import { PAYMENT_STATUSES } from '../payments/payment-status';
import { type PaymentDeps, createPayment, handleNotification, refreshPayment, retryPayment } from '../payments/payments';
import { HttpProblem } from '../problem';
import { TariffBreakdown } from '../schemas/issued';
import { Pan, problems } from '../schemas/common';
import type { PaymentRow, ServerStore } from '../store/server-store';
import { issuedAnswer } from './issued-answer';

/** How the server takes payments: the gateway, and the defaults of PaymentDeps. */
export interface PaymentOptions {
  gateway: PaymentGateway;
  /** The vending point payment sales are recorded under (default `online`). */
  vendingPoint?: string;
  /** Minutes before an unpaid payment expires at the gateway (default 60). */
  expiryMinutes?: number;
}

// Any id-like text: one that is not a payment's is 404, like a payment the caller may not see.
const PaymentId = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'the payment id (pay_ and 24 hex digits; the gateway\'s order_id)' });
const Rupiah = Type.String({ minLength: 1, maxLength: 20, description: 'whole rupiah ("50000", "50_000")' });
const PaymentRequest = Type.Object({ pan: Pan, rupiah: Rupiah }, { additionalProperties: false });

const Quote = Type.Object({ pan: Type.String(), rupiah: Type.Integer(), creditedLitres: Type.Integer(), tariff: TariffBreakdown }, { $id: 'PaymentQuote' });

const Payment = Type.Object({
  id: Type.String(), pan: Type.String(), rupiah: Type.Integer(),
  status: Type.Union(PAYMENT_STATUSES.map((s) => Type.Literal(s)), { description: 'pending → paid → issued; expired, failed (no money); attention: paid, not issued (an admin retries)' }),
  gateway: Type.String(), payUrl: Type.String({ description: 'where the customer pays' }), createdBy: Type.String(), vendingPoint: Type.String(),
  transactionId: Type.String({ description: 'the module\'s transaction id: payment:<id>' }), createdAt: Type.String(), expiresAt: Type.String(), updatedAt: Type.String(),
  paidAt: Type.Union([Type.String(), Type.Null()]), late: Type.Boolean({ description: 'paid after it had expired or failed: the token is still issued' }),
  issuedAt: Type.Union([Type.String(), Type.Null()]), creditedLitres: Type.Union([Type.Integer(), Type.Null()]), chargedRupiah: Type.Union([Type.Integer(), Type.Null()]),
  attentionCode: Type.Union([Type.String(), Type.Null()]), attentionMessage: Type.Union([Type.String(), Type.Null()]),
  quote: Type.Optional(Type.Ref('PaymentQuote')),
  issued: Type.Optional(Type.Ref('Issued')),
}, { $id: 'Payment' });

const Notification = Type.Object({
  order_id: Type.String({ minLength: 1, maxLength: 64 }), status_code: Type.String({ maxLength: 8 }), gross_amount: Type.String({ maxLength: 32 }),
  signature_key: Type.String({ maxLength: 256 }), transaction_status: Type.String({ maxLength: 32 }),
}, { additionalProperties: true, description: 'a Midtrans HTTP notification (other fields are read from the status API, not from here)' });

/** The caller may pay for this meter (admins, agents; a customer for the meters linked to them, else 404): the operator to record. */
async function mayPayFor(store: ServerStore, req: FastifyRequest, pan: string): Promise<string> {
  const caller = callerOf(req);
  await assertMayActFor(store, caller, pan, 'body.pan');
  return caller.operator;
}

/** The caller may see this payment (else 404, as for one that does not exist): admins every one, a customer those for their linked meters, an agent those it created. */
async function mayReadPayment(store: ServerStore, req: FastifyRequest, row: PaymentRow): Promise<void> {
  const caller = callerOf(req);
  const may = caller.role === 'admin' || (caller.role === 'customer' ? await mayActFor(store, caller, row.pan) : row.createdBy === caller.operator);
  if (!may) throw new HydroSyncError('NOT_FOUND', `no payment ${row.id}`);
}

function rupiahOf(text: string): number {
  return withField('body.rupiah', () => {
    const n = parseDecimalAmountNumber(text, 'rupiah');
    if (!Number.isSafeInteger(n) || n <= 0) throw new HydroSyncError('RANGE', `rupiah must be a whole number above 0; got ${text}`);
    return n;
  });
}

export function paymentRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore; now?: () => Date; payments?: PaymentOptions }): void {
  app.addSchema(Quote);
  app.addSchema(Payment);
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const payments = (): PaymentDeps => {
    if (deps.payments === undefined) throw new HttpProblem(503, 'UNAVAILABLE', 'this server takes no payments: no payment gateway is configured (docs/server.md, "Payments")');
    return {
      hsm: deps.hsm, store: deps.store, gateway: deps.payments.gateway, now: deps.now ?? (() => new Date()),
      vendingPoint: deps.payments.vendingPoint ?? 'online', expiryMinutes: deps.payments.expiryMinutes ?? 60,
      warn: (fields, message) => app.log.warn(fields, message),
    };
  };
  const answer = async (req: FastifyRequest, row: PaymentRow, d: PaymentDeps) => {
    if (row.status !== 'issued') return row;
    const issued = await d.hsm.reprint({ transactionId: row.transactionId, operator: callerOf(req).operator, vendingPoint: row.vendingPoint });
    return { ...row, issued: issuedAnswer(issued, row.id) };
  };

  r.post('/v1/payments/quote', {
    config: { access: 'meter' },
    schema: {
      tags: ['payments'], summary: 'what an amount of rupiah buys now: the block-tariff breakdown to show before paying (nothing is stored)', body: PaymentRequest,
      response: { 200: Type.Ref('PaymentQuote'), ...problems(400, 403, 404, 413, 415, 422) },
    },
  }, async (req) => {
    const pan = withField('body.pan', () => parseMeterPan(req.body.pan).pan);
    const rupiah = rupiahOf(req.body.rupiah);
    await mayPayFor(deps.store, req, pan);
    return quotePayment(deps.hsm, pan, rupiah, (deps.now ?? (() => new Date()))());
  });

  r.post('/v1/payments', {
    config: { access: 'meter' },
    schema: {
      tags: ['payments'], summary: 'create a payment at the gateway: its pay URL and what the money buys; the token is issued once the gateway confirms the money',
      body: PaymentRequest, response: { 201: Type.Ref('Payment'), ...problems(400, 403, 404, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const pan = withField('body.pan', () => parseMeterPan(req.body.pan).pan);
    const rupiah = rupiahOf(req.body.rupiah);
    const createdBy = await mayPayFor(deps.store, req, pan);
    const d = payments();
    const { row, quote } = await createPayment(d, { pan, rupiah, createdBy });
    return reply.code(201).send({ ...row, quote });
  });

  r.get('/v1/payments/:id', {
    config: { access: 'meter' },
    schema: {
      tags: ['payments'], summary: 'a payment (a pending one is confirmed with the gateway first) and its token once issued',
      params: Type.Object({ id: PaymentId }), response: { 200: Type.Ref('Payment'), ...problems(400, 404) },
    },
  }, async (req) => {
    const row = await deps.store.getPayment(req.params.id) ?? (() => { throw new HydroSyncError('NOT_FOUND', `no payment ${req.params.id}`); })();
    await mayReadPayment(deps.store, req, row);
    const d = payments();
    return answer(req, await refreshPayment(d, row), d);
  });

  r.get('/v1/payments/:id/events', {
    config: { access: 'admin' },
    schema: {
      tags: ['payments'], summary: 'a payment\'s state transitions and refused notifications, oldest first', params: Type.Object({ id: PaymentId }),
      response: {
        200: Type.Object({
          events: Type.Array(Type.Object({
            seq: Type.Integer(), at: Type.String(), source: Type.String(), gatewayStatus: Type.Union([Type.String(), Type.Null()]),
            fromStatus: Type.Union([Type.String(), Type.Null()]), toStatus: Type.String(), note: Type.Union([Type.String(), Type.Null()]),
          })),
        }),
        ...problems(400, 403, 404),
      },
    },
  }, async (req) => {
    if (await deps.store.getPayment(req.params.id) === undefined) throw new HydroSyncError('NOT_FOUND', `no payment ${req.params.id}`);
    return { events: (await deps.store.paymentEvents(req.params.id)).map(({ paymentId: _, ...e }) => e) };
  });

  r.post('/v1/payments/:id/retry', {
    config: { access: 'admin' },
    schema: {
      tags: ['payments'], summary: 'issue the token of a paid payment the module refused before (attention) or that was not issued yet (paid)',
      params: Type.Object({ id: PaymentId }), response: { 200: Type.Ref('Payment'), ...problems(400, 403, 404, 409) },
    },
  }, async (req) => {
    const d = payments();
    return answer(req, await retryPayment(d, req.params.id, callerOf(req).operator), d);
  });

  r.post('/v1/payments/notifications', {
    config: { access: 'public' },
    schema: {
      tags: ['payments'], summary: 'the gateway\'s signed HTTP notification: verified, then confirmed with the gateway\'s status API before anything changes',
      security: [], body: Notification,
      response: { 200: Type.Object({ id: Type.String(), status: Type.String() }), ...problems(400, 403, 404, 409, 413, 415) },
    },
  }, async (req) => {
    const row = await handleNotification(payments(), req.body);
    return { id: row.id, status: row.status };
  });
}
