// The store-neutral security-module specs (spec/hsm-store-suites.ts), each module on a new SQLite file.
import { afterAll } from 'vitest';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { tempDir, useStoreFactory } from './hsm-support';
import { STORE_NEUTRAL_SPECS } from './hsm-store-suites';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
useStoreFactory(async () => openSqliteStore(`${tmp.dir}/suite-${n++}.db`, { create: true }));
for (const spec of STORE_NEUTRAL_SPECS) await import(spec);
