// Issue #14: the module sold tokens no water meter can take (Rp 2,000,000,000 = 400,062 m³;
// 150,000 m³), while the default register cap is 100,000 m³ and a meter answers OVERFLOW above it.
// A sale above config.maxLitresPerSale (default 1,000 m³, never above the cap) is RANGE, audited,
// before anything is issued: no TID used, no counter moved, no transaction stored.
import { describe, expect, it } from 'vitest';
import { CTX, OP, PAN, setup } from './hsm-support';
import { errorCode } from './support';

describe('the largest sale', () => {
  it('volume and rupiah sales above the per-sale maximum are RANGE refusals, audited, nothing issued', async () => {
    const { hsm, store } = await setup();
    const lastTid = (await hsm.getMeter(PAN)).lastTid;
    const cases: [Record<string, unknown>, string][] = [
      [{ cubicMetres: '150000' }, '150000 m³'],
      [{ litres: 1_000_100 }, '1000100 L'],
      [{ rupiah: 2_000_000_000 }, 'Rp 2000000000'],
      [{ rupiah: 5_000_000 }, 'Rp 5000000'], // 1,006 m³ with the example tariff R1
    ];
    for (const [amount, requested] of cases) {
      const before = (await hsm.auditRecords()).length;
      expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, transactionId: `big-${requested.replace(/\W/g, "")}`, ...amount }))).toBe('RANGE');
      expect((await hsm.auditRecords()).slice(before)).toEqual([expect.objectContaining({ kind: 'vend', outcome: 'refused', errorCode: 'RANGE', amount: requested, tokenHash: null })]);
      expect((await store.transaction((tx) => tx.getTransaction(`big-${requested.replace(/\W/g, "")}`)))).toBeUndefined();
    }
    expect(await hsm.getMeter(PAN)).toMatchObject({ lastTid });
    expect((await hsm.getMeter(PAN)).monthToDate ?? null).toBeNull();
    // At the maximum: sold.
    expect((await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '1000' })).creditedLitres).toBe(1_000_000);
    expect((await hsm.vend({ ...CTX, pan: PAN, rupiah: 4_900_000 })).creditedLitres).toBeLessThanOrEqual(1_000_000);
  });

  it('is configurable up to the register cap of a water meter, never above', async () => {
    const { hsm } = await setup();
    expect((await hsm.config()).maxLitresPerSale).toBe(1_000_000);
    expect((await hsm.setConfig({ maxLitresPerSale: 100_000_000 }, OP)).maxLitresPerSale).toBe(100_000_000);
    expect((await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '99900' })).creditedLitres).toBe(99_902_400); // the transfer amount rounds up
    // 100,000 m³ is carried as 100,002.4 m³: more than the register holds, so it is not sold.
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, cubicMetres: '100000' }))).toBe('RANGE');
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, rupiah: 2_000_000_000 }))).toBe('RANGE');
    expect(await errorCode(() => hsm.setConfig({ maxLitresPerSale: 100_000_001 }, OP))).toBe('RANGE');
    expect(await errorCode(() => hsm.setConfig({ maxLitresPerSale: 99 }, OP))).toBe('RANGE');
    expect((await hsm.setConfig({ maxLitresPerSale: 20_000 }, OP)).maxLitresPerSale).toBe(20_000);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, cubicMetres: '20.1' }))).toBe('RANGE');
    expect((await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '20' })).creditedLitres).toBe(20_000);
  });
});
