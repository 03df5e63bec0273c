import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, deriveDecoderKey, describeToken } from '../src';
import { EXAMPLE_TARIFF_R1, type Tariff, rupiahToVolume } from '../src/hsm';
import { CTX, OP, PAN, VK04, panOf, setup } from './hsm-support';
import { errorCode } from './support';

// R1 (example household tariff): 0–10 m³ Rp 2,500/m³, 10–20 m³ Rp 3,500/m³, above 20 m³ Rp 5,000/m³,
// so 100 litres cost Rp 250, 350 and 500 in the three blocks.
describe('block tariff worked examples (R1)', () => {
  it('Rp 50,000, nothing bought this month: 10 m³ in block 1, 7.1 m³ in block 2, Rp 150 change', async () => {
    const r = rupiahToVolume(50_000, 0, EXAMPLE_TARIFF_R1);
    expect(r.litres).toBe(17_100);
    expect(r.breakdown).toEqual({
      group: 'R1', monthToDateLitres: 0, paidRupiah: 50_000, chargedRupiah: 49_850, changeRupiah: 150,
      lines: [
        { fromCubicMetres: '0', toCubicMetres: '10', rupiahPerCubicMetre: 2500, litres: 10_000, rupiah: 25_000 },
        { fromCubicMetres: '10', toCubicMetres: '20', rupiahPerCubicMetre: 3500, litres: 7_100, rupiah: 24_850 },
      ],
    });
  });

  it('Rp 5,000 with 9.5 m³ bought: 0.5 m³ at 2,500 then 1.0 m³ at 3,500, Rp 250 change', async () => {
    const r = rupiahToVolume(5_000, 9_500, EXAMPLE_TARIFF_R1);
    expect(r.litres).toBe(1_500);
    expect(r.breakdown.lines.map((l) => [l.litres, l.rupiah])).toEqual([[500, 1_250], [1_000, 3_500]]);
    expect(r.breakdown).toMatchObject({ chargedRupiah: 4_750, changeRupiah: 250 });
  });

  it('Rp 100,000 with 25 m³ bought: all in the last block (20 m³), no change', async () => {
    const r = rupiahToVolume(100_000, 25_000, EXAMPLE_TARIFF_R1);
    expect(r.litres).toBe(20_000);
    expect(r.breakdown.lines).toEqual([{ fromCubicMetres: '20', toCubicMetres: null, rupiahPerCubicMetre: 5000, litres: 20_000, rupiah: 100_000 }]);
  });

  it('too little money for 100 litres, or more than one token can carry: RANGE', async () => {
    expect(errorCode(() => rupiahToVolume(249, 0, EXAMPLE_TARIFF_R1))).toBe('RANGE');
    expect(rupiahToVolume(250, 0, EXAMPLE_TARIFF_R1).litres).toBe(100);
    expect(errorCode(() => rupiahToVolume(499, 20_000, EXAMPLE_TARIFF_R1))).toBe('RANGE');
    expect(errorCode(() => rupiahToVolume(9_000_000_000_000, 0, EXAMPLE_TARIFF_R1))).toBe('RANGE');
  });

  it('a price that is not a multiple of Rp 10/m³ is rounded up per block line (never undercharges)', async () => {
    const odd: Tariff = { group: 'X', blocks: [{ upToCubicMetres: null, rupiahPerCubicMetre: 2555 }] };
    // 100 L cost Rp 255.5; 3 units cost 766.5 → Rp 767; a 4th would cost 1022 > 1000.
    const r = rupiahToVolume(1_000, 0, odd);
    expect(r.litres).toBe(300);
    expect(r.breakdown).toMatchObject({ chargedRupiah: 767, changeRupiah: 233 });
  });

  it('property: charged + change = paid; charged ≥ the exact cost; one more unit would not be affordable', async () => {
    const tariffArb = fc.array(fc.record({ up: fc.integer({ min: 1, max: 30 }), price: fc.integer({ min: 1, max: 20_000 }) }), { minLength: 1, maxLength: 4 })
      .map((bs): Tariff => {
        let bound = 0;
        return { group: 'P', blocks: bs.map((b, i) => ({ upToCubicMetres: i === bs.length - 1 ? null : (bound += b.up), rupiahPerCubicMetre: b.price })) };
      });
    fc.assert(fc.property(tariffArb, fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 0, max: 600 }), (tariff, paid, mtdUnits) => {
      let r: ReturnType<typeof rupiahToVolume>;
      try {
        r = rupiahToVolume(paid, mtdUnits * 100, tariff);
      } catch {
        return true; // RANGE: too little for one unit (checked in the examples)
      }
      const b = r.breakdown;
      expect(b.chargedRupiah + b.changeRupiah).toBe(paid);
      expect(b.lines.reduce((s, l) => s + l.rupiah, 0)).toBe(b.chargedRupiah);
      expect(b.lines.reduce((s, l) => s + l.litres, 0)).toBe(r.litres);
      const exactMilli = b.lines.reduce((s, l) => s + l.litres * l.rupiahPerCubicMetre, 0);
      expect(b.chargedRupiah * 1000).toBeGreaterThanOrEqual(exactMilli);
      // Buying 100 L more costs more than what is left.
      const more = (() => { try { return rupiahToVolume(paid + 1_000_000_000, mtdUnits * 100, tariff); } catch { return null; } })();
      if (more) {
        const unitPrice = Math.ceil(priceAt(tariff, mtdUnits * 100 + r.litres) / 10);
        expect(b.changeRupiah).toBeLessThan(unitPrice);
      }
      return true;
    }), { numRuns: 300 });
  });
});

