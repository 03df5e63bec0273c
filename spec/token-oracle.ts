// An independent oracle for building tokens in the specs: the block laid out bit by bit, the CRC
// computed bit by bit, the class transposed in with BigInt, straight from the reference (§1.3,
// §1.4, §4.1, §4.3). It shares no code with src/codec, so a test that builds its input or its
// expected value here does not take it from the code under test. Only the block cipher is the
// library's (proven separately by the cipher vectors, spec/cipher-*.test.ts).
import type { BlockCipher64 } from '../src/cipher';

/** CRC-16/MODBUS, bit by bit: reflected polynomial 0xA001, init 0xFFFF, no final XOR (§4.1). */
export function crcModbus(bytes: readonly number[]): number {
  let c = 0xffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  }
  return c;
}

/**
 * The 16-bit CRC field of a plaintext block (bits 63..16 given as a 48-bit bigint): over the byte
 * of the class, then the 6 bytes of bits 63..16, then 0x01 for a currency token (CRC_C, §4.3); the
 * two result bytes swapped (§4.1).
 */
export function crcField(cls: number, bits63to16: bigint, currency = false): number {
  const bytes = [cls];
  for (let shift = 40n; shift >= 0n; shift -= 8n) bytes.push(Number((bits63to16 >> shift) & 0xffn));
  if (currency) bytes.push(1);
  const c = crcModbus(bytes);
  return ((c & 0xff) << 8) | (c >>> 8);
}

/** A field placed in a 64-bit block: [value, lsb, width]. */
export type Field = readonly [value: number | bigint, lsb: number, width: number];

/** Bits 63..16 of a block from fields (each must fit its width; the oracle checks). */
export function layBits(fields: readonly Field[]): bigint {
  let block = 0n;
  for (const [value, lsb, width] of fields) {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << BigInt(width)) throw new Error(`oracle: ${v} does not fit ${width} bits`);
    block |= v << BigInt(lsb);
  }
  if ((block & 0xffffn) !== 0n) throw new Error('oracle: bits 15..0 are the CRC');
  return block >> 16n;
}

/** The 20 digits of a token: class bits transposed into bits 28..27 of the (encrypted) block (§1.3, §1.4). */
export function transposeToDigits(cls: number, encrypted: bigint): string {
  const bit28 = (encrypted >> 28n) & 1n;
  const bit27 = (encrypted >> 27n) & 1n;
  let t66 = encrypted & ~(3n << 27n);
  t66 |= BigInt(cls) << 27n;
  t66 |= (bit28 << 65n) | (bit27 << 64n);
  return t66.toString().padStart(20, '0');
}

/**
 * A token from fields: CRC over the plaintext (wrong on purpose when `crcDelta` is not 0), then
 * encrypted with `cipher` (class 0 and 2) or left plain (class 1), then transposed.
 */
export function oracleToken(cls: number, fields: readonly Field[], opts: { cipher?: BlockCipher64; currency?: boolean; crcDelta?: number } = {}): string {
  const upper = layBits(fields);
  const crc = (crcField(cls, upper, opts.currency) ^ (opts.crcDelta ?? 0)) & 0xffff;
  let block = (upper << 16n) | BigInt(crc);
  if (opts.cipher) {
    const b = new Uint32Array([Number(block >> 32n), Number(block & 0xffffffffn)]);
    opts.cipher.encrypt(b);
    block = (BigInt(b[0]!) << 32n) | BigInt(b[1]!);
  }
  return transposeToDigits(cls, block);
}
