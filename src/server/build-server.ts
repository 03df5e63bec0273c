/**
 * The vending server: a fastify instance around an open security module and the server store.
 * Routes are declared once with TypeBox schemas, from which request validation, response
 * serialization and the OpenAPI 3.1 document (/v1/openapi.json) all come. Tests use `inject`;
 * `runServer` (run-server.ts) listens on a socket.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Hsm } from '../hsm';
import { installAuth } from './auth';
import { installErrorHandlers, routePattern } from './error-handler';
import { installMetrics, metricsRoute } from './metrics';
import { findWebAssets, webRoutes } from './web-routes';
import { HttpProblem } from './problem';
import { apiKeyRoutes, ApiKeyInfo } from './routes/api-keys';
import { auditRoutes } from './routes/audit';
import { accountRoutes } from './routes/accounts';
import { customerRoutes } from './routes/customers';
import { meRoutes } from './routes/me';
import { meterHistoryRoutes } from './routes/meter-history';
import { sessionRoutes } from './routes/session';
import { healthRoutes } from './routes/health';
import { meterRoutes } from './routes/meters';
import { meterTokenRoutes } from './routes/meter-tokens';
import { meterStateRoutes } from './routes/meter-states';
import { type PaymentOptions, paymentRoutes } from './routes/payments';
import { purchaseRoutes } from './routes/purchases';
import { reconciliationRoutes } from './routes/reconciliation';
import { ReportSummary, reportRoutes } from './routes/reports';
import { SessionInfo, UserInfo } from './schemas/account';
import { Problem } from './schemas/common';
import { Customer, MeterLink } from './schemas/customer';
import { Issued } from './schemas/issued';
import { Meter } from './schemas/meter';
import { MeterState } from './schemas/meter-state';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings } from './session';
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './sign-in';
import type { ServerStore } from './store/server-store';

export interface ServerOptions {
  /** The open security module (its store is closed with the server unless `closeOnShutdown` is false). */
  hsm: Hsm;
  /** The server's own tables in the same database (open-server-store.ts). */
  store: ServerStore;
  /** Structured JSON logs (pino): `false` for none; `stream` to capture them (tests). Default: info to stdout. */
  logger?: false | { level?: string; stream?: { write(line: string): void } };
  /** Largest request body in bytes (default 65536): larger is 413. */
  bodyLimit?: number;
  /** Requests per client (address and claimed API key id) per window (default 600 a minute); false: no limit. */
  rateLimit?: false | { max: number; timeWindowMs: number };
  /** The clock for API key times (default: the system clock). */
  now?: () => Date;
  /** Close the module and the server store when the server closes (default true). */
  closeOnShutdown?: boolean;
  /** The payment gateway and how payments are taken (routes/payments.ts); without it the payment routes answer 503. */
  payments?: PaymentOptions;
  /** The built website client (dist/web); default: found beside the build. `false`: no website. */
  webAssets?: string | false;
  /** The package version shown in the OpenAPI document. */
  version?: string;
  /** Website sessions: idle and absolute lifetime (default 30 minutes, 12 hours). */
  sessions?: Partial<SessionSettings>;
  /** Sign-in lockout (default: 5 failures per username or 20 per address within 15 minutes lock it for 15 minutes). */
  signIn?: Partial<SignInLimits>;
  /**
   * Trust X-Forwarded-For/-Proto from a reverse proxy (fastify's trustProxy: true, or
   * the proxy's addresses): the client address of the rate limits and lockout, and whether the
   * request came over TLS (the session cookie's Secure flag). Default false: the socket's.
   */
  trustProxy?: boolean | string | string[];
}

