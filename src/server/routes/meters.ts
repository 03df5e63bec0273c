/** Meters: register (admin), list with paging (admin), look up (agents and admins). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm, MeterAdd } from '../../hsm';
import { callerOf } from '../auth';
import { withField } from '../fields';
import { assertMayActFor } from '../meter-access';
import { Pan, problems } from '../schemas/common';
import { MeterListQuery, MeterPage, MeterRegistration } from '../schemas/meter';
import type { ServerStore } from '../store/server-store';

const tags = ['meters'];

export function meterRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/meters', {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'register a meter with its key parameters', body: MeterRegistration,
      response: { 201: Type.Ref('Meter'), ...problems(400, 403, 404, 409, 413, 415, 422) },
    },
  }, async (req, reply) => {
    const pan = withField('body.pan', () => parseMeterPan(req.body.pan).pan);
    const meter = await deps.hsm.addMeter({ ...req.body, pan } as MeterAdd, { operator: callerOf(req).operator });
    return reply.code(201).send(meter);
  });

  r.get('/v1/meters', {
    config: { access: 'admin' },
    schema: { tags, summary: 'list meters by PAN, a page at a time', querystring: MeterListQuery, response: { 200: MeterPage, ...problems(400, 403) } },
  }, async (req) => {
    const all = await deps.hsm.listMeters(req.query.supplyGroupCode !== undefined ? { supplyGroupCode: req.query.supplyGroupCode } : {});
    const after = req.query.after;
    const rest = after === undefined ? all : all.filter((m) => m.pan > after);
    const items = rest.slice(0, req.query.limit);
    return { items, next: rest.length > items.length ? items[items.length - 1]!.pan : null };
  });

  r.get('/v1/meters/:pan', {
    config: { access: 'meter' },
    schema: { tags, summary: 'one meter (a customer: only their own)', params: Type.Object({ pan: Pan }), response: { 200: Type.Ref('Meter'), ...problems(400, 403, 404) } },
  }, async (req) => {
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await assertMayActFor(deps.store, callerOf(req), pan);
    return deps.hsm.getMeter(pan);
  });
}
