import { fail } from '../errors';
import type { BaseDate } from '../codec/tid';
import { DecoderKey, decoderKeyBytes, type DecoderKeyOptions } from '../keys/decoder-key';
import type { KeyType } from '../keys/types';
import { type DecodeOptions, decodeToken } from './decode';
import { type GenerateOptions, generateToken } from './generate';
import type { KeyChangeToken, Set1stSectionDecoderKeyToken, Set2ndSectionDecoderKeyToken, Set3rdSectionDecoderKeyToken, Set4thSectionDecoderKeyToken, SetSupplyGroupCodeToken, Token } from './types';
import { checkArray, checkObject, checkOptions } from '../argument-checks';

// Key change token sets, IEC 62055-41 §6.2.7–6.2.8, §6.3.14–6.3.17 (reference §2.6).

export interface KeyChangeOptions {
  /** RolloverKeyChange (RO). Default: true exactly when the base date changes (e.g. 1993 → 2014). */
  rollover?: boolean;
  /** For a 64-bit new key: add the third token carrying the SGC (3KCT). Default false. */
  threeTokenSet?: boolean;
  /** New KeyExpiryNumber; default the new key's own keyExpiryNumber. */
  keyExpiryNumber?: number;
}

function word(bytes: Uint8Array, i: number): number {
  return ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
}

/**
 * The typed tokens of a key-change set, in entry order (1st, 2nd[, 3rd[, 4th]]), not yet encrypted.
 *
 * @param currentKey - the key the meter holds now
 * @param newKey - the key to install
 * @param options - `rollover`, `threeTokenSet`, `keyExpiryNumber`
 * @throws HydroSyncError `KEY` either argument not a DecoderKey or keys that cannot be paired;
 *   `RANGE` a field out of range.
 */
export function keyChangeTokens(currentKey: DecoderKey, newKey: DecoderKey, options: KeyChangeOptions = {}): KeyChangeToken[] {
  if (!(currentKey instanceof DecoderKey) || !(newKey instanceof DecoderKey)) fail('KEY', 'key change needs the current and the new DecoderKey');
  const baseDateChanges = currentKey.baseDate !== newKey.baseDate;
  const rollover = options.rollover ?? baseDateChanges;
  if (baseDateChanges && !rollover) {
    fail('KEY_CHANGE', `the base date changes from ${currentKey.baseDate} to ${newKey.baseDate}: that is a rollover key change (RO = 1), the meter must reset its TID memory`);
  }
  const ken = options.keyExpiryNumber ?? newKey.keyExpiryNumber;
  if (!Number.isInteger(ken) || ken < 0 || ken > 255) fail('RANGE', `keyExpiryNumber must be 0..255; got ${ken}`);
  const three = options.threeTokenSet === true;
  const dk = decoderKeyBytes(newKey);
  if (three && dk.length !== 8) fail('KEY_CHANGE', 'a 3-token set (3KCT) is for 64-bit keys; a 128-bit key always takes 4 tokens');
  const ti = Number(newKey.tariffIndex);
  const sgc = Number(newKey.supplyGroupCode);
  const first: Set1stSectionDecoderKeyToken = {
    kind: 'set1stSectionDecoderKey', class: 2, subclass: 3,
    fields: {
      keyExpiryNumberHigh: ken >>> 4, keyRevisionNumber: newKey.keyRevisionNumber, rollover: rollover ? 1 : 0,
      threeTokenSet: three ? 1 : 0, keyType: newKey.keyType, newKeyHigh: word(dk, 0),
    },
  };
  const second: Set2ndSectionDecoderKeyToken = {
    kind: 'set2ndSectionDecoderKey', class: 2, subclass: 4,
    fields: { keyExpiryNumberLow: ken & 0xf, tariffIndex: ti, newKeyLow: word(dk, dk.length - 4) },
  };
  if (dk.length === 8) {
    if (!three) return [first, second];
    const sgcToken: SetSupplyGroupCodeToken = { kind: 'setSupplyGroupCode', class: 2, subclass: 8, fields: { supplyGroupCode: sgc } };
    return [first, second, sgcToken];
  }
  const third: Set3rdSectionDecoderKeyToken = {
    kind: 'set3rdSectionDecoderKey', class: 2, subclass: 8, fields: { supplyGroupCodeLow: sgc & 0xfff, newKeyMiddle2: word(dk, 4) },
  };
  const fourth: Set4thSectionDecoderKeyToken = {
    kind: 'set4thSectionDecoderKey', class: 2, subclass: 9, fields: { supplyGroupCodeHigh: sgc >>> 12, newKeyMiddle1: word(dk, 8) },
  };
  return [first, second, third, fourth];
}

