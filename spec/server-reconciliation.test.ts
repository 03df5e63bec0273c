// Reconciliation (src/server/reconciliation.ts): exact integer litres from the audit amounts the
// module writes (a clear refusal of anything else), and rows per vending point per local day.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isHydroSyncError } from '../src/errors';
import { openSqliteStore } from '../src/node';
import { auditLitres, reconcile } from '../src/server/reconciliation';
import { openSqliteServerStore } from '../src/server/store/sqlite-server-store';
import { PAN, setup, tempDir } from './hsm-support';

it('reads m³ and litres exactly (no floating point), currency as no water', () => {
  expect(auditLitres('17.1 m³')).toBe(17100);
  expect(auditLitres('2.55 m³')).toBe(2550);
  expect(auditLitres('0.001 m³')).toBe(1);
  expect(auditLitres('999999.9 m³')).toBe(999_999_900);
  expect(auditLitres('2600 L')).toBe(2600);
  expect(auditLitres('50000 currency')).toBe(0);
});

it('refuses an amount it cannot read with FORMAT', () => {
  for (const bad of [null, '', '1,5 m³', '1.5m³', '-1 L', '1.5 L', 'reprint of vend']) {
    try {
      auditLitres(bad);
      expect.unreachable(`${String(bad)} was read`);
    } catch (e) {
      expect(isHydroSyncError(e) && e.code).toBe('FORMAT');
    }
  }
});

it('days are the utility\'s local days (WIB, UTC+7): 23:59 and 00:01 Jakarta time fall on two dates, 16:59 and 17:01 UTC', async () => {
  const t = tempDir();
  const path = join(t.dir, 'hsm.sqlite');
  const { hsm, set } = await setup({ store: openSqliteStore(path, { create: true }), start: '2026-12-01T16:59:00Z' });
  const store = openSqliteServerStore(path);
  try {
    await hsm.vend({ pan: PAN, litres: 500, operator: 'test', vendingPoint: 'kiosk-1', transactionId: 'kiosk-1:a' });
    set('2026-12-01T17:01:00Z');
    await hsm.vend({ pan: PAN, rupiah: '10000', operator: 'test', vendingPoint: 'kiosk-1', transactionId: 'kiosk-1:b' });
    await hsm.vend({ pan: PAN, litres: 300, operator: 'test', vendingPoint: 'kiosk-2', transactionId: 'kiosk-2:c' });
    const r = await reconcile(hsm, store, { from: '2026-12-01', to: '2026-12-02', paymentsVendingPoint: 'online' });
    expect(r.rows.map((x) => [x.date, x.vendingPoint, x.sales, x.litres, x.rupiah, x.ok])).toEqual([
      ['2026-12-01', 'kiosk-1', 1, 500, 0, true],
      // Rp 10,000 at Rp 2,500/m³ (the first block; 500 L bought this month already): 4 m³, charged Rp 10,000.
      ['2026-12-02', 'kiosk-1', 1, 4000, 10000, true],
      ['2026-12-02', 'kiosk-2', 1, 300, 0, true],
    ]);
    expect(r.totals).toEqual({ sales: 3, litres: 4800, rupiah: 10000 });
    expect((await reconcile(hsm, store, { from: '2026-12-02', to: '2026-12-02', vendingPoint: 'kiosk-2', paymentsVendingPoint: 'online' })).rows).toHaveLength(1);
  } finally {
    await store.close();
    await hsm.close();
    t.cleanup();
  }
});
