/**
 * Credit limits per vending point per local day (reference §11: ghost vending): litres of water
 * and rupiah (rupiah vends are counted at the charged amount, currency tokens at the amount the
 * token carries, rounded up to whole units). Counters live in the store and are read and updated inside the
 * vend's transaction. (The month-to-date volume per meter lives in the meter's row.)
 */
import { fail } from '../errors';
import type { StoreTx } from './store';
import type { HsmConfig } from './types';

const counterNames = {
  litresToday: (vendingPoint: string, day: string) => `vp-litres|${day}|${vendingPoint}`,
  rupiahToday: (vendingPoint: string, day: string) => `vp-rupiah|${day}|${vendingPoint}`,
};

export interface Usage {
  litres: number;
  rupiah: number;
}

type DailyLimits = Pick<HsmConfig, 'dailyLimitLitresPerVendingPoint' | 'dailyLimitRupiahPerVendingPoint'>;

/** The module's daily limits tightened by a request's own (e.g. its API key's): the smaller of each; RANGE for a limit that is not a whole number above 0. */
export function tightenLimits(config: DailyLimits, own: { litres?: number | null; rupiah?: number | null } | undefined): DailyLimits {
  const pick = (name: string, module: number | null, v: number | null | undefined): number | null => {
    if (v === undefined || v === null) return module;
    if (!Number.isSafeInteger(v) || v <= 0) fail('RANGE', `dailyLimits.${name} must be a whole number above 0; got ${String(v)}`);
    return module === null ? v : Math.min(module, v);
  };
  return {
    dailyLimitLitresPerVendingPoint: pick('litres', config.dailyLimitLitresPerVendingPoint, own?.litres),
    dailyLimitRupiahPerVendingPoint: pick('rupiah', config.dailyLimitRupiahPerVendingPoint, own?.rupiah),
  };
}

/** LIMIT if this vend would take the vending point over a daily limit. */
export async function checkDailyLimits(tx: StoreTx, config: DailyLimits, vendingPoint: string, day: string, add: Usage): Promise<void> {
  const lim = config.dailyLimitLitresPerVendingPoint;
  if (lim !== null && add.litres > 0) {
    const used = await tx.getCounter(counterNames.litresToday(vendingPoint, day), { lock: true });
    if (used + add.litres > lim) {
      fail('LIMIT', `vending point ${vendingPoint} has issued ${used} L today (${day}, local time); ${add.litres} L more would pass its daily limit of ${lim} L. Ask a supervisor to raise the limit, or vend again tomorrow`);
    }
  }
  const limR = config.dailyLimitRupiahPerVendingPoint;
  if (limR !== null && add.rupiah > 0) {
    const used = await tx.getCounter(counterNames.rupiahToday(vendingPoint, day), { lock: true });
    if (used + add.rupiah > limR) {
      fail('LIMIT', `vending point ${vendingPoint} has sold Rp ${used} today (${day}, local time); Rp ${add.rupiah} more would pass its daily limit of Rp ${limR}. Ask a supervisor to raise the limit, or vend again tomorrow`);
    }
  }
}

export async function recordUsage(tx: StoreTx, vendingPoint: string, day: string, add: Usage): Promise<void> {
  if (add.litres > 0) await tx.addToCounter(counterNames.litresToday(vendingPoint, day), add.litres);
  if (add.rupiah > 0) await tx.addToCounter(counterNames.rupiahToday(vendingPoint, day), add.rupiah);
}

/** What a vending point sold on a local day (YYYY-MM-DD), as the daily-limit counters hold it: litres, and rupiah charged. */
export async function readUsage(tx: StoreTx, vendingPoint: string, day: string): Promise<Usage> {
  return {
    litres: await tx.getCounter(counterNames.litresToday(vendingPoint, day)),
    rupiah: await tx.getCounter(counterNames.rupiahToday(vendingPoint, day)),
  };
}
