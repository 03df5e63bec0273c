// One contract (spec/store-contract.ts) run against every HsmStore of the asynchronous interface.
// Today: the PostgreSQL store (the run's throwaway cluster). MemoryStore and the SQLite store join
// when the security module's conversion to the asynchronous interface lands (issue #9).
import { afterAll, describe } from 'vitest';
import { openPostgresStore } from '../src/node/hsm-postgres-store';
import type { HsmStore } from '../src/node/postgres/store-types';
import { describePostgres } from './postgres-support';
import { storeContract } from './store-contract';

describePostgres('store contract: PostgreSQL', import.meta.url, (ctx) => {
  const opened: HsmStore[] = [];
  let n = 0;
  afterAll(async () => {
    for (const s of opened) await s.close();
  });
  describe('postgres', () => {
    // Each test gets a fresh store: a PostgreSQL schema of its own in the suite's database.
    storeContract(async () => {
      const store = await openPostgresStore(ctx().url, { schema: `contract_${n++}` });
      opened.push(store);
      return store;
    }, { duplicateCode: 'CONFLICT' });
  });
});
