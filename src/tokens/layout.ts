import { fail } from '../errors';
import type { TokenKind } from './types';

/**
 * Field layouts of the 64-bit block, as data (IEC 62055-41 §6.2, §6.3; reference §2).
 * A field is [name, lsb position in the 64-bit block, width]. SubClass is bits 63..60 and the
 * CRC bits 15..0 in every layout; the currency amount of class 0 sub 4–7 is split (bits 19..16 at
 * 59..56, bits 15..0 at 31..16) and handled by name.
 */
export type FieldSpec = readonly [name: string, lsb: number, width: number];

export interface Layout {
  readonly kind: TokenKind;
  readonly cls: 0 | 1 | 2;
  readonly fields: readonly FieldSpec[];
  /** The field names, for rejecting unknown ones. */
  readonly names: ReadonlySet<string>;
}

const TID_FIELDS = (last: string): FieldSpec[] => [['rnd', 56, 4], ['tid', 32, 24], [last, 16, 16]];

function L(kind: TokenKind, cls: 0 | 1 | 2, fields: FieldSpec[]): Layout {
  return Object.freeze({ kind, cls, fields: Object.freeze(fields.map((f) => Object.freeze(f))), names: new Set(fields.map((f) => f[0])) });
}

/** Layout per (class, subclass); index = class * 16 + subclass. Missing = reserved (FUNCTION). */
export const LAYOUTS: readonly (Layout | undefined)[] = (() => {
  const t: (Layout | undefined)[] = new Array(64).fill(undefined);
  const credit = L('transferCredit', 0, TID_FIELDS('amount'));
  const currency = L('transferCurrency', 0, [['tid', 32, 24], ['currencyAmount', -1, 20]]);
  for (let s = 0; s < 4; s++) t[s] = credit;
  for (let s = 4; s < 8; s++) t[s] = currency;
  t[16 + 0] = L('meterTest', 1, [['control', 24, 36], ['manufacturerCode', 16, 8]]);
  t[16 + 1] = L('meterTest', 1, [['control', 32, 28], ['manufacturerCode', 16, 16]]);
  t[32 + 0] = L('setMaximumPowerLimit', 2, TID_FIELDS('maximumPowerLimit'));
  t[32 + 1] = L('clearCredit', 2, TID_FIELDS('register'));
  t[32 + 2] = L('setTariffRate', 2, TID_FIELDS('rate'));
  t[32 + 3] = L('set1stSectionDecoderKey', 2, [
    ['keyExpiryNumberHigh', 56, 4], ['keyRevisionNumber', 52, 4], ['rollover', 51, 1],
    ['threeTokenSet', 50, 1], ['keyType', 48, 2], ['newKeyHigh', 16, 32],
  ]);
  t[32 + 4] = L('set2ndSectionDecoderKey', 2, [['keyExpiryNumberLow', 56, 4], ['tariffIndex', 48, 8], ['newKeyLow', 16, 32]]);
  t[32 + 5] = L('clearTamperCondition', 2, TID_FIELDS('pad'));
  t[32 + 6] = L('setMaximumPhasePowerUnbalanceLimit', 2, TID_FIELDS('maximumPhasePowerUnbalanceLimit'));
  t[32 + 7] = L('setWaterMeterFactor', 2, TID_FIELDS('waterMeterFactor'));
  t[32 + 8] = L('set3rdSectionDecoderKey', 2, [['supplyGroupCodeLow', 48, 12], ['newKeyMiddle2', 16, 32]]);
  t[32 + 9] = L('set4thSectionDecoderKey', 2, [['supplyGroupCodeHigh', 48, 12], ['newKeyMiddle1', 16, 32]]);
  return Object.freeze(t);
})();

/** 3-token key-change set, third token (class 2 sub 8 with 3KCT): SGC at 59..36, bits 35..16 zero. */
export const SUPPLY_GROUP_CODE_LAYOUT: Layout = L('setSupplyGroupCode', 2, [['supplyGroupCode', 36, 24]]);

/** Which (class, subclass) each kind lives at; subclass -1 means "given by the token". */
export const KIND_CLASS: Readonly<Record<TokenKind, readonly [cls: 0 | 1 | 2, subclass: number]>> = {
  transferCredit: [0, -1],
  transferCurrency: [0, -1],
  meterTest: [1, -1],
  setMaximumPowerLimit: [2, 0],
  clearCredit: [2, 1],
  setTariffRate: [2, 2],
  set1stSectionDecoderKey: [2, 3],
  set2ndSectionDecoderKey: [2, 4],
  clearTamperCondition: [2, 5],
  setMaximumPhasePowerUnbalanceLimit: [2, 6],
  setWaterMeterFactor: [2, 7],
  set3rdSectionDecoderKey: [2, 8],
  setSupplyGroupCode: [2, 8],
  set4thSectionDecoderKey: [2, 9],
};

/** Read a field of up to 36 bits from the block halves. */
export function readBits(hi: number, lo: number, lsb: number, width: number): number {
  if (lsb >= 32) {
    const v = hi >>> (lsb - 32);
    return width >= 32 ? v >>> 0 : v & ((1 << width) - 1);
  }
  const top = lsb + width;
  if (top <= 32) {
    const v = lo >>> lsb;
    return width >= 32 ? v >>> 0 : v & ((1 << width) - 1);
  }
  // Straddles the halves: high part from `hi`, low part from `lo`.
  const hiWidth = top - 32;
  const hiPart = hiWidth >= 32 ? hi >>> 0 : hi & ((1 << hiWidth) - 1);
  return hiPart * 2 ** (32 - lsb) + (lo >>> lsb);
}

/** OR a field into the block halves (out[0] = hi, out[1] = lo). The value must already fit. */
export function writeBits(out: Uint32Array, value: number, lsb: number, width: number): void {
  if (lsb >= 32) {
    out[0] = (out[0]! | (value << (lsb - 32))) >>> 0;
    return;
  }
  const top = lsb + width;
  if (top <= 32) {
    out[1] = (out[1]! | (value << lsb)) >>> 0;
    return;
  }
  const split = 2 ** (32 - lsb);
  const low = value % split;
  const high = (value - low) / split; // exact: value < 2^53 and split is a power of two
  out[0] = (out[0]! | high) >>> 0;
  out[1] = (out[1]! | (low * 2 ** lsb)) >>> 0;
}

export function checkField(kind: string, name: string, value: unknown, width: number): number {
  const max = 2 ** width - 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    fail('RANGE', `${kind}: field ${name} must be an integer from 0 to ${max} (${width} bits); got ${JSON.stringify(value)}`);
  }
  return value;
}
