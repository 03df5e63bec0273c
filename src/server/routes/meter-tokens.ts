/** Management tokens (clear tamper, clear credit, meter factor) and key changes for one meter (admins). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm, KeyChangeRequest, ManageRequest } from '../../hsm';
import { callerOf } from '../auth';
import { withField } from '../fields';
import { HttpProblem } from '../problem';
import { Pan, RequestId, problems } from '../schemas/common';
import type { ServerStore } from '../store/server-store';
import { issuedAnswer, transactionIdOf } from './issued-answer';

const MeterParams = Type.Object({ pan: Pan });

export const ManagementRequest = Type.Object({
  requestId: RequestId,
  action: Type.Union([Type.Literal('clearTamper'), Type.Literal('clearCredit'), Type.Literal('setWaterMeterFactor')]),
  register: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'clearCredit: the register to clear (default: all)' })),
  factor: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'setWaterMeterFactor: the factor' })),
}, { additionalProperties: false });

export const KeyChangeBody = Type.Object({
  requestId: RequestId,
  newVendingKeyId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  newKeyRevisionNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
  newKeyType: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  newKeyExpiryNumber: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  newTariffIndex: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
  newSupplyGroupCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  newBaseDate: Type.Optional(Type.Union([Type.Literal(1993), Type.Literal(2014), Type.Literal(2035)])),
  threeTokenSet: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export function meterTokenRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/meters/:pan/management-tokens', {
    config: { access: 'admin' },
    schema: {
      tags: ['meters'], summary: 'a management token: clear tamper, clear credit, set the water meter factor', params: MeterParams, body: ManagementRequest,
      response: { 201: Type.Ref('Issued'), 200: Type.Ref('Issued'), ...problems(400, 403, 404, 409, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const caller = callerOf(req);
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    const base = { pan, operator: caller.operator, vendingPoint: caller.vendingPoint, transactionId: transactionIdOf(caller, req.body.requestId) };
    const b = req.body;
    if (b.action !== 'setWaterMeterFactor' && b.factor !== undefined) throw new HttpProblem(400, 'FORMAT', 'factor goes only with setWaterMeterFactor', { field: 'body.factor', rule: 'dependentRequired' });
    if (b.action !== 'clearCredit' && b.register !== undefined) throw new HttpProblem(400, 'FORMAT', 'register goes only with clearCredit', { field: 'body.register', rule: 'dependentRequired' });
    let request: ManageRequest;
    if (b.action === 'setWaterMeterFactor') {
      if (b.factor === undefined) throw new HttpProblem(400, 'FORMAT', 'setWaterMeterFactor needs factor', { field: 'body.factor', rule: 'required' });
      request = { ...base, action: 'setWaterMeterFactor', factor: b.factor };
    } else if (b.action === 'clearCredit') {
      request = { ...base, action: 'clearCredit', ...(b.register !== undefined ? { register: b.register } : {}) };
    } else {
      request = { ...base, action: 'clearTamper' };
    }
    const issued = await deps.hsm.manage(request);
    app.metrics.issued(issued);
    return reply.code(issued.reissued ? 200 : 201).send(issuedAnswer(issued, b.requestId));
  });

  r.post('/v1/meters/:pan/key-changes', {
    config: { access: 'admin' },
    schema: {
      tags: ['meters'], summary: 'a key-change set (2, 3 or 4 tokens, in entry order); the registry moves to the new key, and purchases return the set first until a report verifies under the new key', params: MeterParams, body: KeyChangeBody,
      response: { 201: Type.Ref('Issued'), 200: Type.Ref('Issued'), ...problems(400, 403, 404, 409, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const caller = callerOf(req);
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    const { requestId, ...change } = req.body;
    const request = { ...change, pan, operator: caller.operator, vendingPoint: caller.vendingPoint, transactionId: transactionIdOf(caller, requestId) } as KeyChangeRequest;
    const issued = await deps.hsm.keyChange(request);
    app.metrics.issued(issued);
    // Handed out before every credit token until a report verifies under the new key (meter-state.ts).
    if (!issued.reissued) await deps.store.setPendingKeyChange(pan, { transactionId: issued.transactionId, at: issued.issuedAt });
    return reply.code(issued.reissued ? 200 : 201).send(issuedAnswer(issued, requestId));
  });
}
