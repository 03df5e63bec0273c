/**
 * The STS token CRC (IEC 62055-41; sts-reference §4).
 *
 * CRC-16 with polynomial x^16 + x^15 + x^2 + 1 processed reflected (0xA001), init 0xFFFF, no final
 * XOR (the catalogue's CRC-16/MODBUS, §4.1), over the 7 bytes of class(2 bits) ‖ block bits 63..16
 * (left-padded with 6 zero bits, big-endian). The two result bytes are swapped before they are
 * stored in block bits 15..0. Currency tokens (class 0 sub 4–7) append one byte 0x01: CRC_C, §4.3.
 * Not CRC-16/CCITT-FALSE (§4.4).
 */
import { fail } from '../errors';
import { checkClass, checkWords } from './block-words';
import { showInput, typeOfInput } from './input-text';

/** Byte-at-a-time table for the reflected polynomial 0xA001. */
const TABLE: Uint16Array = /* @__PURE__ */ buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
}

/**
 * CRC of a token (§4.1, §4.3): `hi`/`lo` are the PLAINTEXT 64-bit block halves (bits 15..0 of `lo`,
 * the CRC field itself, are ignored). Returns the 16-bit value as stored in block bits 15..0.
 * @param cls - the class, 0..3
 * @param hi - plaintext bits 63..32
 * @param lo - plaintext bits 31..0
 * @param currency - true for class 0 subclasses 4–7 (CRC_C)
 * @throws HydroSyncError `RANGE` a class or half out of range; `FORMAT` a non-boolean `currency`.
 */
export function tokenCrc(cls: number, hi: number, lo: number, currency: boolean): number {
  checkClass(cls);
  checkWords(hi, lo);
  if (typeof currency !== 'boolean') {
    fail('FORMAT', `currency must be true (CRC_C, class 0 sub 4–7) or false; got ${showInput(currency)}`);
  }
  const t = TABLE;
  let c = 0xffff;
  c = (c >>> 8) ^ t[(c ^ cls) & 0xff]; // byte 0: 6 zero bits ‖ class
  c = (c >>> 8) ^ t[(c ^ (hi >>> 24)) & 0xff]; // bytes 1..4: block bits 63..32
  c = (c >>> 8) ^ t[(c ^ (hi >>> 16)) & 0xff];
  c = (c >>> 8) ^ t[(c ^ (hi >>> 8)) & 0xff];
  c = (c >>> 8) ^ t[(c ^ hi) & 0xff];
  c = (c >>> 8) ^ t[(c ^ (lo >>> 24)) & 0xff]; // bytes 5..6: block bits 31..16
  c = (c >>> 8) ^ t[(c ^ (lo >>> 16)) & 0xff];
  if (currency) c = (c >>> 8) ^ t[(c ^ 0x01) & 0xff]; // CRC_C appends 0x01 (§4.3)
  return ((c & 0xff) << 8) | (c >>> 8);
}

/**
 * The token CRC, byte-swapped the same way, over arbitrary bytes (the `crc16` vector kind).
 * @param bytes - the bytes
 * @throws HydroSyncError `FORMAT` if `bytes` is not a Uint8Array.
 */
export function crc16Sts(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) {
    fail('FORMAT', `crc16Sts needs a Uint8Array; got ${typeOfInput(bytes)}`);
  }
  let c = 0xffff;
  for (let i = 0; i < bytes.length; i++) c = (c >>> 8) ^ TABLE[(c ^ bytes[i]) & 0xff];
  return ((c & 0xff) << 8) | (c >>> 8);
}
