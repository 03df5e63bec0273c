/**
 * Purchases and reprints. A purchase carries a client-chosen id: the module's transaction id is
 * `<vending point>:<id>`, so a retry returns the same tokens (200, reissued) and never sells twice,
 * and the same id with another request is 409. The amount is rupiah (through the meter's block
 * tariff) or water (m³ or litres), read by the library's exact amount parser.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseDecimalAmount } from '../../codec/decimal-amount';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm, VendRequest } from '../../hsm';
import { callerOf } from '../auth';
import { beforeSale } from '../meter-state';
import type { ServerStore } from '../store/server-store';
import { withField } from '../fields';
import { HttpProblem } from '../problem';
import { Pan, RequestId, problems } from '../schemas/common';
import { issuedAnswer, transactionIdOf } from './issued-answer';

const AmountText = (description: string) => Type.String({ minLength: 1, maxLength: 80, description });

export const PurchaseRequest = Type.Object({
  purchaseId: RequestId,
  pan: Pan,
  rupiah: Type.Optional(AmountText('whole rupiah ("50000", "50_000"), converted to water with the meter\'s block tariff')),
  cubicMetres: Type.Optional(AmountText('m³ with at most 3 decimals ("2.5")')),
  litres: Type.Optional(AmountText('whole litres ("2500")')),
}, { additionalProperties: false });

const UNITS = ['rupiah', 'cubicMetres', 'litres'] as const;

export function purchaseRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/purchases', {
    config: { access: 'agent' },
    schema: {
      tags: ['purchases'], summary: 'sell water: one credit token (a retry with the same purchaseId returns the same token), after any key-change set the meter has not confirmed', body: PurchaseRequest,
      response: { 201: Type.Ref('Issued'), 200: Type.Ref('Issued'), ...problems(400, 404, 409, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const caller = callerOf(req);
    const given = UNITS.filter((u) => req.body[u] !== undefined);
    if (given.length !== 1) {
      throw new HttpProblem(400, 'FORMAT', `give exactly one amount: rupiah, cubicMetres or litres${given.length > 1 ? ` (got ${given.join(' and ')})` : ''}`,
        { field: given.length > 1 ? `body.${given[1]}` : 'body.rupiah', rule: 'oneOf' });
    }
    const unit = given[0]!;
    const text = req.body[unit]!;
    withField(`body.${unit}`, () => parseDecimalAmount(text, unit));
    const pan = withField('body.pan', () => parseMeterPan(req.body.pan).pan);
    const transactionId = transactionIdOf(caller, req.body.purchaseId);
    const before = await beforeSale(deps, caller, pan, transactionId);
    if (before.retry !== undefined) return reply.code(200).send(issuedAnswer(before.retry, req.body.purchaseId));
    const request: VendRequest = {
      pan, [unit]: text, operator: caller.operator, vendingPoint: caller.vendingPoint, transactionId,
      ...(caller.dailyLimits !== undefined ? { dailyLimits: caller.dailyLimits } : {}),
    };
    const issued = await deps.hsm.vend(request);
    app.metrics.issued(issued);
    const answer = issuedAnswer(issued, req.body.purchaseId);
    return reply.code(issued.reissued ? 200 : 201).send(before.pending === undefined ? answer : { ...answer, pendingKeyChange: before.pending });
  });

  r.post('/v1/reprints', {
    config: { access: 'agent' },
    schema: {
      tags: ['purchases'], summary: 'the tokens of a completed purchase or request again (a lost receipt)',
      body: Type.Object({ purchaseId: RequestId }, { additionalProperties: false }),
      response: { 200: Type.Ref('Issued'), ...problems(400, 404, 413, 415) },
    },
  }, async (req) => {
    const caller = callerOf(req);
    const issued = await deps.hsm.reprint({ transactionId: transactionIdOf(caller, req.body.purchaseId), operator: caller.operator, vendingPoint: caller.vendingPoint });
    return issuedAnswer(issued, req.body.purchaseId);
  });
}
