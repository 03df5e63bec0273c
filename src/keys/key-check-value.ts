import type { DecoderKey } from './decoder-key';

/**
 * Key check value: the all-zero block encrypted with the key's own cipher (EA07 STA, EA09 DES,
 * EA11 MISTY1), first 6 hex digits, upper case. It tells two keys apart (or shows that a key
 * arrived intact) without revealing the key.
 */
export function keyCheckValue(key: DecoderKey): string {
  const block = new Uint32Array(2);
  key.cipher.encrypt(block);
  return block[0]!.toString(16).padStart(8, '0').slice(0, 6).toUpperCase();
}
