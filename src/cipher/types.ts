/** The block ciphers of IEC 62055-41 §6.5.4–6.5.6: EA07 (STA), EA09 (DES), EA11 (MISTY1). */
export type CipherName = 'STA' | 'DES' | 'MISTY1';

/**
 * A prepared (key-scheduled) 64-bit block cipher.
 * block[0] = high 32 bits (bits 63..32), block[1] = low 32 bits, both unsigned.
 * Operates IN PLACE, allocates nothing.
 */
export interface BlockCipher64 {
  readonly name: CipherName;
  encrypt(block: Uint32Array): void;
  decrypt(block: Uint32Array): void;
}
