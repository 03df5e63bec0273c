/** A customer's own pages: who they are and the meters linked to them (customer sessions only). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Hsm } from '../../hsm';
import { callerOf } from '../auth';
import { HttpProblem } from '../problem';
import { problems } from '../schemas/common';
import type { ServerStore } from '../store/server-store';

export function meRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['me'];
  const ownCustomer = async (number: string) => (await deps.store.getCustomer(number))
    ?? (() => { throw new HttpProblem(404, 'NOT_FOUND', `customer ${number} is no longer registered`); })();

  r.get('/v1/me', {
    config: { access: 'customer' },
    schema: {
      tags, summary: 'the signed-in customer: their record, username and the PANs of their meters',
      response: { 200: Type.Intersect([Type.Ref('Customer'), Type.Object({ username: Type.String(), meters: Type.Array(Type.String()) })]), ...problems(403, 404) },
    },
  }, async (req) => {
    const caller = callerOf(req);
    const customer = await ownCustomer(caller.customerNumber!);
    const links = await deps.store.customerMeters(customer.number);
    return { ...customer, username: caller.username!, meters: links.map((l) => l.pan) };
  });

  r.get('/v1/me/meters', {
    config: { access: 'customer' },
    schema: { tags, summary: 'the meters linked to the signed-in customer', response: { 200: Type.Array(Type.Ref('Meter')), ...problems(403) } },
  }, async (req) => {
    const links = await deps.store.customerMeters(callerOf(req).customerNumber!);
    return Promise.all(links.map((l) => deps.hsm.getMeter(l.pan)));
  });
}
