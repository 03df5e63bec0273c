// One contract (spec/store-contract.ts) run against every HsmStore: MemoryStore, the SQLite store
// and the PostgreSQL store (the run's throwaway cluster).
import { afterAll, describe } from 'vitest';
import { type HsmStore, MemoryStore } from '../src/hsm';
import { openPostgresStore } from '../src/node/hsm-postgres-store';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { tempDir } from './hsm-support';
import { describePostgres } from './postgres-support';
import { storeContract } from './store-contract';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let files = 0;

describe('store contract: MemoryStore', () => {
  storeContract(async () => new MemoryStore(), { duplicateCode: 'CONFLICT' });
});

describe('store contract: SQLite', () => {
  storeContract(async () => openSqliteStore(`${tmp.dir}/contract-${files++}.db`, { create: true }), { duplicateCode: 'STORE' });
});

describePostgres('store contract: PostgreSQL', import.meta.url, (ctx) => {
  const opened: HsmStore[] = [];
  let n = 0;
  afterAll(async () => {
    for (const s of opened) await s.close();
  });
  // Each test gets a fresh store: a PostgreSQL schema of its own in the suite's database.
  storeContract(async () => {
    const store = await openPostgresStore(ctx().url, { schema: `contract_${n++}` });
    opened.push(store);
    return store;
  }, { duplicateCode: 'CONFLICT' });
});
