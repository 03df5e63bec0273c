/**
 * Customers (admins): register under the utility's number, change, look up, search and page, link
 * and unlink meters (a meter registered in the module; at most one customer per meter), list a
 * customer's meters.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import type { Hsm } from '../../hsm';
import { callerOf } from '../auth';
import { withField } from '../fields';
import { HttpProblem } from '../problem';
import { Pan, problems } from '../schemas/common';
import {
  CustomerDetail, CustomerListQuery, CustomerNumber, CustomerPage, CustomerRegistration, CustomerUpdate, MeterLinkRequest,
} from '../schemas/customer';
import type { CustomerRow, ServerStore } from '../store/server-store';

const tags = ['customers'];
const NumberParams = Type.Object({ number: CustomerNumber });

function unknownCustomer(number: string): HttpProblem {
  return new HttpProblem(404, 'NOT_FOUND', `no customer ${number}; register it with POST /v1/customers`, { field: 'params.number' });
}

export function customerRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore; now: () => Date }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = deps;
  const existing = async (number: string): Promise<CustomerRow> => (await store.getCustomer(number)) ?? (() => { throw unknownCustomer(number); })();

  r.post('/v1/customers', {
    config: { access: 'admin' },
    schema: { tags, summary: 'register a customer under the number the utility chose', body: CustomerRegistration, response: { 201: Type.Ref('Customer'), ...problems(400, 403, 409, 413, 415) } },
  }, async (req, reply) => {
    const at = deps.now().toISOString();
    const b = req.body;
    const row: CustomerRow = { number: b.number, name: b.name, phone: b.phone ?? null, email: b.email ?? null, address: b.address ?? null, createdAt: at, updatedAt: at };
    await store.insertCustomer(row);
    req.log.info({ customer: row.number, by: callerOf(req).operator }, 'customer registered');
    return reply.code(201).send(row);
  });

  r.get('/v1/customers', {
    config: { access: 'admin' },
    schema: { tags, summary: 'customers by number, a page at a time; q: a prefix of the number or the name', querystring: CustomerListQuery, response: { 200: CustomerPage, ...problems(400, 403) } },
  }, async (req) => {
    const { q, after, limit } = req.query;
    const rows = await store.listCustomers({ ...(q !== undefined ? { prefix: q } : {}), ...(after !== undefined ? { after } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, next: rows.length > limit ? items[items.length - 1]!.number : null };
  });

  r.get('/v1/customers/:number', {
    config: { access: 'admin' },
    schema: { tags, summary: 'one customer, with the PANs of their meters and their website account', params: NumberParams, response: { 200: CustomerDetail, ...problems(400, 403, 404) } },
  }, async (req) => {
    const row = await existing(req.params.number);
    const [links, account] = await Promise.all([store.customerMeters(row.number), store.customerUser(row.number)]);
    return { ...row, meters: links.map((l) => l.pan), account: account === undefined ? null : { username: account.username } };
  });

  r.patch('/v1/customers/:number', {
    config: { access: 'admin' },
    schema: { tags, summary: 'change a customer\'s name or contact fields (null removes phone, email or address)', params: NumberParams, body: CustomerUpdate, response: { 200: Type.Ref('Customer'), ...problems(400, 403, 404, 413, 415) } },
  }, async (req) => {
    const row = await store.updateCustomer(req.params.number, req.body, deps.now().toISOString());
    if (row === undefined) throw unknownCustomer(req.params.number);
    req.log.info({ customer: row.number, fields: Object.keys(req.body), by: callerOf(req).operator }, 'customer changed');
    return row;
  });

  r.get('/v1/customers/:number/meters', {
    config: { access: 'admin' },
    schema: { tags, summary: 'the meters linked to a customer', params: NumberParams, response: { 200: Type.Array(Type.Ref('Meter')), ...problems(400, 403, 404) } },
  }, async (req) => {
    await existing(req.params.number);
    return Promise.all((await store.customerMeters(req.params.number)).map((l) => deps.hsm.getMeter(l.pan)));
  });

  r.post('/v1/customers/:number/meters', {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'link a registered meter to a customer (a meter has at most one customer)', params: NumberParams, body: MeterLinkRequest,
      response: { 201: Type.Ref('MeterLink'), ...problems(400, 403, 404, 409, 413, 415) },
    },
  }, async (req, reply) => {
    const pan = withField('body.pan', () => parseMeterPan(req.body.pan).pan);
    await existing(req.params.number);
    await deps.hsm.getMeter(pan);
    const held = await store.meterLink(pan);
    if (held !== undefined) {
      throw new HttpProblem(409, 'CONFLICT', `meter ${pan} is linked to customer ${held.customerNumber}; unlink it there first`, { field: 'body.pan' });
    }
    const link = { pan, customerNumber: req.params.number, linkedAt: deps.now().toISOString() };
    await store.linkMeter(link);
    req.log.info({ customer: link.customerNumber, pan, by: callerOf(req).operator }, 'meter linked');
    return reply.code(201).send(link);
  });

  r.delete('/v1/customers/:number/meters/:pan', {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'unlink a meter from a customer', params: Type.Object({ number: CustomerNumber, pan: Pan }),
      response: { 200: Type.Object({ customerNumber: Type.String(), pan: Type.String(), unlinked: Type.Boolean() }), ...problems(400, 403, 404) },
    },
  }, async (req) => {
    const pan = withField('params.pan', () => parseMeterPan(req.params.pan).pan);
    await existing(req.params.number);
    if (!(await store.unlinkMeter(pan, req.params.number))) {
      throw new HttpProblem(404, 'NOT_FOUND', `meter ${pan} is not linked to customer ${req.params.number}`, { field: 'params.pan' });
    }
    req.log.info({ customer: req.params.number, pan, by: callerOf(req).operator }, 'meter unlinked');
    return { customerNumber: req.params.number, pan, unlinked: true };
  });
}