function priceAt(t: Tariff, litres: number): number {
  for (const b of t.blocks) if (b.upToCubicMetres === null || litres < b.upToCubicMetres * 1000) return b.rupiahPerCubicMetre;
  return t.blocks[t.blocks.length - 1]!.rupiahPerCubicMetre;
}

describe('vend { rupiah }', () => {
  it('converts with the volume already bought this month and issues exactly that volume', async () => {
    const { hsm } = await setup();
    await hsm.vend({ ...CTX, pan: PAN, litres: 9_500 });
    const r = await hsm.vend({ ...CTX, pan: PAN, rupiah: 5_000 });
    expect(r).toMatchObject({ requested: 'Rp 5000', encoded: '1.5 m³', creditedLitres: 1_500 });
    expect(r.tariff).toMatchObject({ group: 'R1', monthToDateLitres: 9_500, chargedRupiah: 4_750, changeRupiah: 250 });
    const key = deriveDecoderKey(VK04, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11' });
    expect(describeToken(decodeToken(r.tokens[0]!, key)).meaning.litres).toBe(1_500);
    expect((await hsm.getMeter(PAN)).monthToDate).toEqual({ month: '2026-12', litres: 11_000 });
  });

  it('the month is the local calendar month (WIB): it resets at local midnight of the 1st', async () => {
    const { hsm, set } = await setup({ start: '2026-11-30T16:30:00Z' }); // 23:30 WIB, 30 November
    await hsm.vend({ ...CTX, pan: PAN, litres: 10_000 });
    set('2026-11-30T16:59:00Z'); // still November locally: block 2
    expect((await hsm.vend({ ...CTX, pan: PAN, rupiah: 3_500 })).tariff).toMatchObject({ monthToDateLitres: 10_000, chargedRupiah: 3_500 });
    set('2026-11-30T17:00:00Z'); // 00:00 WIB, 1 December: block 1 again
    const r = await hsm.vend({ ...CTX, pan: PAN, rupiah: 3_500 });
    expect(r.tariff).toMatchObject({ monthToDateLitres: 0, chargedRupiah: 3_500 });
    expect(r.creditedLitres).toBe(1_400);
  });

  it('customer groups pick their tariff; a group without a tariff is NOT_FOUND', async () => {
    const { hsm } = await setup();
    await hsm.setConfig({ tariffs: [...(await hsm.config()).tariffs, { group: 'N2', blocks: [{ upToCubicMetres: null, rupiahPerCubicMetre: 10_000 }] }] }, OP);
    await hsm.addMeter({ pan: '600727111111111153', customerReference: 'SHOP', customerGroup: 'N2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    expect((await hsm.vend({ ...CTX, pan: '600727111111111153', rupiah: 10_000 })).creditedLitres).toBe(1_000);
    expect(await errorCode(() => hsm.addMeter({ pan: panOf(42), customerReference: 'X', customerGroup: 'Z9', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP))).toBe('NOT_FOUND');
    await hsm.setConfig({ tariffs: [{ group: 'N2', blocks: [{ upToCubicMetres: null, rupiahPerCubicMetre: 10_000 }] }] }, OP);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, rupiah: 10_000 }))).toBe('NOT_FOUND');
  });

  it('tariff configuration is validated', async () => {
    const { hsm } = await setup();
    const bad = (blocks: unknown) => errorCode(() => hsm.setConfig({ tariffs: [{ group: 'B', blocks } as never] }, OP));
    expect(await bad([{ upToCubicMetres: 10, rupiahPerCubicMetre: 100 }])).toBe('RANGE'); // last block must be open
    expect(await bad([{ upToCubicMetres: 10, rupiahPerCubicMetre: 100 }, { upToCubicMetres: 5, rupiahPerCubicMetre: 1 }, { upToCubicMetres: null, rupiahPerCubicMetre: 1 }])).toBe('RANGE');
    expect(await bad([{ upToCubicMetres: null, rupiahPerCubicMetre: 2.5 }])).toBe('RANGE');
    expect(await bad([{ upToCubicMetres: null, rupiahPerCubicMetre: 0 }])).toBe('RANGE');
    expect(await bad([])).toBe('FORMAT');
    expect(await errorCode(() => hsm.setConfig({ tariffs: [] }, OP))).toBe('FORMAT');
  });
});
