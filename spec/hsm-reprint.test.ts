// Issue #14: reprint a completed transaction's sealed original by its id, without the original
// request (a lost receipt); find the id by meter and date. Audited as a reprint; nothing new issued.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, OP, PAN, VK04_KRN2, setup } from './hsm-support';
import { errorCode, runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-reprint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([['memory store', () => setup()], ['SQLite store', () => setup({ store: openSqliteStore(join(dir, `s-${Date.now()}.db`), { create: true }) })]])('reprint on the %s', (_n, make) => {
  it('by transaction id: the same tokens, reissued, audited as a reprint; no TID or credit moves', async () => {
    const { hsm, advance } = await make();
    await hsm.importVendingKey({ id: 'krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    const vend = await hsm.vend({ ...CTX, pan: PAN, rupiah: 50_000, transactionId: 'pos-1' });
    advance(86_400_000); // next local day
    const kc = await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2, transactionId: 'kc-1' });
    const lastTid = (await hsm.getMeter(PAN)).lastTid;
    const before = (await hsm.auditRecords()).length;
    const r = await hsm.reprint({ operator: 'bob', transactionId: 'pos-1' });
    expect(r).toMatchObject({ reissued: true, tokens: vend.tokens, tid: vend.tid, transactionId: 'pos-1', creditedLitres: vend.creditedLitres });
    expect((await hsm.reprint({ operator: 'bob', transactionId: 'kc-1' })).tokens).toEqual(kc.tokens);
    expect((await hsm.getMeter(PAN)).lastTid).toBe(lastTid);
    expect((await hsm.auditRecords()).slice(before).map((a) => [a.kind, a.outcome, a.transactionId, a.pan, a.operator])).toEqual([
      ['reprint', 'done', 'pos-1', PAN, 'bob'], ['reprint', 'done', 'kc-1', PAN, 'bob'],
    ]);
    expect(await errorCode(() => hsm.reprint({ operator: 'bob', transactionId: 'nope' }))).toBe('NOT_FOUND');
    expect((await hsm.auditRecords()).at(-1)).toMatchObject({ kind: 'reprint', outcome: 'refused', errorCode: 'NOT_FOUND' });
    // Lookups by meter and local date (WIB: 2026-12-01 09:30 and 2026-12-02 09:30).
    expect((await hsm.transactions(PAN)).map((t) => [t.transactionId, t.kind])).toEqual([['pos-1', 'vend'], ['kc-1', 'keychange']]);
    expect((await hsm.transactions(PAN, { from: '2026-12-02' })).map((t) => t.transactionId)).toEqual(['kc-1']);
    expect((await hsm.transactions(PAN, { to: '2026-12-01' })).map((t) => t.transactionId)).toEqual(['pos-1']);
    expect(await hsm.transactions(PAN, { from: '2026-12-03' })).toEqual([]);
    expect(await errorCode(() => hsm.transactions(PAN, { from: '2026-13-01' }))).toBe('FORMAT');
    expect(await errorCode(() => hsm.transactions('600727000000000017'))).toMatch(/NOT_FOUND|CHECK_DIGIT/);
    await hsm.close();
  });
});

describe('hsm reprint (CLI)', () => {
  it('--txn prints the original tokens; --pan lists the transactions', async () => {
    const master = join(dir, 'master.key');
    writeFileSync(master, `${'12'.repeat(32)}\n`, { mode: 0o600 });
    const env = { HYDROSYNC_STORE: join(dir, 'cli.sqlite'), HYDROSYNC_MASTER_KEY_FILE: master, HYDROSYNC_OPERATOR: 'alice' };
    expect((await runCapture(['hsm', 'init'], { env })).code).toBe(0);
    expect((await runCapture(['hsm', 'key', 'import', '--id', 'demo', '--sgc', '201457', '--krn', '1', '--base-date', '2014', '--ea', '11'], { env: { ...env, HYDROSYNC_VENDING_KEY: DEMO_KEY.vendingKey } })).code).toBe(0);
    expect((await runCapture(['hsm', 'meter', 'add', '--pan', DEMO_KEY.pan, '--customer-ref', 'C1', '--vending-key-id', 'demo'], { env })).code).toBe(0);
    const v = await runCapture(['hsm', 'vend', '--pan', DEMO_KEY.pan, '--litres', '1000', '--txn', 'till-9', '--json'], { env });
    expect(v.code, v.stderr).toBe(0);
    const tokens = JSON.parse(v.stdout).tokens as string[];
    const r = await runCapture(['hsm', 'reprint', '--txn', 'till-9', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reissued: true, tokens, transactionId: 'till-9' });
    const list = await runCapture(['hsm', 'reprint', '--pan', DEMO_KEY.pan, '--json'], { env });
    expect(JSON.parse(list.stdout).transactions.map((t: { transactionId: string }) => t.transactionId)).toEqual(['till-9']);
    expect((await runCapture(['hsm', 'reprint', '--txn', 'unknown-1'], { env })).code).toBe(1);
    expect((await runCapture(['hsm', 'reprint'], { env })).code).toBe(2);
  });
});