/**
 * Generate a key-change token set: 2 tokens (64-bit key), 3 (64-bit key with 3KCT) or 4 (128-bit
 * key), encrypted with the CURRENT key and carrying the NEW key's KEN, KRN, KT, TI (and SGC).
 *
 * @param currentKey - the key the meter holds now
 * @param newKey - the key to install
 * @param options - `rollover`, `threeTokenSet`, `keyExpiryNumber`, `allowReservedTid`, `allowExpiredKey`
 * @returns the tokens (20 digits each) in entry order
 * @throws HydroSyncError `KEY` either argument not a DecoderKey, or keys that cannot be paired
 *   (e.g. a 128-bit new key on EA07/EA09); `RANGE` a field out of range; `KEY_CHANGE` an impossible
 *   set (e.g. no base date after rollover).
 * @example
 * ```ts
 * const tokens = generateKeyChange(oldKey, newKey); // enter them in order on the meter
 * const { change, newKey: installed } = decodeKeyChange(tokens, oldKey); // the meter's view
 * ```
 */
export function generateKeyChange(currentKey: DecoderKey, newKey: DecoderKey, options: KeyChangeOptions & GenerateOptions = {}): string[] {
  return keyChangeTokens(currentKey, newKey, options).map((t) => generateToken(t, currentKey, options));
}

/** What a complete key-change set says. */
export interface KeyChange {
  newKeyBytes: Uint8Array;
  keyRevisionNumber: number;
  keyType: KeyType;
  keyExpiryNumber: number;
  /** 2-digit tariff index (from the 8-bit binary field). */
  tariffIndex: string;
  rollover: boolean;
  tokenCount: 2 | 3 | 4;
  /** 6-digit SGC, for 3- and 4-token sets. */
  supplyGroupCode?: string;
}

export type KeyChangeProgress =
  | { complete: false; have: number; need: number }
  | { complete: true; change: KeyChange };

/**
 * Assemble decoded key-change tokens (any order) into a key change. `newKeyBits` says whether the
 * set is for a 64-bit or 128-bit key (a meter knows its own); default: 128 when a subclass 8 or 9
 * 4-token section is present, else 64.
 *
 * @param tokens - decoded tokens (decodeToken results)
 * @param newKeyBits - 64 or 128
 * @returns `{ complete: false, have, need }` until the set is whole, then `{ complete: true, change }`
 * @throws HydroSyncError `KEY_CHANGE` duplicated sections or a token that is not a key-change token.
 */
export function assembleKeyChange(tokens: readonly Token[], newKeyBits?: 64 | 128): KeyChangeProgress {
  checkArray(tokens, 'the key-change tokens', 'KEY_CHANGE');
  for (const t of tokens) checkObject(t, 'each key-change token', 'KEY_CHANGE');
  let s1: Set1stSectionDecoderKeyToken | undefined;
  let s2: Set2ndSectionDecoderKeyToken | undefined;
  let s3: Set3rdSectionDecoderKeyToken | undefined;
  let s4: Set4thSectionDecoderKeyToken | undefined;
  let sg: SetSupplyGroupCodeToken | undefined;
  const dup = (name: string): never => fail('KEY_CHANGE', `the key-change set holds two ${name} tokens`);
  for (const t of tokens) {
    switch (t.kind) {
      case 'set1stSectionDecoderKey': s1 = s1 ? dup('1st section') : t; break;
      case 'set2ndSectionDecoderKey': s2 = s2 ? dup('2nd section') : t; break;
      case 'set3rdSectionDecoderKey': s3 = s3 ? dup('3rd section') : t; break;
      case 'set4thSectionDecoderKey': s4 = s4 ? dup('4th section') : t; break;
      case 'setSupplyGroupCode': sg = sg ? dup('supply group code') : t; break;
      default: fail('KEY_CHANGE', `a ${t.kind} token is not part of a key-change set`);
    }
  }
  const bits = newKeyBits ?? (s3 || s4 ? 128 : 64);
  if (bits === 128 && sg) fail('KEY_CHANGE', 'a 128-bit key change has no 3KCT supply-group-code token');
  if (bits === 64 && (s3 || s4)) fail('KEY_CHANGE', 'a 64-bit key change has no 3rd/4th section tokens');
  const three = s1?.fields.threeTokenSet === 1 || sg !== undefined;
  const need = bits === 128 ? 4 : three ? 3 : 2;
  const have = tokens.length;
  if (!s1 || !s2 || (bits === 128 && (!s3 || !s4)) || (bits === 64 && three && !sg)) {
    return { complete: false, have, need };
  }
  if (bits === 64 && s1.fields.threeTokenSet === 0 && sg) fail('KEY_CHANGE', 'a supply-group-code token was entered but the 1st token does not announce a 3-token set');
  const key = new Uint8Array(bits / 8);
  const put = (w: number, i: number) => { key[i] = w >>> 24; key[i + 1] = (w >>> 16) & 0xff; key[i + 2] = (w >>> 8) & 0xff; key[i + 3] = w & 0xff; };
  put(s1.fields.newKeyHigh, 0);
  put(s2.fields.newKeyLow, key.length - 4);
  let sgc: number | undefined;
  if (bits === 128) {
    put(s3!.fields.newKeyMiddle2, 4);
    put(s4!.fields.newKeyMiddle1, 8);
    sgc = (s4!.fields.supplyGroupCodeHigh << 12) | s3!.fields.supplyGroupCodeLow;
  } else if (sg) {
    sgc = sg.fields.supplyGroupCode;
  }
  if (sgc !== undefined && sgc > 999999) fail('RANGE', `supply group code ${sgc} has more than 6 digits`);
  const ti = s2.fields.tariffIndex;
  if (ti > 99) fail('RANGE', `tariff index ${ti} has more than 2 digits`);
  const krn = s1.fields.keyRevisionNumber;
  if (krn < 1 || krn > 9) fail('RANGE', `key revision number ${krn} is outside 1..9`);
  const change: KeyChange = {
    newKeyBytes: key,
    keyRevisionNumber: krn,
    keyType: s1.fields.keyType as KeyType,
    keyExpiryNumber: (s1.fields.keyExpiryNumberHigh << 4) | s2.fields.keyExpiryNumberLow,
    tariffIndex: String(ti).padStart(2, '0'),
    rollover: s1.fields.rollover === 1,
    tokenCount: need as 2 | 3 | 4,
    ...(sgc !== undefined ? { supplyGroupCode: String(sgc).padStart(6, '0') } : {}),
  };
  return { complete: true, change };
}