/**
 * Paths whose values never reach the log: credentials, key material, tokens. fastify's request
 * serializer logs no headers or bodies; these are for anything a route logs on purpose.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization', 'headers.authorization', 'authorization', 'key', 'apiKey', 'masterKey', 'keyHex', 'token', 'tokens', 'grouped',
  'serverKey', 'signature_key', 'signatureKey',
  '*.key', '*.apiKey', '*.masterKey', '*.keyHex', '*.token', '*.tokens', '*.grouped', '*.authorization', '*.serverKey', '*.signature_key', '*.signatureKey',
  'req.headers.cookie', 'headers.cookie', 'cookie', 'password', 'invitation', 'code', 'csrfToken', 'sessionId',
  '*.cookie', '*.password', '*.invitation', '*.code', '*.csrfToken', '*.sessionId',
];

/** Build the server (not listening): `await app.ready()` or `app.inject(…)`, `app.listen(…)`. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const logger = options.logger === false ? false : {
    level: options.logger?.level ?? 'info',
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    ...(options.logger?.stream !== undefined ? { stream: options.logger.stream } : {}),
  };
  const app = Fastify({
    logger,
    bodyLimit: options.bodyLimit ?? 65_536,
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }) as unknown as FastifyInstance;
  const now = options.now ?? (() => new Date());
  // JSON only: a text/plain body is 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');

  const routes: { method: string; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, pattern: routePattern(route.url) });
  });
  const metrics = installMetrics(app);
  installErrorHandlers(app, routes, (code, status) => metrics.refused(code, status));

  if (options.rateLimit !== false) {
    const limit = options.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
    await app.register(rateLimit, {
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      // Counted before the key is checked (a wrong key costs an scrypt), so per address and
      // claimed key id: nobody can use up another client's allowance by naming its key id.
      keyGenerator: (req) => {
        const m = /^Bearer +hsk_([0-9a-f]{12})_/i.exec(req.headers.authorization ?? '');
        return m ? `${req.ip} key:${m[1]}` : req.ip;
      },
      errorResponseBuilder: (_req, ctx) => new HttpProblem(429, 'TOO_MANY_REQUESTS', `more than ${ctx.max} requests in ${ctx.after}; try again later`, {
        headers: { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) },
      }),
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'HydroSync vending server', version: options.version ?? '0', description: 'Prepaid water tokens (STS, IEC 62055-41) from the HydroSync security module. Errors are application/problem+json (RFC 9457).' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'an API key: hsk_<id>_<secret>' },
          session: { type: 'apiKey', in: 'cookie', name: 'hydrosync_session', description: 'a website session (POST /v1/session); requests that change something also carry the x-csrf-token header' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  for (const schema of [Problem, Issued, Meter, MeterState, ReportSummary, ApiKeyInfo, Customer, MeterLink, SessionInfo, UserInfo]) app.addSchema(schema);

  const sessions: SessionSettings = { ...DEFAULT_SESSION_SETTINGS, ...options.sessions };
  const limits: SignInLimits = { ...DEFAULT_SIGN_IN_LIMITS, ...options.signIn };
  await app.register(cookie);
  installAuth(app, { store: options.store, now, sessions });
  healthRoutes(app, options);
  metricsRoute(app);
  if (options.webAssets !== false) webRoutes(app, options.webAssets ?? findWebAssets());
  app.get('/v1/openapi.json', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'this API as an OpenAPI 3.1 document', security: [] } },
    async () => app.swagger());
  meterRoutes(app, options);
  purchaseRoutes(app, options);
  paymentRoutes(app, { ...options, now });
  reconciliationRoutes(app, { ...options, now });
  meterTokenRoutes(app, options);
  meterStateRoutes(app, { ...options, now });
  reportRoutes(app, options);
  auditRoutes(app, options);
  apiKeyRoutes(app, { store: options.store, now });
  customerRoutes(app, { hsm: options.hsm, store: options.store, now });
  accountRoutes(app, { store: options.store, now, limits });
  sessionRoutes(app, { store: options.store, now, sessions, limits });
  meRoutes(app, options);
  meterHistoryRoutes(app, options);

  if (options.closeOnShutdown !== false) {
    app.addHook('onClose', async () => {
      await options.hsm.close();
      await options.store.close();
    });
  }
  return app;
}
