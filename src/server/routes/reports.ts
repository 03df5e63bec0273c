/**
 * Meter reports (docs/reports.md): a report read over Bluetooth (the binary frame, hex) or the
 * 20-digit report code a keypad meter displays, verified by the module under the meter's report
 * key; and what they show: remaining volume, consumption per day, days left, alerts. A report that
 * verifies under the meter's current key also confirms a pending key-change set (meter-state.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm } from '../../hsm';
import { callerOf } from '../auth';
import { assertMayActFor } from '../meter-access';
import { statusOfCode } from '../error-status';
import { withField } from '../fields';
import { HttpProblem } from '../problem';
import { Pan, problems } from '../schemas/common';
import type { ServerStore } from '../store/server-store';

const tags = ['reports'];
const MeterParams = Type.Object({ pan: Pan });
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Flags = Type.Object({ valveClosed: Type.Boolean(), lowCredit: Type.Boolean(), tamper: Type.Boolean(), lowBattery: Type.Boolean(), keyChangePending: Type.Boolean() });

export const ReportSummary = Type.Object({
  pan: Type.String(),
  reports: Type.Integer({ description: 'reports stored' }),
  lastSeen: Nullable(Type.String({ description: 'when the newest report was accepted' })),
  counter: Nullable(Type.Integer()),
  creditLitres: Nullable(Type.Integer({ description: 'remaining volume, litres (the true value is below creditLitres + creditStepLitres)' })),
  creditCubicMetres: Nullable(Type.String()),
  creditStepLitres: Nullable(Type.Integer()),
  flags: Nullable(Flags),
  consumptionLitresPerDay: Nullable(Type.Integer()),
  daysLeft: Nullable(Type.Integer()),
  alerts: Type.Array(Type.String()),
}, { $id: 'ReportSummary' });

const ReportBody = Type.Object({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'the 20-digit report code the meter displays (spaces and dashes allowed)' })),
  frame: Type.Optional(Type.String({ minLength: 2, maxLength: 512, pattern: '^[0-9A-Fa-f]+$', description: 'the binary report frame read over Bluetooth, hex' })),
}, { additionalProperties: false });

export function reportRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/meters/:pan/reports', {
    config: { access: 'meter' },
    schema: {
      tags, summary: 'submit a meter report (the Bluetooth frame or the 20-digit code): verified, stored, and the meter\'s summary answered',
      params: MeterParams, body: ReportBody,
      response: {
        201: Type.Object({ form: Type.String(), counter: Type.Integer(), outOfOrder: Type.Boolean(), keyChangeConfirmed: Type.Boolean(), summary: Type.Ref('ReportSummary') }),
        ...problems(400, 404, 413, 415, 422),
      },
    },
  }, async (req, reply) => {
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await assertMayActFor(deps.store, callerOf(req), pan);
    const { code, frame } = req.body;
    if ((code === undefined) === (frame === undefined)) {
      throw new HttpProblem(400, 'FORMAT', 'give either code (the 20-digit report code) or frame (the Bluetooth report, hex)', { field: code === undefined ? 'body.code' : 'body.frame', rule: 'oneOf' });
    }
    const result = await deps.hsm.verifyReport({ pan, ...(code !== undefined ? { code } : { frame: frame! }) }, { operator: callerOf(req).operator });
    if (!result.ok) {
      throw new HttpProblem(statusOfCode(result.code), result.code, result.message, result.code === 'NOT_FOUND' ? { field: 'params.pan' } : { field: code !== undefined ? 'body.code' : 'body.frame' });
    }
    // Verified under the meter's current key: the meter has it, so a pending key-change set is done.
    let keyChangeConfirmed = false;
    if (!result.value.flags.keyChangePending && (await deps.store.getMeterState(pan))?.pendingKeyChange != null) {
      await deps.store.setPendingKeyChange(pan, null);
      keyChangeConfirmed = true;
    }
    const v = result.value;
    return reply.code(201).send({ form: v.form, counter: v.counter, outOfOrder: v.outOfOrder, keyChangeConfirmed, summary: await deps.hsm.reportSummary(pan) });
  });

  r.get('/v1/meters/:pan/summary', {
    config: { access: 'meter' },
    schema: {
      tags, summary: 'remaining volume, consumption per day, days left and alerts from the meter\'s reports',
      params: MeterParams, querystring: Type.Object({ silentDays: Type.Integer({ minimum: 1, maximum: 365, default: 7, description: 'alert "silent" after this many days without a report' }) }, { additionalProperties: false }),
      response: { 200: Type.Ref('ReportSummary'), ...problems(400, 404) },
    },
  }, async (req) => {
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await assertMayActFor(deps.store, callerOf(req), pan);
    return deps.hsm.reportSummary(pan, { silentDays: req.query.silentDays });
  });
}
