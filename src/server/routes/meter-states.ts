/** A meter's state on the server: look it up, deactivate and reactivate (admins), clear a pending key-change set by hand. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm } from '../../hsm';
import { callerOf } from '../auth';
import { withField } from '../fields';
import { assertMayActFor } from '../meter-access';
import { meterStateOf } from '../meter-state';
import { Pan, problems } from '../schemas/common';
import type { ServerStore } from '../store/server-store';

const tags = ['meters'];
const MeterParams = Type.Object({ pan: Pan });

export function meterStateRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore; now: () => Date }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  /** The registered meter's PAN (NOT_FOUND for a meter the module does not know). */
  const knownPan = async (text: string) => {
    const pan = withField('params.pan', () => parseMeterPan(text).pan);
    await deps.hsm.getMeter(pan);
    return pan;
  };

  r.get('/v1/meters/:pan/state', {
    config: { access: 'meter' },
    schema: { tags, summary: 'the server\'s state of a meter: active or deactivated, a key-change set not yet confirmed', params: MeterParams, response: { 200: Type.Ref('MeterState'), ...problems(400, 404) } },
  }, async (req) => {
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await assertMayActFor(deps.store, callerOf(req), pan);
    return meterStateOf(await deps.store.getMeterState(await knownPan(pan)));
  });

  r.put('/v1/meters/:pan/deactivation', {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'deactivate a meter: no sales until it is reactivated (retries of earlier sales still return their tokens)', params: MeterParams,
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 200, description: 'why, for the people who read the meter\'s page' }) }, { additionalProperties: false }),
      response: { 200: Type.Ref('MeterState'), ...problems(400, 403, 404, 413, 415) },
    },
  }, async (req) => {
    const pan = await knownPan(req.params.pan);
    const caller = callerOf(req);
    const row = await deps.store.setMeterDeactivation(pan, { at: deps.now().toISOString(), by: caller.operator, reason: req.body.reason });
    req.log.info({ pan, operator: caller.operator }, 'meter deactivated');
    return meterStateOf(row);
  });

  r.delete('/v1/meters/:pan/deactivation', {
    config: { access: 'admin' },
    schema: { tags, summary: 'reactivate a meter', params: MeterParams, response: { 200: Type.Ref('MeterState'), ...problems(400, 403, 404) } },
  }, async (req) => {
    const pan = await knownPan(req.params.pan);
    const row = await deps.store.setMeterDeactivation(pan, null);
    req.log.info({ pan, operator: callerOf(req).operator }, 'meter reactivated');
    return meterStateOf(row);
  });

  r.delete('/v1/meters/:pan/pending-key-change', {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'stop returning the pending key-change set (the meter confirmed the new key in another way, e.g. a technician saw it)',
      params: MeterParams, response: { 200: Type.Ref('MeterState'), ...problems(400, 403, 404) },
    },
  }, async (req) => {
    const pan = await knownPan(req.params.pan);
    const row = await deps.store.setPendingKeyChange(pan, null);
    req.log.info({ pan, operator: callerOf(req).operator }, 'pending key change cleared');
    return meterStateOf(row);
  });
}
