// `hydrosync hsm migrate` on an SQLite store made by an older hydrosync (schema version 2): every
// other command refuses it naming hsm migrate, and leaves it untouched; migrate brings it to the
// current schema in one go and verifies the audit log; then the store works as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, MASTER_HEX, PAN, downgradeSqliteStore, setup, tempDir } from './hsm-support';
import { runCapture } from './support';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

it('an older store is refused naming hsm migrate; hsm migrate brings it up to date and verifies the audit log', async () => {
  const path = join(tmp.dir, 'old.sqlite');
  const { hsm } = await setup({ store: openSqliteStore(path, { create: true }) });
  await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'sold-before' });
  await hsm.close();
  downgradeSqliteStore(path, 2);
  const env = { HYDROSYNC_STORE: path, HYDROSYNC_MASTER_KEY: MASTER_HEX, HYDROSYNC_OPERATOR: 'alice' };
  const before = readFileSync(path);

  const refused = await runCapture(['hsm', 'vend', '--pan', PAN, '--litres', '1000'], { env });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/^hydrosync: STORE: .*schema version 2; this version of hydrosync needs 4 .*hydrosync hsm migrate --store /);
  expect(readFileSync(path).equals(before)).toBe(true);

  const migrated = await runCapture(['hsm', 'migrate'], { env });
  expect(migrated.code, migrated.stderr).toBe(0);
  expect(migrated.stdout).toBe(`The store ${path} has this version's schema.\nAudit log: intact, 4 records.\n`);
  const again = await runCapture(['hsm', 'migrate', '--json'], { env });
  expect(JSON.parse(again.stdout)).toEqual({ store: path, audit: { ok: true, records: 4 } });

  const reissue = await runCapture(['hsm', 'vend', '--pan', PAN, '--litres', '1000', '--txn', 'sold-before', '--json'], { env });
  expect(JSON.parse(reissue.stdout).reissued).toBe(true);
  const vend = await runCapture(['hsm', 'vend', '--pan', PAN, '--litres', '1000', '--json'], { env });
  expect(vend.code, vend.stderr).toBe(0);
  expect((await runCapture(['hsm', 'audit', 'verify'], { env })).code).toBe(0);
});

it('a missing store: nothing to migrate (STORE)', async () => {
  const r = await runCapture(['hsm', 'migrate', '--store', join(tmp.dir, 'none.sqlite')], { env: { HYDROSYNC_MASTER_KEY: MASTER_HEX } });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^hydrosync: STORE: no security module store at .*none\.sqlite: nothing to migrate/);
});
