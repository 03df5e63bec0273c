import { fail } from '../errors';
import { tokenCrc } from '../codec/crc16';
import { formatToken } from '../codec/token-digits';
import { isKeyExpired, isReservedTid } from '../codec/tid';
import type { DecoderKey } from '../keys/decoder-key';
import { KIND_CLASS, LAYOUTS, SUPPLY_GROUP_CODE_LAYOUT, type Layout, checkField, writeBits } from './layout';
import { randomNibble } from './random';
import type { Token, TokenInput } from './types';

export interface GenerateOptions {
  /** Allow a TID on the reserved 00:01 minute (TID mod 1440 = 1); the vending side normally never uses it (§5.3). */
  allowReservedTid?: boolean;
  /** Allow a TID past the key's KeyExpiryNumber (§5.5); a vending system must refuse these. */
  allowExpiredKey?: boolean;
}

/** The layout for a token input; FUNCTION for kinds/subclasses that do not exist. */
export function layoutOf(t: { kind: string; subclass: number; class?: number }): Layout {
  const place = KIND_CLASS[t.kind as Token['kind']];
  if (place === undefined) fail('FUNCTION', `unknown token kind ${JSON.stringify(t.kind)}`);
  const [cls, fixedSub] = place;
  if (t.class !== undefined && t.class !== cls) fail('FUNCTION', `token kind ${t.kind} is class ${cls}, not class ${t.class}`);
  const sub = t.subclass;
  if (fixedSub >= 0 && sub !== fixedSub) fail('FUNCTION', `token kind ${t.kind} is subclass ${fixedSub}, not ${JSON.stringify(sub)}`);
  if (t.kind === 'setSupplyGroupCode') return SUPPLY_GROUP_CODE_LAYOUT;
  const layout = typeof sub === 'number' && Number.isInteger(sub) && sub >= 0 && sub < 16 ? LAYOUTS[cls * 16 + sub] : undefined;
  if (layout === undefined || layout.kind !== t.kind) {
    fail('FUNCTION', `class ${cls} subclass ${JSON.stringify(sub)} is not a ${t.kind} token`);
  }
  return layout;
}

/**
 * Build the 64-bit plaintext block (CRC included) of a token: out[0] = bits 63..32, out[1] = bits 31..0.
 * Returns the class. Validates every field (RANGE) and the kind/subclass pair (FUNCTION).
 */
export function buildBlock(token: TokenInput, out: Uint32Array): 0 | 1 | 2 {
  if (token === null || typeof token !== 'object') fail('FORMAT', 'a token must be an object with kind, subclass and fields');
  const layout = layoutOf(token);
  const fields = token.fields as unknown as Record<string, unknown>;
  if (fields === null || typeof fields !== 'object') fail('FORMAT', `${token.kind}: fields must be an object`);
  out[0] = (token.subclass << 28) >>> 0;
  out[1] = 0;
  for (const [name, lsb, width] of layout.fields) {
    if (!(name in fields) && name === 'rnd') {
      writeBits(out, randomNibble(), lsb, width);
      continue;
    }
    if (!(name in fields) && name === 'pad') continue;
    const v = checkField(token.kind, name, fields[name], width);
    if (name === 'currencyAmount') {
      out[0] = (out[0]! | ((v >>> 16) << 24)) >>> 0;
      out[1] = (out[1]! | ((v & 0xffff) << 16)) >>> 0;
    } else {
      writeBits(out, v, lsb, width);
    }
  }
  for (const name in fields) {
    if (!layout.names.has(name)) fail('FORMAT', `${token.kind}: unknown field ${JSON.stringify(name)}; expected ${[...layout.names].join(', ')}`);
  }
  const cls = layout.cls;
  const currency = token.kind === 'transferCurrency';
  out[1] = (out[1]! | tokenCrc(cls, out[0]!, out[1]!, currency)) >>> 0;
  return cls;
}

const scratch = new Uint32Array(2);

/**
 * Generate the 20-digit token for a typed token. Class 0 and 2 need the decoder key (the block is
 * encrypted with it, and TIDs are checked against its KEN); class 1 is not encrypted and takes none.
 * A missing `rnd` is drawn at random.
 *
 * @param token - the typed token: `kind`, `subclass` and `fields` (see the token types)
 * @param key - the meter's decoder key (class 0 and 2)
 * @param options - `allowReservedTid`, `allowExpiredKey`
 * @returns the 20 digits, ungrouped
 * @throws HydroSyncError `RANGE` a field out of range; `FUNCTION` a kind/subclass that does not
 *   exist; `KEY` class 0/2 without a DecoderKey; `TID` the reserved 00:01 minute; `KEY_EXPIRED` a
 *   TID past the KeyExpiryNumber; `FORMAT` a malformed token object.
 * @example
 * ```ts
 * const digits = generateToken({ kind: 'transferCredit', subclass: 1,
 *   fields: { rnd: 5, tid: 6_793_050, amount: 26 } }, key); // 2.6 m³
 * ```
 */
export function generateToken(token: TokenInput, key?: DecoderKey | null, options: GenerateOptions = {}): string {
  const cls = buildBlock(token, scratch);
  const tid = (token.fields as { tid?: number }).tid;
  if (typeof tid === 'number') {
    if (!options.allowReservedTid && isReservedTid(tid)) {
      fail('TID', `TID ${tid} falls on the reserved 00:01 minute (SpecialReservedTokenIdentifier, §5.3); use TID ${tid + 1}`);
    }
  }
  if (cls === 1) return formatToken(1, scratch[0]!, scratch[1]!);
  if (key === undefined || key === null) fail('KEY', `a ${token.kind} token (class ${cls}) is encrypted: a decoder key is required`);
  if (typeof key.cipher?.encrypt !== 'function') fail('KEY', 'the key must be a DecoderKey (deriveDecoderKey or DecoderKey.fromHex)');
  if (typeof tid === 'number' && !options.allowExpiredKey && isKeyExpired(tid, key.keyExpiryNumber)) {
    fail('KEY_EXPIRED', `TID ${tid} is past the key's KeyExpiryNumber ${key.keyExpiryNumber} (TID >> 16 = ${tid >>> 16}); issue a key change first`);
  }
  key.cipher.encrypt(scratch);
  return formatToken(cls, scratch[0]!, scratch[1]!);
}
