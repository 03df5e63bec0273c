// The OpenAPI document comes from the route schemas: it validates as OpenAPI 3.1 (against the
// official schema, via @seriousme/openapi-schema-validator) and lists every route of the API.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestServer, json, sqliteServer } from './server-support';

let s: TestServer;
beforeAll(async () => {
  s = await sqliteServer();
}, 60_000);
afterAll(() => s.close());

/** Every route of this milestone, written out by hand (not read from the server). */
const ROUTES = [
  'get /healthz', 'get /readyz', 'get /v1/openapi.json',
  'post /v1/meters', 'get /v1/meters', 'get /v1/meters/{pan}',
  'post /v1/purchases', 'post /v1/reprints',
  'post /v1/meters/{pan}/management-tokens', 'post /v1/meters/{pan}/key-changes',
  'get /v1/audit', 'get /v1/audit/verify',
  'post /v1/api-keys', 'get /v1/api-keys', 'delete /v1/api-keys/{id}',
  'post /v1/customers', 'get /v1/customers', 'get /v1/customers/{number}', 'patch /v1/customers/{number}',
  'get /v1/customers/{number}/meters', 'post /v1/customers/{number}/meters', 'delete /v1/customers/{number}/meters/{pan}',
  'get /metrics', 'get /v1/meters/{pan}/state', 'put /v1/meters/{pan}/deactivation', 'delete /v1/meters/{pan}/deactivation',
  'delete /v1/meters/{pan}/pending-key-change', 'post /v1/meters/{pan}/reports', 'get /v1/meters/{pan}/summary', 'get /v1/audit/export',
  'post /v1/payments/quote', 'post /v1/payments', 'get /v1/payments/{id}', 'get /v1/payments/{id}/events', 'post /v1/payments/{id}/retry',
  'post /v1/payments/notifications', 'get /v1/reconciliation',
  'post /v1/users', 'get /v1/users', 'post /v1/customers/{number}/invitations', 'post /v1/accounts',
  'post /v1/session', 'get /v1/session', 'delete /v1/session', 'get /v1/me', 'get /v1/me/meters',
  'get /v1/meters/{pan}/transactions', 'post /v1/meters/{pan}/reprints',
];

it('GET /v1/openapi.json (no key needed) is a valid OpenAPI 3.1 document listing every route', async () => {
  const res = await s.app.inject({ method: 'GET', url: '/v1/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(res);
  expect(doc.openapi).toBe('3.1.0');
  const validator = new Validator();
  const result = await validator.validate(doc as never);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
  // The validator does refuse: the same document without its info object is not valid.
  const { info: _info, ...broken } = doc as unknown as Record<string, unknown>;
  expect((await new Validator().validate(broken as never)).valid).toBe(false);
  const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m} ${path}`));
  expect(listed.sort()).toEqual([...ROUTES].sort());
});

it('documents the purchase body, its 201/200 answers and its problem+json refusals', async () => {
  const doc = json<{ paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { required: string[]; properties: Record<string, unknown> } }> }; responses: Record<string, { content: Record<string, unknown> }> }>> }>(
    await s.app.inject({ method: 'GET', url: '/v1/openapi.json' }),
  );
  const op = doc.paths['/v1/purchases']!.post!;
  const body = op.requestBody.content['application/json']!.schema;
  expect(body.required.sort()).toEqual(['pan', 'purchaseId']);
  expect(Object.keys(body.properties).sort()).toEqual(['cubicMetres', 'litres', 'pan', 'purchaseId', 'rupiah']);
  expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '404', '409', '413', '415', '422', '429']));
  expect(Object.keys(op.responses['409']!.content)).toEqual(['application/problem+json']);
});
