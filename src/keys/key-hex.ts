import { HydroSyncError } from '../errors';

/** The lengths (hex digits) of each kind of key, and how messages say them. */
const KEY_HEX = {
  vending: { lengths: [16, 40], text: '16 hex digits (64 bits, DKGA02) or 40 (160 bits, DKGA04)', code: 'KEY' },
  decoder: { lengths: [16, 32], text: '16 hex digits (64 bits, EA07/EA09) or 32 (128 bits, EA11)', code: 'KEY' },
  master: { lengths: [64], text: '64 hex digits (256 bits, AES-256)', code: 'MASTER_KEY' },
} as const;

/**
 * Check key hex before anything can quote it: only hex digits (optional 0x), the right length.
 * Messages give the length, never the digits.
 */
export function checkKeyHex(value: unknown, what: keyof typeof KEY_HEX, source: string): string {
  const { lengths, text, code } = KEY_HEX[what];
  if (typeof value !== 'string') throw new HydroSyncError(code, `${source}: the ${what} key must be a hex string`);
  const clean = value.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    throw new HydroSyncError(code, `${source}: the ${what} key may contain only hex digits 0-9 and a-f`);
  }
  if (!(lengths as readonly number[]).includes(clean.length)) {
    throw new HydroSyncError(code, `${source}: a ${what} key is ${text}; got ${clean.length} characters`);
  }
  return clean.toLowerCase();
}
