import type { BaseDate } from '../codec/tid';
import { formatWallClock, isKeyExpired, wallClockFromTid } from '../codec/tid';
import { decodeCurrencyUnits, decodeTransferAmount, formatCurrencyAmount, tenthsToLitres } from '../codec/amount';
import type { Token } from './types';
import { checkObject, checkOptions } from '../argument-checks';

/** The standard's name of each kind (IEC 62055-41 §6.2). */
export const TOKEN_NAMES: Readonly<Record<Token['kind'], string>> = {
  transferCredit: 'TransferCredit',
  transferCurrency: 'TransferCredit (currency)',
  meterTest: 'InitiateMeterTest/Display',
  setMaximumPowerLimit: 'SetMaximumPowerLimit',
  clearCredit: 'ClearCredit',
  setTariffRate: 'SetTariffRate',
  set1stSectionDecoderKey: 'Set1stSectionDecoderKey',
  set2ndSectionDecoderKey: 'Set2ndSectionDecoderKey',
  clearTamperCondition: 'ClearTamperCondition',
  setMaximumPhasePowerUnbalanceLimit: 'SetMaximumPhasePowerUnbalanceLimit',
  setWaterMeterFactor: 'SetWaterMeterFactor',
  set3rdSectionDecoderKey: 'Set3rdSectionDecoderKey',
  setSupplyGroupCode: 'Set3rdSectionDecoderKey (3KCT supply group code)',
  set4thSectionDecoderKey: 'Set4thSectionDecoderKey',
};

const CREDIT_UNITS = ['electricity, 0.1 kWh', 'water, 0.1 m³', 'gas, 0.1 m³', 'time, 0.1 min'] as const;
const CURRENCY_UTILITY = ['electricity', 'water', 'gas', 'time'] as const;
const REGISTERS: Record<number, string> = {
  0: 'electricity', 1: 'water', 2: 'gas', 3: 'time',
  4: 'electricity currency', 5: 'water currency', 6: 'gas currency', 7: 'time currency', 0xffff: 'all registers',
};

/** A token's fields with their meaning, for people and for `--json` reports. */
export interface TokenDescription {
  kind: Token['kind'];
  name: string;
  class: number;
  subclass: number;
  fields: Record<string, number>;
  /** Interpreted values: e.g. { dateTime, litres, cubicMetres } or { currency } or { register }. */
  meaning: Record<string, string | number | boolean>;
}

/**
 * Interpret a decoded token: its name, fields and their meaning (date-time, litres, cubic metres,
 * currency, register…).
 *
 * @param t - a decoded token (decodeToken, or `tryDecodeToken(…).token`)
 * @param context - `baseDate` turns the TID into a date-time (a DecoderKey can be passed), `keyExpiryNumber` flags expiry
 * @returns the description; `meaning` holds the interpreted values
 * @throws never: a token from decodeToken is always described.
 * @example
 * ```ts
 * describeToken(decodeToken(issued.token, key), key).meaning;
 * // { dateTime: '2026-12-01T09:30', keyExpired: false, unit: 'water, 0.1 m³', tenths: 26,
 *  //   litres: 2600, cubicMetres: '2.6' }
 * ```
 */
export function describeToken(t: Token, context: { baseDate?: BaseDate; keyExpiryNumber?: number } = {}): TokenDescription {
  checkObject(t, 'the token', 'FORMAT');
  checkObject(t.fields, 'the token\'s fields', 'FORMAT');
  checkOptions(context, 'the describe context');
  const f = t.fields as Record<string, number>;
  const m: Record<string, string | number | boolean> = {};
  if ('tid' in f && f.tid !== undefined) {
    if (context.baseDate !== undefined) m.dateTime = formatWallClock(wallClockFromTid(f.tid, context.baseDate));
    if (context.keyExpiryNumber !== undefined) m.keyExpired = isKeyExpired(f.tid, context.keyExpiryNumber);
  }
  switch (t.kind) {
    case 'transferCredit': {
      const tenths = decodeTransferAmount(t.fields.amount);
      m.unit = CREDIT_UNITS[t.subclass];
      m.tenths = tenths;
      if (t.subclass === 1) {
        m.litres = tenthsToLitres(tenths);
        m.cubicMetres = `${Math.floor(tenths / 10)}.${tenths % 10}`;
      }
      break;
    }
    case 'transferCurrency':
      m.utility = CURRENCY_UTILITY[t.subclass - 4]!;
      m.currency = formatCurrencyAmount(decodeCurrencyUnits(t.fields.currencyAmount));
      break;
    case 'clearCredit':
      m.register = REGISTERS[t.fields.register] ?? `unknown register ${t.fields.register}`;
      break;
    case 'setMaximumPowerLimit':
      m.watts = decodeTransferAmount(t.fields.maximumPowerLimit);
      break;
    case 'setMaximumPhasePowerUnbalanceLimit':
      m.watts = decodeTransferAmount(t.fields.maximumPhasePowerUnbalanceLimit);
      break;
    case 'setTariffRate':
    case 'setWaterMeterFactor':
      m.note = 'field reserved by the STS Association; carried raw';
      break;
    case 'set1stSectionDecoderKey':
      m.rollover = t.fields.rollover === 1;
      m.threeTokenSet = t.fields.threeTokenSet === 1;
      break;
    case 'setSupplyGroupCode':
      m.supplyGroupCode = String(t.fields.supplyGroupCode).padStart(6, '0');
      break;
    default:
      break;
  }
  return { kind: t.kind, name: TOKEN_NAMES[t.kind], class: t.class, subclass: t.subclass, fields: { ...f }, meaning: m };
}
