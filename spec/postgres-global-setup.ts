// Vitest global setup: one run directory for the throwaway PostgreSQL cluster (spec/postgres-cluster.ts).
// The cluster itself starts lazily, when the first spec file asks for a database, so a run without
// PostgreSQL specs starts no server. Teardown stops and deletes it; so does an exit or a signal.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CLUSTER_DIR_PREFIX, clusterStarted, removeCluster, removeStaleClusters, waitForStart } from './postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run directory of the test PostgreSQL cluster. */
    postgresRunDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  removeStaleClusters();
  const dir = mkdtempSync(join(tmpdir(), `${CLUSTER_DIR_PREFIX}${process.pid}-`));
  project.provide('postgresRunDir', dir);
  let done = false;
  const teardown = (): void => {
    if (done) return;
    done = true;
    if (clusterStarted(dir)) waitForStart(dir);
    removeCluster(dir);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    teardown();
    // Vitest's own handler (if any) ends the run; otherwise end it as the signal would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', teardown);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
  return teardown;
}
