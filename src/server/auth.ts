/**
 * Authentication and role checks, before the body is read. A request proves who it is with an API
 * key (`Authorization: Bearer hsk_…`; never needs a CSRF token) or, without one, with the website's
 * session cookie. 401 for a missing, malformed, unknown or revoked key or a missing or ended
 * session; 403 for a cookie-authenticated state-changing request without the session's CSRF
 * token, and for a caller whose role the route does not admit (access levels: caller.ts).
 */
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiKeyId, apiKeyMatches, VerifiedKeys } from './api-key';
import type { Access, Caller } from './caller';
import { HttpProblem } from './problem';
import { CSRF_HEADER, SESSION_COOKIE, type SessionSettings, csrfTokenMatches, resolveSession } from './session';
import type { ServerStore, UserRow } from './store/server-store';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="hydrosync"' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem(401, 'UNAUTHORIZED', detail, { field: 'header.authorization', headers: CHALLENGE });
}

function forbidden(detail: string): HttpProblem {
  return new HttpProblem(403, 'FORBIDDEN', detail);
}

/** The presented key of a request, or undefined. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer +(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** The caller of a website account. */
export function sessionCaller(user: UserRow): Caller {
  return user.role === 'customer'
    ? { role: 'customer', via: 'session', username: user.username, customerNumber: user.customerNumber!, vendingPoint: `customer.${user.customerNumber!}`, operator: `customer:${user.customerNumber!}` }
    : { role: 'admin', via: 'session', username: user.username, vendingPoint: `user.${user.username}`, operator: `user:${user.username}` };
}

/** Refuse a caller the route's access level does not admit (403). */
function checkRole(access: Access, caller: Caller): void {
  const keyName = caller.via === 'apikey' ? `the API key ${caller.keyId} is an ${caller.role} key` : `a ${caller.role === 'admin' ? 'admin user' : 'customer'} session`;
  if (access === 'admin' && caller.role !== 'admin') throw forbidden(`${keyName}; this route needs an admin`);
  if (access === 'agent' && caller.role === 'customer') throw forbidden('a customer session may not call this route (customers buy through payments)');
  if (access === 'customer' && caller.role !== 'customer') throw forbidden(`${caller.via === 'apikey' ? 'an API key' : 'an admin user session'} may not call this route; it is a customer's own`);
  if (access === 'session' && caller.via !== 'session') throw forbidden('this route is for website sessions, not API keys');
}

export interface AuthSettings {
  store: ServerStore;
  now: () => Date;
  sessions: SessionSettings;
}

/** Install the auth hook: routes say who may call them with `config: { access }` (default admin). */
export function installAuth(app: FastifyInstance, deps: AuthSettings): void {
  const { store } = deps;
  const verified = new VerifiedKeys();
  app.decorateRequest('caller', undefined);
  app.decorateRequest('sessionIdHash', undefined);

  async function keyCaller(key: string): Promise<Caller> {
    const id = apiKeyId(key);
    if (id === undefined) throw unauthorized('the API key is malformed (expected hsk_ followed by 12 hex digits, _ and 43 characters)');
    const row = await store.getApiKey(id);
    if (row === undefined || !(verified.has(key, id) || await apiKeyMatches(key, row))) throw unauthorized('the API key is not valid');
    if (row.revokedAt !== null) throw unauthorized(`the API key ${id} was revoked at ${row.revokedAt}`);
    verified.add(key, id);
    return {
      role: row.role, via: 'apikey', keyId: id, vendingPoint: row.vendingPoint, operator: `apikey:${id}`,
      ...(row.dailyLimitLitres !== null || row.dailyLimitRupiah !== null ? { dailyLimits: { litres: row.dailyLimitLitres, rupiah: row.dailyLimitRupiah } } : {}),
    };
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const access: Access = request.routeOptions.config.access ?? 'admin';
    if (access === 'public') return;
    let caller: Caller;
    const key = presentedKey(request);
    const sessionId = request.cookies[SESSION_COOKIE];
    if (key !== undefined || request.headers.authorization !== undefined) {
      if (key === undefined) throw unauthorized('the Authorization header must be Bearer followed by an API key');
      caller = await keyCaller(key);
    } else if (typeof sessionId === 'string' && sessionId !== '') {
      const live = await resolveSession(store, sessionId, deps.now(), deps.sessions);
      if (live === undefined) throw new HttpProblem(401, 'UNAUTHORIZED', 'the session has ended or is not valid; sign in again (POST /v1/session)', { field: 'cookie' });
      if (!SAFE_METHODS.has(request.method) && !csrfTokenMatches(sessionId, request.headers[CSRF_HEADER] as string | undefined)) {
        request.log.warn({ method: request.method, url: request.url }, 'refused: missing or wrong CSRF token');
        throw new HttpProblem(403, 'CSRF', `a request that changes something needs the session's CSRF token in the ${CSRF_HEADER} header (GET /v1/session gives it)`, { field: `header.${CSRF_HEADER}` });
      }
      caller = sessionCaller(live.user);
      request.sessionIdHash = live.row.idHash;
    } else {
      throw unauthorized(access === 'customer' || access === 'session'
        ? 'this route needs a signed-in website session (POST /v1/session)'
        : 'this route needs an API key (Authorization: Bearer hsk_…) or a signed-in website session');
    }
    checkRole(access, caller);
    request.caller = caller;
    // Every later line of this request (its refusal, 'request completed') names who made it.
    request.log = request.log.child({ operator: caller.operator });
    reply.log = request.log;
  });
}

/** The caller of an authenticated route (set by the hook). */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === undefined) throw new HttpProblem(401, 'UNAUTHORIZED', 'this route needs an API key or a website session', { headers: CHALLENGE });
  return request.caller;
}
