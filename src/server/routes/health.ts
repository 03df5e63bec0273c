/** Liveness and readiness: /healthz (the process answers), /readyz (store reachable, master key loaded). */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Hsm } from '../../hsm';
import { HttpProblem } from '../problem';
import type { ServerStore } from '../store/server-store';

const Checks = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Object({ store: Type.String(), serverStore: Type.String(), masterKey: Type.String() })) });

export function healthRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore }): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'the process is alive', response: { 200: Checks } } },
    async () => ({ status: 'ok' }));
  app.get('/readyz', {
    config: { access: 'public' },
    schema: { tags: ['operations'], summary: 'ready to sell: the store answers and the master key is loaded', response: { 200: Checks } },
  }, async () => {
    try {
      await deps.hsm.config(); // a read transaction; the module opened only with the right master key
      await deps.store.ping();
    } catch {
      throw new HttpProblem(503, 'UNAVAILABLE', 'the store does not answer', { headers: { 'retry-after': '5' } });
    }
    return { status: 'ready', checks: { store: 'ok', serverStore: 'ok', masterKey: 'loaded' } };
  });
}
