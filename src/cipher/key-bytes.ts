import { fail } from '../errors';
import type { CipherName } from './types';

/** Reject a key that is not a Uint8Array of exactly `bytes` bytes (error code 'KEY'). */
export function checkKey(key: Uint8Array, bytes: number, cipher: CipherName): void {
  if (!(key instanceof Uint8Array)) fail('KEY', `${cipher} key must be a Uint8Array`);
  if (key.length !== bytes)
    fail('KEY', `${cipher} key must be ${bytes} bytes (${bytes * 8} bits), got ${key.length}`);
}

/** Big-endian 32-bit word of `b` at byte offset `i`. */
export function readU32BE(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