/** The base date after a key change: the next one on rollover (1993 → 2014 → 2035), else unchanged. */
export function baseDateAfter(current: BaseDate, rollover: boolean): BaseDate {
  if (!rollover) return current;
  if (current === 1993) return 2014;
  if (current === 2014) return 2035;
  return fail('KEY_CHANGE', 'no base date after 2035 is defined');
}

/**
 * Decode a whole key-change set (tokens in any order) with the current decoder key and return the
 * new DecoderKey with its attributes (EA from the key length: 64-bit keeps the current EA07/EA09,
 * 128-bit is EA11; base date advances on rollover).
 *
 * @param tokens - the 2, 3 or 4 tokens of the set, in any order
 * @param currentKey - the meter's current decoder key
 * @param options - `newKeyBits` (64 | 128; default from the set), `subclass8`, `staTables` for the new key
 * @returns the decoded change and the new DecoderKey
 * @throws HydroSyncError `FORMAT`, `CRC`, `FUNCTION` a token that does not decode (as decodeToken);
 *   `KEY` no current DecoderKey; `KEY_CHANGE` not an array, an incomplete set, duplicated sections
 *   or a token that is not part of a key-change set.
 * @example
 * ```ts
 * const { change, newKey } = decodeKeyChange(generateKeyChange(oldKey, nextKey), oldKey);
 * change.keyRevisionNumber; // the new KRN
 * ```
 */
export function decodeKeyChange(
  tokens: readonly string[],
  currentKey: DecoderKey,
  options: DecodeOptions & DecoderKeyOptions & { newKeyBits?: 64 | 128 } = {},
): { change: KeyChange; newKey: DecoderKey } {
  checkArray(tokens, 'the key-change tokens', 'KEY_CHANGE');
  if (!(currentKey instanceof DecoderKey)) fail('KEY', 'decodeKeyChange needs the meter\'s current DecoderKey');
  checkOptions(options, 'the decode options');
  const decoded = tokens.map((t) => decodeToken(t, currentKey, options));
  const has4TokenSection = decoded.some((t) => t.kind === 'set3rdSectionDecoderKey' || t.kind === 'set4thSectionDecoderKey');
  const progress = assembleKeyChange(decoded, options.newKeyBits ?? (has4TokenSection ? 128 : currentKey.bits));
  if (!progress.complete) fail('KEY_CHANGE', `incomplete key-change set: ${progress.have} of ${progress.need} tokens`);
  const c = progress.change;
  const ea = c.newKeyBytes.length === 16 ? '11' : currentKey.encryptionAlgorithm === '11' ? '07' : currentKey.encryptionAlgorithm;
  const { dkga: _derivedBy, ...inherited } = currentKey.attributes();
  const newKey = DecoderKey.fromBytes(c.newKeyBytes, {
    ...inherited,
    encryptionAlgorithm: ea,
    keyType: c.keyType,
    keyRevisionNumber: c.keyRevisionNumber,
    keyExpiryNumber: c.keyExpiryNumber,
    tariffIndex: c.tariffIndex,
    supplyGroupCode: c.supplyGroupCode ?? currentKey.supplyGroupCode,
    baseDate: baseDateAfter(currentKey.baseDate, c.rollover),
  }, options);
  return { change: c, newKey };
}
