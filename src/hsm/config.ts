/**
 * HsmConfig: defaults and validation. Kept in the store (meta 'config', JSON) at init; changed with
 * Hsm.setConfig (audited).
 */
import { fail } from '../errors';
import { showInput } from '../codec/input-text';
import { DEFAULT_CREDIT_CAP_LITRES } from '../meter/profile';
import type { HsmConfig, Tariff, TariffBlock } from './types';

/**
 * Example household tariff "R1" (rumah tangga): Rp 2,500/m³ for the first 10 m³ of a month,
 * Rp 3,500/m³ from 10 to 20 m³, Rp 5,000/m³ above 20 m³. An example of the usual PDAM block
 * shape, not any utility's published tariff: set your own with setConfig({ tariffs }).
 */
export const EXAMPLE_TARIFF_R1: Tariff = Object.freeze({
  group: 'R1',
  blocks: Object.freeze([
    Object.freeze({ upToCubicMetres: 10, rupiahPerCubicMetre: 2500 }),
    Object.freeze({ upToCubicMetres: 20, rupiahPerCubicMetre: 3500 }),
    Object.freeze({ upToCubicMetres: null, rupiahPerCubicMetre: 5000 }),
  ]) as TariffBlock[],
}) as Tariff;

/**
 * The security module's configuration when initHsm is given none (limits, tariffs, time zone); frozen.
 */
export const DEFAULT_CONFIG: HsmConfig = Object.freeze({
  utcOffsetMinutes: 420,
  dailyLimitLitresPerVendingPoint: null,
  dailyLimitRupiahPerVendingPoint: null,
  maxLitresPerSale: 1_000_000,
  tariffs: [EXAMPLE_TARIFF_R1],
}) as HsmConfig;

const MAX_OFFSET = 18 * 60;
const MAX_PRICE = 1_000_000_000;
const MAX_BLOCK_M3 = 1_000_000;
const GROUP = /^[A-Za-z0-9_-]{1,16}$/;
const KNOWN = ['utcOffsetMinutes', 'dailyLimitLitresPerVendingPoint', 'dailyLimitRupiahPerVendingPoint', 'maxLitresPerSale', 'tariffs'];

function limit(name: string, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    fail('RANGE', `${name} must be a whole number above 0, or null for no limit; got ${showInput(v)}`);
  }
  return v;
}

/** A tariff as the configuration holds it (FORMAT or RANGE otherwise). */
export function checkTariff(t: unknown): Tariff {
  if (t === null || typeof t !== 'object') fail('FORMAT', 'each tariff must be an object { group, blocks }');
  const { group, blocks } = t as Tariff;
  if (typeof group !== 'string' || !GROUP.test(group)) fail('FORMAT', `tariff group must be 1 to 16 characters A-Z a-z 0-9 _ -; got ${showInput(group)}`);
  if (!Array.isArray(blocks) || blocks.length === 0) fail('FORMAT', `tariff ${group}: blocks must be a non-empty array`);
  let previous = 0;
  const out: TariffBlock[] = blocks.map((b: TariffBlock, i: number) => {
    const last = i === blocks.length - 1;
    const upTo = b?.upToCubicMetres;
    const price = b?.rupiahPerCubicMetre;
    if (typeof price !== 'number' || !Number.isSafeInteger(price) || price < 1 || price > MAX_PRICE) {
      fail('RANGE', `tariff ${group} block ${i + 1}: rupiahPerCubicMetre must be a whole number of rupiah from 1 to ${MAX_PRICE}; got ${showInput(price)}`);
    }
    if (last) {
      if (upTo !== null) fail('RANGE', `tariff ${group}: the last block must be open-ended (upToCubicMetres: null)`);
    } else if (typeof upTo !== 'number' || !Number.isSafeInteger(upTo) || upTo <= previous || upTo > MAX_BLOCK_M3) {
      fail('RANGE', `tariff ${group} block ${i + 1}: upToCubicMetres must be a whole number of m³ above ${previous} (the previous bound) and at most ${MAX_BLOCK_M3}; got ${showInput(upTo)}`);
    } else {
      previous = upTo;
    }
    return { upToCubicMetres: last ? null : (upTo as number), rupiahPerCubicMetre: price };
  });
  return { group, blocks: out };
}

/** Merge changes into a configuration and validate the result. FORMAT/RANGE on bad values. */
export function mergeConfig(base: HsmConfig, changes: Partial<HsmConfig> = {}): HsmConfig {
  if (changes === null || typeof changes !== 'object') fail('FORMAT', 'configuration changes must be an object');
  for (const k of Object.keys(changes)) {
    if (!KNOWN.includes(k)) fail('FORMAT', `unknown configuration field ${showInput(k)}; known: ${KNOWN.join(', ')}`);
  }
  const c = { ...base, ...changes };
  if (typeof c.utcOffsetMinutes !== 'number' || !Number.isInteger(c.utcOffsetMinutes) || Math.abs(c.utcOffsetMinutes) > MAX_OFFSET) {
    fail('RANGE', `utcOffsetMinutes must be whole minutes from -${MAX_OFFSET} to ${MAX_OFFSET} (420 WIB, 480 WITA, 540 WIT); got ${showInput(c.utcOffsetMinutes)}`);
  }
  const max = c.maxLitresPerSale;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 100 || max > DEFAULT_CREDIT_CAP_LITRES) {
    fail('RANGE', `maxLitresPerSale must be whole litres from 100 (the smallest token) to ${DEFAULT_CREDIT_CAP_LITRES} (a water meter's register cap: a larger sale could never be entered); got ${showInput(max)}`);
  }
  if (!Array.isArray(c.tariffs) || c.tariffs.length === 0) fail('FORMAT', 'tariffs must be a non-empty array of { group, blocks }');
  const tariffs = c.tariffs.map(checkTariff);
  const groups = new Set<string>();
  for (const t of tariffs) {
    if (groups.has(t.group)) fail('CONFLICT', `tariff group ${t.group} is defined twice`);
    groups.add(t.group);
  }
  return {
    utcOffsetMinutes: c.utcOffsetMinutes,
    dailyLimitLitresPerVendingPoint: limit('dailyLimitLitresPerVendingPoint', c.dailyLimitLitresPerVendingPoint),
    dailyLimitRupiahPerVendingPoint: limit('dailyLimitRupiahPerVendingPoint', c.dailyLimitRupiahPerVendingPoint),
    maxLitresPerSale: max,
    tariffs,
  };
}

/** Read the stored configuration (STORE if missing or malformed). */
export function parseStoredConfig(text: string | undefined): HsmConfig {
  if (text === undefined) fail('STORE', 'the store has no configuration; it was not initialised (run hsm init)');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail('STORE', 'the stored configuration is not valid JSON; the store is damaged');
  }
  try {
    return mergeConfig(DEFAULT_CONFIG, raw as Partial<HsmConfig>);
  } catch (e) {
    return fail('STORE', `the stored configuration is invalid (${(e as Error).message}); the store is damaged`);
  }
}

/** A deep copy (callers get their own objects). */
export function copyConfig(c: HsmConfig): HsmConfig {
  return { ...c, tariffs: c.tariffs.map((t) => ({ group: t.group, blocks: t.blocks.map((b) => ({ ...b })) })) };
}
