// The StoreTx/HsmStore contract (the asynchronous interface of issue #9), as one suite any store
// runs: `storeContract(name, open)` registers it. Expected values are written out here, never
// read back from the store under test.
import { expect, it } from 'vitest';
import { HydroSyncError } from '../src/errors';
import type { ReportRow } from '../src/hsm/report-rows';
import type { MeterRecord } from '../src/hsm/types';
import type { AuditRecord, HsmStore, StoreTx, TransactionRow, VendingKeyRow } from '../src/hsm';

export const meterRow = (pan: string, over: Partial<MeterRecord> = {}): MeterRecord => ({
  pan, customerReference: `CUST-${pan.slice(-4)}`, customerGroup: 'R1', supplyGroupCode: '201457', tariffIndex: '01',
  keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, encryptionAlgorithm: '11', baseDate: 2014, profile: 'water',
  vendingKeyId: 'sgc201457-krn1', lastTid: null, registeredAt: '2026-12-01T02:30:00.000Z', ...over,
});
export const keyRow = (id: string, over: Partial<VendingKeyRow> = {}): VendingKeyRow => ({
  id, dkga: '04', bits: 160, supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014,
  encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00', issuedUntil: null, checkValue: 'a1b2c3', importedAt: '2026-12-01T02:30:00.000Z',
  wrapped: Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 5) & 0xff), ...over,
});
export const txRow = (id: string, pan: string | null, at: string): TransactionRow => ({
  id, fingerprint: 'f'.repeat(64), kind: 'vend', pan, at, sealed: Uint8Array.from([1, 2, 3, 250, 0, 7]),
});
export const auditRow = (chain: string, seq: number, at: string, over: Partial<AuditRecord> = {}): AuditRecord => ({
  chain, seq, at, operator: 'alice', vendingPoint: 'till-1', transactionId: `t-${chain}-${seq}`, pan: null, kind: 'vend',
  outcome: 'issued', errorCode: null, amount: '1000 L', tid: null, tokenHash: null, prevHash: '0'.repeat(64), hash: String(seq).padStart(64, 'a'), ...over,
});
export const reportRow = (pan: string, counter: number): ReportRow => ({
  pan, counter, receivedAt: '2026-12-01T02:30:00.000Z', form: counter % 2 === 0 ? 'frame' : 'code', keyRevisionNumber: 1,
  creditLitres: 1000 * counter, creditStepLitres: 1, consumedLitres: counter % 2 === 0 ? 5 : null, clockMinutes: null, lastTid: null, flags: 3,
});

const PAN_A = '600727000000000009';
const PAN_B = '600727111111111153';
const PAN_C = '600727000000000108';

