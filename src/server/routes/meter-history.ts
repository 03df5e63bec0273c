/**
 * A meter's sales history and reprints by transaction id, for everyone who may act for the meter:
 * admins, agents (reprints only of their own vending point's transactions) and the customer the
 * meter is linked to (their purchases through the website and at agents, with reprints).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm } from '../../hsm';
import { callerOf } from '../auth';
import { withField } from '../fields';
import { assertMayActFor } from '../meter-access';
import { HttpProblem } from '../problem';
import { Pan, problems } from '../schemas/common';
import type { ServerStore } from '../store/server-store';

const LocalDate = (description: string) => Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });
const TransactionId = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,100}$', description: 'the module transaction id (<vending point>:<purchase id>)' });

export function meterHistoryRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['meters'];

  r.get('/v1/meters/:pan/transactions', {
    config: { access: 'meter' },
    schema: {
      tags, summary: 'a meter\'s completed transactions (sales, management and key-change tokens) in time order',
      params: Type.Object({ pan: Pan }),
      querystring: Type.Object({ from: Type.Optional(LocalDate('first local date, inclusive')), to: Type.Optional(LocalDate('last local date, inclusive')) }, { additionalProperties: false }),
      response: { 200: Type.Array(Type.Object({ transactionId: Type.String(), kind: Type.String(), pan: Type.Union([Type.String(), Type.Null()]), at: Type.String() })), ...problems(400, 403, 404) },
    },
  }, async (req) => {
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await assertMayActFor(deps.store, callerOf(req), pan);
    return deps.hsm.transactions(pan, req.query);
  });

  r.post('/v1/meters/:pan/reprints', {
    config: { access: 'meter' },
    schema: {
      tags, summary: 'the tokens of one of the meter\'s transactions again (a lost receipt)',
      params: Type.Object({ pan: Pan }), body: Type.Object({ transactionId: TransactionId }, { additionalProperties: false }),
      response: { 200: Type.Ref('Issued'), ...problems(400, 403, 404, 413, 415) },
    },
  }, async (req) => {
    const caller = callerOf(req);
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await assertMayActFor(deps.store, caller, pan);
    const id = req.body.transactionId;
    const notFound = () => new HttpProblem(404, 'NOT_FOUND', `meter ${pan} has no completed transaction ${id}`, { field: 'body.transactionId' });
    if (caller.role === 'agent' && !id.startsWith(`${caller.vendingPoint}:`)) throw notFound();
    if (!(await deps.hsm.transactions(pan)).some((t) => t.transactionId === id)) throw notFound();
    const issued = await deps.hsm.reprint({ transactionId: id, operator: caller.operator, vendingPoint: caller.vendingPoint });
    return { ...issued, requestId: id.slice(id.indexOf(':') + 1) };
  });
}
