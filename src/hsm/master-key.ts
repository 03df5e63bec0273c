/**
 * The master key: AES-256 (32 bytes). It wraps the vending keys (RFC 3394, key-store.ts) and
 * gives the subkeys of the audit-head MAC and of sealed reissue records. A check value kept in the
 * store at init tells a wrong master key apart before anything else happens (MASTER_KEY).
 *
 * Where it comes from is the caller's business (env var or key file; see the CLI). It is never
 * printed, logged, put in an error message, or stored.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { fail } from '../errors';
import { bytesToHex, hexToBytes } from '../codec/hex';

export const MASTER_KEY_BYTES = 32;
const PREFIX = 'hydrosync/hsm/1/';

/**
 * 64 hex digits (AES-256; an optional 0x and surrounding whitespace are ignored) → 32 bytes. The
 * input is never quoted in a message.
 * @param hex - the master key as hex
 * @throws HydroSyncError `MASTER_KEY` for anything else.
 */
export function parseMasterKey(hex: string): Uint8Array {
  if (typeof hex !== 'string') fail('MASTER_KEY', 'the master key must be given as a string of 64 hex digits');
  const s = hex.trim().replace(/^0x/i, '');
  if (s.length !== 64 || !/^[0-9a-fA-F]+$/.test(s)) {
    const what = s.length !== 64 ? `${s.length} characters` : 'characters that are not hex digits';
    fail('MASTER_KEY', `the master key must be exactly 64 hex digits (a 256-bit AES key); got ${what}. Generate one with: node -e "console.log(crypto.randomBytes(32).toString('hex'))"`);
  }
  return hexToBytes(s);
}

/** A 32-byte Uint8Array, copied; MASTER_KEY otherwise. */
export function checkMasterKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== MASTER_KEY_BYTES) {
    fail('MASTER_KEY', `the master key must be ${MASTER_KEY_BYTES} bytes (AES-256); use parseMasterKey(hex) on 64 hex digits`);
  }
  return Uint8Array.from(key);
}

/** HMAC-SHA-256(master, label): independent subkeys and the check value. */
function deriveSubkey(master: Uint8Array, label: string): Uint8Array {
  return hmac(sha256, master, utf8ToBytes(PREFIX + label));
}

/** The check value kept in the store (a one-way function of the master key; reveals nothing usable). */
export function masterKeyCheckValue(master: Uint8Array): string {
  return bytesToHex(deriveSubkey(master, 'check-value'));
}

/** Constant-time comparison of two equal-length strings. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** The keys an open Hsm holds (kept in private fields, never serialised). */
export interface MasterKeys {
  /** The key-encryption key for RFC 3394 wrapping: the master key itself. */
  kek: Uint8Array;
  /** HMAC key of the audit head (seq, hash). */
  audit: Uint8Array;
  /** XChaCha20-Poly1305 key of sealed reissue records. */
  seal: Uint8Array;
}

export function masterKeys(master: Uint8Array): MasterKeys {
  return { kek: master, audit: deriveSubkey(master, 'audit-head'), seal: deriveSubkey(master, 'reissue-seal') };
}
