import { fail } from '../errors';
import { tokenCrc } from '../codec/crc16';
import { parseToken } from '../codec/token-digits';
import type { DecoderKey } from '../keys/decoder-key';
import { LAYOUTS, SUPPLY_GROUP_CODE_LAYOUT, type Layout, readBits } from './layout';
import type { Token } from './types';

export interface DecodeOptions {
  /**
   * How to read class 2 subclass 8: '4-token' (SGC low 12 bits + key bytes 4–7), '3-token'
   * (the 24-bit SGC of a 3KCT set), or 'auto' (default): 3-token when bits 35..16 are zero,
   * which a 4-token NKMO2 only does with probability 2^-20.
   */
  subclass8?: 'auto' | '3-token' | '4-token';
}

const block = new Uint32Array(2);

/** Decrypt `block` in place with the key of an encrypted (class 0 or 2) token; KEY when there is none. */
function decryptBlock(cls: number, key: DecoderKey | null | undefined): void {
  if (key === undefined || key === null) fail('KEY', `this is a class ${cls} token: it is encrypted and needs the meter's decoder key to decode`);
  if (typeof key.cipher?.decrypt !== 'function') fail('KEY', 'the key must be a DecoderKey (deriveDecoderKey or DecoderKey.fromHex)');
  key.cipher.decrypt(block);
}

function readFields(layout: Layout, hi: number, lo: number): Record<string, number> {
  const f: Record<string, number> = {};
  for (const [name, lsb, width] of layout.fields) f[name] = readBits(hi, lo, lsb, width);
  return f;
}

/**
 * Decode a 20-digit token: parse (FORMAT), undo the transposition, decrypt with the decoder key
 * (class 0 and 2), verify the CRC (CRC; CRC_C for currency) and return the typed fields.
 * Reserved classes and subclasses give FUNCTION (after the CRC check, as a meter would).
 * Never throws anything but a HydroSyncError.
 */
export function decodeToken(token: string, key?: DecoderKey | null, options?: DecodeOptions): Token {
  const cls = parseToken(token, block);
  if (cls === 3) fail('FUNCTION', 'token class 3 is reserved by the STS Association; no meter accepts it');
  if (cls !== 1) {
    decryptBlock(cls, key);
  }
  const hi = block[0]!;
  const lo = block[1]!;
  const sub = hi >>> 28;
  const currency = cls === 0 && sub >= 4 && sub <= 7;
  if (tokenCrc(cls, hi, lo, currency) !== (lo & 0xffff)) {
    fail('CRC', cls === 1
      ? 'CRC check failed: the token was mistyped'
      : 'CRC check failed: the token was mistyped, or it is for another meter or another key');
  }
  // Fast paths for the credit tokens.
  if (cls === 0) {
    if (sub < 4) {
      return { kind: 'transferCredit', class: 0, subclass: sub as 0, fields: { rnd: (hi >>> 24) & 0xf, tid: hi & 0xffffff, amount: lo >>> 16 } };
    }
    if (currency) {
      return { kind: 'transferCurrency', class: 0, subclass: sub as 4, fields: { tid: hi & 0xffffff, currencyAmount: (((hi >>> 24) & 0xf) << 16) | (lo >>> 16) } };
    }
    fail('FUNCTION', `class 0 subclass ${sub} is reserved; no meter accepts it`);
  }
  let layout = LAYOUTS[cls * 16 + sub];
  if (layout === undefined) fail('FUNCTION', `class ${cls} subclass ${sub} is reserved or not supported (e.g. STS 202-5 extended tokens)`);
  if (cls === 2 && sub === 8) {
    const mode = options?.subclass8 ?? 'auto';
    if (mode === '3-token' || (mode === 'auto' && readBits(hi, lo, 16, 20) === 0)) {
      if (readBits(hi, lo, 16, 20) !== 0) fail('FORMAT', 'class 2 subclass 8 of a 3-token set must have bits 35..16 zero');
      layout = SUPPLY_GROUP_CODE_LAYOUT;
    }
  }
  return { kind: layout.kind, class: cls, subclass: sub, fields: readFields(layout, hi, lo) } as Token;
}

/** The decrypted 64-bit block of a token as 16 hex digits, and its class (for diagnostics and auditors). */
export function decryptTokenBlock(token: string, key?: DecoderKey | null): { class: number; block: string } {
  const cls = parseToken(token, block);
  if (cls === 0 || cls === 2) {
    decryptBlock(cls, key);
  }
  return { class: cls, block: block[0]!.toString(16).padStart(8, '0') + block[1]!.toString(16).padStart(8, '0') };
}
