/**
 * What an amount of rupiah buys for a meter now: the block-tariff breakdown a page shows before
 * the customer pays. The same rules as the module's vend (the meter's customer group tariff, from
 * what it bought this local month, 100-litre units, the largest sale); read only. The token issued
 * at settlement is computed again then, so a purchase in between can change it.
 */
import { fail } from '../../errors';
import type { Hsm, TariffBreakdown } from '../../hsm';
import { localDateTime } from '../../codec/local-time';
import { rupiahToVolume } from '../../hsm/tariff';

export interface PaymentQuote {
  pan: string;
  rupiah: number;
  creditedLitres: number;
  tariff: TariffBreakdown;
}

/** @throws HydroSyncError NOT_FOUND (meter, tariff), RANGE (too little or too much money). */
export async function quotePayment(hsm: Hsm, pan: string, rupiah: number, now: Date): Promise<PaymentQuote> {
  const meter = await hsm.getMeter(pan);
  const config = await hsm.config();
  const tariff = config.tariffs.find((t) => t.group === meter.customerGroup)
    ?? fail('NOT_FOUND', `meter ${meter.pan} is in customer group ${meter.customerGroup}, which has no tariff; configure it`);
  const month = localDateTime(now, config.utcOffsetMinutes).slice(0, 7);
  const monthLitres = meter.monthToDate?.month === month ? meter.monthToDate.litres : 0;
  const converted = rupiahToVolume(rupiah, monthLitres, tariff);
  if (converted.litres > config.maxLitresPerSale) {
    fail('RANGE', `Rp ${rupiah} buys ${converted.litres} L, above the largest sale of ${config.maxLitresPerSale} L (maxLitresPerSale); pay less`);
  }
  return { pan: meter.pan, rupiah, creditedLitres: converted.litres, tariff: converted.breakdown };
}
