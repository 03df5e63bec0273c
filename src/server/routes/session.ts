/**
 * Website sign-in: POST /v1/session checks the username and password (sign-in.ts: lockout per
 * username and address) and sets the session cookie (httpOnly, SameSite=Lax, Path=/, Secure when
 * the request came over TLS — directly, or through a trusted proxy's X-Forwarded-Proto), a new
 * random session id every time; GET /v1/session says who is signed in and gives the CSRF token;
 * DELETE /v1/session signs out.
 */
import type {} from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth';
import { problems } from '../schemas/common';
import { SignInRequest } from '../schemas/account';
import { SESSION_COOKIE, type SessionSettings, csrfTokenOf, idleEnd, sessionIdHash, startSession } from '../session';
import { type SignInLimits, signIn } from '../sign-in';
import type { ServerStore, SessionRow, UserRow } from '../store/server-store';

function sessionInfo(id: string, row: SessionRow, user: UserRow, settings: SessionSettings) {
  return {
    username: user.username, role: user.role, customerNumber: user.customerNumber, csrfToken: csrfTokenOf(id),
    expiresAt: row.expiresAt, idleExpiresAt: idleEnd(row, settings).toISOString(),
  };
}

function cookieOptions(req: FastifyRequest, maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: req.protocol === 'https', maxAge: maxAgeSeconds };
}

function clearCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: req.protocol === 'https' });
}

export function sessionRoutes(app: FastifyInstance, deps: { store: ServerStore; now: () => Date; sessions: SessionSettings; limits: SignInLimits }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = deps;
  const tags = ['sessions'];

  r.post('/v1/session', {
    config: { access: 'public' },
    schema: {
      tags, security: [], summary: 'sign in to the website: sets the session cookie (a new session id every time) and returns the CSRF token',
      body: SignInRequest, response: { 200: Type.Ref('Session'), ...problems(400, 413, 415) },
    },
  }, async (req, reply) => {
    const now = deps.now();
    const user = await signIn({ store, limits: deps.limits, log: req.log }, { username: req.body.username, password: req.body.password, address: req.ip }, now);
    const previous = req.cookies[SESSION_COOKIE];
    if (typeof previous === 'string' && previous !== '') await store.deleteSession(sessionIdHash(previous));
    const { id, row } = await startSession(store, user, now, deps.sessions);
    reply.setCookie(SESSION_COOKIE, id, cookieOptions(req, deps.sessions.absoluteHours * 3600));
    req.log.info({ user: user.username, role: user.role, address: req.ip }, 'signed in');
    return sessionInfo(id, row, user, deps.sessions);
  });

  r.get('/v1/session', {
    config: { access: 'session' },
    schema: { tags, summary: 'who is signed in, and the session\'s CSRF token', response: { 200: Type.Ref('Session'), ...problems(403) } },
  }, async (req) => {
    const caller = callerOf(req);
    const id = req.cookies[SESSION_COOKIE]!;
    const [row, user] = await Promise.all([store.getSession(sessionIdHash(id)), store.getUser(caller.username!)]);
    return sessionInfo(id, row!, user!, deps.sessions);
  });

  r.delete('/v1/session', {
    config: { access: 'session' },
    schema: { tags, summary: 'sign out: the session ends at once (needs the CSRF token)', response: { 200: Type.Object({ signedOut: Type.Boolean() }), ...problems(403) } },
  }, async (req, reply) => {
    await store.deleteSession(req.sessionIdHash!);
    clearCookie(req, reply);
    req.log.info({ user: callerOf(req).username }, 'signed out');
    return { signedOut: true };
  });
}
