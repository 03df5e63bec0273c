/**
 * Listening and stopping: `listen` binds the built server and returns its URL; `stopOnSignals`
 * closes it on SIGTERM or SIGINT (stop accepting, let in-flight requests finish, close the module
 * and the store through the server's onClose hook).
 */
import type { FastifyInstance } from 'fastify';

/** Listen on host:port (0 = any free port) and return the base URL. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${bound}`;
}

/** Resolve once the server has closed after the first SIGTERM or SIGINT (a second one does not interrupt the close). */
export function stopOnSignals(app: FastifyInstance, onSignal: (signal: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      onSignal(signal);
      app.close().then(resolve, reject);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
