/**
 * Every error as problem+json: validation failures naming the field and the rule, fastify's own
 * refusals (413, 415, malformed JSON), HydroSyncErrors by the table in error-status.ts, unknown
 * routes (404) and known paths with another method (405, with Allow). Anything else is a 500
 * that says nothing about the inside; its details go to the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isHydroSyncError } from '../errors';
import { statusOfCode } from './error-status';
import { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem, problem } from './problem';

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT', 409: 'CONFLICT', 411: 'LENGTH_REQUIRED', 413: 'BODY_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE', 429: 'TOO_MANY_REQUESTS', 431: 'HEADERS_TOO_LARGE', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};

interface AjvError { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }

const CONTEXTS: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'header' };

/** `body.amount.rupiah` from a validation error. */
function fieldOf(context: string, e: AjvError): string {
  const path = (e.instancePath ?? '').split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = e.params?.missingProperty ?? e.params?.additionalProperty;
  if (typeof extra === 'string') path.push(extra);
  return [CONTEXTS[context] ?? context, ...path].join('.');
}

function send(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  // A string is sent as it is: no response schema applies to problems.
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

/** The problem for anything thrown while handling a request. */
export function problemOf(error: unknown, request: FastifyRequest): { problem: Problem; headers: Record<string, string>; internal: boolean } {
  const instance = request.url.split('?')[0] ?? request.url;
  if (error instanceof HttpProblem) {
    return { problem: problem(error.status, error.code, error.message, instance, { field: error.field, rule: error.rule }), headers: error.headers, internal: false };
  }
  if (isHydroSyncError(error)) {
    const status = statusOfCode(error.code);
    const field = (error as { field?: string }).field;
    return { problem: problem(status, error.code, error.message, instance, { field }), headers: status === 503 ? { 'retry-after': '5' } : {}, internal: false };
  }
  const fe = error as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const first = fe.validation[0]!;
    const field = fieldOf(fe.validationContext ?? 'body', first);
    const rule = first.keyword ?? 'schema';
    const detail = rule === 'additionalProperties' ? `${field} is not a field of this request`
      : rule === 'required' ? `${field} is required` : `${field} ${first.message ?? 'is not valid'}`;
    return { problem: problem(400, 'FORMAT', detail, instance, { field, rule }), headers: {}, internal: false };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.name === 'SyntaxError' ? 'FORMAT' : HTTP_CODES[status] ?? 'BAD_REQUEST';
    const detail = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'the request body is larger than this server accepts'
      : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? `the body must be application/json; got ${request.headers['content-type'] ?? 'none'}`
        : (fe.message ?? 'bad request');
    return { problem: problem(status, code, detail, instance, code === 'FORMAT' ? { field: 'body', rule: 'json' } : {}), headers: {}, internal: false };
  }
  return { problem: problem(500, 'INTERNAL', 'the server failed to answer this request; it was logged', instance), headers: {}, internal: true };
}

/** Install the error and not-found handlers; `routes` are the method+path pairs (for 405). */
export function installErrorHandlers(app: FastifyInstance, routes: { method: string; pattern: RegExp }[], onProblem: (code: string, status: number) => void = () => {}): void {
  app.setErrorHandler((error, request, reply) => {
    const { problem: p, headers, internal } = problemOf(error, request);
    onProblem(p.code, p.status);
    if (internal) request.log.error({ err: error }, 'internal error');
    else request.log.info({ status: p.status, code: p.code }, 'refused');
    return send(reply, p, headers);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    const p = allowed.length > 0
      ? problem(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, path)
      : problem(404, 'NOT_FOUND', `there is no route ${request.method} ${path}`, path);
    onProblem(p.code, p.status);
    return send(reply, p, allowed.length > 0 ? { allow: allowed.join(', ') } : {});
  });
}

/** A route path (`/v1/meters/:pan`) as a pattern matching its concrete paths. */
export function routePattern(url: string): RegExp {
  const escaped = url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${escaped}/?$`);
}
