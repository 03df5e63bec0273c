// Audit queries (src/hsm/audit-query.ts): filters by meter, transaction, operator, outcome and
// local date (the utility's zone, WIB here), and newest-first paging; and `hsm audit` on top.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hsm } from '../src/hsm';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, MASTER_HEX, PAN, setup } from './hsm-support';
import { errorCode, runCapture } from './support';

const seqs = (r: { records: { seq: number }[] }) => r.records.map((x) => x.seq);

/** Records: 1 init, 2 key import, 3 meter add, 4 vend v-1 (alice), 5 refused v-2, 6 vend v-3 (bob, 00:30 WIB on Dec 2 = Dec 1 UTC). */
async function story() {
  const s = await setup();
  await s.hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'v-1' });
  expect(await errorCode(() => s.hsm.vend({ ...CTX, pan: PAN, litres: 0, transactionId: 'v-2' }))).toBe('RANGE');
  s.set('2026-12-01T17:30:00Z');
  await s.hsm.vend({ operator: 'bob', vendingPoint: 'till-2', pan: PAN, litres: 1000, transactionId: 'v-3' });
  return s.hsm;
}

describe('queryAudit', () => {
  let hsm: Hsm;
  beforeAll(async () => { hsm = await story(); });

  it('filters by meter, transaction, operator, outcome and local date in the module zone', async () => {
    expect(seqs(await hsm.queryAudit())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqs(await hsm.queryAudit({ pan: '6007 2700 0000 0000 09' }))).toEqual([3, 4, 5, 6]);
    expect(seqs(await hsm.queryAudit({ transactionId: 'v-1' }))).toEqual([4]);
    expect(seqs(await hsm.queryAudit({ operator: 'bob' }))).toEqual([6]);
    expect(seqs(await hsm.queryAudit({ outcome: 'refused' }))).toEqual([5]);
    // 17:30 UTC on Dec 1 is Dec 2 in WIB (UTC+7): the local date counts, not the UTC one.
    expect(seqs(await hsm.queryAudit({ from: '2026-12-02' }))).toEqual([6]);
    expect(seqs(await hsm.queryAudit({ to: '2026-12-01' }))).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(await hsm.queryAudit({ from: '2026-12-01', to: '2026-12-01', operator: 'alice', outcome: 'issued', pan: PAN }))).toEqual([4]);
    expect(await hsm.queryAudit({ outcome: 'refused', from: '2026-12-02' })).toEqual({ records: [], matched: 0, older: 0 });
  });

  it('pages newest first: page 1 the newest, --before SEQ the ones before, all for everything', async () => {
    expect(await hsm.queryAudit({ limit: 2 })).toMatchObject({ matched: 6, older: 4 });
    expect(seqs(await hsm.queryAudit({ limit: 2 }))).toEqual([5, 6]);
    expect(seqs(await hsm.queryAudit({ limit: 2, page: 2 }))).toEqual([3, 4]);
    expect(seqs(await hsm.queryAudit({ limit: 4, page: 2 }))).toEqual([1, 2]);
    expect(seqs(await hsm.queryAudit({ limit: 2, page: 4 }))).toEqual([]);
    expect(seqs(await hsm.queryAudit({ limit: 2, before: 5 }))).toEqual([3, 4]);
    expect(await hsm.queryAudit({ limit: 2, before: 3 })).toMatchObject({ older: 0, matched: 6 });
    expect(seqs(await hsm.queryAudit({ all: true, limit: 1 }))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a malformed query with FORMAT', async () => {
    for (const q of [{ from: '2026-13-01' }, { to: '1.12.2026' }, { page: 1, before: 3 }, { limit: 0 }, { page: 1.5 },
      { outcome: 'lost' as 'issued' }, { pan: '123' }]) {
      expect(await errorCode(() => hsm.queryAudit(q)), JSON.stringify(q)).toBe('FORMAT');
    }
  });
});

describe('hsm audit (CLI)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-audit-query-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, 'hsm.sqlite');
  const { hsm } = await setup({ store: openSqliteStore(store, { create: true }) });
  for (let i = 0; i < 55; i++) await hsm.vend({ ...CTX, pan: PAN, litres: 100, transactionId: `t-${i}` });
  await hsm.close();
  const env = { HYDROSYNC_STORE: store, HYDROSYNC_MASTER_KEY: MASTER_HEX };
  const json = async (args: string[]) => {
    const r = await runCapture(['hsm', 'audit', ...args, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { records: { seq: number; transactionId: string }[]; matched: number; older: number };
  };

  it('shows the newest 50 by default and says how to see the older ones', async () => {
    const page = await json([]);
    expect(seqs(page)).toEqual(Array.from({ length: 50 }, (_, i) => 9 + i)); // 58 records: 3 setup + 55 vends
    expect(page).toMatchObject({ matched: 58, older: 8 });
    expect(seqs(await json(['--before', '9']))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seqs(await json(['--page', '2', '--limit', '5']))).toEqual([49, 50, 51, 52, 53]);
    expect((await json(['--all'])).records).toHaveLength(58);
    const human = await runCapture(['hsm', 'audit', '--limit', '3'], { env });
    expect(human.stdout.trim().split('\n')).toHaveLength(5); // header, 3 rows, footer
    expect(human.stdout).toContain('3 of 58 records; 55 older: --before 56');
  });

  it('filters from the command line', async () => {
    expect((await json(['--txn', 't-7'])).records.map((r) => r.transactionId)).toEqual(['t-7']);
    expect((await json(['--operator', 'nobody'])).records).toEqual([]);
    expect((await json(['--outcome', 'issued', '--from', '2026-12-01', '--to', '2026-12-01', '--all'])).records).toHaveLength(55);
    expect((await json(['--from', '2026-12-02'])).records).toEqual([]);
  });

  it('exits 2 for bad or conflicting options', async () => {
    for (const args of [['--outcome', 'lost'], ['--page', '2', '--before', '9'], ['--all', '--limit', '3'], ['--from', '2026-02-30'], ['--limit', '0'], ['--pan', '12']]) {
      const r = await runCapture(['hsm', 'audit', ...args], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
  });
});
