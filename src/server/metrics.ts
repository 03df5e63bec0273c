/**
 * Prometheus metrics (`GET /metrics`, text exposition format): sales and the water and money they
 * carry, refusals by problem code, and request latency by route. A registry per server instance
 * (prom-client), so several servers in one process (tests) never share counters. Counted in
 * integers: litres and rupiah, never fractions of them.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Issued } from '../hsm';

/** The metrics of one server. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #sales: Counter<'kind'>;
  readonly #litres: Counter;
  readonly #rupiah: Counter;
  readonly #refusals: Counter<'code' | 'status'>;
  readonly #latency: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    const registers = [this.registry];
    this.#sales = new Counter({ name: 'hydrosync_sales_total', help: 'token sets issued (not reissues), by kind (vend, manage, keychange)', labelNames: ['kind'], registers });
    this.#litres = new Counter({ name: 'hydrosync_sold_litres_total', help: 'litres of water carried by the credit tokens issued', registers });
    this.#rupiah = new Counter({ name: 'hydrosync_sold_rupiah_total', help: 'rupiah charged through the block tariff for the credit tokens issued', registers });
    this.#refusals = new Counter({ name: 'hydrosync_refusals_total', help: 'requests answered with a problem, by problem code and HTTP status', labelNames: ['code', 'status'], registers });
    this.#latency = new Histogram({
      name: 'hydrosync_http_request_duration_seconds', help: 'time from request to response, by route pattern',
      labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'hydrosync_' });
  }

  /** A sale or other issue answered (a reissue is not counted again). */
  issued(issued: Issued): void {
    if (issued.reissued) return;
    this.#sales.inc({ kind: issued.kind });
    if (issued.creditedLitres !== undefined) this.#litres.inc(issued.creditedLitres);
    if (issued.tariff !== undefined) this.#rupiah.inc(issued.tariff.chargedRupiah);
  }

  /** A request answered with a problem. */
  refused(code: string, status: number): void {
    this.#refusals.inc({ code, status: String(status) });
  }

  /** A request answered, by route pattern (unknown paths are one label, so a scan cannot blow up the series). */
  answered(method: string, route: string | undefined, status: number, seconds: number): void {
    this.#latency.observe({ method, route: route ?? 'unmatched', status: String(status) }, seconds);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServerMetrics;
  }
}

/** Decorate the app with its metrics and time every answer. */
export function installMetrics(app: FastifyInstance): ServerMetrics {
  const metrics = new ServerMetrics();
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    metrics.answered(request.method, request.is404 ? undefined : request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });
  return metrics;
}

/** `GET /metrics` (admins: Prometheus scrapes with an admin key as a bearer token). */
export function metricsRoute(app: FastifyInstance): void {
  app.get('/metrics', {
    config: { access: 'admin' },
    schema: {
      tags: ['operations'], summary: 'Prometheus metrics: sales, refusals by code, latency by route (text exposition format)',
      response: { 200: { type: 'string', description: 'text/plain; version=0.0.4' } },
    },
  }, async (_req, reply) => reply.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics()));
}
