/** API keys (admins): create (the key is in this answer only), list, revoke (effective at once). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { createApiKey } from '../api-key';
import { callerOf } from '../auth';
import { HttpProblem } from '../problem';
import { problems } from '../schemas/common';
import type { ApiKeyRow, ServerStore } from '../store/server-store';

export const ApiKeyInfo = Type.Object({
  id: Type.String(), role: Type.String(), vendingPoint: Type.String(), label: Type.String(), createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  dailyLimitLitres: Type.Union([Type.Integer(), Type.Null()], { description: 'litres a local day this key may sell (besides the module\'s limit per vending point); null: no limit of its own' }),
  dailyLimitRupiah: Type.Union([Type.Integer(), Type.Null()], { description: 'rupiah a local day this key may sell; null: no limit of its own' }),
}, { $id: 'ApiKey' });

export const ApiKeyCreation = Type.Object({
  role: Type.Union([Type.Literal('agent'), Type.Literal('admin')]),
  vendingPoint: Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$', description: 'the till, kiosk or channel the key sells for' }),
  label: Type.Optional(Type.String({ maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })),
  dailyLimitLitres: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'litres a local day this key may sell' })),
  dailyLimitRupiah: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'rupiah a local day this key may sell' })),
}, { additionalProperties: false });

/** A key's row as shown (never its hash). */
export function apiKeyInfo(row: ApiKeyRow): Omit<ApiKeyRow, 'hash'> {
  const { hash: _hash, ...info } = row;
  return info;
}

export function apiKeyRoutes(app: FastifyInstance, deps: { store: ServerStore; now: () => Date }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/v1/api-keys', {
    config: { access: 'admin' },
    schema: {
      tags: ['api keys'], summary: 'create an API key bound to a vending point; the key is shown in this answer only', body: ApiKeyCreation,
      response: { 201: Type.Intersect([Type.Ref('ApiKey'), Type.Object({ key: Type.String() })]), ...problems(400, 403, 413, 415) },
    },
  }, async (req, reply) => {
    const { key, row } = await createApiKey(req.body, deps.now());
    await deps.store.insertApiKey(row);
    req.log.info({ apiKey: row.id, role: row.role, vendingPoint: row.vendingPoint, by: callerOf(req).operator }, 'API key created');
    return reply.code(201).send({ ...apiKeyInfo(row), key });
  });

  r.get('/v1/api-keys', {
    config: { access: 'admin' },
    schema: { tags: ['api keys'], summary: 'every API key (never the key or its hash)', response: { 200: Type.Array(Type.Ref('ApiKey')), ...problems(403) } },
  }, async () => (await deps.store.listApiKeys()).map(apiKeyInfo));

  r.delete('/v1/api-keys/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['api keys'], summary: 'revoke an API key: it stops working at once', params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) }),
      response: { 200: Type.Ref('ApiKey'), ...problems(400, 403, 404) },
    },
  }, async (req) => {
    const row = await deps.store.revokeApiKey(req.params.id, deps.now().toISOString());
    if (row === undefined) throw new HttpProblem(404, 'NOT_FOUND', `no API key ${req.params.id}`, { field: 'params.id' });
    req.log.info({ apiKey: row.id, by: callerOf(req).operator }, 'API key revoked');
    return apiKeyInfo(row);
  });
}
