/**
 * Hex strings ⇄ bytes and 64-bit block halves (vector files, keys, blocks).
 * Hex is big-endian and case-insensitive, with an optional "0x" prefix (vectors-format.md).
 */
import { fail } from '../errors';
import { checkWords } from './block-words';
import { showInput, typeOfInput } from './input-text';

const HEX = '0123456789abcdef';

/** Value of one hex digit, or −1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20; // fold A–F to a–f
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Strip an optional 0x prefix and check that only hex digits remain (surrounding whitespace ignored). */
function hexDigits(hex: unknown, what: string): string {
  if (typeof hex !== 'string') fail('FORMAT', `${what} must be a hex string; got ${typeOfInput(hex)}`);
  let s = hex.trim();
  if (s.length >= 2 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 0x20) === 120) s = s.slice(2);
  for (let i = 0; i < s.length; i++) {
    if (nibble(s.charCodeAt(i)) < 0) {
      // The input itself is never quoted: hex strings are often key material.
      fail('FORMAT', `${what} may contain only hex digits 0-9 and a-f (optionally after 0x); found ${showInput(s[i])} at position ${i + 1}`);
    }
  }
  return s;
}

/**
 * Hex → bytes. With expectedBytes, the string must hold exactly that many bytes.
 * @param hex - an even number of hex digits
 * @param expectedBytes - the required length in bytes, if any
 * @throws HydroSyncError `FORMAT` not hex, an odd length, or not `expectedBytes` long.
 */
export function hexToBytes(hex: string, expectedBytes?: number): Uint8Array {
  if (expectedBytes !== undefined && !(Number.isSafeInteger(expectedBytes) && expectedBytes >= 0)) {
    fail('RANGE', `expectedBytes must be a non-negative integer; got ${showInput(expectedBytes)}`);
  }
  const s = hexDigits(hex, 'hex');
  if (expectedBytes !== undefined && s.length !== expectedBytes * 2) {
    fail('FORMAT', `hex must be exactly ${expectedBytes * 2} hex digits (${expectedBytes} bytes); got ${s.length}`);
  }
  if (s.length % 2 !== 0) fail('FORMAT', `hex must have an even number of digits (two per byte); got ${s.length}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (nibble(s.charCodeAt(2 * i)) << 4) | nibble(s.charCodeAt(2 * i + 1));
  }
  return out;
}

/**
 * Bytes → lowercase hex.
 * @param bytes - the bytes
 * @throws HydroSyncError `FORMAT` if `bytes` is not a Uint8Array.
 */
export function bytesToHex(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) fail('FORMAT', `bytesToHex needs a Uint8Array; got ${typeOfInput(bytes)}`);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >>> 4] + HEX[bytes[i] & 15];
  return s;
}

/** 16 hex digits (a 64-bit block) → out[0] = bits 63..32, out[1] = bits 31..0. */
export function hexToHalves(hex16: string, out: Uint32Array): void {
  if (!(out instanceof Uint32Array) || out.length < 2) {
    fail('FORMAT', `hexToHalves needs a Uint32Array of length 2 or more; got ${showInput(out)}`);
  }
  const s = hexDigits(hex16, '64-bit block hex');
  if (s.length !== 16) fail('FORMAT', `64-bit block hex must be exactly 16 hex digits (8 bytes); got ${s.length}`);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) hi = hi * 16 + nibble(s.charCodeAt(i));
  for (let i = 8; i < 16; i++) lo = lo * 16 + nibble(s.charCodeAt(i));
  out[0] = hi;
  out[1] = lo;
}

/** Block halves (32-bit words; signed int32 accepted) → 16 lowercase hex digits. RANGE otherwise. */
export function halvesToHex(hi: number, lo: number): string {
  checkWords(hi, lo);
  return word(hi) + word(lo);
}

function word(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
