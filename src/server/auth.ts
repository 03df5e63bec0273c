/**
 * API key authentication (`Authorization: Bearer hsk_…`) and role checks, before the body is read:
 * 401 for a missing, malformed, unknown or revoked key (the row is read on every request, so a
 * revocation takes effect at once), 403 for an agent key on an admin route.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiKeyId, apiKeyMatches, VerifiedKeys } from './api-key';
import type { Access, Caller } from './caller';
import { HttpProblem } from './problem';
import type { ServerStore } from './store/server-store';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="hydrosync"' };

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem(401, 'UNAUTHORIZED', detail, { field: 'header.authorization', headers: CHALLENGE });
}

/** The presented key of a request, or undefined. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer +(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Install the auth hook: routes say who may call them with `config: { access }` (default admin). */
export function installAuth(app: FastifyInstance, store: ServerStore): void {
  const verified = new VerifiedKeys();
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access: Access = request.routeOptions.config.access ?? 'admin';
    if (access === 'public') return;
    const key = presentedKey(request);
    if (key === undefined) throw unauthorized('this route needs an API key: Authorization: Bearer hsk_…');
    const id = apiKeyId(key);
    if (id === undefined) throw unauthorized('the API key is malformed (expected hsk_ followed by 12 hex digits, _ and 43 characters)');
    const row = await store.getApiKey(id);
    if (row === undefined || !(verified.has(key, id) || await apiKeyMatches(key, row))) throw unauthorized('the API key is not valid');
    if (row.revokedAt !== null) throw unauthorized(`the API key ${id} was revoked at ${row.revokedAt}`);
    verified.add(key, id);
    if (access === 'admin' && row.role !== 'admin') {
      throw new HttpProblem(403, 'FORBIDDEN', `the API key ${id} is an ${row.role} key; this route needs an admin key`);
    }
    const caller: Caller = {
      keyId: id, role: row.role, vendingPoint: row.vendingPoint, operator: `apikey:${id}`,
      ...(row.dailyLimitLitres !== null || row.dailyLimitRupiah !== null ? { dailyLimits: { litres: row.dailyLimitLitres, rupiah: row.dailyLimitRupiah } } : {}),
    };
    request.caller = caller;
  });
}

/** The caller of an authenticated route (set by the hook). */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === undefined) throw new HttpProblem(401, 'UNAUTHORIZED', 'this route needs an API key', { headers: CHALLENGE });
  return request.caller;
}
