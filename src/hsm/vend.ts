/**
 * Vend: one water credit token (class 0 subclass 1, 0.1 m³ per unit; or subclass 5, water
 * currency) for a registered meter, in one transaction: TID allocated, refusals checked (DDTK,
 * KEY_INACTIVE, KEY_EXPIRED, RANGE, LIMIT), token generated, registry, counters and audit updated.
 * A water volume above config.maxLitresPerSale (at most a water meter's register cap) is RANGE:
 * the meter could never take it (OVERFLOW), so it is not sold.
 */
import { fail } from '../errors';
import {
  TRANSFER_AMOUNT_MAX_TENTHS, decodeTransferAmount, encodeTransferAmount, cubicMetresToTenths, decodeCurrencyUnits, encodeCurrencyUnits, formatCurrencyAmount,
  litresToTenths, parseCurrencyAmount,
} from '../codec/amount';
import { parseMeterPan } from '../codec/pan';
import { showInput } from '../codec/input-text';
import { parseDecimalAmountNumber } from '../codec/decimal-amount';
import { DEFAULT_CREDIT_CAP_LITRES } from '../meter/profile';
import { checkCreditTenths, issueCredit, issueCurrencyCredit } from '../tokens/issue';
import { auditText } from './context';
import type { Core } from './core';
import { allocateTokenTime, issuedWithTid } from './issue-time';
import { checkDailyLimits, recordUsage, tightenLimits } from './limits';
import { localDateTime } from '../codec/local-time';
import { runIssue } from './operation';
import type { SealedIssue } from './sealed-result';
import { randomNibble } from '../tokens/random';
import { requireMeter } from './registry';
import { rupiahToVolume } from './tariff';
import { litresToCubicMetres as litresToCubicMetresText } from '../meter/status';
import type { Issued, MeterRecord, TariffBreakdown, VendRequest } from './types';

type Amount =
  | { unit: 'litres'; tenths: number; requested: string; inM3: boolean }
  | { unit: 'rupiah'; rupiah: number; requested: string }
  | { unit: 'currency'; units: bigint; requested: string };

const UNITS_PER_RUPIAH = 100000n;

function parseAmount(req: VendRequest): Amount {
  const given = (['litres', 'cubicMetres', 'rupiah', 'currency'] as const).filter((k) => req[k] !== undefined);
  if (given.length !== 1) fail('FORMAT', `give exactly one amount: litres, cubicMetres, rupiah or currency; got ${given.length === 0 ? 'none' : given.join(' and ')}`);
  let tenths: number;
  if (req.litres !== undefined) {
    tenths = litresToTenths(typeof req.litres === 'string' ? parseDecimalAmountNumber(req.litres, 'litres') : req.litres);
  } else if (req.cubicMetres !== undefined) {
    tenths = cubicMetresToTenths(req.cubicMetres);
  } else if (req.rupiah !== undefined) {
    const rupiah = typeof req.rupiah === 'string' ? parseDecimalAmountNumber(req.rupiah, 'rupiah') : req.rupiah;
    if (typeof rupiah !== 'number' || !Number.isSafeInteger(rupiah) || rupiah <= 0) {
      fail('RANGE', `rupiah must be a whole number above 0; got ${showInput(req.rupiah)}`);
    }
    return { unit: 'rupiah', rupiah, requested: `Rp ${rupiah}` };
  } else {
    const units = parseCurrencyAmount(req.currency!);
    if (units <= 0n) fail('RANGE', `a currency credit must be above 0; got ${showInput(req.currency)}`);
    encodeCurrencyUnits(units);
    return { unit: 'currency', units, requested: `${formatCurrencyAmount(units)} currency` };
  }
  checkCreditTenths(tenths);
  if (tenths > TRANSFER_AMOUNT_MAX_TENTHS) fail('RANGE', `the volume is above the largest water token, ${TRANSFER_AMOUNT_MAX_TENTHS / 10} m³`);
  const inM3 = req.cubicMetres !== undefined;
  return { unit: 'litres', tenths, inM3, requested: inM3 ? `${req.cubicMetres!.trim()} m³` : `${String(req.litres).trim()} L` };
}

/** Best-effort text of the requested amount, for refusals of malformed requests. */
function rawRequested(req: VendRequest): string | null {
  if (req === null || typeof req !== 'object') return null;
  const unit = { litres: ' L', cubicMetres: ' m³', rupiah: '', currency: ' currency' } as const;
  for (const k of ['litres', 'cubicMetres', 'rupiah', 'currency'] as const) {
    if (req[k] !== undefined) return `${k === 'rupiah' ? 'Rp ' : ''}${auditText(String(req[k]), 40)}${unit[k]}`;
  }
  return null;
}

