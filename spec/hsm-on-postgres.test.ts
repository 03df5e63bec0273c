// The store-neutral security-module specs (spec/hsm-store-suites.ts) on PostgreSQL: each module
// on a new schema of one database in the run's throwaway cluster (spec/postgres-cluster.ts).
// Without a server: a failure under CI, a loud skip locally (as every PostgreSQL spec).
import { afterAll, describe, it } from 'vitest';
import type { HsmStore } from '../src/hsm';
import { openPostgresStore } from '../src/node/hsm-postgres-store';
import { INSTALL_HINT, findPostgresBin } from './postgres-cluster';
import { createDatabase } from './postgres-support';
import { useStoreFactory } from './hsm-support';
import { STORE_NEUTRAL_SPECS } from './hsm-store-suites';

const found = findPostgresBin();
if ('missing' in found && !process.env.CI) {
  console.warn(`\n!!! SKIPPED the security-module specs on PostgreSQL: ${found.missing}; ${INSTALL_HINT}\n`);
  describe.skip('security-module specs on PostgreSQL', () => { it('needs a PostgreSQL server', () => {}); });
} else {
  let url: Promise<string> | undefined;
  const opened: HsmStore[] = [];
  let n = 0;
  useStoreFactory(async () => {
    url ??= createDatabase('hsm_on_postgres').then((d) => d.url);
    const store = await openPostgresStore(await url, { schema: `m${n++}` });
    opened.push(store);
    return store;
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
  });
  for (const spec of STORE_NEUTRAL_SPECS) await import(spec);
}
