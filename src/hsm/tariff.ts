/**
 * PDAM block tariffs: money → water volume (rupiah per m³ for each monthly block, per customer
 * group). Integer arithmetic only (BigInt inside), no floating point.
 *
 * Rules:
 * - The month's volume so far (litres already bought by this meter this local calendar month)
 *   decides where in the blocks the purchase starts; it then fills the blocks in order.
 * - Volume is sold in whole 100-litre units (0.1 m³, the water token's unit, reference §2.2).
 * - Cost is computed exactly per block: litres × price / 1000. Each block line is rounded UP to
 *   whole rupiah, so the utility never undercharges; with prices that are multiples of Rp 10 per
 *   m³ (the usual case) a 100-litre unit costs whole rupiah and nothing is rounded.
 * - The customer gets as many units as the money pays for; the rest is returned as change.
 */
import { fail } from '../errors';
import { TRANSFER_AMOUNT_MAX_TENTHS } from '../codec/amount';
import type { Tariff, TariffBreakdown, TariffLine } from './types';
import { showInput } from '../codec/input-text';
import { checkTariff } from './config';
import { litresToCubicMetres as litresToCubicMetresText } from '../meter/status';

const UNIT_LITRES = 100n;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

export interface TariffResult {
  litres: number;
  breakdown: TariffBreakdown;
}

/**
 * How much water `paidRupiah` buys for a meter that has already bought `monthToDateLitres` this
 * month (block tariff, 100-litre units).
 * @param paidRupiah - the money paid, whole rupiah
 * @param monthToDateLitres - litres bought this month before this sale
 * @param tariff - the block tariff (e.g. EXAMPLE_TARIFF_R1)
 * @throws HydroSyncError `RANGE` if the money buys less than one 100-litre unit, more than one token
 *   can carry, or an argument is out of range; `FORMAT` a malformed tariff.
 */
export function rupiahToVolume(paidRupiah: number, monthToDateLitres: number, tariff: Tariff): TariffResult {
  if (typeof paidRupiah !== 'number' || !Number.isSafeInteger(paidRupiah) || paidRupiah <= 0) {
    fail('RANGE', `rupiah must be a whole number above 0; got ${showInput(paidRupiah)}`);
  }
  if (typeof monthToDateLitres !== 'number' || !Number.isSafeInteger(monthToDateLitres) || monthToDateLitres < 0) {
    fail('RANGE', `litres bought this month must be a whole number, 0 or more; got ${showInput(monthToDateLitres)}`);
  }
  checkTariff(tariff);
  const maxUnits = BigInt(TRANSFER_AMOUNT_MAX_TENTHS);
  let remaining = BigInt(paidRupiah);
  let pos = BigInt(monthToDateLitres);
  let units = 0n;
  let nextUnitPrice = 0n;
  const lines: TariffLine[] = [];
  let lower = 0n;
  for (const block of tariff.blocks) {
    const upper = block.upToCubicMetres === null ? null : BigInt(block.upToCubicMetres) * 1000n;
    const price = BigInt(block.rupiahPerCubicMetre);
    const fromText = litresToCubicMetresText(Number(lower));
    const toText = upper === null ? null : litresToCubicMetresText(Number(upper));
    lower = upper ?? lower;
    if (upper !== null && pos >= upper) continue;
    const capacity = upper === null ? maxUnits + 1n : (upper - pos) / UNIT_LITRES;
    // ceil(u × price / 10) ≤ remaining  ⇔  u × price ≤ 10 × remaining (remaining is whole rupiah).
    const affordable = (remaining * 10n) / price;
    let u = affordable < capacity ? affordable : capacity;
    if (u > maxUnits + 1n - units) u = maxUnits + 1n - units;
    nextUnitPrice = ceilDiv(price, 10n);
    if (u > 0n) {
      const cost = ceilDiv(u * price, 10n);
      lines.push({ fromCubicMetres: fromText, toCubicMetres: toText, rupiahPerCubicMetre: block.rupiahPerCubicMetre, litres: Number(u * UNIT_LITRES), rupiah: Number(cost) });
      remaining -= cost;
      pos += u * UNIT_LITRES;
      units += u;
    }
    if (u < capacity || units > maxUnits) break;
  }
  if (units > maxUnits) {
    fail('RANGE', `Rp ${paidRupiah} buys more than one token can carry (${TRANSFER_AMOUNT_MAX_TENTHS / 10} m³); split the payment`);
  }
  if (units === 0n) {
    fail('RANGE', `Rp ${paidRupiah} is less than the price of the smallest unit, 100 litres (Rp ${nextUnitPrice} in the current block of tariff ${tariff.group})`);
  }
  const charged = BigInt(paidRupiah) - remaining;
  return {
    litres: Number(units * UNIT_LITRES),
    breakdown: {
      group: tariff.group,
      monthToDateLitres,
      paidRupiah,
      chargedRupiah: Number(charged),
      changeRupiah: Number(remaining),
      lines,
    },
  };
}