class Boom extends Error {}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Register the contract's tests; `open` gives a fresh, empty store for each test. */
export function storeContract(open: () => Promise<HsmStore>, expectations: { duplicateCode: string }): void {
  it('commits what fn wrote; a throw rolls every change back and is rethrown unchanged', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.setMeta('a', '1');
      await tx.insertMeter(meterRow(PAN_A));
    });
    const boom = new Boom('fn failed');
    const thrown = await rejection(store.transaction(async (tx) => {
      await tx.setMeta('a', '2');
      await tx.setMeta('b', '3');
      await tx.updateMeter(meterRow(PAN_A, { lastTid: 99 }));
      await tx.addToCounter('c', 5);
      await tx.appendAudit(auditRow('main', 1, '2026-12-01T02:30:00.000Z'));
      await tx.insertTransaction(txRow('t1', PAN_A, '2026-12-01T02:30:00.000Z'));
      throw boom;
    }));
    expect(thrown).toBe(boom);
    await store.transaction(async (tx) => {
      expect(await tx.getMeta('a')).toBe('1');
      expect(await tx.getMeta('b')).toBeUndefined();
      expect((await tx.getMeter(PAN_A))!.lastTid).toBeNull();
      expect(await tx.getCounter('c')).toBe(0);
      expect(await tx.readAudit()).toEqual([]);
      expect(await tx.getTransaction('t1')).toBeUndefined();
    });
    expect(await store.transaction(async () => 42)).toBe(42);
    await store.close();
  });

  it('hands out copies: changing a row read or written changes nothing in the store', async () => {
    const store = await open();
    const key = keyRow('k1');
    const meter = meterRow(PAN_A, { monthToDate: { month: '2026-12', litres: 700 } });
    const tx1 = txRow('t1', PAN_A, '2026-12-01T02:30:00.000Z');
    await store.transaction(async (tx) => {
      await tx.insertVendingKey(key);
      await tx.insertMeter(meter);
      await tx.insertTransaction(tx1);
    });
    key.wrapped[0] = 0xee;
    meter.monthToDate!.litres = 1;
    tx1.sealed[0] = 0xee;
    await store.transaction(async (tx) => {
      const k = (await tx.getVendingKey('k1'))!;
      expect(k).toEqual(keyRow('k1'));
      expect(k.wrapped).toBeInstanceOf(Uint8Array);
      k.wrapped[1] = 0xee;
      const m = (await tx.getMeter(PAN_A))!;
      expect(m.monthToDate).toEqual({ month: '2026-12', litres: 700 });
      m.monthToDate!.litres = 2;
      const t = (await tx.getTransaction('t1'))!;
      expect(Array.from(t.sealed)).toEqual([1, 2, 3, 250, 0, 7]);
      t.sealed[1] = 0xee;
    });
    await store.transaction(async (tx) => {
      expect((await tx.getVendingKey('k1'))!.wrapped).toEqual(keyRow('k1').wrapped);
      expect((await tx.getMeter(PAN_A))!.monthToDate!.litres).toBe(700);
      expect(Array.from((await tx.getTransaction('t1'))!.sealed)).toEqual([1, 2, 3, 250, 0, 7]);
      expect(await tx.listVendingKeys()).toEqual([keyRow('k1')]);
    });
    await store.close();
  });

  it('orders meters by PAN (filtered by supply group), keys by id, meta by name under a prefix', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.insertMeter(meterRow(PAN_B, { supplyGroupCode: '999999' }));
      await tx.insertMeter(meterRow(PAN_C));
      await tx.insertMeter(meterRow(PAN_A));
      await tx.insertVendingKey(keyRow('b-key'));
      await tx.insertVendingKey(keyRow('a-key'));
      await tx.insertVendingKey(keyRow('B-key'));
      for (const [n, v] of [['audit_head:z', '3'], ['audit_head', '1'], ['audit_head:b', '2'], ['audit_headx', 'x'], ['config', 'c'], ['audit_head:a_b', '4']]) {
        await tx.setMeta(n!, v!);
      }
      await tx.setMeta('audit_head:b', '22'); // replaces
    });
    await store.transaction(async (tx) => {
      expect((await tx.listMeters()).map((m) => m.pan)).toEqual([PAN_A, PAN_C, PAN_B]);
      expect((await tx.listMeters({ supplyGroupCode: '201457' })).map((m) => m.pan)).toEqual([PAN_A, PAN_C]);
      expect(await tx.listMeters({ supplyGroupCode: '000000' })).toEqual([]);
      // An update that moves a meter to another supply group moves it in the filtered list too.
      await tx.updateMeter(meterRow(PAN_C, { supplyGroupCode: '999999', lastTid: 5 }));
      expect((await tx.listMeters({ supplyGroupCode: '999999' })).map((m) => [m.pan, m.lastTid])).toEqual([[PAN_C, 5], [PAN_B, null]]);
      expect((await tx.listMeters({ supplyGroupCode: '201457' })).map((m) => m.pan)).toEqual([PAN_A]);
      expect((await tx.listVendingKeys()).map((k) => k.id)).toEqual(['B-key', 'a-key', 'b-key']);
      expect(await tx.listMeta('audit_head:')).toEqual([['audit_head:a_b', '4'], ['audit_head:b', '22'], ['audit_head:z', '3']]);
      expect(await tx.listMeta('audit_head')).toEqual([
        ['audit_head', '1'], ['audit_head:a_b', '4'], ['audit_head:b', '22'], ['audit_head:z', '3'], ['audit_headx', 'x'],
      ]);
      expect(await tx.listMeta('audit_%')).toEqual([]);
      expect(await tx.listMeta('nothing')).toEqual([]);
    });
    await store.close();
  });

  it('lists a meter\'s transactions by time within [fromAt, toAt), without the sealed result', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.insertTransaction(txRow('t3', PAN_A, '2026-12-03T00:00:00.000Z'));
      await tx.insertTransaction(txRow('t1', PAN_A, '2026-12-01T00:00:00.000Z'));
      await tx.insertTransaction(txRow('t2b', PAN_A, '2026-12-02T00:00:00.000Z'));
      await tx.insertTransaction(txRow('t2a', PAN_A, '2026-12-02T00:00:00.000Z'));
      await tx.insertTransaction(txRow('other', PAN_B, '2026-12-02T00:00:00.000Z'));
      await tx.insertTransaction(txRow('none', null, '2026-12-02T00:00:00.000Z'));
    });
    await store.transaction(async (tx) => {
      const all = await tx.listTransactions({ pan: PAN_A });
      expect(all.map((t) => t.id)).toEqual(['t1', 't2a', 't2b', 't3']);
      expect(all[0]).toEqual({ id: 't1', fingerprint: 'f'.repeat(64), kind: 'vend', pan: PAN_A, at: '2026-12-01T00:00:00.000Z' });
      expect((await tx.listTransactions({ pan: PAN_A, fromAt: '2026-12-02T00:00:00.000Z', toAt: '2026-12-03T00:00:00.000Z' })).map((t) => t.id)).toEqual(['t2a', 't2b']);
      expect((await tx.listTransactions({ pan: PAN_A, toAt: '2026-12-02T00:00:00.000Z' })).map((t) => t.id)).toEqual(['t1']);
      expect((await tx.getTransaction('none'))!.pan).toBeNull();
    });
    await store.close();
  });

  it('counters start at 0 and add up (negative deltas too)', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      expect(await tx.getCounter('day:till-1:2026-12-01')).toBe(0);
      await tx.addToCounter('day:till-1:2026-12-01', 2_500);
      await tx.addToCounter('day:till-1:2026-12-01', 1_000);
      expect(await tx.getCounter('day:till-1:2026-12-01', { lock: true })).toBe(3_500);
    });
    await store.transaction(async (tx) => {
      await tx.addToCounter('day:till-1:2026-12-01', -500);
      await tx.addToCounter('big', 2 ** 40);
    });
    await store.transaction(async (tx) => {
      expect(await tx.getCounter('day:till-1:2026-12-01')).toBe(3_000);
      expect(await tx.getCounter('big')).toBe(2 ** 40);
      expect(await tx.getCounter('other', { lock: true })).toBe(0);
    });
    await store.close();
  });

  it('report rows: state per meter, reports highest counter first, at most limit', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      expect(await tx.getReportState(PAN_A)).toBeUndefined();
      await tx.setReportState(PAN_A, { last: 5, seen: 0xffffffff });
      await tx.setReportState(PAN_A, { last: 7, seen: 0x80000001 });
      for (const c of [3, 7, 5, 6]) await tx.insertReport(reportRow(PAN_A, c));
      await tx.insertReport(reportRow(PAN_B, 9));
    });
    await store.transaction(async (tx) => {
      expect(await tx.getReportState(PAN_A, { lock: true })).toEqual({ last: 7, seen: 0x80000001 });
      expect(await tx.getReportState(PAN_B)).toBeUndefined();
      expect(await tx.listReports(PAN_A, 3)).toEqual([reportRow(PAN_A, 7), reportRow(PAN_A, 6), reportRow(PAN_A, 5)]);
      expect((await tx.listReports(PAN_A, 10)).map((r) => r.counter)).toEqual([7, 6, 5, 3]);
      expect(await tx.listReports('600727999999999990', 10)).toEqual([]);
    });
    await store.close();
  });

  it('reads the audit log by chain (from a seq, limited) and across chains by time, then chain, then seq', async () => {
    const store = await open();
    const t = (m: number) => `2026-12-01T02:${String(30 + m).padStart(2, '0')}:00.000Z`;
    await store.transaction(async (tx) => {
      await tx.appendAudit(auditRow('main', 1, t(0)));
      await tx.appendAudit(auditRow('node-b', 1, t(1), { pan: PAN_A, tid: 77, tokenHash: 'c'.repeat(64) }));
      await tx.appendAudit(auditRow('main', 2, t(1)));
      await tx.appendAudit(auditRow('node-a', 1, t(1), { outcome: 'refused', errorCode: 'LIMIT', amount: null }));
      await tx.appendAudit(auditRow('main', 3, t(2)));
      await tx.appendAudit(auditRow('node-a', 2, t(0)));
    });
    await store.transaction(async (tx) => {
      expect(await tx.readAudit({ chain: 'main' })).toEqual([auditRow('main', 1, t(0)), auditRow('main', 2, t(1)), auditRow('main', 3, t(2))]);
      expect((await tx.readAudit({ chain: 'main', fromSeq: 2 })).map((r) => r.seq)).toEqual([2, 3]);
      expect((await tx.readAudit({ chain: 'main', fromSeq: 2, limit: 1 })).map((r) => r.seq)).toEqual([2]);
      expect(await tx.readAudit({ chain: 'node-b' })).toEqual([auditRow('node-b', 1, t(1), { pan: PAN_A, tid: 77, tokenHash: 'c'.repeat(64) })]);
      expect(await tx.readAudit({ chain: 'nobody' })).toEqual([]);
      const all = (await tx.readAudit()).map((r) => `${r.chain}/${r.seq}`);
      expect(all).toEqual(['main/1', 'node-a/2', 'main/2', 'node-a/1', 'node-b/1', 'main/3']);
      expect((await tx.readAudit({ limit: 2 })).map((r) => `${r.chain}/${r.seq}`)).toEqual(['main/1', 'node-a/2']);
    });
    await store.close();
  });

  it(`inserting an existing transaction id, meter, key or report is refused (${expectations.duplicateCode}) and rolls back`, async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.insertTransaction(txRow('t1', PAN_A, '2026-12-01T00:00:00.000Z'));
      await tx.insertMeter(meterRow(PAN_A));
      await tx.insertVendingKey(keyRow('k1'));
      await tx.insertReport(reportRow(PAN_A, 1));
    });
    const attempts: Record<string, number> = {};
    const duplicate = async (what: string, f: (tx: StoreTx) => Promise<void>) => {
      attempts[what] = 0;
      const e = await rejection(store.transaction(async (tx) => {
        attempts[what]!++;
        await tx.setMeta(`side-${what}`, 'x');
        await f(tx);
      }));
      expect(e, what).toBeInstanceOf(HydroSyncError);
      expect((e as HydroSyncError).code, what).toBe(expectations.duplicateCode);
    };
    await duplicate('tx', (tx) => tx.insertTransaction(txRow('t1', PAN_B, '2026-12-02T00:00:00.000Z')));
    await duplicate('meter', (tx) => tx.insertMeter(meterRow(PAN_A, { customerReference: 'other' })));
    await duplicate('key', (tx) => tx.insertVendingKey(keyRow('k1', { checkValue: 'ffffff' })));
    await duplicate('report', (tx) => tx.insertReport({ ...reportRow(PAN_A, 1), flags: 0 }));
    await store.transaction(async (tx) => {
      expect(await tx.listMeta('side-')).toEqual([]);
      expect((await tx.getTransaction('t1'))!.pan).toBe(PAN_A);
      expect((await tx.getMeter(PAN_A))!.customerReference).toBe(meterRow(PAN_A).customerReference);
      expect((await tx.getVendingKey('k1'))!.checkValue).toBe('a1b2c3');
      expect((await tx.listReports(PAN_A, 5))[0]!.flags).toBe(3);
    });
    await store.close();
  });

  it('close is idempotent; a closed store refuses transactions (STORE)', async () => {
    const store = await open();
    await store.close();
    await store.close();
    const e = await rejection(store.transaction(async () => 1));
    expect((e as HydroSyncError).code).toBe('STORE');
  });
}