export function vend(core: Core, req: VendRequest): Promise<Issued> {
  let amount: Amount;
  return runIssue(core, 'vend', req, () => {
    if (req === null || typeof req !== 'object') fail('FORMAT', 'a vend request must be an object');
    const pan = parseMeterPan(req.pan).pan;
    amount = parseAmount(req);
    return { pan, requested: amount.requested, fingerprint: [amount.requested] };
  }, async (tx, now, ctx, d) => {
    const meter = await requireMeter(tx, d.pan!, true);
    if (meter.keyType === 1) {
      fail('DDTK', `meter ${meter.pan} still has a default key (KT 1, DDTK); meters refuse credit under it (reference §7.6). Issue a key change to a unique key (KT 2) first`);
    }
    const config = await core.config(tx);
    const limits = tightenLimits(config, req.dailyLimits);
    const row = await core.vendingKeyRow(tx, meter.vendingKeyId);
    const time = allocateTokenTime(meter, row, now, config.utcOffsetMinutes);
    const dk = core.decoderKey(meter, row);
    const local = localDateTime(now, config.utcOffsetMinutes);
    const day = local.slice(0, 10); // daily limits
    const month = local.slice(0, 7); // block tariffs
    const monthLitres = meter.monthToDate?.month === month ? meter.monthToDate.litres : 0;
    let tariff: TariffBreakdown | undefined;
    let result: Issued;
    let usage: { litres: number; rupiah: number };
    if (amount.unit === 'currency') {
      // The 20-bit currency field rounds the amount up (§3.2): limits count what the token carries.
      const carried = decodeCurrencyUnits(encodeCurrencyUnits(amount.units));
      usage = { litres: 0, rupiah: Number((carried + UNITS_PER_RUPIAH - 1n) / UNITS_PER_RUPIAH) };
      await checkDailyLimits(tx, limits, ctx.vendingPoint, day, usage);
      const c = issueCurrencyCredit(dk, { amount: formatCurrencyAmount(amount.units), tid: time.tid, subclass: 5 });
      result = issuedWithTid('vend', ctx.transactionId, meter.pan, [c.token], [c.grouped], time, meter.keyRevisionNumber, now);
      result.requested = amount.requested;
      result.encoded = `${c.credited} currency`;
    } else {
      let tenths: number;
      if (amount.unit === 'rupiah') {
        const group = config.tariffs.find((t) => t.group === meter.customerGroup)
          ?? fail('NOT_FOUND', `meter ${meter.pan} is in customer group ${meter.customerGroup}, which has no tariff; configure it (setConfig tariffs)`);
        const converted = rupiahToVolume(amount.rupiah, monthLitres, group);
        tariff = converted.breakdown;
        tenths = converted.litres / 100;
        usage = { litres: converted.litres, rupiah: converted.breakdown.chargedRupiah };
      } else {
        tenths = amount.tenths;
        usage = { litres: tenths * 100, rupiah: 0 };
      }
      // What the token carries (the transfer amount rounds up, §3.1) is what the meter must hold.
      const carried = decodeTransferAmount(encodeTransferAmount(tenths)) * 100;
      if (carried > config.maxLitresPerSale) {
        fail('RANGE', `${litresToCubicMetresText(carried)} m³${amount.unit === 'rupiah' ? ` (what ${amount.requested} buys)` : ''} is above the largest sale of ${litresToCubicMetresText(config.maxLitresPerSale)} m³ (maxLitresPerSale; a water meter holds at most ${litresToCubicMetresText(DEFAULT_CREDIT_CAP_LITRES)} m³ and answers OVERFLOW above it); sell less`);
      }
      await checkDailyLimits(tx, limits, ctx.vendingPoint, day, usage);
      const c = issueCredit(dk, { tenths, tid: time.tid, subclass: 1, rnd: randomNibble() });
      result = issuedWithTid('vend', ctx.transactionId, meter.pan, [c.token], [c.grouped], time, meter.keyRevisionNumber, now);
      const litres = c.creditedLitres!;
      result.requested = amount.requested;
      result.encoded = amount.unit === 'litres' && !amount.inM3 ? `${litres} L` : `${litresToCubicMetresText(litres)} m³`;
      result.creditedLitres = litres;
      if (tariff) result.tariff = tariff;
    }
    const updated: MeterRecord = { ...meter, lastTid: time.tid };
    if (usage.litres > 0) updated.monthToDate = { month, litres: monthLitres + usage.litres };
    await tx.updateMeter(updated);
    await recordUsage(tx, ctx.vendingPoint, day, usage);
    return { issued: result, auditAmount: result.encoded! } satisfies SealedIssue;
  }, rawRequested(req));
}
